/**
 * The Snowflake functions translation rewrites (sql/translate.ts), read the Snowflake way — arity, date
 * part, format literal — and spelt as the family's dialect says (dialect/functions.ts). Pure text to text.
 * The table is documented in docs/sql-dialect.md; keep the two in step.
 */
import type { FormatSpelling, FunctionSpelling, Refusal } from '../dialect/functions.js';

/**
 * A call's translated arguments → its rewrite; undefined leaves the call as written; a refusal refuses the
 * call (a form DT Lab does not translate).
 */
export type Rewrite = (args: string[], spelling: FunctionSpelling) => string | Refusal | undefined;

const DATE_PARTS: Record<string, string> = {};
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
  for (const a of aliases) DATE_PARTS[a] = unit;
}

/** A date part argument (`day`, `'dd'`, …) → its unit, year … second. */
function datePart(arg: string): string | undefined {
  const bare = arg
    .trim()
    .replace(/^'(.*)'$/, '$1')
    .toLowerCase();
  return Object.hasOwn(DATE_PARTS, bare) ? DATE_PARTS[bare] : undefined;
}

/** Converts a Snowflake format string literal; text in double quotes is copied literally. */
export function convertFormat(literal: string, format: FormatSpelling): string | undefined {
  if (!/^'.*'$/s.test(literal.trim())) return undefined;
  const fmt = literal.trim().slice(1, -1);
  let out = '';
  let i = 0;
  outer: while (i < fmt.length) {
    if (fmt[i] === '"') {
      const close = fmt.indexOf('"', i + 1);
      out += format.quoted(fmt.slice(i + 1, close < 0 ? fmt.length : close));
      i = close < 0 ? fmt.length : close + 1;
      continue;
    }
    for (const [sf, element] of format.elements) {
      if (fmt.slice(i, i + sf.length).toUpperCase() === sf) {
        out += element;
        i += sf.length;
        continue outer;
      }
    }
    out += format.other(fmt[i] as string);
    i++;
  }
  return `'${out}'`;
}

