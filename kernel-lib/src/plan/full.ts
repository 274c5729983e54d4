/**
 * SQL text for a full refresh. Pure builders; the executor in refresh/ runs them.
 *
 * The query's columns are renamed positionally (`AS dtlab_q(c1, …)`) so that unnamed or duplicate output
 * names (`COUNT(*), SUM(x)`) never matter, then cast to the declared types and given the declared names.
 */
import { quoteIdent } from '../backends/backend.js';

export interface OutputColumn {
  name: string;
  /** Backend type to cast to, when the DDL declared one. */
  type?: string;
  /** The storage column's type (as the dialect describes a table's), where the refresh read it. */
  stored?: string;
}

/** Prefix used when validating a query: its length lets error offsets be mapped back to the query. */
export const PROBE_PREFIX = 'SELECT * FROM (';
export const probeSql = (query: string) => `${PROBE_PREFIX}${query}\n) AS dtlab_probe LIMIT 0`;

export function refreshSelect(query: string, columns: OutputColumn[]): string {
  const inner = columns.map((_c, i) => `dtlab_c${i + 1}`);
  const select = columns.map((c, i) =>
    c.type
      ? `CAST(${inner[i]} AS ${c.type}) AS ${quoteIdent(c.name)}`
      : `${inner[i]} AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${select.join(', ')} FROM (\n${query}\n) AS dtlab_q(${inner.join(', ')})`;
}

export function createStorageSql(table: string, select: string): string {
  return `CREATE TABLE ${quoteIdent(table)} AS ${select} LIMIT 0`;
}

export function dropStorageSql(table: string): string {
  return `DROP TABLE ${quoteIdent(table)}`;
}

export function fullRefreshSql(table: string, select: string): { clear: string; fill: string } {
  // DELETE, not TRUNCATE: TRUNCATE is not MVCC-safe on PostgreSQL (older snapshots would see an empty table).
  return { clear: `DELETE FROM ${quoteIdent(table)}`, fill: `INSERT INTO ${quoteIdent(table)} ${select}` };
}
