/**
 * SQL text for expectations (pure builders; refresh/expectations.ts runs them). A row's place is a function of
 * its values alone: it is in the DT when it passes every DROP ROW and QUARANTINE expectation, in the DT's
 * quarantine when it fails a QUARANTINE one, nowhere else. An expectation whose condition is NULL counts as
 * failed (docs/quality.md). The conditions read the DT's column names.
 */
import { quoteIdent, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import type { Expectation } from '../sql/expectations.js';
import { translateSql } from '../sql/translate.js';

/** `rowsSql` evaluated, as a FROM item: the DT's columns, then `dtlab_e1…` (TRUE = passed), then extras. */
export const evaluatedFrom = (rowsSql: string, list: Expectation[], family: SqlFamily) =>
  `(${evaluatedSql(rowsSql, list, family)}) AS dtlab_x`;

/** The quarantine table of a DT: `dtlab.quarantine_<dt>` (documented in docs/quality.md). */
export const quarantineTable = (dt: string) => `dtlab.${quoteIdent(quarantineTableName(dt))}`;
export const quarantineTableName = (dt: string) => `quarantine_${dt}`;

/** The quarantine's own columns, after the DT's. */
export const QUARANTINE_COLUMNS = [
  'dtlab_id',
  'dtlab_expectations',
  'dtlab_refresh_id',
  'dtlab_data_timestamp',
] as const;

export const passed = (i: number) => `dtlab_e${i + 1}`;

/** A condition in the backend's dialect (Snowflake functions translated, as the query's are). */
export function conditionSql(condition: string, family: SqlFamily): string {
  const text = translateSql(`SELECT ${condition}`, family).text;
  return text.startsWith('SELECT ') ? text.slice('SELECT '.length) : condition;
}

/** `SELECT <rows>.*, coalesce((c1), FALSE) AS dtlab_e1, …` over `rowsSql`, whose columns the conditions name. */
export function evaluatedSql(rowsSql: string, list: Expectation[], family: SqlFamily): string {
  const flags = list.map((e, i) => `coalesce((${conditionSql(e.condition, family)}), FALSE) AS ${passed(i)}`);
  return `SELECT dtlab_r.*, ${flags.join(', ')} FROM (${rowsSql}) AS dtlab_r`;
}

const indexes = (list: Expectation[], actions: string[]) =>
  list.flatMap((e, i) => (actions.includes(e.action) ? [i] : []));

/** Over evaluated rows: the row belongs to the DT. */
export function keepSql(list: Expectation[]): string {
  const ks = indexes(list, ['DROP ROW', 'QUARANTINE']);
  return ks.length === 0 ? 'TRUE' : ks.map(passed).join(' AND ');
}

/** Over the DT's own columns: expectation `e` passed (NULL fails). */
export const okSql = (e: Expectation, family: SqlFamily) =>
  `((${conditionSql(e.condition, family)}) IS TRUE)`;

/** Over the DT's own columns (not evaluated): the row belongs to the DT. */
export function keepConditionSql(list: Expectation[], family: SqlFamily): string {
  const ks = indexes(list, ['DROP ROW', 'QUARANTINE']);
  if (ks.length === 0) return 'TRUE';
  return ks.map((i) => okSql(list[i] as Expectation, family)).join(' AND ');
}

/** Over the DT's own columns: the row belongs to the quarantine. */
export function quarantinedConditionSql(list: Expectation[], family: SqlFamily): string {
  const qs = indexes(list, ['QUARANTINE']);
  if (qs.length === 0) return 'FALSE';
  return qs.map((i) => `NOT ${okSql(list[i] as Expectation, family)}`).join(' OR ');
}

/**
 * One statement over plain rows (`from`, the DT's columns; the conditions inline, cheaper than evaluated
 * flags): per expectation, rows passed then failed, counted with `weight` (1, or a change's weight) over the
 * rows `where` selects; then the `extra` conditions, each counted as 1.
 */
export function inlineCountsSql(
  list: Expectation[],
  family: SqlFamily,
  from: string,
  weight: string,
  where: string,
  extra: string[] = [],
): string {
  const sums = [
    ...list.flatMap((e) => [
      `sum(CASE WHEN ${where} AND ${okSql(e, family)} THEN ${weight} ELSE 0 END)`,
      `sum(CASE WHEN ${where} AND NOT ${okSql(e, family)} THEN ${weight} ELSE 0 END)`,
    ]),
    ...extra.map((c) => `sum(CASE WHEN ${c} THEN 1 ELSE 0 END)`),
  ];
  return `SELECT ${sums.map((x) => `coalesce(${x}, 0)`).join(', ')} FROM ${from}`;
}

/** Over evaluated rows: the row belongs to the quarantine. */
export function quarantinedSql(list: Expectation[]): string {
  const qs = indexes(list, ['QUARANTINE']);
  return qs.length === 0 ? 'FALSE' : qs.map((i) => `NOT ${passed(i)}`).join(' OR ');
}

/** Over evaluated rows: the names of every expectation the row fails, comma-separated. */
export function reasonsSql(list: Expectation[]): string {
  const parts = list.map((e, i) => `CASE WHEN NOT ${passed(i)} THEN ${sqlLiteral(e.name)} END`);
  return `concat_ws(', ', ${parts.join(', ')})`;
}

/** A row of `from` failing expectation `i`, as text for a message. */
export function sampleSql(columns: string[], i: number, from: string, where: string): string {
  return `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${from} WHERE ${where} AND NOT ${passed(i)} LIMIT 1`;
}

/** The quarantine table, created empty with the DT's columns and its own. */
export function createQuarantineSql(dt: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quarantineTable(dt)} AS SELECT dtlab_t.*, CAST(NULL AS BIGINT) AS dtlab_id, CAST(NULL AS VARCHAR) AS dtlab_expectations, CAST(NULL AS BIGINT) AS dtlab_refresh_id, CAST(NULL AS TIMESTAMP) AS dtlab_data_timestamp FROM ${quoteIdent(dt)} AS dtlab_t LIMIT 0`;
}

/**
 * Inserts the quarantined rows of `from` (each `copies` times: 1, or a change's weight) into the quarantine,
 * with a fresh id, the reasons, the refresh and the data timestamp.
 */
export function quarantineInsertSql(
  dt: string,
  columns: string[],
  list: Expectation[],
  refreshId: number,
  dataTimestamp: string,
  from: string,
  copies?: string,
): string {
  const cols = columns.map(quoteIdent);
  const target = [...cols, ...QUARANTINE_COLUMNS].join(', ');
  const rows = copies
    ? `${from} CROSS JOIN LATERAL generate_series(1, ${copies}) AS dtlab_g(i) WHERE ${copies} > 0 AND (${quarantinedSql(list)})`
    : `${from} WHERE ${quarantinedSql(list)}`;
  const values = [
    ...cols,
    "nextval('dtlab.quarantine_id_seq')",
    reasonsSql(list),
    String(refreshId),
    `CAST(${sqlLiteral(dataTimestamp)} AS TIMESTAMP)`,
  ];
  return `INSERT INTO ${quarantineTable(dt)} (${target}) SELECT ${values.join(', ')} FROM ${rows}`;
}

/** The rows of `rowsSql` that belong to the DT (`query filtered by its DROP ROW / QUARANTINE expectations`). */
export function filteredSql(rowsSql: string, list: Expectation[], family: SqlFamily, columns: string[]) {
  const cols = columns.map(quoteIdent).join(', ');
  return `SELECT ${cols} FROM (${evaluatedSql(rowsSql, list, family)}) AS dtlab_f WHERE ${keepSql(list)}`;
}

/** The rows of `rowsSql` that belong to the quarantine (they fail a QUARANTINE expectation). */
export function violatingSql(rowsSql: string, list: Expectation[], family: SqlFamily, columns: string[]) {
  const cols = columns.map(quoteIdent).join(', ');
  return `SELECT ${cols} FROM (${evaluatedSql(rowsSql, list, family)}) AS dtlab_f WHERE ${quarantinedSql(list)}`;
}
