/**
 * The system data metric functions (SNOWFLAKE.CORE.*): which arguments and column types each takes, and the
 * SQL aggregate that measures it. Pure. A table's system metrics are measured together in ONE scan (one
 * SELECT of every metric's aggregate, the distinct counts too where the dialect hashes COUNT(DISTINCT …); else
 * one hashed GROUP BY per distinct column set beside it), which is what makes a full evaluation fast; the SQL is Snowflake-
 * flavoured where the families differ (DATEDIFF) and goes through translateSql with the lesson clock's now.
 */
import { quoteIdent } from '../backends/backend.js';

/** What a column's type is, for the metrics' type rules. */
export type TypeClass = 'numeric' | 'string' | 'temporal' | 'boolean' | 'other';

export function typeClass(type: string): TypeClass {
  const t = type.toUpperCase().trim();
  if (
    /^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL|NUMERIC|NUMBER|REAL|FLOAT|DOUBLE|INT2|INT4|INT8|FLOAT4|FLOAT8)\b/.test(
      t,
    )
  )
    return 'numeric';
  if (/^(VARCHAR|CHARACTER VARYING|CHARACTER|CHAR|TEXT|STRING|BPCHAR)\b/.test(t)) return 'string';
  if (/^(DATE|TIMESTAMP|TIMESTAMPTZ|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ|DATETIME)\b/.test(t))
    return 'temporal';
  if (/^(BOOLEAN|BOOL)\b/.test(t)) return 'boolean';
  return 'other';
}

/** A declared argument type of a custom DMF (NUMBER, VARCHAR, TIMESTAMP_NTZ, …) → its class. */
export function declaredClass(type: string): TypeClass | 'any' {
  const c = typeClass(type);
  return c === 'other' ? 'any' : c;
}

/** A column as a metric sees it. */
export interface MetricColumn {
  name: string;
  type: string;
}

export interface SystemMetric {
  /** Column arguments: exactly n, or at least 1 ('many'). */
  columns: 0 | 1 | 'many';
  /** Allowed column type classes. */
  types: readonly TypeClass[];
  /** Takes a lambda `c -> condition` after its column (ACCEPTED_VALUES). */
  lambda?: boolean;
  /** What it measures, for SHOW DATA METRIC FUNCTIONS and the docs. */
  description: string;
  /** The aggregate over the table (one row of output), measured in the table's one scan. */
  sql(cols: string[], lambda?: string): string;
  /**
   * A distinct count: `sql` is its COUNT(DISTINCT …) in the scan where the dialect hashes that
   * (Dialect.distinctInScan); elsewhere it is read from the one hashed GROUP BY of its column set
   * (distinctGroupSql), shared by every distinct count on those columns.
   */
  distinct?: 'duplicates' | 'uniques';
  /**
   * A condition that picks the rows a violated expectation is about (for failing-row samples), if the metric
   * counts rows.
   */
  failing?(cols: string[], lambda?: string): string;
}

const ANY: readonly TypeClass[] = ['numeric', 'string', 'temporal', 'boolean', 'other'];
const NUM: readonly TypeClass[] = ['numeric'];
const KEYS: readonly TypeClass[] = ['numeric', 'string', 'temporal'];

const pct = (count: string) => `CASE WHEN COUNT(*) = 0 THEN 0 ELSE 100.0 * (${count}) / COUNT(*) END`;
/**
 * Blank: '' or only spaces. TRIM only where the first and the last character are spaces (TRIM of every row
 * cost 2x), tested with LIKE: prefix and suffix tests that neither family casts or copies the value for (ASCII
 * of a CHAR(n) column cast every row to text on PostgreSQL: 1.5 s against 0.9 s at SF 1 for l_shipmode; on
 * DuckDB-WASM 1.1 s against 0.8 s for l_comment, whose values often start with a space).
 */
