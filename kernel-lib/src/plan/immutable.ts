/**
 * Immutable regions (IMMUTABLE WHERE, docs/incremental.md): pure builders. The rule:
 *
 * - A DT with an immutability predicate P has an immutable region (its rows where P is TRUE) and a mutable
 *   region (where P is FALSE or NULL). After every refresh but the first, the mutable region equals the query's
 *   rows where P is not TRUE, and the immutable region is what the DT held there before the refresh:
 *   `DELETE FROM dt WHERE (P) IS NOT TRUE; INSERT INTO dt SELECT … FROM (query) WHERE (P) IS NOT TRUE`.
 *   A source change (update, delete) never reaches an immutable row, and a query row landing in the immutable
 *   region is not inserted. FULL and REINITIALIZE refreshes do the same: the immutable region survives them.
 * - The first refresh computes the whole query (P is ignored), unless BACKFILL FROM filled the immutable region
 *   from a table at CREATE: then it fills the mutable region only.
 * - P is evaluated at the refresh's data timestamp (CURRENT_TIMESTAMP is the engine clock's, as in the query).
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';

/** The predicate in the backend's dialect, CURRENT_TIMESTAMP & co. pinned to `now` (engine clock, ms). */
export function predicateSql(predicate: string, family: SqlFamily, now: number): string {
  const text = translateSql(`SELECT ${predicate}`, family, { now }).text;
  return text.startsWith('SELECT ') ? text.slice('SELECT '.length) : predicate;
}

/** The mutable region's condition over the DT's columns. */
export const mutableCondition = (predicate: string) => `(${predicate}) IS NOT TRUE`;

/**
 * The condition a refresh of `dt` at `now` recomputes, or undefined when it recomputes everything (no
 * predicate, or the first refresh of a DT that was not backfilled).
 */
export function recomputedRegion(dt: DynamicTable, family: SqlFamily, now: number): string | undefined {
  if (dt.immutableWhere === undefined) return undefined;
  if (dt.dataTimestamp === null && dt.backfillFrom === undefined) return undefined;
  return mutableCondition(predicateSql(dt.immutableWhere, family, now));
}

/** The recompute of the mutable region: the DT's rows there out, the query's rows there in. */
export function mutableRecomputeSql(
  table: string,
  select: string,
  mutable: string,
): { clear: string; rows: string; fill: string } {
  const rows = `SELECT * FROM (${select}) AS dtlab_m WHERE ${mutable}`;
  return {
    clear: `DELETE FROM ${quoteIdent(table)} WHERE ${mutable}`,
    rows,
    fill: `INSERT INTO ${quoteIdent(table)} ${rows}`,
  };
}

/** BACKFILL FROM: the backfill table's rows in the immutable region, copied by position. */
export function backfillSql(table: string, columns: string[], from: string, predicate: string): string {
  const cols = columns.map(quoteIdent).join(', ');
  return `INSERT INTO ${quoteIdent(table)} (${cols}) SELECT ${cols} FROM ${quoteIdent(from)} WHERE (${predicate}) IS TRUE`;
}

/** CREATE's check of the predicate over the DT's rows (`select`): boolean, row-level, the DT's columns only. */
export const predicateCheckSql = (predicate: string, select: string) =>
  `SELECT (${predicate}) AS dtlab_immutable FROM (${select}) AS dtlab_v WHERE (${predicate}) IS TRUE LIMIT 0`;

/** The rows of the DT in its immutable region (what VERIFY reports beside the comparison). */
export const immutableCountSql = (table: string, predicate: string) =>
  `SELECT count(*) FROM ${quoteIdent(table)} WHERE (${predicate}) IS TRUE`;

/** Whether a predicate reads the clock (its regions can move while no source changes). */
export const readsClock = (predicate: string) =>
  /\b(current_timestamp|current_date|current_time|localtimestamp|localtime|now|getdate|sysdate|systimestamp|sysdatetime)\b/i.test(
    predicate,
  );

/**
 * Why a refresh must recompute the mutable region although no source changed: the predicate reads the clock
 * and the clock moved, so rows may have left the immutable region. Undefined otherwise.
 */
export function immutableClockMoved(
  dt: Pick<DynamicTable, 'immutableWhere'>,
  previous: number | undefined,
  now: number,
): string | undefined {
  if (dt.immutableWhere === undefined || previous === undefined || previous === now) return undefined;
  if (!readsClock(dt.immutableWhere)) return undefined;
  return 'IMMUTABLE WHERE reads the clock, which moved: the mutable region is recomputed';
}
