/**
 * A refresh's run and record: `runAndRecordRefresh` runs any work (by default the full recompute,
 * refresh/full-plan.ts) inside the caller's transaction and writes the history row in the same transaction
 * on success; on failure the transaction rolls back (previous contents kept) and the caller records FAILED.
 */
import { formatTimestamp, type Queryable } from '../backends/backend.js';
import { insertRefreshRecord, updateDynamicTable } from '../catalog/catalog.js';
import { refreshMetadata, takeRefreshId } from '../catalog/refresh-metadata.js';
import { changeRows, readsWholeSources, sourceRowsSql } from '../schedule/cost.js';
import type { WarehouseSize } from '../sql/ddl.js';
import {
  CREDITS_PER_HOUR,
  type DynamicTable,
  type ExpectationCount,
  type RefreshAction,
  type RefreshRecord,
  type RefreshScore,
  type RefreshTrigger,
} from '../types.js';
import { runPlan, type StepLog } from './executor.js';
import type { ExpectationRun } from './expectations.js';
import { fullRecomputePlan } from './full-plan.js';
import type { RowCounts } from './steps.js';

export interface RefreshRequest {
  dt: DynamicTable;
  /** The refresh SELECT in the backend's dialect (see plan/full.ts). */
  select: string;
  trigger: RefreshTrigger;
  /** The snapshot time the refresh's contents will reflect (engine clock, ms). */
  dataTimestamp: number;
  /** The size of the warehouse the refresh runs on (`warehouse`, else the DT's). */
  warehouseSize: WarehouseSize;
  /**
   * The warehouse the refresh runs on and is billed to when it is not the DT's WAREHOUSE: its
   * INITIALIZATION_WAREHOUSE, for an initial refresh or a REINITIALIZE (refresh/billing.ts).
   */
  warehouse?: string;
  planningMs: number;
  /** Why this action, in words (shown in history). */
  reason: string;
  /** The history row's id, when drawn ahead (with a statement whose answer the refresh read anyway). */
  refreshId?: number;
  /**
   * Where the engine records history rows later (DuckDB: refresh/deferred-history.ts): a refresh without
   * expectations whose id was drawn ahead leaves its row here instead of inserting it (and its DT's data
   * timestamp instead of writing it), and the caller hands it over once the transaction commits. Absent: the
   * row and the data timestamp are written in the refresh's transaction.
   */
  recordLater?: RefreshRecord[];
  /**
   * The history row's times, from what the refresh measured. The scheduler supplies this to put refreshes on
   * its clock (simulated durations under a manual clock, queueing on a warehouse); absent: measured times.
   */
  timing?: (measured: Measured) => RefreshTiming;
  /** The DT's expectations for this refresh (refresh/expectations.ts): rows judged, counts kept. */
  expectations?: ExpectationRun;
  /** IMMUTABLE WHERE: the mutable region's condition, the only rows a recompute replaces (plan/immutable.ts). */
  mutable?: string;
  /**
   * The REFRESH quality score of a successful refresh with expectations (quality/service.ts), from its record's
   * counts: written in its history row (catalog/refresh-quality.ts). Absent or undefined: none.
   */
  score?: (record: Omit<RefreshRecord, 'refreshId'>) => RefreshScore | undefined;
}

export interface Measured {
  startMs: number;
  endMs: number;
  /** Real milliseconds the DML took. */
  executionMs: number;
  rowsInserted: number;
  rowsDeleted: number;
  /** Source rows the refresh read (schedule/cost.ts): all of them for a recompute, the changes otherwise. */
  rowsRead: number;
  /** The warehouse it ran on (the scheduler places it in that warehouse's run). */
  warehouse: string;
}

export interface RefreshTiming {
  startMs: number;
  endMs: number;
  /** Clock milliseconds of execution (credits are charged for these). */
  executionMs: number;
  queuedMs: number;
}

