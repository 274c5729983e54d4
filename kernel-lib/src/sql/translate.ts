/**
 * Snowflake-flavoured SQL → the backend's family. Learners write `IFF`, `NVL`, `TO_CHAR(d, 'YYYY-MM')`,
 * `CURRENT_TIMESTAMP()`, `DATEADD`, `DATEDIFF` …; this rewrites those calls, token by token, and leaves
 * everything else exactly as written. Rewriting tokens rather than re-printing an AST keeps the user's text
 * (and so error positions) intact; `toSource` maps an offset in the output back to the input. FLATTEN in
 * FROM is sql/flatten.ts's.
 *
 * The table of translations is documented in docs/sql-dialect.md; keep the two in step.
 */
import { formatTimestamp, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { flattenAt } from './flatten.js';
import { type Token, tokenize } from './lexer.js';
import { positionAt } from './position.js';
import { rewriteSelects } from './select-rewrite.js';
import { type ColumnsOf, starNames } from './star-columns.js';
import { monitoringCall } from './table-functions.js';

export { translateType } from './column-types.js';

export interface Translation {
  text: string;
  /** Offset in `text` → offset in the original SQL. */
  toSource(offset: number): number;
}

interface Piece {
  text: string;
  source: number;
  /** Verbatim pieces map offset for offset; rewritten ones map to where the call started. */
  verbatim: boolean;
}

type Rewrite = (args: string[], family: SqlFamily) => string | undefined;

const DATE_PARTS: Record<string, { unit: string; count: number }> = {};
for (const [unit, aliases] of Object.entries({
  year: ['year', 'years', 'y', 'yy', 'yyy', 'yyyy', 'yr', 'yrs'],
  quarter: ['quarter', 'quarters', 'q', 'qtr', 'qtrs'],
  month: ['month', 'months', 'mm', 'mon', 'mons'],
  week: ['week', 'weeks', 'w', 'wk', 'weekofyear', 'woy', 'wy'],
  day: ['day', 'days', 'd', 'dd', 'dayofmonth'],
  hour: ['hour', 'hours', 'h', 'hh', 'hr', 'hrs'],
  minute: ['minute', 'minutes', 'm', 'mi', 'min', 'mins'],
  second: ['second', 'seconds', 's', 'sec', 'secs'],
})) {
  for (const a of aliases) DATE_PARTS[a] = { unit, count: 1 };
}

function datePart(arg: string): string | undefined {
  const bare = arg
    .trim()
    .replace(/^'(.*)'$/, '$1')
    .toLowerCase();
  return DATE_PARTS[bare]?.unit;
}

/** Snowflake date/time format elements → strftime (DuckDB) and to_char (PostgreSQL) elements. */
const FORMAT_ELEMENTS: [string, string, string][] = [
  ['YYYY', '%Y', 'YYYY'],
  ['YY', '%y', 'YY'],
  ['MMMM', '%B', 'FMMonth'],
  ['MON', '%b', 'Mon'],
  ['MM', '%m', 'MM'],
  ['DD', '%d', 'DD'],
  ['DY', '%a', 'Dy'],
  ['HH24', '%H', 'HH24'],
  ['HH12', '%I', 'HH12'],
  ['HH', '%H', 'HH24'],
  ['MI', '%M', 'MI'],
  ['SS', '%S', 'SS'],
  ['FF', '%f', 'US'],
  ['AM', '%p', 'AM'],
  ['PM', '%p', 'PM'],
];

/** Converts a Snowflake format string literal; text in double quotes is copied literally. */
function convertFormat(literal: string, family: SqlFamily): string | undefined {
  if (!/^'.*'$/s.test(literal.trim())) return undefined;
  const fmt = literal.trim().slice(1, -1);
  let out = '';
  let i = 0;
  outer: while (i < fmt.length) {
    if (fmt[i] === '"') {
      const close = fmt.indexOf('"', i + 1);
      const text = fmt.slice(i + 1, close < 0 ? fmt.length : close);
      out += family === 'duckdb' ? text.replace(/%/g, '%%') : `"${text}"`;
      i = close < 0 ? fmt.length : close + 1;
      continue;
    }
    for (const [sf, duck, pg] of FORMAT_ELEMENTS) {
      if (fmt.slice(i, i + sf.length).toUpperCase() === sf) {
        out += family === 'duckdb' ? duck : pg;
        i += sf.length;
        continue outer;
      }
    }
    const ch = fmt[i] as string;
    out += family === 'duckdb' && ch === '%' ? '%%' : ch;
    i++;
  }
  return `'${out}'`;
}

function interval(unit: string, n: string): string {
  if (unit === 'quarter') return `(${n}) * INTERVAL '3 month'`;
  if (unit === 'week') return `(${n}) * INTERVAL '7 day'`;
  return `(${n}) * INTERVAL '1 ${unit}'`;
}

/** DATEDIFF on PostgreSQL: Snowflake counts boundaries crossed, not elapsed time. */
function pgDateDiff(unit: string, a: string, b: string): string {
  const ex = (field: string, v: string) => `EXTRACT(${field} FROM ${v})`;
  const years = `(${ex('YEAR', b)} - ${ex('YEAR', a)})`;
  switch (unit) {
    case 'year':
      return `CAST(${years} AS BIGINT)`;
    case 'quarter':
      return `CAST(${years} * 4 + ${ex('QUARTER', b)} - ${ex('QUARTER', a)} AS BIGINT)`;
    case 'month':
      return `CAST(${years} * 12 + ${ex('MONTH', b)} - ${ex('MONTH', a)} AS BIGINT)`;
    case 'week':
      return `CAST((CAST(date_trunc('week', ${b}) AS DATE) - CAST(date_trunc('week', ${a}) AS DATE)) / 7 AS BIGINT)`;
    case 'day':
      return `CAST(CAST(${b} AS DATE) - CAST(${a} AS DATE) AS BIGINT)`;
    default: {
      const seconds = { hour: 3600, minute: 60, second: 1 }[unit] ?? 1;
      const epoch = (v: string) => `EXTRACT(EPOCH FROM date_trunc('${unit}', CAST(${v} AS TIMESTAMP)))`;
      return `CAST((${epoch(b)} - ${epoch(a)}) / ${seconds} AS BIGINT)`;
    }
  }
}

const nowFunctions: Record<string, string> = {
  current_timestamp: 'CURRENT_TIMESTAMP',
  current_date: 'CURRENT_DATE',
  current_time: 'CURRENT_TIME',
  localtimestamp: 'LOCALTIMESTAMP',
  sysdate: 'CURRENT_TIMESTAMP',
  getdate: 'CURRENT_TIMESTAMP',
  systimestamp: 'CURRENT_TIMESTAMP',
};

/** Function name (lower case) → rewrite. Returning undefined leaves the call as written. */
const REWRITES: Record<string, Rewrite> = {
  ...Object.fromEntries(
    Object.entries(nowFunctions).map(([name, kw]) => [name, (args) => (args.length === 0 ? kw : undefined)]),
  ),
  iff: (a) => (a.length === 3 ? `CASE WHEN ${a[0]} THEN ${a[1]} ELSE ${a[2]} END` : undefined),
  nvl: (a) => (a.length === 2 ? `COALESCE(${a[0]}, ${a[1]})` : undefined),
  ifnull: (a) => (a.length === 2 ? `COALESCE(${a[0]}, ${a[1]})` : undefined),
  nvl2: (a) => (a.length === 3 ? `CASE WHEN ${a[0]} IS NOT NULL THEN ${a[1]} ELSE ${a[2]} END` : undefined),
  zeroifnull: (a) => (a.length === 1 ? `COALESCE(${a[0]}, 0)` : undefined),
  nullifzero: (a) => (a.length === 1 ? `NULLIF(${a[0]}, 0)` : undefined),
  div0: (a) => (a.length === 2 ? `CASE WHEN (${a[1]}) = 0 THEN 0 ELSE (${a[0]}) / (${a[1]}) END` : undefined),
  to_char: (a, family) => {
    if (a.length === 1) return `CAST(${a[0]} AS ${family === 'duckdb' ? 'VARCHAR' : 'TEXT'})`;
    const fmt = a.length === 2 ? convertFormat(a[1] as string, family) : undefined;
    if (!fmt) return undefined;
    return family === 'duckdb' ? `strftime(${a[0]}, ${fmt})` : `to_char(${a[0]}, ${fmt})`;
  },
  to_varchar: (a, family) => REWRITES.to_char?.(a, family),
  to_date: (a, family) => {
    if (a.length === 1) return `CAST(${a[0]} AS DATE)`;
    const fmt = a.length === 2 ? convertFormat(a[1] as string, family) : undefined;
    if (!fmt) return undefined;
    return family === 'duckdb' ? `CAST(strptime(${a[0]}, ${fmt}) AS DATE)` : `to_date(${a[0]}, ${fmt})`;
  },
  to_timestamp: (a, family) => {
    if (a.length === 1) return `CAST(${a[0]} AS TIMESTAMP)`;
    const fmt = a.length === 2 ? convertFormat(a[1] as string, family) : undefined;
    if (!fmt) return undefined;
    return family === 'duckdb'
      ? `strptime(${a[0]}, ${fmt})`
      : `CAST(to_timestamp(${a[0]}, ${fmt}) AS TIMESTAMP)`;
  },
  dateadd: (a) => {
    const unit = a.length === 3 ? datePart(a[0] as string) : undefined;
    return unit ? `(${a[2]} + ${interval(unit, a[1] as string)})` : undefined;
  },
  timestampadd: (a, family) => REWRITES.dateadd?.(a, family),
  datediff: (a, family) => {
    const unit = a.length === 3 ? datePart(a[0] as string) : undefined;
    if (!unit) return undefined;
    return family === 'duckdb'
      ? `date_diff('${unit}', ${a[1]}, ${a[2]})`
      : pgDateDiff(unit, a[1] as string, a[2] as string);
  },
  timestampdiff: (a, family) => REWRITES.datediff?.(a, family),
  // Snowflake's REGEXP_LIKE matches the whole subject.
  regexp_like: (a, family) =>
    a.length !== 2
      ? undefined
      : family === 'duckdb'
        ? `regexp_full_match(${a[0]}, ${a[1]})`
        : `(${a[0]} ~ ('^(?:' || ${a[1]} || ')$'))`,
  rlike: (a, family) => REWRITES.regexp_like?.(a, family),
  parse_json: (a) => (a.length === 1 ? `CAST(${a[0]} AS JSONB)` : undefined),
};

/** Snowflake functions a family cannot express: refused at the call, naming it. */
const REFUSED: Record<string, (family: SqlFamily) => { message: string; hint: string } | undefined> = {
  // DuckDB's JSON type lives in its json extension, which DT Lab does not load.
  parse_json: (family) =>
    family === 'duckdb'
      ? {
          message: 'PARSE_JSON is not supported on DuckDB: its JSON type needs the json extension',
          hint: 'keep the text as VARCHAR, or use PostgreSQL/PGlite (PARSE_JSON becomes a jsonb cast)',
        }
      : undefined,
};

/** The names `translateSql` rewrites, for docs and tests. */
export const TRANSLATED_FUNCTIONS = Object.keys(REWRITES).sort();

export interface TranslateOptions {
  /**
   * The engine clock's now (ms). When given, CURRENT_TIMESTAMP / CURRENT_DATE / NOW() … become literals of
   * that moment: a refresh then sees the time of its data timestamp (deterministic under a manual clock),
   * and DuckDB needs no ICU extension for them.
   */
  now?: number;
  /**
   * The catalog's column lists (catalog/star-catalog.ts): where QUALIFY is rewritten (the PostgreSQL family),
   * `*` and `t.*` under it are named from them instead of refused.
   */
  columnsOf?: ColumnsOf;
}

export function translateSql(sql: string, family: SqlFamily, options: TranslateOptions = {}): Translation {
  // QUALIFY and lateral column aliases where the family lacks them (sql/select-rewrite.ts).
  const rewrites = dialectOf(family).selectRewrites;
  const { columnsOf } = options;
  const tokens = rewriteSelects(
    tokenize(sql),
    sql,
    columnsOf ? { ...rewrites, starNames: (block, q) => starNames(block, q, columnsOf) } : rewrites,
  );
  const pieces = translateTokens(tokens, 0, tokens.length, { family, sql, ...options });
  const starts: number[] = [];
  let text = '';
  for (const p of pieces) {
    starts.push(text.length);
    text += p.text;
  }
  return {
    text,
    toSource(offset: number): number {
      let k = pieces.length - 1;
      while (k > 0 && (starts[k] as number) > offset) k--;
      const piece = pieces[k];
      if (!piece) return 0;
      return piece.verbatim
        ? piece.source + Math.min(offset - (starts[k] as number), piece.text.length)
        : piece.source;
    },
  };
}

interface Context extends TranslateOptions {
  family: SqlFamily;
  /** The whole text, for positioned errors. */
  sql: string;
}

function nowLiteral(word: string, now: number): string | undefined {
  const ts = formatTimestamp(now);
  switch (word) {
    case 'current_date':
      return `DATE '${ts.slice(0, 10)}'`;
    case 'current_time':
      return `TIME '${ts.slice(11)}'`;
    case 'current_timestamp':
    case 'localtimestamp':
    case 'now':
    case 'sysdate':
    case 'getdate':
    case 'systimestamp':
      return `TIMESTAMP '${ts}'`;
    default:
      return undefined;
  }
}

/** Words that mean "now" without parentheses (SQL keywords) or only with them (functions). */
const NOW_KEYWORDS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtimestamp']);

function translateTokens(tokens: Token[], from: number, to: number, ctx: Context): Piece[] {
  const { family } = ctx;
  const out: Piece[] = [];
  for (let i = from; i < to; i++) {
    const t = tokens[i] as Token;
    const word = t.kind === 'word' ? t.text.toLowerCase() : '';
    const literal = ctx.now !== undefined && !isQualified(tokens, i) ? nowLiteral(word, ctx.now) : undefined;
    if (literal) {
      const call = callAt(tokens, i, to);
      if ((call && call.args.length === 0) || (!call && NOW_KEYWORDS.has(word))) {
        out.push({ text: literal, source: t.start, verbatim: false });
        if (call) i = call.close;
        continue;
      }
    }
    const translate = (a: number, b: number) => joinPieces(translateTokens(tokens, a, b, ctx));
    const flat =
      word === 'flatten' || word === 'table' ? flattenAt(tokens, i, { ...ctx, translate }) : undefined;
    if (flat) {
      out.push({ text: flat.text, source: t.start, verbatim: false });
      i = flat.close;
      continue;
    }
    if (word === 'table') {
      const call = callAt(tokens, i, to);
      const [a, b] = call?.args.length === 1 ? (call.args[0] as [number, number]) : [0, 0];
      const replaced =
        call && b > a
          ? monitoringCall(
              ctx.sql,
              tokens,
              a,
              b,
              (x, y) => joinPieces(translateTokens(tokens, x, y, ctx)),
              ctx.now,
            )
          : undefined;
      if (call && replaced) {
        out.push({ text: replaced, source: t.start, verbatim: false });
        i = call.close;
        continue;
      }
    }
    const refusal = REFUSED[word]?.(family);
    if (refusal && !isQualified(tokens, i) && callAt(tokens, i, to)) {
      throw new DtError('DT_ERR_UNSUPPORTED', refusal.message, {
        position: positionAt(ctx.sql, t.start),
        sql: ctx.sql,
        hint: refusal.hint,
      });
    }
    const rewrite = t.kind === 'word' ? REWRITES[t.text.toLowerCase()] : undefined;
    if (rewrite && !isQualified(tokens, i)) {
      const call = callAt(tokens, i, to);
      if (call) {
        const args = call.args.map(([a, b]) => joinPieces(translateTokens(tokens, a, b, ctx)).trim());
        const replaced = rewrite(args, family);
        if (replaced !== undefined) {
          out.push({ text: replaced, source: t.start, verbatim: false });
          i = call.close;
          continue;
        }
      }
    }
    out.push({ text: t.text, source: t.start, verbatim: true });
  }
  return out;
}

function joinPieces(pieces: Piece[]): string {
  return pieces.map((p) => p.text).join('');
}

/** `x.nvl(…)` is somebody's own schema-qualified function: leave it alone. */
function isQualified(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  return prev?.kind === 'op' && prev.text === '.';
}

/** If tokens[i] starts a call `name ( … )`, the token ranges of its arguments and the index of `)`. */
function callAt(
  tokens: Token[],
  i: number,
  to: number,
): { args: [number, number][]; close: number } | undefined {
  let j = i + 1;
  while (j < to && (tokens[j]?.kind === 'space' || tokens[j]?.kind === 'comment')) j++;
  if (tokens[j]?.kind !== 'op' || tokens[j]?.text !== '(') return undefined;
  const args: [number, number][] = [];
  let depth = 0;
  let argStart = j + 1;
  for (let k = j + 1; k < to; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && depth > 0) depth--;
    else if (t.text === ')') {
      const empty =
        args.length === 0 &&
        tokens.slice(argStart, k).every((x) => x.kind === 'space' || x.kind === 'comment');
      if (!empty) args.push([argStart, k]);
      return { args, close: k };
    } else if (t.text === ',' && depth === 0) {
      args.push([argStart, k]);
      argStart = k + 1;
    }
  }
  return undefined;
}
