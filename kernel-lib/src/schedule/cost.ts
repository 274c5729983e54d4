/**
 * The cost model: how long a refresh holds its warehouse, derived from the work it did (docs/scheduler.md).
 *
 *   work rows   = source rows read + rows inserted + rows deleted
 *   duration ms = ⌈ work rows × 1000 / (ROWS_PER_SECOND_XSMALL × credits per hour of the size) ⌉
 *   credits     = duration × the size's credits per hour (billed per second, see warehouse.ts)
 *
 * A size twice as large processes rows twice as fast and costs twice as much per hour, so the same work costs
 * the same credits on any size (Snowflake's ideal linear scaling) but finishes sooner. Source rows read: every
 * row of every source for a FULL or REINITIALIZE refresh, the change rows read for an INCREMENTAL one, none
 * for NO_DATA (which needs no warehouse: 0 ms, free). The figures are deterministic (the same actions give the
 * same rows on every backend), unlike measured times. Pure.
 */
import { quoteIdent } from '../backends/backend.js';
import type { Measured, RefreshTiming } from '../refresh/full.js';
import type { WarehouseSize } from '../sql/ddl.js';
import { CREDITS_PER_HOUR, type RefreshAction } from '../types.js';

/**
 * Rows an XSMALL warehouse processes per second in the model. Deliberately slow — TPC-H SF 0.01 (the
 * lessons' scale) then takes the seconds SF 1 would take at 1,000,000 rows per second — so a lesson's full
 * refresh visibly holds the warehouse while an incremental one that touches a hundred rows does not.
 */
export const ROWS_PER_SECOND_XSMALL = 10_000;

export interface Work {
  rowsRead: number;
  rowsInserted: number;
  rowsDeleted: number;
}

export const workRows = (w: Work): number => w.rowsRead + w.rowsInserted + w.rowsDeleted;

/** Clock milliseconds a refresh of `w` holds a warehouse of `size`. */
export function workDurationMs(size: WarehouseSize, w: Work): number {
  return Math.ceil((workRows(w) * 1000) / (ROWS_PER_SECOND_XSMALL * CREDITS_PER_HOUR[size]));
}

/** Source rows an INCREMENTAL refresh read: its change rows (per source). */
export const changeRows = (changesRead: Record<string, number>): number =>
  Object.values(changesRead).reduce((a, b) => a + b, 0);

/** Whether a refresh of this action reads its sources whole. */
export const readsWholeSources = (action: RefreshAction | null | undefined): boolean =>
  action === undefined || action === null || action === 'FULL' || action === 'REINITIALIZE';

/** The count of the rows of `sources` (each once), as an expression: what a full recompute reads. */
export function sourceRowsExpr(sources: readonly string[]): string | null {
  const names = [...new Set(sources)];
  if (names.length === 0) return null;
  return names.map((n) => `(SELECT count(*) FROM ${quoteIdent(n)})`).join(' + ');
}

/** One statement counting the rows of `sources` (`sourceRowsExpr`). */
export function sourceRowsSql(sources: readonly string[]): string | null {
  const expr = sourceRowsExpr(sources);
  return expr === null ? null : `SELECT ${expr}`;
}

/**
 * The timing of a refresh run outside the scheduler (CREATE's initial refresh, a manual refresh) under a
 * manual clock: it starts now and lasts its work's duration, so its credits follow its work as a scheduled
 * refresh's do. `size` is read when the refresh has measured (the warehouse is known by then).
 */
export function modelTiming(size: () => WarehouseSize): (m: Measured) => RefreshTiming {
  return (m) => {
    const d = workDurationMs(size(), m);
    return { startMs: m.startMs, endMs: m.startMs + d, executionMs: d, queuedMs: 0 };
  };
}
