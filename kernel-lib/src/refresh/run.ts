/**
 * One refresh of one DT, as the engine and the scheduler run it: builds the refresh SELECT for the data
 * timestamp, takes the DT's refresh lock, runs the full refresh in one REPEATABLE READ transaction and turns
 * the outcome into a history row. Never throws for a failed refresh: the caller decides (ALTER … REFRESH
 * throws, the scheduler counts failures). What the refresh reads before it decides, and what the engine's ledger
 * keeps of it once it committed, are in refresh/gather.ts; a failed refresh's history row in refresh/failed.ts.
 *
 * Exclusion. On the Postgres family the transaction starts with `LOCK TABLE dt IN SHARE ROW EXCLUSIVE MODE`
 * (which conflicts with itself, not with readers): two engines on one server never refresh a DT at the same
 * time. LOCK TABLE takes no snapshot, so the refresh's snapshot comes after the lock and sees whatever the
 * previous holder committed; the scheduler then skips a cycle another engine already did. Within one engine
 * (and on DuckDB, which has one process) refreshes of a DT are serialised by `DtMutex`.
 *
 * Timeout. On the Postgres family `SET LOCAL statement_timeout` makes the server itself cancel the running
 * statement, which is what "the backend query really stops" needs; the row says CANCELLED. On DuckDB the
 * backend's transaction takes the timeout (a deadline for the whole refresh): it runs the statements as
 * pending queries and cancels the one running when the deadline passes (backends/duckdb.ts). PGlite cannot
 * be interrupted mid-statement (it runs on the JavaScript thread), so there a timeout is not enforced.
 */
import {
  type Backend,
  BackendError,
  exec,
  LOCK_NOT_AVAILABLE,
  type Queryable,
  SERIALIZATION_FAILURE,
} from '../backends/backend.js';
import type { DuckDbTransactionOptions } from '../backends/duckdb.js';
import type { GarbageSchedule } from '../capture/garbage.js';
import { type LedgerMark, WriteLedger } from '../capture/ledger.js';
import { withCaptureLock } from '../capture/lock.js';
import { ReinstallRaced } from '../capture/reinstall.js';
import { definitionOf } from '../catalog/known.js';
import type { RefreshMetadata } from '../catalog/refresh-metadata.js';
import { type Clock, isManual } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import { recomputedRegion } from '../plan/immutable.js';
import { modelTiming } from '../schedule/cost.js';
import type { DynamicTable, RefreshAction, RefreshRecord, RefreshTrigger } from '../types.js';
import { refreshWarehouse } from './billing.js';
import { lockSourcesFirst } from './changes.js';
import { chooseWork } from './choose-work.js';
import { type DeferredHistory, FLUSH_AT } from './deferred-history.js';
import type { StepLog } from './executor.js';
import { ExpectationRun } from './expectations.js';
import { onWarehouse, recordFailure } from './failed.js';
import { type Measured, type RefreshRequest, type RefreshTiming, runAndRecordRefresh } from './full.js';
import { fullRecomputePlan } from './full-plan.js';
import { gatherRefresh, settleLedger } from './gather.js';
import { deferredNoData, NO_CHANGE, noDataAtOnce } from './no-data.js';
import { noDataWithoutLooking, pgProbeSql, readProbe, timestampMs, trackedSources } from './probe.js';

export interface RunOptions {
  trigger: RefreshTrigger;
  /** The cycle's data timestamp (default: now). */
  dataTimestamp?: number;
  /** Give up (outcome `skipped`) instead of waiting when another session holds the DT's refresh lock. */
  noWait?: boolean;
  /** Skip when the DT already reflects this data timestamp (another engine refreshed this cycle). */
  skipIfCurrent?: boolean;
  /** Cancel the refresh after this many real milliseconds (PostgreSQL server and DuckDB; not PGlite). */
  timeoutMs?: number;
  /** Aborting it cancels the refresh (PostgreSQL server and DuckDB mid-statement; PGlite between statements). */
  signal?: AbortSignal;
  timing?: (measured: Measured) => RefreshTiming;
  /** What the engine knows, so that a refresh finding nothing changed need not read the catalog. */
  known?: KnownState;
  /** Where a NO_DATA refresh records itself without a statement, and history ids drawn ahead (no-data.ts). */
  deferred?: DeferredHistory;
  /** Inside the refresh's transaction, after its history row: what else goes with it (lag samples). */
  beforeCommit?: (tx: Queryable, record: RefreshRecord) => Promise<void>;
  /** The REFRESH quality score its history row carries, from the row's expectation counts (if any). */
  score?: RefreshRequest['score'];
  /**
   * Sources to lock before the transaction's snapshot: set by the refresh itself when it runs again after its
   * reinstall of capture on them met commits made since its snapshot (capture/reinstall.ts ReinstallRaced).
   */
  lockFirst?: readonly string[];
}

