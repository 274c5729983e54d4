/**
 * Refresh history as the engine keeps it: read back, newest first, with each refresh's expectation counts
 * (`Engine.history`), and the row of a refresh that did not run — UPSTREAM_FAILED, SKIPPED — recorded and
 * published (`Engine.recordNotRun`).
 */
import type { Backend } from '../backends/backend.js';
import type { KnownCatalog } from '../catalog/known.js';
import { type RefreshRequest, recordFailedRefresh } from '../refresh/full.js';
import type { DynamicTable, RefreshRecord, RefreshTrigger } from '../types.js';
import { withExpectationCounts } from './expectations.js';

/** What recording a refresh that did not run needs of the engine. */
export interface NotRunHost {
  readonly backend: Backend;
  readonly catalog: Pick<KnownCatalog, 'warehouses'>;
  /** Publishes the record on the engine's events. */
  publish(event: { type: 'refresh'; record: RefreshRecord }): void;
}

/** Records a refresh that did not run (UPSTREAM_FAILED, SKIPPED) at `at`. */
export async function recordNotRun(
  host: NotRunHost,
  dt: DynamicTable,
  state: 'UPSTREAM_FAILED' | 'SKIPPED',
  message: string,
  trigger: RefreshTrigger,
  at: number,
): Promise<RefreshRecord> {
  const wh = (await host.catalog.warehouses()).find((w) => w.name === dt.warehouse);
  const request: RefreshRequest = {
    dt,
    select: '',
    trigger,
    dataTimestamp: at,
    warehouseSize: wh?.size ?? 'XSMALL',
    planningMs: 0,
    reason: dt.refreshModeReason,
  };
  const record = await recordFailedRefresh(host.backend, request, at, at, message, state);
  host.publish({ type: 'refresh', record });
  return record;
}

/** Refresh history, newest first, optionally of one DT. */
export async function readHistory(backend: Backend, name?: string): Promise<RefreshRecord[]> {
  const { rows } = await backend.query(
    `SELECT refresh_id, name, state, state_message, refresh_action, refresh_trigger, data_timestamp,
            refresh_start_time, refresh_end_time, completion_target, rows_inserted, rows_deleted, changes_read,
            planning_ms, execution_ms, queued_ms, reason, warehouse, credits_used, rows_read
       FROM dtlab.refresh_history ${name ? 'WHERE name = $1' : ''} ORDER BY refresh_id DESC`,
    name ? [name] : [],
  );
  const records = rows.map((r) => ({
    refreshId: Number(r[0]),
    name: String(r[1]),
    state: String(r[2]) as RefreshRecord['state'],
    stateMessage: r[3] === null ? null : String(r[3]),
    refreshAction: r[4] === null ? null : (String(r[4]) as RefreshRecord['refreshAction']),
    refreshTrigger: String(r[5]) as RefreshRecord['refreshTrigger'],
    dataTimestamp: r[6] === null ? null : String(r[6]),
    refreshStartTime: String(r[7]),
    refreshEndTime: r[8] === null ? null : String(r[8]),
    completionTarget: r[9] === null ? null : String(r[9]),
    rowsInserted: Number(r[10]),
    rowsDeleted: Number(r[11]),
    changesRead: JSON.parse(String(r[12])),
    planningMs: Number(r[13]),
    executionMs: Number(r[14]),
    queuedMs: Number(r[15]),
    reason: r[16] === null ? null : String(r[16]),
    warehouse: String(r[17]),
    creditsUsed: Number(r[18]),
    rowsRead: Number(r[19] ?? 0),
  }));
  return withExpectationCounts(backend, records, name);
}
