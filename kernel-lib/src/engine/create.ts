/**
 * CREATE [OR REPLACE] DYNAMIC TABLE: checks everything it can before touching anything (engine/create-plan.ts),
 * then creates the storage, the catalog rows and (INITIALIZE = ON_CREATE) the first refresh in one transaction,
 * so a failure at any step leaves no trace — and OR REPLACE leaves the old DT as it was.
 */
import { BackendError } from '../backends/backend.js';
import {
  capturedSources,
  currentPosition,
  ensureCapture,
  reinstallCapture,
  releaseCapture,
  setPositions,
} from '../capture/capture.js';
import { withCaptureChange } from '../capture/lock.js';
import { againWhileGivingWay } from '../capture/reinstall.js';
import { deleteDynamicTable, getDynamicTable, insertDynamicTable } from '../catalog/catalog.js';
import { isManual } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { quarantineTablesSql } from '../plan/discards.js';
import { createStorageSql, dropStorageSql } from '../plan/full.js';
import { recomputedRegion } from '../plan/immutable.js';
import { ExpectationRun } from '../refresh/expectations.js';
import { runAndRecordRefresh } from '../refresh/full.js';
import { buildIncrementalState, dropState } from '../refresh/state.js';
import { modelTiming } from '../schedule/cost.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import type { RefreshRecord } from '../types.js';
import type { EngineContext } from './context.js';
import type { CreateOutcome } from './create-definition.js';
import { type CreatePlan, planCreate } from './create-plan.js';
import { dropQuarantine } from './expectations.js';
import { runBackfill } from './immutable.js';
import { queryError } from './query-error.js';

export type { CreateOutcome } from './create-definition.js';
export { type CreatePlan, planCreate } from './create-plan.js';

/** `signal`: aborting it cancels the creating transaction (nothing is created). */
export async function createDynamicTable(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const plan = await planCreate(ctx, stmt, sql);
  if ('message' in plan) return plan;
  return runCreate(ctx, stmt, sql, plan, signal);
}

/**
 * Runs a plan: everything CREATE writes, in one transaction (a failure creates nothing; a backend error is
 * reported as the initial refresh failing).
 */
async function runCreate(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
  { dt, existing, warehouseSize, select, translation, now, output }: CreatePlan,
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const { backend } = ctx;
  const sources = dt.sources;
  let initialRefresh: RefreshRecord | undefined;
  try {
    // On DuckDB, captured writes wait meanwhile (capture/lock.ts): a write that looked for capture before this
    // transaction installed it, and committed after its snapshot, would be in neither the initial refresh
    // nor the change table.
    // A reinstall of capture (a source altered, or this DT's own, replaced while others read it) that gave way
    // to another transaction rolls this one back: tried again, whole (capture/reinstall.ts).
    initialRefresh = await againWhileGivingWay(
      () =>
        withCaptureChange(backend, ctx.ledger, () =>
          backend.transaction(
            async (tx) => {
              const tracked = sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
              // First, before this transaction takes its snapshot: wait for every open writer of a source. A write
              // not yet committed is then either in the snapshot the initial refresh reads (it committed while we
              // waited) or made after the triggers exist, by a transaction this snapshot does not see: the first
              // delta reads it (the PgQ rule). Without the wait, a write made before CREATE TRIGGER and committed
              // after the snapshot is in neither.
              if (tracked.length > 0)
                for (const s of dialectOf(backend.family).awaitWriters(tracked)) await tx.query(s);
              if (existing) {
                await tx.query(dropStorageSql(stmt.name));
                await deleteDynamicTable(tx, stmt.name);
              }
              await tx.query(createStorageSql(stmt.name, select));
              await insertDynamicTable(tx, dt);
              await runBackfill(
                tx,
                backend.family,
                dt,
                output.map((c) => c.name),
                now,
              );
              // Capture every table source (even for FULL: it is how a refresh knows nothing changed), and start
              // consuming from this transaction's snapshot, which the initial refresh reads.
              for (const s of tracked) await ensureCapture(tx, backend.family, s);
              // Readers of the replaced DT read a new table now: capture it afresh, and they reinitialize.
              if (existing && (await capturedSources(tx)).has(stmt.name))
                await reinstallCapture(tx, backend.family, stmt.name);
              await setPositions(tx, stmt.name, tracked, await currentPosition(tx, backend.family));
              if (existing) {
                for (const old of existing.sources) {
                  if (!tracked.includes(old.name)) await releaseCapture(tx, backend.family, old.name);
                }
              }
              if (existing) await dropState(tx, stmt.name);
              if (existing) await dropQuarantine(tx, stmt.name);
              if (dt.expectations?.some((e) => e.action === 'QUARANTINE'))
                for (const sql of quarantineTablesSql(stmt.name)) await tx.query(sql);
              if (stmt.initialize !== 'ON_CREATE') return undefined;
              const expectations = dt.expectations ? new ExpectationRun(dt, backend.family, now) : undefined;
              if (expectations) expectations.columns = output.map((c) => c.name);
              const mutable = recomputedRegion(dt, backend.family, now);
              // An id drawn ahead (history in refresh order), unless expectations draw theirs as they judge rows.
              const refreshId = expectations ? undefined : ctx.refreshId();
              const record = await runAndRecordRefresh(
                tx,
                {
                  dt,
                  select,
                  trigger: 'CREATION',
                  dataTimestamp: now,
                  warehouseSize,
                  ...(dt.initializationWarehouse ? { warehouse: dt.initializationWarehouse } : {}),
                  planningMs: 0,
                  reason: dt.refreshModeReason,
                  ...(isManual(ctx.clock) ? { timing: modelTiming(() => warehouseSize) } : {}),
                  ...(expectations ? { expectations } : {}),
                  ...(mutable ? { mutable } : {}),
                  ...(refreshId !== undefined ? { refreshId } : {}),
                },
                () => ctx.clock.now(),
              );
              await buildIncrementalState(tx, backend.family, dt, now);
              return record;
            },
            { isolation: 'repeatable read', ...(signal ? { signal } : {}) },
          ),
        ),
      signal,
    );
  } catch (e) {
    if (e instanceof BackendError) {
      const err = queryError(e, translation, -1, sql, stmt.queryOffset);
      throw new DtError(
        'DT_ERR_REFRESH_FAILED',
        `initial refresh of ${stmt.name} failed, nothing was created: ${err.message}`,
        {
          cause: e,
        },
      );
    }
    throw e;
  }
  const created = (await getDynamicTable(backend, stmt.name)) ?? dt;
  return {
    message: `Dynamic table ${stmt.name} successfully ${existing ? 'replaced' : 'created'}.`,
    created,
    ...(initialRefresh ? { initialRefresh } : {}),
  };
}