export interface KnownState {
  /**
   * The engine's ledger (capture/ledger.ts): what its refreshes read of the catalog and, on DuckDB, the writes
   * it saw (the DT's data timestamp is then the one `dt` carries).
   */
  ledger?: WriteLedger | undefined;
  /** When its refreshes collect change-table garbage (capture/garbage.ts); without it, every refresh does. */
  garbage?: GarbageSchedule | undefined;
}

export type RunOutcome =
  /** `steps`: the steps the refresh ran (refresh/executor.ts), when it succeeded. */
  | { kind: 'ran'; record: RefreshRecord; steps?: StepLog }
  | { kind: 'skipped'; reason: string }
  /** Another process redefined or dropped `dt` since it was read: read the catalog again and retry. */
  | { kind: 'catalog-changed' };

/** Serialises async work per key (here: per DT) within one engine. */
export class DtMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export async function runRefresh(
  backend: Backend,
  clock: Clock,
  dt: DynamicTable,
  options: RunOptions,
): Promise<RunOutcome> {
  const dataTimestamp = options.dataTimestamp ?? clock.now();
  // The storage columns and the warehouse's size are read with the rest of the refresh's metadata, in its
  // transaction (catalog/refresh-metadata.ts); `select` is set there.
  const request: RefreshRequest = {
    dt,
    select: '',
    trigger: options.trigger,
    dataTimestamp,
    warehouseSize: 'XSMALL',
    planningMs: 0,
    reason: dt.refreshModeReason,
  };
  const mutable = recomputedRegion(dt, backend.family, dataTimestamp);
  if (mutable) request.mutable = mutable;
  // A scheduled refresh is timed by the scheduler; any other under a manual clock by the cost model.
  if (options.timing) request.timing = options.timing;
  else if (isManual(clock)) request.timing = modelTiming(() => request.warehouseSize);
  // Expectations to judge rows by, or a quarantine to drop after the last QUARANTINE expectation went.
  const run =
    dt.expectations?.length || dt.pendingRecompute !== undefined
      ? new ExpectationRun(dt, backend.family, dataTimestamp)
      : undefined;
  if (run) request.expectations = run;
  if (options.score) request.score = options.score;
  // DuckDB takes the timeout as a transaction option (the Backend interface's options do not declare it yet,
  // hence the typed variable rather than a literal); the Postgres family sets statement_timeout below.
  const txOptions: DuckDbTransactionOptions = {
    isolation: 'repeatable read',
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const dialect = dialectOf(backend.family);
  if (dialect.timeoutAsTransactionOption && options.timeoutMs !== undefined)
    txOptions.timeoutMs = options.timeoutMs;
  const start = clock.now();
  const t0 = performance.now();
  const ledger = options.known?.ledger ?? new WriteLedger(dialect.engineCaptures);
  const { deferred } = options;
  const free =
    deferred &&
    (await deferredNoData({
      backend,
      clock,
      dt,
      request,
      ledger,
      history: deferred,
      skipIfCurrent: options.skipIfCurrent,
    }));
  if (free) return free;
  // DuckDB: a refresh's transaction reads nothing that waits in the deferred history, so leaves it waiting;
  // and the history row of a refresh without expectations waits there too (deferred-history.ts).
  const later: RefreshRecord[] = [];
  if (deferred) txOptions.keepWaiting = true;
  if (deferred && !run) request.recordLater = later;
  // PostgreSQL family: when the engine expects NO_DATA, the whole refresh in one round trip (no-data.ts).
  const once = await noDataAtOnce({
    backend,
    clock,
    dt,
    request,
    ledger,
    options,
    txOptions,
    beforeCommit: options.beforeCommit,
  });
  if (once) return once;
  const tracked = trackedSources(dt);
  let mark: LedgerMark | undefined;
  let read: RefreshMetadata | undefined;
  // The action chosen, once it is (an initializing one runs on INITIALIZATION_WAREHOUSE: billing.ts).
  let action: RefreshAction | undefined;
  const settled = deferred?.refreshing(dt.name);
  try {
    // On DuckDB a refresh takes turns with captured writes (see capture/lock.ts).
    const outcome = await withCaptureLock(backend, async () => {
      // Before the transaction, so before its snapshot (capture/ledger.ts).
      mark = ledger.markFor(tracked);
      const ran = await backend.transaction(async (tx): Promise<RunOutcome> => {
        // Settings and the DT's refresh lock (PostgreSQL family), deferred: sent with the first query.
        for (const sql of dialect.refreshPreamble(dt.name, options)) await exec(tx, sql);
        const { lockFirst } = options;
        if (lockFirst) await lockSourcesFirst(tx, backend.family, lockFirst);
        // What the refresh learns first: one probe statement (PostgreSQL family) or none (DuckDB).
        const look = ledger.seesEveryWrite
          ? { unchanged: ledger.unchangedSince(dt.name, tracked), stored: dt.dataTimestamp }
          : readProbe(dt, (await tx.query(pgProbeSql(dt))).rows[0] ?? []);
        // Another engine redefined or dropped the DT since this one read it: start again from the catalog.
        const definition = definitionOf(dt);
        if (look.definition !== undefined && look.definition !== definition)
          return { kind: 'catalog-changed' };
        const stored = timestampMs(look.stored);
        if (options.skipIfCurrent && stored !== undefined && stored >= dataTimestamp)
          return { kind: 'skipped', reason: 'already refreshed to this data timestamp' };
        // The history row's id: the probe's (PostgreSQL family), else one drawn ahead (deferred-history.ts).
        const ahead = look.refreshId ?? deferred?.takeId();
        if (ahead !== undefined) request.refreshId = ahead;
        if (noDataWithoutLooking({ dt, unchanged: look.unchanged, previous: stored, now: dataTimestamp })) {
          const work = {
            action: 'NO_DATA' as const,
            reason: NO_CHANGE,
            changesRead: Object.fromEntries(tracked.map((s) => [s, 0])),
            run: async () => ({ rowsInserted: 0, rowsDeleted: 0 }),
          };
          const record = await runAndRecordRefresh(tx, request, () => clock.now(), work);
          await options.beforeCommit?.(tx, record);
          return { kind: 'ran', record, steps: [] };
        }
        const known = await gatherRefresh({
          tx,
          family: backend.family,
          dt,
          dataTimestamp,
          ledger,
          tracked,
          look,
          definition,
          request,
          skipIfCurrent: options.skipIfCurrent,
          lockedFirst: lockFirst,
        });
        read = known.meta;
        if ('skipped' in known) return known.skipped;
        const { rtx, output } = known;
        if (run) run.columns = output.map((c) => c.name);
        const work = await chooseWork(
          rtx,
          backend.family,
          dt,
          dataTimestamp,
          output,
          // Its rows counted ahead where they were (a DT refreshed FULL by its mode, on DuckDB); in one
          // statement with its sources' count where the family replaces rows so (PostgreSQL).
          {
            plan: () =>
              fullRecomputePlan({
                ...request,
                rows: known.meta.counted?.dtRows,
                oneStatement: dialectOf(backend.family).replaceRows === 'one-statement',
              }),
            select: request.select,
          },
          run,
          options.known?.garbage,
        );
        action = work.action;
        await onWarehouse(rtx, request, refreshWarehouse(dt, action));
        const steps: StepLog = [];
        const record = await runAndRecordRefresh(rtx, request, () => clock.now(), work, steps);
        await options.beforeCommit?.(rtx, record);
        return { kind: 'ran', record, steps };
      }, txOptions);
      // Committed: counted before the capture lock is released, as every captured write is (capture/ledger.ts).
      settleLedger(ledger, dt, ran, mark, read, definitionOf(dt));
      // The row and its DT's data timestamp wait (refresh/full.ts runAndRecordRefresh).
      for (const r of later) deferred?.add(r);
      return ran;
    });
    settled?.();
    // Many waiting (a long run nobody read): written now; if that fails they wait on.
    if (deferred && deferred.size >= FLUSH_AT) await deferred.flush(backend).catch(() => {});
    return outcome;
  } catch (e) {
    settled?.();
    ledger.settle(dt.name, undefined);
    ledger.keepStatics(dt.name, undefined);
    // Its reinstall met writes committed since its snapshot: once more, those sources (and any locked so
    // before) locked before it. The set only grows, so this ends.
    const first = options.lockFirst ?? [];
    if (e instanceof ReinstallRaced && !e.sources.every((s) => first.includes(s)))
      return runRefresh(backend, clock, dt, {
        ...options,
        dataTimestamp,
        lockFirst: [...new Set([...first, ...e.sources])],
      });
    if (!(e instanceof BackendError)) throw e;
    if (e.sqlState === LOCK_NOT_AVAILABLE)
      return { kind: 'skipped', reason: 'another session is refreshing it' };
    if (e.sqlState === SERIALIZATION_FAILURE)
      return { kind: 'skipped', reason: 'another session refreshed it concurrently' };
    const record = await recordFailure(e, { backend, clock, request, start, t0, action, options });
    return { kind: 'ran', record };
  }
}
