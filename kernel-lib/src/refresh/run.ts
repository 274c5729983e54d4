/**
 * One refresh of one DT, as the engine and the scheduler run it: builds the refresh SELECT for the data
 * timestamp, takes the DT's refresh lock, runs the full refresh in one REPEATABLE READ transaction and turns
 * the outcome into a history row. Never throws for a failed refresh: the caller decides (ALTER … REFRESH
 * throws, the scheduler counts failures).
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
import { type Backend, BackendError, exec, quoteIdent } from '../backends/backend.js';
import type { DuckDbTransactionOptions } from '../backends/duckdb.js';
import { withCaptureLock } from '../capture/lock.js';
import { describeColumns, listWarehouses } from '../catalog/catalog.js';
import { prefetchRefreshMetadata } from '../catalog/refresh-metadata.js';
import type { Clock } from '../clock.js';
import { refreshSelect } from '../plan/full.js';
import { translateSql, translateType } from '../sql/translate.js';
import type { DynamicTable, RefreshRecord, RefreshTrigger } from '../types.js';
import {
  fullRefreshWork,
  type Measured,
  type RefreshRequest,
  type RefreshTiming,
  recordFailedRefresh,
  runFullRefresh,
} from './full.js';
import { planWork } from './incremental.js';

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
  timing?: (measured: Measured) => RefreshTiming;
}

export type RunOutcome = { kind: 'ran'; record: RefreshRecord } | { kind: 'skipped'; reason: string };

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

const LOCK_NOT_AVAILABLE = '55P03';
const SERIALIZATION_FAILURE = '40001';
const QUERY_CANCELED = '57014';

export async function runRefresh(
  backend: Backend,
  clock: Clock,
  dt: DynamicTable,
  options: RunOptions,
): Promise<RunOutcome> {
  const dataTimestamp = options.dataTimestamp ?? clock.now();
  const translation = translateSql(dt.query, backend.family, { now: dataTimestamp });
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
    ...(options.timing ? { timing: options.timing } : {}),
  };
  // DuckDB takes the timeout as a transaction option (the Backend interface's options do not declare it yet,
  // hence the typed variable rather than a literal); the Postgres family sets statement_timeout below.
  const txOptions: DuckDbTransactionOptions = { isolation: 'repeatable read' };
  if (backend.family === 'duckdb' && options.timeoutMs !== undefined) txOptions.timeoutMs = options.timeoutMs;
  const start = clock.now();
  const t0 = performance.now();
  try {
    // On DuckDB a refresh takes turns with captured writes (see capture/lock.ts).
    const outcome = await withCaptureLock(backend, () =>
      backend.transaction(async (tx): Promise<RunOutcome> => {
        if (backend.family === 'postgres') {
          // Deferred (backends/postgres.ts): sent with BEGIN and the refresh's first query, in one round trip.
          // The commit does not wait for its WAL flush: a crash in the next fraction of a second can only lose
          // the whole refresh (contents, state, positions and history row together), which the next refresh
          // then redoes from the same changes; it never leaves a partial one.
          await exec(tx, 'SET LOCAL synchronous_commit = off');
          if (options.timeoutMs !== undefined)
            await exec(tx, `SET LOCAL statement_timeout = ${Math.max(1, Math.round(options.timeoutMs))}`);
          await exec(
            tx,
            `LOCK TABLE ${quoteIdent(dt.name)} IN SHARE ROW EXCLUSIVE MODE${options.noWait ? ' NOWAIT' : ''}`,
          );
        }
        // One statement (sent with BEGIN and LOCK on the PostgreSQL server) for what the refresh needs to know.
        const meta = await prefetchRefreshMetadata(tx, backend.family, dt);
        if (options.skipIfCurrent) {
          const current = meta.dataTimestamp;
          if (typeof current === 'string' && Date.parse(`${current.replace(' ', 'T')}Z`) >= dataTimestamp)
            return { kind: 'skipped', reason: 'already refreshed to this data timestamp' };
        }
        request.warehouseSize =
          (meta.warehouseSize as RefreshRequest['warehouseSize'] | undefined) ?? 'XSMALL';
        const storage = await describeColumns(tx, backend.family, dt.name);
        const output = storage.map((c, i) => {
          const declared = dt.columns?.[i]?.type;
          return declared
            ? { name: c.name, type: translateType(declared, backend.family) }
            : { name: c.name };
        });
        request.select = refreshSelect(translation.text, output);
        const work = await planWork(tx, backend.family, dt, dataTimestamp, output, (t) =>
          fullRefreshWork(t, request),
        );
        return { kind: 'ran', record: await runFullRefresh(tx, request, () => clock.now(), work) };
      }, txOptions),
    );
    return outcome;
  } catch (e) {
    if (!(e instanceof BackendError)) throw e;
    if (e.sqlState === LOCK_NOT_AVAILABLE)
      return { kind: 'skipped', reason: 'another session is refreshing it' };
    if (e.sqlState === SERIALIZATION_FAILURE)
      return { kind: 'skipped', reason: 'another session refreshed it concurrently' };
    const cancelled = e.sqlState === QUERY_CANCELED;
    const measured: Measured = {
      startMs: start,
      endMs: clock.now(),
      executionMs: performance.now() - t0,
      rowsInserted: 0,
      rowsDeleted: 0,
    };
    const t = options.timing?.(measured) ?? { ...measured, queuedMs: 0 };
    const wh = (await listWarehouses(backend)).find((w) => w.name === dt.warehouse);
    request.warehouseSize = wh?.size ?? 'XSMALL';
    const message = cancelled
      ? `refresh cancelled after exceeding its timeout of ${options.timeoutMs} ms: ${e.message}`
      : e.message;
    const record = await recordFailedRefresh(
      backend,
      request,
      t.startMs,
      t.endMs,
      message,
      cancelled ? 'CANCELLED' : 'FAILED',
      t.queuedMs,
    );
    return { kind: 'ran', record };
  }
}