const isBlank = (c: string) => `(${c} = '' OR (${c} LIKE ' %' AND ${c} LIKE '% ' AND TRIM(${c}) = ''))`;
const blank = (c: string) => `COUNT(CASE WHEN ${isBlank(c)} THEN 1 END)`;
const notNull = (cols: string[]) => cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
/** One value of several columns together (a row value: NULL fields compare equal under DISTINCT). */
const rowOf = (cols: string[]) => (cols.length === 1 ? (cols[0] as string) : `ROW(${cols.join(', ')})`);
/**
 * Rows minus distinct values, a NULL counting as one value. COUNT(DISTINCT c) leaves NULL out, so one column
 * adds it back when there is one; a row value is never NULL itself, so several columns need nothing more.
 */
const duplicates = (cols: string[]) =>
  cols.length === 1
    ? `COUNT(*) - COUNT(DISTINCT ${cols[0]}) - CASE WHEN COUNT(*) > COUNT(${cols[0]}) THEN 1 ELSE 0 END`
    : `COUNT(*) - COUNT(DISTINCT ${rowOf(cols)})`;
/** Distinct values none of whose columns is NULL. */
const uniques = (cols: string[]) =>
  cols.length === 1
    ? `COUNT(DISTINCT ${cols[0]})`
    : `COUNT(DISTINCT CASE WHEN ${notNull(cols)} THEN ${rowOf(cols)} END)`;

/**
 * The distinct counts of one column set as ONE hashed GROUP BY (its groups are the distinct values, NULL one of
 * them): its row is (duplicates, uniques), for every DUPLICATE_COUNT and UNIQUE_COUNT on those columns.
 */
export function distinctGroupSql(table: string, cols: string[], alias: string): string {
  return `SELECT COALESCE(SUM(dtlab_n - 1), 0) AS ${alias}_duplicates, COUNT(CASE WHEN dtlab_all THEN 1 END) AS ${alias}_uniques FROM (SELECT COUNT(*) AS dtlab_n, ${notNull(cols)} AS dtlab_all FROM ${quoteIdent(table)} GROUP BY ${cols.join(', ')}) AS dtlab_groups`;
}

export const SYSTEM_METRICS: Record<string, SystemMetric> = {
  NULL_COUNT: {
    columns: 1,
    types: ANY,
    description: 'rows whose value is NULL',
    sql: ([c]) => `COUNT(*) - COUNT(${c})`,
    failing: ([c]) => `${c} IS NULL`,
  },
  NULL_PERCENT: {
    columns: 1,
    types: ANY,
    description: 'percentage (0-100) of rows whose value is NULL',
    sql: ([c]) => pct(`COUNT(*) - COUNT(${c})`),
    failing: ([c]) => `${c} IS NULL`,
  },
  BLANK_COUNT: {
    columns: 1,
    types: ['string'],
    description: "rows whose text is empty or only spaces ('' or '  '; NULL is not blank)",
    sql: ([c]) => blank(c as string),
    failing: ([c]) => isBlank(c as string),
  },
  BLANK_PERCENT: {
    columns: 1,
    types: ['string'],
    description: 'percentage (0-100) of rows whose text is blank',
    sql: ([c]) => pct(blank(c as string)),
    failing: ([c]) => isBlank(c as string),
  },
  DUPLICATE_COUNT: {
    columns: 'many',
    types: KEYS,
    description:
      'rows minus distinct values (of the column, or of the columns together); NULL counts as a value',
    sql: duplicates,
    distinct: 'duplicates',
  },
  UNIQUE_COUNT: {
    columns: 'many',
    types: KEYS,
    description: 'distinct non-NULL values (of the column, or of the columns together)',
    sql: uniques,
    distinct: 'uniques',
  },
  ROW_COUNT: { columns: 0, types: ANY, description: 'rows in the table', sql: () => 'COUNT(*)' },
  FRESHNESS: {
    columns: 1,
    types: ['temporal'],
    description: 'seconds from the latest value of the column to the measurement time (lesson clock)',
    sql: ([c]) => `DATEDIFF(second, CAST(MAX(${c}) AS TIMESTAMP), CURRENT_TIMESTAMP())`,
  },
  ACCEPTED_VALUES: {
    columns: 1,
    lambda: true,
    types: ANY,
    description: 'non-NULL rows whose value does not satisfy the condition c -> <condition>',
    sql: ([c], cond) => `COUNT(CASE WHEN ${c} IS NOT NULL AND NOT (${cond}) THEN 1 END)`,
    failing: ([c], cond) => `${c} IS NOT NULL AND NOT (${cond})`,
  },
  AVG: { columns: 1, types: NUM, description: 'average value', sql: ([c]) => `AVG(${c})` },
  MIN: { columns: 1, types: NUM, description: 'smallest value', sql: ([c]) => `MIN(${c})` },
  MAX: { columns: 1, types: NUM, description: 'largest value', sql: ([c]) => `MAX(${c})` },
  STDDEV: {
    columns: 1,
    types: NUM,
    description: 'sample standard deviation',
    sql: ([c]) => `STDDEV_SAMP(${c})`,
  },
};