/** Credits for `ms` of work on a warehouse of `size` (Snowflake bills per second of a size's hourly rate). */
export function creditsFor(size: WarehouseSize, ms: number): number {
  return (CREDITS_PER_HOUR[size] * ms) / 3_600_000;
}

function record(req: RefreshRequest, startMs: number, endMs: number): Omit<RefreshRecord, 'refreshId'> {
  const completionTarget =
    req.dt.targetLag.kind === 'duration'
      ? formatTimestamp(req.dataTimestamp + req.dt.targetLag.seconds * 1000)
      : null;
  return {
    name: req.dt.name,
    state: 'SUCCEEDED',
    stateMessage: null,
    refreshAction: 'FULL',
    refreshTrigger: req.trigger,
    dataTimestamp: formatTimestamp(req.dataTimestamp),
    refreshStartTime: formatTimestamp(startMs),
    refreshEndTime: formatTimestamp(endMs),
    completionTarget,
    rowsInserted: 0,
    rowsDeleted: 0,
    rowsRead: 0,
    changesRead: {},
    planningMs: req.planningMs,
    executionMs: 0,
    queuedMs: 0,
    reason: req.reason,
    warehouse: req.warehouse ?? req.dt.warehouse,
    creditsUsed: 0,
  };
}

/**
 * What a refresh does, decided from the captured changes (refresh/choose-work.ts): the action for the history
 * row, why, the changes read, and the work itself. Absent: a full refresh.
 */
export interface RefreshWork {
  action: RefreshAction;
  reason: string;
  changesRead: Record<string, number>;
  /** Runs the work, each step recorded in `log` (refresh/executor.ts). */
  run(tx: Queryable, log: StepLog): Promise<RowCounts>;
}

/**
 * Runs a refresh's work (`work`, chosen by refresh/choose-work.ts `chooseWork`; absent: the full recompute)
 * inside the caller's transaction and writes its history row and data timestamp. Returns the row; the steps
 * the work ran are in `log`.
 */
export async function runAndRecordRefresh(
  tx: Queryable,
  req: RefreshRequest,
  wallClock: () => number,
  work?: RefreshWork,
  log: StepLog = [],
): Promise<RefreshRecord> {
  const start = wallClock();
  const t0 = performance.now();
  const done = work ? await work.run(tx, log) : await runPlan(tx, fullRecomputePlan(req), log);
  const measured: Measured = {
    startMs: start,
    endMs: wallClock(),
    executionMs: performance.now() - t0,
    rowsInserted: done.rowsInserted,
    rowsDeleted: done.rowsDeleted,
    rowsRead: done.rowsRead ?? (await sourceRowsRead(tx, req.dt, work)),
    warehouse: req.warehouse ?? req.dt.warehouse,
  };
  const row = finishedRow(req, measured, work);
  const run = req.expectations;
  // The row waits in the engine (`recordLater`, DuckDB), and the DT's data timestamp with it: both are written
  // before anything reads them through the engine (refresh/deferred-history.ts), a statement less here.
  const later = req.recordLater && !run ? (req.refreshId ?? takeRefreshId(tx)) : undefined;
  // A recompute settles ADD / DROP CONSTRAINT (the DT's rows are judged by its expectations as they are now).
  const settles = req.dt.pendingRecompute !== undefined && row.refreshAction !== 'INCREMENTAL';
  await updateDynamicTable(tx, req.dt.name, {
    ...(later === undefined ? { data_timestamp: row.dataTimestamp ?? undefined } : {}),
    ...(settles && row.refreshAction !== 'NO_DATA' ? { pending_recompute: null } : {}),
  });
  // The expectations' counts go in the history row (catalog/refresh-quality.ts): no statement of their own.
  const expectations = run?.active ? run.counts() : undefined;
  const counted: Omit<RefreshRecord, 'refreshId'> = expectations ? { ...row, expectations } : row;
  const qualityScore = expectations ? req.score?.(counted) : undefined;
  if (qualityScore) counted.qualityScore = qualityScore;
  if (later !== undefined) {
    const recorded = { refreshId: later, ...counted };
    req.recordLater?.push(recorded);
    return recorded;
  }
  const refreshId = await insertRefreshRecord(tx, counted, req.refreshId ?? run?.refreshId);
  return { refreshId, ...counted };
}

