/**
 * Discarded quarantined rows (docs/quality.md), pure SQL builders. DISCARD moves a row from the DT's
 * quarantine to `dtlab.discarded_<dt>` (same columns). A discarded row is identified by its content and the
 * expectations it fails (`dtlab_expectations`): it stays out of the quarantine while the query result still
 * holds such a row, and is forgotten when it leaves (its source row changed: a new version is a new row).
 *
 * As multisets, with V the violating rows of the current result (each with the names of the expectations it
 * fails), D the discarded rows and Q the quarantine, every refresh keeps
 *
 *     D' = min(D, V')      Q' = V' − D'
 *
 * per (content, expectations). Where a refresh rewrites a part of the quarantine (a full recompute, the
 * affected keys) Q first receives all of V' there and `reconcileSql` then trims D to V' and takes D's copies
 * out of Q; a projection's change removes a row's copies from Q first, then the rest from D
 * (`removeDiscardedSql`), and adds new copies to Q.
 */
import { quoteIdent } from '../backends/backend.js';
import { createQuarantineSql, QUARANTINE_COLUMNS, quarantineTable } from './expectations.js';
import { ROWS_TABLE } from './rows.js';

/** The discarded rows of a DT: `dtlab.discarded_<dt>` (documented in docs/quality.md). */
export const discardedTable = (dt: string) => `dtlab.${quoteIdent(discardedTableName(dt))}`;
export const discardedTableName = (dt: string) => `discarded_${dt}`;

/** The discarded rows' table, made empty with the quarantine's columns (the quarantine must exist). */
export const createDiscardedSql = (dt: string) =>
  `CREATE TABLE IF NOT EXISTS ${discardedTable(dt)} AS SELECT * FROM ${quarantineTable(dt)} LIMIT 0`;

/** The quarantine and the discarded rows' table, made empty if missing (in this order). */
export const quarantineTablesSql = (dt: string) => [createQuarantineSql(dt), createDiscardedSql(dt)];

const same = (columns: string[], a: string, b: string) =>
  columns.map((c) => `${a}.${quoteIdent(c)} IS NOT DISTINCT FROM ${b}.${quoteIdent(c)}`).join(' AND ');

/** DISCARD: the quarantined rows `ids` are copied to the discarded rows (then deleted by the caller). */
export function discardSql(dt: string, columns: string[], ids: number[]): string {
  const cols = [...columns.map(quoteIdent), ...QUARANTINE_COLUMNS].join(', ');
  return `INSERT INTO ${discardedTable(dt)} (${cols}) SELECT ${cols} FROM ${quarantineTable(dt)} WHERE dtlab_id IN (${ids.join(', ')})`;
}

/** The number of discarded rows `where` selects (of alias dtlab_t), as a scalar subquery. */
export const discardedCountSql = (dt: string, where: (table: string) => string) =>
  `(SELECT count(*) FROM ${discardedTable(dt)} AS dtlab_t WHERE ${where('dtlab_t')})`;

/**
 * After the quarantine received every violating row of the part `where` selects (a condition on alias
 * dtlab_t's columns): the discarded rows there beyond the quarantine's copies of them are forgotten, then as
 * many copies as remain discarded leave the quarantine. Two statements, in this order.
 */
export function reconcileSql(dt: string, columns: string[], where: (table: string) => string): string[] {
  const partition = [...columns.map((c) => `dtlab_t.${quoteIdent(c)}`), 'dtlab_t.dtlab_expectations'];
  const numbered = (table: string) =>
    `SELECT dtlab_t.*, row_number() OVER (PARTITION BY ${partition.join(', ')} ORDER BY dtlab_t.dtlab_id) AS dtlab_n FROM ${table} AS dtlab_t WHERE ${where('dtlab_t')}`;
  const copiesIn = (table: string) =>
    `(SELECT count(*) FROM ${table} AS dtlab_o WHERE ${same(columns, 'dtlab_o', 'dtlab_c')} AND dtlab_o.dtlab_expectations IS NOT DISTINCT FROM dtlab_c.dtlab_expectations)`;
  const d = discardedTable(dt);
  const q = quarantineTable(dt);
  return [
    `DELETE FROM ${d} WHERE dtlab_id IN (SELECT dtlab_c.dtlab_id FROM (${numbered(d)}) AS dtlab_c WHERE dtlab_c.dtlab_n > ${copiesIn(q)})`,
    `DELETE FROM ${q} WHERE dtlab_id IN (SELECT dtlab_c.dtlab_id FROM (${numbered(q)}) AS dtlab_c WHERE dtlab_c.dtlab_n <= ${copiesIn(d)})`,
  ];
}

/**
 * A projection's change (ROWS_TABLE: k1…kn, weight dtlab_w, row number dtlab_i), before its removed copies
 * leave the quarantine: per change row of weight −k, the discarded copies of it beyond the quarantine's
 * (k minus the quarantine's copies) are forgotten.
 */
export function removeDiscardedSql(dt: string, columns: string[]): string {
  const match = (table: string) =>
    columns.map((c, i) => `${table}.${quoteIdent(c)} IS NOT DISTINCT FROM dtlab_d.k${i + 1}`).join(' AND ');
  const d = discardedTable(dt);
  const inQuarantine = `(SELECT count(*) FROM ${quarantineTable(dt)} AS dtlab_q WHERE ${match('dtlab_q')})`;
  const copies = `SELECT dtlab_t.dtlab_id, dtlab_d.dtlab_w, ${inQuarantine} AS dtlab_in_q, row_number() OVER (PARTITION BY dtlab_d.dtlab_i ORDER BY dtlab_t.dtlab_id) AS dtlab_n FROM ${d} AS dtlab_t JOIN ${ROWS_TABLE} AS dtlab_d ON ${match('dtlab_t')} WHERE dtlab_d.dtlab_w < 0`;
  return `DELETE FROM ${d} WHERE dtlab_id IN (SELECT dtlab_c.dtlab_id FROM (${copies}) AS dtlab_c WHERE dtlab_c.dtlab_n <= -dtlab_c.dtlab_w - dtlab_c.dtlab_in_q)`;
}