export const SYSTEM_METRIC_NAMES = Object.keys(SYSTEM_METRICS);

/** A system metric as measured in the one scan: its expression and an alias. */
export interface ScanItem {
  alias: string;
  expr: string;
}

/** The lambda's condition with its parameter replaced by the (quoted) column. */
export function lambdaCondition(param: string, body: string, column: string): string {
  const re = new RegExp(`(?<![\\w."])${param.replace(/[^\w]/g, '')}(?![\\w"])`, 'gi');
  return body.replace(re, quoteIdent(column));
}

/** ONE SELECT measuring every item over `table` (Snowflake-flavoured: translate it before running). */
export function scanSql(table: string, items: ScanItem[]): string {
  const exprs = items.map((i) => `CAST(${i.expr} AS DOUBLE PRECISION) AS ${quoteIdent(i.alias)}`);
  return `SELECT ${exprs.join(', ')} FROM ${quoteIdent(table)}`;
}

/** A custom DMF's body over its argument tables, as CTEs named like the arguments. */
export function customSql(
  body: string,
  tables: { arg: string; table: string; columns: { param: string; column: string }[] }[],
): string {
  const ctes = tables.map(
    (t) =>
      `${quoteIdent(t.arg)} AS (SELECT ${t.columns
        .map((c) => `${quoteIdent(c.column)} AS ${quoteIdent(c.param)}`)
        .join(', ')} FROM ${quoteIdent(t.table)})`,
  );
  const m = /^\s*with\s+/i.exec(body);
  return m
    ? `WITH ${ctes.join(', ')}, ${body.slice(m[0].length)}`
    : `WITH ${ctes.join(', ')} SELECT * FROM (${body}) AS dmf_value`;
}

/** A custom DMF's body over empty, typed argument tables: the backend judges it when it is created. */
export function customProbeSql(
  body: string,
  tables: { arg: string; columns: { param: string; type: string }[] }[],
) {
  const sqlType = (t: string) => {
    const c = typeClass(t);
    return c === 'numeric'
      ? 'NUMERIC'
      : c === 'temporal'
        ? t.startsWith('DATE')
          ? 'DATE'
          : 'TIMESTAMP'
        : c === 'boolean'
          ? 'BOOLEAN'
          : 'VARCHAR';
  };
  const ctes = tables.map(
    (t) =>
      `${quoteIdent(t.arg)} AS (SELECT ${t.columns
        .map((c) => `CAST(NULL AS ${sqlType(c.type)}) AS ${quoteIdent(c.param)}`)
        .join(', ')} WHERE 1 = 0)`,
  );
  const m = /^\s*with\s+/i.exec(body);
  return m
    ? `WITH ${ctes.join(', ')}, ${body.slice(m[0].length)}`
    : `WITH ${ctes.join(', ')} SELECT * FROM (${body}) AS dmf_value`;
}