function interval(unit: string, n: string): string {
  if (unit === 'quarter') return `(${n}) * INTERVAL '3 month'`;
  if (unit === 'week') return `(${n}) * INTERVAL '7 day'`;
  return `(${n}) * INTERVAL '1 ${unit}'`;
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

/** A conversion with an optional format: `cast` of one argument, `formatted` of a value and a format literal. */
const withFormat =
  (
    cast: (value: string, s: FunctionSpelling) => string,
    formatted: (s: FunctionSpelling, value: string, format: string) => string,
  ): Rewrite =>
  (a, s) => {
    if (a.length === 1) return cast(a[0] as string, s);
    const fmt = a.length === 2 ? convertFormat(a[1] as string, s.format) : undefined;
    return fmt ? formatted(s, a[0] as string, fmt) : undefined;
  };

const toChar = withFormat(
  (v, s) => `CAST(${v} AS ${s.textType})`,
  (s, v, f) => s.toChar(v, f),
);

const dateAdd: Rewrite = (a) => {
  const unit = a.length === 3 ? datePart(a[0] as string) : undefined;
  return unit ? `(${a[2]} + ${interval(unit, a[1] as string)})` : undefined;
};

const dateDiff: Rewrite = (a, s) => {
  const unit = a.length === 3 ? datePart(a[0] as string) : undefined;
  return unit ? s.dateDiff(unit, a[1] as string, a[2] as string) : undefined;
};

// Snowflake's REGEXP_LIKE matches the whole subject.
const regexpLike: Rewrite = (a, s) =>
  a.length === 2 ? s.fullMatch(a[0] as string, a[1] as string) : undefined;

/** MIN_BY / MAX_BY: the aggregate of two arguments; the three-argument form (an array of n values) is refused. */
const valueAtExtreme =
  (extreme: 'min' | 'max'): Rewrite =>
  (a, s) => {
    if (a.length === 2) return s.valueAtExtreme(a[0] as string, a[1] as string, extreme);
    const name = `${extreme.toUpperCase()}_BY`;
    if (a.length !== 3) return undefined;
    return {
      message: `${name}(x, y, n), returning an array of up to n values, is not supported`,
      hint: `use ${name}(x, y) for one value, or ROW_NUMBER() OVER (PARTITION BY … ORDER BY y) with QUALIFY for the first n rows`,
    };
  };

/**
 * The window form `MIN_BY(x, y) OVER (<partition>)` (no ORDER BY, no frame in the OVER), as the aggregate
 * answers per partition: the first `x` over the whole partition ordered by `y` (NULL `y` last, ties by the
 * smallest `x`, a NULL `x` last); a partition whose every `y` is NULL gives NULL. The same on both families.
 */
export function windowValueAtExtreme(
  value: string,
  by: string,
  extreme: 'min' | 'max',
  partition: string,
): string {
  const dir = extreme === 'min' ? 'ASC' : 'DESC';
  const order = `ORDER BY (${by}) ${dir} NULLS LAST, (${value}) ASC NULLS LAST`;
  return `FIRST_VALUE(CASE WHEN (${by}) IS NOT NULL THEN (${value}) END) OVER (${partition ? `${partition} ` : ''}${order} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)`;
}

/**
 * Rewritten as aggregates, and as windows over a partition (`windowValueAtExtreme`); the window form with an
 * ORDER BY or a frame of its own (`… OVER (… ORDER BY …)`, a running extreme) or a named window is refused at
 * the call, with a hint.
 */
export const WINDOW_FORM_REFUSED: Record<string, Refusal> = Object.fromEntries(
  (['min', 'max'] as const).map((extreme) => {
    const name = `${extreme.toUpperCase()}_BY`;
    return [
      `${extreme}_by`,
      {
        message: `${name}(x, y) OVER (…) with an ORDER BY, a frame or a named window is not supported (over a whole partition, OVER (PARTITION BY …), it is)`,
        hint: `use FIRST_VALUE(x) OVER (PARTITION BY … ORDER BY y ${extreme === 'min' ? 'ASC' : 'DESC'} NULLS LAST …), or ${name}(x, y) OVER (PARTITION BY …) for the whole partition`,
      },
    ];
  }),
);

/** Function name (lower case) → rewrite. */
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
  // Aggregates PostgreSQL lacks (COUNT_IF) or has only from version 16 (ANY_VALUE): a COUNT of an expression
  // is maintained like any COUNT; MIN is one of the values ANY_VALUE may give, and the same on every backend.
  count_if: (a) => (a.length === 1 ? `COUNT(CASE WHEN ${a[0]} THEN 1 END)` : undefined),
  any_value: (a) => (a.length === 1 ? `MIN(${a[0]})` : undefined),
  div0: (a) => (a.length === 2 ? `CASE WHEN (${a[1]}) = 0 THEN 0 ELSE (${a[0]}) / (${a[1]}) END` : undefined),
  to_char: toChar,
  to_varchar: toChar,
  to_date: withFormat(
    (v) => `CAST(${v} AS DATE)`,
    (s, v, f) => s.toDate(v, f),
  ),
  to_timestamp: withFormat(
    (v) => `CAST(${v} AS TIMESTAMP)`,
    (s, v, f) => s.toTimestamp(v, f),
  ),
  dateadd: dateAdd,
  timestampadd: dateAdd,
  datediff: dateDiff,
  timestampdiff: dateDiff,
  regexp_like: regexpLike,
  rlike: regexpLike,
  min_by: valueAtExtreme('min'),
  max_by: valueAtExtreme('max'),
  parse_json: (a, s) => (a.length === 1 && s.parseJson ? s.parseJson(a[0] as string) : undefined),
};

/** The names `translateSql` rewrites, for docs and tests. */
export const TRANSLATED_FUNCTIONS = Object.keys(REWRITES).sort();

/** The rewrite of function `name` (lower case), if it is one of Snowflake's that translation rewrites. */
export const rewriteOf = (name: string): Rewrite | undefined =>
  Object.hasOwn(REWRITES, name) ? REWRITES[name] : undefined;

/** Why the family cannot express Snowflake's function `name` (lower case), if it cannot. */
export const refusalOf = (name: string, spelling: FunctionSpelling): Refusal | undefined =>
  Object.hasOwn(spelling.refused, name) ? spelling.refused[name] : undefined;
