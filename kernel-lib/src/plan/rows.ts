/**
 * Projections, filters and inner joins without aggregates, maintained row by row as a Z-set (pure SQL
 * builders). The change to the result is the delta of the query (plan/delta.ts): each result row with a net
 * weight, consolidated after the cast to the DT's column types. A row of weight −k has k of its copies
 * deleted from the DT (the DT holds duplicates exactly, so they are there), a row of weight +k is inserted k
 * times. Nothing but the change is read from the sources; the DT is touched only at the rows that change.
 */

import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { type DeltaInput, deltaTerms } from './delta.js';
import type { OutputColumn } from './full.js';
import type { QueryShape } from './shape.js';

/** Name of the per-refresh table of weighted result rows (the same as the affected keys' table). */
export const ROWS_TABLE = 'dtlab_keys';

/**
 * The result's change: columns `k1…kn` (the DT's columns, cast to their declared types), the net weight
 * `dtlab_w` (never 0) and a row number `dtlab_i`.
 */
export function rowsDeltaSql(
  query: string,
  shape: QueryShape,
  input: DeltaInput,
  output: OutputColumn[],
): string {
  const select = (w: string) =>
    [...shape.items.map((it, i) => `(${it}) AS c${i + 1}`), `${w} AS dtlab_w`].join(', ');
  const terms = deltaTerms(query, query, shape, shape.tables, input, select);
  const cast = output.map((c, i) => (c.type ? `CAST(c${i + 1} AS ${c.type})` : `c${i + 1}`));
  const keys = cast.map((c, i) => `${c} AS k${i + 1}`);
  const inner = `SELECT ${[...keys, 'CAST(sum(dtlab_w) AS BIGINT) AS dtlab_w'].join(', ')} FROM (\n${terms.join('\nUNION ALL\n')}\n) AS dtlab_d GROUP BY ${cast.join(', ')} HAVING sum(dtlab_w) <> 0`;
  return `SELECT dtlab_r.*, row_number() OVER () AS dtlab_i FROM (${inner}) AS dtlab_r`;
}

/** One statement: how many change rows have a NULL column, and the rows to delete and insert. */
export function rowsSummarySql(columns: number): string {
  const anyNull = Array.from({ length: columns }, (_c, i) => `k${i + 1} IS NULL`).join(' OR ');
  return `SELECT coalesce(sum(CASE WHEN ${anyNull} THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN dtlab_w < 0 THEN -dtlab_w ELSE 0 END), 0), coalesce(sum(CASE WHEN dtlab_w > 0 THEN dtlab_w ELSE 0 END), 0) FROM ${ROWS_TABLE}`;
}

/**
 * Deletes, per change row of negative weight −k, k of the DT's copies of it: the rows without NULLs match by
 * `=` (hash joins), those with a NULL (`withNulls`) by IS NOT DISTINCT FROM. A copy is named by its row
 * address (PostgreSQL's `ctid`, DuckDB's `rowid`).
 */
export function deleteRowsSql(
  dt: string,
  family: SqlFamily,
  output: OutputColumn[],
  withNulls: boolean,
  target = quoteIdent(dt),
): string {
  const col = (i: number) => `dtlab_t.${quoteIdent((output[i] as OutputColumn).name)}`;
  const anyNull = output.map((_c, i) => `dtlab_d.k${i + 1} IS NULL`).join(' OR ');
  const match = output
    .map((_c, i) =>
      withNulls ? `${col(i)} IS NOT DISTINCT FROM dtlab_d.k${i + 1}` : `${col(i)} = dtlab_d.k${i + 1}`,
    )
    .join(' AND ');
  const dialect = dialectOf(family);
  const address = dialect.rowAddress;
  const copies = `SELECT dtlab_t.${address} AS dtlab_a, dtlab_d.dtlab_w, row_number() OVER (PARTITION BY dtlab_d.dtlab_i) AS dtlab_n FROM ${target} AS dtlab_t JOIN ${ROWS_TABLE} AS dtlab_d ON ${match} WHERE dtlab_d.dtlab_w < 0 AND ${withNulls ? '' : 'NOT '}(${anyNull})`;
  const chosen = `SELECT dtlab_a FROM (${copies}) AS dtlab_c WHERE dtlab_n <= -dtlab_w`;
  return dialect.deleteByAddress(target, chosen);
}

/** The change rows of one sign, each repeated as many times as its weight: `k1…kn` (for inserts, capture). */
export function expandedRowsSql(columns: number, sign: 1 | -1): string {
  const keys = Array.from({ length: columns }, (_c, i) => `dtlab_d.k${i + 1}`).join(', ');
  const w = sign === 1 ? 'dtlab_d.dtlab_w' : '-dtlab_d.dtlab_w';
  return `SELECT ${keys} FROM ${ROWS_TABLE} AS dtlab_d CROSS JOIN LATERAL generate_series(1, ${w}) AS dtlab_g(i) WHERE dtlab_d.dtlab_w ${sign === 1 ? '>' : '<'} 0`;
}
