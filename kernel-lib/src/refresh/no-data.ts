/**
 * A NO_DATA refresh without a statement (issue 11), where the engine captured every write itself (DuckDB:
 * capture/ledger.ts): the ledger says no source changed, so nothing need be read; the history row and the
 * DT's new data timestamp wait in the engine's DeferredHistory (refresh/deferred-history.ts), which writes
 * them before anything reads them through the engine. `undefined`: this refresh takes the transaction
 * (refresh/run.ts) — something changed, or the DT has expectations (their results go with the row), or the
 * engine has no DeferredHistory (the PostgreSQL family: see docs/incremental.md).
 */
import type { Backend } from '../backends/backend.js';
import type { WriteLedger } from '../capture/ledger.js';
import { withCaptureLock } from '../capture/lock.js';
import type { Clock } from '../clock.js';
import type { DynamicTable } from '../types.js';
import { type DeferredHistory, FLUSH_AT } from './deferred-history.js';
import { noDataRecord, type RefreshRequest } from './full.js';
import { noDataWithoutLooking, timestampMs, trackedSources } from './probe.js';
import type { RunOutcome } from './run.js';

export const NO_CHANGE = 'no source changed since the last refresh';

export interface DeferredNoData {
  backend: Backend;
  clock: Clock;
  dt: DynamicTable;
  request: RefreshRequest;
  ledger: WriteLedger;
  history: DeferredHistory;
  skipIfCurrent?: boolean | undefined;
}

export async function deferredNoData(a: DeferredNoData): Promise<RunOutcome | undefined> {
  const { dt, request, ledger, history } = a;
  if (!ledger.seesEveryWrite || request.expectations) return undefined;
  const tracked = trackedSources(dt);
  // Under the capture lock, as a refresh's transaction starts (capture/lock.ts): no captured write half done.
  return withCaptureLock(a.backend, async (): Promise<RunOutcome | undefined> => {
    const mark = ledger.markFor(tracked);
    const unchanged = ledger.unchangedSince(dt.name, tracked);
    const stored = timestampMs(dt.dataTimestamp);
    const now = request.dataTimestamp;
    if (a.skipIfCurrent && stored !== undefined && stored >= now)
      return { kind: 'skipped', reason: 'already refreshed to this data timestamp' };
    if (!noDataWithoutLooking({ dt, unchanged, previous: stored, now })) return undefined;
    let id = history.takeId();
    if (id === undefined) {
      await history.drawIds(a.backend);
      id = history.takeId();
      if (id === undefined) return undefined;
    }
    const changesRead = Object.fromEntries(tracked.map((s) => [s, 0]));
    const record = noDataRecord(request, () => a.clock.now(), { reason: NO_CHANGE, changesRead }, id);
    history.add(record);
    ledger.settle(dt.name, mark);
    // Many waiting (a long quiet run): written now; if that fails they wait on.
    if (history.size >= FLUSH_AT) await history.flush(a.backend).catch(() => {});
    return { kind: 'ran', record, steps: [] };
  });
}
