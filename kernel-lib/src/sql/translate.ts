/**
 * Snowflake-flavoured SQL → the backend's family. Learners write `IFF`, `NVL`, `TO_CHAR(d, 'YYYY-MM')`,
 * `CURRENT_TIMESTAMP()`, `DATEADD`, `DATEDIFF` …; this rewrites those calls, token by token, and leaves
 * everything else exactly as written. Rewriting tokens rather than re-printing an AST keeps the user's text
 * (and so error positions) intact; `toSource` maps an offset in the output back to the input. FLATTEN in
 * FROM is sql/flatten.ts's. Which functions are rewritten, and how, is sql/function-rewrites.ts, spelt per
 * family by the dialect (dialect/functions.ts); a function the family cannot express is refused at the call.
 */
import { formatTimestamp, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { flattenAt } from './flatten.js';
import { refusalOf, rewriteOf, WINDOW_FORM_REFUSED, windowValueAtExtreme } from './function-rewrites.js';
import { type Token, tokenize } from './lexer.js';
import { positionAt } from './position.js';
import { rewriteSelects } from './select-rewrite.js';
import { type ColumnsOf, starNames } from './star-columns.js';
import { monitoringCall } from './table-functions.js';

export { translateType } from './column-types.js';
export { TRANSLATED_FUNCTIONS } from './function-rewrites.js';

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
  /**
   * The text is the engine's own, built from a query whose lateral column aliases are expanded already
   * (sql/select-rewrite.ts `expandLateralAliases`, which the incremental planner plans from): they are not
   * looked for again. QUALIFY, where the family lacks it, is still rewritten.
   */
  aliasesExpanded?: boolean;
}

export function translateSql(sql: string, family: SqlFamily, options: TranslateOptions = {}): Translation {
  // QUALIFY and lateral column aliases where the family lacks them (sql/select-rewrite.ts).
  const own = dialectOf(family).selectRewrites;
  const rewrites = options.aliasesExpanded ? { ...own, lateralAliases: false } : own;
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
  switch (word) {
    case 'current_date':
      return `DATE '${formatTimestamp(now).slice(0, 10)}'`;
    case 'current_time':
      return `TIME '${formatTimestamp(now).slice(11)}'`;
    case 'current_timestamp':
    case 'localtimestamp':
    case 'now':
    case 'sysdate':
    case 'getdate':
    case 'systimestamp':
      return `TIMESTAMP '${formatTimestamp(now)}'`;
    default:
      return undefined;
  }
}

/** Words that mean "now" without parentheses (SQL keywords) or only with them (functions). */
const NOW_KEYWORDS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtimestamp']);

function translateTokens(tokens: Token[], from: number, to: number, ctx: Context): Piece[] {
  const { functions } = dialectOf(ctx.family);
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
    const refusal = refusalOf(word, functions);
    if (refusal && !isQualified(tokens, i) && callAt(tokens, i, to)) {
      throw new DtError('DT_ERR_UNSUPPORTED', refusal.message, {
        position: positionAt(ctx.sql, t.start),
        sql: ctx.sql,
        hint: refusal.hint,
      });
    }
    const rewrite = t.kind === 'word' ? rewriteOf(word) : undefined;
    if (rewrite && !isQualified(tokens, i)) {
      const call = callAt(tokens, i, to);
      if (call) {
        const args = call.args.map(([a, b]) => joinPieces(translateTokens(tokens, a, b, ctx)).trim());
        const windowed = Object.hasOwn(WINDOW_FORM_REFUSED, word) && overFollows(tokens, call.close, to);
        // MIN_BY / MAX_BY over a whole partition: the call and its OVER (…) become one window.
        const over = windowed && args.length === 2 ? wholePartition(tokens, call.close, to) : undefined;
        if (over) {
          const partition = joinPieces(translateTokens(tokens, over.open + 1, over.close, ctx)).trim();
          const extreme = word === 'min_by' ? 'min' : 'max';
          const text = windowValueAtExtreme(args[0] as string, args[1] as string, extreme, partition);
          out.push({ text, source: t.start, verbatim: false });
          i = over.close;
          continue;
        }
        const replaced = windowed ? WINDOW_FORM_REFUSED[word] : rewrite(args, functions);
        if (typeof replaced === 'object')
          throw new DtError('DT_ERR_UNSUPPORTED', replaced.message, {
            position: positionAt(ctx.sql, t.start),
            sql: ctx.sql,
            hint: replaced.hint,
          });
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

/**
 * The parentheses of the `OVER (…)` after tokens[close] when they hold at most a PARTITION BY (no ORDER BY,
 * no frame): the window is the whole partition.
 */
function wholePartition(
  tokens: Token[],
  close: number,
  to: number,
): { open: number; close: number } | undefined {
  let j = close + 1;
  while (j < to && (tokens[j]?.kind === 'space' || tokens[j]?.kind === 'comment')) j++;
  const spec = callAt(tokens, j, to);
  if (!spec) return undefined;
  let open = j + 1;
  while (tokens[open]?.text !== '(') open++;
  let depth = 0;
  for (let k = open + 1; k < spec.close; k++) {
    const t = tokens[k] as Token;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && /^(order|rows|range|groups)$/i.test(t.text))
      return undefined;
  }
  return { open, close: spec.close };
}

/** Whether the next word after tokens[close] (a call's `)`) is OVER: the call is a window function. */
function overFollows(tokens: Token[], close: number, to: number): boolean {
  let j = close + 1;
  while (j < to && (tokens[j]?.kind === 'space' || tokens[j]?.kind === 'comment')) j++;
  return tokens[j]?.kind === 'word' && tokens[j]?.text.toLowerCase() === 'over';
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
