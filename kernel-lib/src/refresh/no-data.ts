/**
 * A NO_DATA refresh without a statement (issue 11), where the engine captured every write itself (DuckDB:
 * capture/ledger.ts): the ledger says no source changed, so nothing need be read; the history row and the
 * DT's new data timestamp wait in the engine's DeferredHistory (refresh/deferred-history.ts), which writes
 * them before anything reads them through the engine. `undefined`: this refresh takes the transaction
 * (refresh/run.ts) — something changed, or the DT has expectations (their results go with the row), or the
 * engine has no DeferredHistory (the PostgreSQL family: see docs/incremental.md).
 *
 * The PostgreSQL family writes at once, in one round trip (`noDataAtOnce`): when the engine saw no write to
 * the DT's sources since its last refresh, it expects NO_DATA and sends the whole transaction in one message
 * (BEGIN, settings, LOCK, one statement, COMMIT); the statement decides (refresh/probe.ts `pgNoDataSql`).
 */
import {
  type Backend,
  BackendError,
  exec,
  formatTimestamp,
  type Queryable,
  type TransactionOptions,
} from '../backends/backend.js';
import type { WriteLedger } from '../capture/ledger.js';
import { withCaptureLock } from '../capture/lock.js';
import { refreshRecordSelect } from '../catalog/catalog.js';
import { definitionOf } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import type { DynamicTable, RefreshRecord } from '../types.js';
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

export interface NoDataAtOnce {
  backend: Backend;
  clock: Clock;
  dt: DynamicTable;
  request: RefreshRequest;
  ledger: WriteLedger;
  /** The refresh's settings and lock (RunOptions), and its transaction's. */
  options: { timeoutMs?: number; noWait?: boolean; skipIfCurrent?: boolean | undefined };
  txOptions: TransactionOptions;
  beforeCommit?: ((tx: Queryable, record: RefreshRecord) => Promise<void>) | undefined;
}

/**
 * PostgreSQL family: a refresh the engine expects to be NO_DATA — its DT's last refresh by this engine
 * succeeded, and the engine wrote none of its sources since (a hint: other processes may have) — in one
 * transaction of one statement that checks, in the database, that the DT's definition and data timestamp are
 * still the ones the engine knows and that no source changed, and only then writes the history row and the
 * data timestamp. On a server the transaction is one round trip (`Queryable.finish`). `undefined`: not
 * expected, or the statement found otherwise (it wrote nothing, drew no id): the caller takes the long
 * way, which decides and says why.
 */
export async function noDataAtOnce(a: NoDataAtOnce): Promise<RunOutcome | undefined> {
  const { dt, request, ledger } = a;
  const dialect = dialectOf(a.backend.family);
  const tracked = trackedSources(dt);
  const stored = dt.dataTimestamp;
  const previous = timestampMs(stored);
  const now = request.dataTimestamp;
  if (!dialect.noDataStatement || request.expectations || stored === null || previous === undefined)
    return undefined;
  if (!ledger.sawNoWriteSince(dt.name, tracked)) return undefined;
  if (a.options.skipIfCurrent && previous >= now) return undefined;
  if (!noDataWithoutLooking({ dt, unchanged: true, previous, now })) return undefined;
  const mark = ledger.markFor(tracked);
  const changesRead = Object.fromEntries(tracked.map((s) => [s, 0]));
  const record = noDataRecord(request, () => a.clock.now(), { reason: NO_CHANGE, changesRead }, 0);
  const { refreshId: _, ...row } = record;
  const sql = dialect.noDataStatement(
    dt,
    { definition: definitionOf(dt), stored },
    formatTimestamp(now),
    (id, from) => refreshRecordSelect(row, id, from),
  );
  try {
    const id = await a.backend.transaction(async (tx) => {
      for (const s of dialect.refreshPreamble(dt.name, a.options)) await exec(tx, s);
      // Lag samples wait for a transaction that commits anyway: this one may write no history row.
      await a.beforeCommit?.({ query: tx.query.bind(tx) }, record);
      const answer = tx.finish ? await tx.finish(sql) : await tx.query(sql);
      return answer.rows[0]?.[0];
    }, a.txOptions);
    if (id === null || id === undefined) return undefined;
    ledger.settle(dt.name, mark);
    return { kind: 'ran', record: { ...record, refreshId: Number(id) }, steps: [] };
  } catch (e) {
    // Locked by another session, cancelled, …: the long way meets it again and says so.
    if (e instanceof BackendError) return undefined;
    throw e;
  }
}