/** The history row of a refresh that succeeded, from what it measured (timed by `req.timing` if set). */
function finishedRow(req: RefreshRequest, measured: Measured, work?: RefreshWork) {
  const t = req.timing?.(measured) ?? { ...measured, queuedMs: 0 };
  return {
    ...record(req, t.startMs, t.endMs),
    ...(work ? { refreshAction: work.action, reason: work.reason, changesRead: work.changesRead } : {}),
    rowsDeleted: measured.rowsDeleted,
    rowsInserted: measured.rowsInserted,
    rowsRead: measured.rowsRead,
    executionMs: t.executionMs,
    queuedMs: t.queuedMs,
    // Finding that nothing changed needs no warehouse (the scheduler does not bill it either).
    creditsUsed: work?.action === 'NO_DATA' ? 0 : creditsFor(req.warehouseSize, t.executionMs),
  };
}

/**
 * The history row of a NO_DATA refresh decided without a statement (refresh/no-data.ts), as
 * `runAndRecordRefresh` would write it; the caller records it.
 */
export function noDataRecord(
  req: RefreshRequest,
  wallClock: () => number,
  work: Pick<RefreshWork, 'reason' | 'changesRead'>,
  refreshId: number,
): RefreshRecord {
  const start = wallClock();
  const t0 = performance.now();
  const measured: Measured = {
    startMs: start,
    endMs: wallClock(),
    executionMs: performance.now() - t0,
    rowsInserted: 0,
    rowsDeleted: 0,
    rowsRead: 0,
    warehouse: req.warehouse ?? req.dt.warehouse,
  };
  return {
    refreshId,
    ...finishedRow(req, measured, { ...work, action: 'NO_DATA', run: async () => measured }),
  };
}

/** Source rows a refresh read: every source row for a recompute, its change rows otherwise (cost.ts). */
async function sourceRowsRead(tx: Queryable, dt: DynamicTable, work?: RefreshWork): Promise<number> {
  if (!readsWholeSources(work?.action)) return changeRows(work?.changesRead ?? {});
  // Counted with the refresh's metadata (catalog/moving-metadata.ts), in the same snapshot.
  const counted = refreshMetadata(tx)?.counted?.sourceRows;
  if (counted !== undefined) return counted;
  const sql = sourceRowsSql(dt.sources.map((s) => s.name));
  return sql === null ? 0 : Number((await tx.query(sql)).rows[0]?.[0] ?? 0);
}

/**
 * The history row for a refresh that did not succeed, written after the rollback: FAILED or CANCELLED (it
 * ran), UPSTREAM_FAILED or SKIPPED (it did not run: no action, no credits).
 */
export async function recordFailedRefresh(
  db: Queryable,
  req: RefreshRequest,
  startMs: number,
  endMs: number,
  message: string,
  state: 'FAILED' | 'CANCELLED' | 'UPSTREAM_FAILED' | 'SKIPPED' = 'FAILED',
  queuedMs = 0,
  expectations?: ExpectationCount[],
): Promise<RefreshRecord> {
  const ran = state === 'FAILED' || state === 'CANCELLED';
  const row = {
    ...record(req, startMs, endMs),
    state,
    stateMessage: message,
    refreshAction: ran ? ('FULL' as const) : null,
    dataTimestamp: null,
    queuedMs,
    executionMs: ran ? endMs - startMs : 0,
    creditsUsed: ran ? creditsFor(req.warehouseSize, endMs - startMs) : 0,
    // A FAIL UPDATE expectation's: the counts that failed the refresh.
    ...(expectations ? { expectations } : {}),
  };
  const refreshId = await insertRefreshRecord(db, row);
  return { refreshId, ...row };
}
