/**
 * The warehouse a refresh runs on (`onWarehouse`: its own, or its INITIALIZATION_WAREHOUSE, refresh/billing.ts)
 * and the history row of a refresh that failed (`recordFailure`), written outside its transaction, which
 * rolled back (refresh/run.ts): FAILED, or CANCELLED when its timeout passed or it was interrupted.
 */
import { type Backend, type BackendError, QUERY_CANCELED, type Queryable } from '../backends/backend.js';
import { listWarehouses } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { RefreshAction, RefreshRecord } from '../types.js';
import { refreshWarehouse } from './billing.js';
import { ExpectationFailed } from './expectations.js';
import { type Measured, type RefreshRequest, type RefreshTiming, recordFailedRefresh } from './full.js';

/**
 * Puts the refresh on warehouse `name` (with its size) when that is not the DT's own, whose size the refresh's
 * metadata carries; `always`: read the size in any case (a failed refresh, whose metadata is gone).
 */
export async function onWarehouse(db: Queryable, request: RefreshRequest, name: string, always = false) {
  const own = name === request.dt.warehouse;
  if (!own) request.warehouse = name;
  if (own && !always) return;
  const wh = (await listWarehouses(db)).find((w) => w.name === name);
  request.warehouseSize = wh?.size ?? 'XSMALL';
}

export interface Failure {
  backend: Backend;
  clock: Clock;
  request: RefreshRequest;
  /** When the refresh started: engine clock (`start`) and `performance.now()` (`t0`). */
  start: number;
  t0: number;
  /** The action chosen, if the refresh got that far (an initializing one runs on INITIALIZATION_WAREHOUSE). */
  action: RefreshAction | undefined;
  /** The refresh's options (RunOptions). */
  options: {
    timeoutMs?: number;
    signal?: AbortSignal;
    timing?: (measured: Measured) => RefreshTiming;
  };
}

/** Records the refresh that failed with `e` (not a lock or serialization failure: the caller skips those). */
export async function recordFailure(e: BackendError, a: Failure): Promise<RefreshRecord> {
  const { backend, clock, request, options } = a;
  const { dt } = request;
  const cancelled = e.sqlState === QUERY_CANCELED;
  const measured: Measured = {
    startMs: a.start,
    endMs: clock.now(),
    executionMs: performance.now() - a.t0,
    rowsInserted: 0,
    rowsDeleted: 0,
    rowsRead: 0,
    warehouse: refreshWarehouse(dt, a.action),
  };
  await onWarehouse(backend, request, measured.warehouse, true);
  const t = options.timing?.(measured) ?? { ...measured, queuedMs: 0 };
  const message = !cancelled
    ? e.message
    : options.signal?.aborted
      ? 'refresh interrupted: cancelled on request while it ran; previous contents kept'
      : `refresh cancelled after exceeding its timeout of ${options.timeoutMs} ms: ${e.message}`;
  const record = await recordFailedRefresh(
    backend,
    request,
    t.startMs,
    t.endMs,
    message,
    cancelled ? 'CANCELLED' : 'FAILED',
    t.queuedMs,
    // A FAIL UPDATE expectation: the counts that failed it, in the failed refresh's history row.
    e instanceof ExpectationFailed ? e.counts : undefined,
  );
  return record;
}
