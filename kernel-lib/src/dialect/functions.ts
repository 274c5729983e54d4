/**
 * How each family spells the Snowflake functions that translation rewrites (sql/function-rewrites.ts reads
 * the Snowflake call — its arguments, date part and format literal — and asks the family's spelling here),
 * and the Snowflake functions a family cannot express. The table of translations is documented in
 * docs/sql-dialect.md; keep the two in step.
 */

/** How a family's date/time format strings say what a Snowflake format says. */
export interface FormatSpelling {
  /** Snowflake format element → the family's, in matching order (a longer element before its prefixes). */
  readonly elements: readonly (readonly [string, string])[];
  /** Text a Snowflake format quotes ("…"), as the family's format copies it literally. */
  quoted(text: string): string;
  /** Any other character of the format, as the family's format copies it. */
  other(ch: string): string;
}

/** A Snowflake function the family cannot express: refused at the call, naming it. */
export interface Refusal {
  message: string;
  hint: string;
}

export interface FunctionSpelling {
  /** The type TO_CHAR / TO_VARCHAR of one argument casts to. */
  readonly textType: string;
  readonly format: FormatSpelling;
  /** TO_CHAR(value, format), the format already the family's (a literal). */
  toChar(value: string, format: string): string;
  /** TO_DATE(value, format), the format already the family's. */
  toDate(value: string, format: string): string;
  /** TO_TIMESTAMP(value, format), the format already the family's. */
  toTimestamp(value: string, format: string): string;
  /** DATEDIFF: the `unit` boundaries (year … second) crossed from `a` to `b`, as Snowflake counts them. */
  dateDiff(unit: string, a: string, b: string): string;
  /** Whether `subject` matches `pattern` as a whole (Snowflake's REGEXP_LIKE). */
  fullMatch(subject: string, pattern: string): string;
  /**
   * MIN_BY / MAX_BY (aggregates): `value` of the row with the smallest (`min`) or largest (`max`) `by`, rows
   * whose `by` is NULL ignored, NULL when none is left; rows that tie in `by` give the smallest `value` (a
   * NULL one last), so the answer does not depend on the order rows are read in. Of `value`'s type.
   */
  valueAtExtreme(value: string, by: string, extreme: 'min' | 'max'): string;
  /** PARSE_JSON(text); absent where the family refuses it. */
  parseJson?(text: string): string;
  /** Snowflake functions (lower case) the family cannot express. */
  readonly refused: Readonly<Record<string, Refusal>>;
}

/** Snowflake date/time format elements → strftime (DuckDB) and to_char (PostgreSQL) elements. */
const FORMAT_ELEMENTS: [snowflake: string, strftime: string, toChar: string][] = [
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

export const duckdbFunctions: FunctionSpelling = {
  textType: 'VARCHAR',
  // strftime: `%` starts an element, so a literal `%` is `%%`; there is no quoting.
  format: {
    elements: FORMAT_ELEMENTS.map(([sf, strftime]) => [sf, strftime] as const),
    quoted: (text) => text.replace(/%/g, '%%'),
    other: (ch) => (ch === '%' ? '%%' : ch),
  },
  toChar: (value, format) => `strftime(${value}, ${format})`,
  toDate: (value, format) => `CAST(strptime(${value}, ${format}) AS DATE)`,
  toTimestamp: (value, format) => `strptime(${value}, ${format})`,
  // DuckDB's date_diff counts boundaries crossed, as Snowflake does.
  dateDiff: (unit, a, b) => `date_diff('${unit}', ${a}, ${b})`,
  fullMatch: (subject, pattern) => `regexp_full_match(${subject}, ${pattern})`,
  // An ordered aggregate: DuckDB's arg_min / arg_max pick arbitrarily among ties.
  valueAtExtreme: (value, by, extreme) =>
    `first((${value}) ORDER BY (${by}) ${extreme === 'min' ? 'ASC' : 'DESC'}, (${value}) ASC NULLS LAST) FILTER (WHERE (${by}) IS NOT NULL)`,
  refused: {
    // DuckDB's JSON type lives in its json extension, which DT Lab does not load.
    parse_json: {
      message: 'PARSE_JSON is not supported on DuckDB: its JSON type needs the json extension',
      hint: 'keep the text as VARCHAR, or use PostgreSQL/PGlite (PARSE_JSON becomes a jsonb cast)',
    },
  },
};

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

export const postgresFunctions: FunctionSpelling = {
  textType: 'TEXT',
  // to_char copies text in double quotes literally.
  format: {
    elements: FORMAT_ELEMENTS.map(([sf, , toChar]) => [sf, toChar] as const),
    quoted: (text) => `"${text}"`,
    other: (ch) => ch,
  },
  toChar: (value, format) => `to_char(${value}, ${format})`,
  toDate: (value, format) => `to_date(${value}, ${format})`,
  toTimestamp: (value, format) => `CAST(to_timestamp(${value}, ${format}) AS TIMESTAMP)`,
  dateDiff: pgDateDiff,
  fullMatch: (subject, pattern) => `(${subject} ~ ('^(?:' || ${pattern} || ')$'))`,
  // The first element of the ordered array (NULL when no row is left).
  valueAtExtreme: (value, by, extreme) =>
    `(array_agg((${value}) ORDER BY (${by}) ${extreme === 'min' ? 'ASC' : 'DESC'}, (${value}) ASC NULLS LAST) FILTER (WHERE (${by}) IS NOT NULL))[1]`,
  parseJson: (text) => `CAST(${text} AS JSONB)`,
  refused: {},
};
