/**
 * One cycle's refreshes, run (the I/O of a cycle plan.ts planned): each DT refreshes to the cycle's data
 * timestamp once its upstreams of the cycle have ended, on its warehouse's slots — one after the other under a
 * manual clock, where it takes a simulated duration (cost.ts) on a slot warehouse.ts reserves; concurrently
 * otherwise, fenced against other processes' writers on a PostgreSQL server (engine/fence.ts). It publishes
 * each refresh's progress, takes the PEAK and REFRESHED lag samples of a success, notes a failure for a retry
 * and suspends a DT after repeated failures; then reclaims the change rows' space. The scheduler's state it
 * reads and updates comes in a `CycleContext`; nothing is kept here.
 */
import { reclaimChangeRows } from '../capture/capture.js';
import { consecutiveScheduledFailures, type LagSample } from '../catalog/catalog.js';
import { type Clock, isManual } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { isServer, withSourcesLocked } from '../engine/fence.js';
import { refreshWarehouse } from '../refresh/billing.js';
import type { Measured, RefreshTiming } from '../refresh/full.js';
import type { WarehouseSize } from '../sql/ddl.js';
import type { DynamicTable } from '../types.js';
import { type Work, workDurationMs } from './cost.js';
import type { SchedulerEvent } from './events.js';
import type { Flight } from './inflight.js';
import type { CyclePlan } from './plan.js';
import { lagSample, parseTimestamp } from './record.js';
import type { SchedulerOptions } from './scheduler.js';
import type { WarehouseState } from './warehouse.js';

/** What running a cycle needs of the scheduler: its engine, clock and options, and the state it shares. */
export interface CycleContext {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly options: SchedulerOptions;
  /** The scheduler's refreshes in flight, by DT: a cycle adds its DTs and sets their ends (inflight.ts). */
  readonly inflight: Map<string, Flight>;
  /** Data timestamp of each DT's last unsuccessful attempt, so it retries at the next instant. */
  readonly attempts: Map<string, number>;
  /** The warehouses as the scheduler sees them, by name. */
  readonly warehouses: ReadonlyMap<string, WarehouseState>;
  /** Publishes on the scheduler's `events$`. */
  emit(event: SchedulerEvent): void;
  /** A refresh ended: the real-clock loop looks again. */
  wake(): void;
  /** Lag samples taken at a refresh's end, buffered and published by the scheduler. */
  samples(samples: LagSample[]): Promise<void>;
}

const defaultDuration = (r: { size: WarehouseSize } & Work) => workDurationMs(r.size, r);

interface TaskResult {
  ok: boolean;
  endAt: number;
  /** Skipped because another engine has it: dependents skip quietly too. */
  skipped?: boolean;
}

/** Runs the refreshes of `plan` (`dts`: the DTs as the look read them, by name). */
export async function runCycle(
  ctx: CycleContext,
  plan: CyclePlan,
  dts: Map<string, DynamicTable>,
): Promise<void> {
  for (const name of plan.refresh) {
    const dt = dts.get(name) as DynamicTable;
    ctx.inflight.set(name, {
      before: dt.dataTimestamp === null ? null : parseTimestamp(dt.dataTimestamp),
    });
    const because = plan.because[name]?.kind ?? 'due';
    ctx.emit({
      type: 'refresh-scheduled',
      name,
      dataTimestamp: plan.dataTimestamp,
      trigger: 'SCHEDULED',
      because,
    });
  }
  const results = new Map<string, Promise<TaskResult>>();
  const runAll = async () => {
    for (const name of plan.refresh) {
      const task = runTask(ctx, dts.get(name) as DynamicTable, plan.dataTimestamp, results);
      results.set(name, task);
      // Simulated: one after the other, in dependency order, so the outcome never depends on timing.
      if (isManual(ctx.clock)) await task;
    }
    await Promise.all(results.values());
  };
  // Under a manual clock nothing writes during a cycle; otherwise writes wait for it (engine/fence.ts).
  if (isManual(ctx.clock)) {
    await runAll();
    return await reclaim(ctx.engine);
  }
  const sources = plan.refresh.flatMap((n) =>
    (dts.get(n)?.sources ?? []).filter((s) => s.kind !== 'DYNAMIC TABLE'),
  );
  await ctx.engine.fence.cycle(async () => {
    const names = [...new Set(sources.map((s) => s.name))];
    const { locked } = await withSourcesLocked(
      ctx.engine.backend,
      sources,
      ctx.options.fenceLockTimeoutMs ?? 2000,
      runAll,
    );
    if (!locked && isServer(ctx.engine.backend) && names.length > 0)
      ctx.emit({
        type: 'cycle-unfenced',
        at: plan.dataTimestamp,
        reason: `the share lock on ${names.join(', ')} was not granted in time, or a source's change capture must be reinstalled`,
      });
  });
  await reclaim(ctx.engine);
}

/**
 * After a cycle, outside its transactions: the space of change rows its refreshes pruned, where the
 * database does not reclaim it by itself (capture/capture.ts reclaimChangeRows), once a collection deleted
 * some (capture/garbage.ts). A failure (a change table dropped meanwhile) only leaves the space for the next
 * collection's cycle.
 */
async function reclaim(engine: Engine): Promise<void> {
  const { backend } = engine;
  if (engine.garbage.reclaimDue()) await reclaimChangeRows(backend, backend.family).catch(() => {});
}

async function runTask(
  ctx: CycleContext,
  dt: DynamicTable,
  cycleAt: number,
  results: Map<string, Promise<TaskResult>>,
): Promise<TaskResult> {
  const simulated = isManual(ctx.clock);
  const ups = dt.sources.map((s) => s.name).filter((n) => results.has(n));
  const upResults = await Promise.all(ups.map((n) => results.get(n) as Promise<TaskResult>));
  const readyAt = Math.max(cycleAt, ...upResults.map((r) => r.endAt));
  const flight = ctx.inflight.get(dt.name) as Flight;
  const finish = (r: TaskResult): TaskResult => {
    flight.endAt = simulated ? r.endAt : ctx.clock.now();
    ctx.wake();
    return r;
  };
  if (upResults.some((r) => r.skipped)) return finish({ ok: false, skipped: true, endAt: readyAt });
  const failedUp = ups.find((_n, i) => !upResults[i]?.ok);
  if (failedUp !== undefined) {
    ctx.attempts.set(dt.name, cycleAt);
    const at = simulated ? readyAt : ctx.clock.now();
    await ctx.engine.recordNotRun(
      dt,
      'UPSTREAM_FAILED',
      `upstream ${failedUp} did not refresh`,
      'SCHEDULED',
      at,
    );
    return finish({ ok: false, endAt: readyAt });
  }

  // The warehouse the refresh runs on: INITIALIZATION_WAREHOUSE for an initial refresh or a REINITIALIZE
  // (refresh/billing.ts). Its concurrency slot is taken before the refresh, when only an initial refresh can
  // be foreseen; the refresh says where it ran (`m.warehouse`), and is placed and billed there.
  const slot = ctx.warehouses.get(refreshWarehouse(dt, undefined));
  const release = simulated || !slot ? () => {} : await slot.acquire();
  const startAt = ctx.clock.now();
  let placed: RefreshTiming | undefined;
  let wh = slot;
  const timing = (m: Measured) => {
    wh = ctx.warehouses.get(m.warehouse);
    if (simulated) {
      const d = (ctx.options.simulatedDuration ?? defaultDuration)({
        name: dt.name,
        size: wh?.spec.size ?? 'XSMALL',
        ...m,
      });
      const slot = wh ? wh.reserve(readyAt, d) : { startMs: readyAt, endMs: readyAt + d };
      placed = { ...slot, executionMs: d, queuedMs: slot.startMs - cycleAt };
    } else {
      const executionMs = m.executionMs * (ctx.clock.rate ?? 1);
      // Measured inside the refresh transaction, after its lock: the interval it really held the DT.
      placed = { startMs: m.startMs, endMs: m.endMs, executionMs, queuedMs: m.startMs - cycleAt };
    }
    ctx.emit({
      type: 'refresh-started',
      name: dt.name,
      dataTimestamp: cycleAt,
      at: placed.startMs,
      queuedMs: placed.queuedMs,
    });
    return placed;
  };
  let outcome: Awaited<ReturnType<Engine['refreshOne']>>;
  try {
    outcome = await ctx.engine.refreshOne(dt, {
      trigger: 'SCHEDULED',
      dataTimestamp: cycleAt,
      noWait: true,
      skipIfCurrent: true,
      timing,
      ...(ctx.options.refreshTimeoutMs !== undefined ? { timeoutMs: ctx.options.refreshTimeoutMs } : {}),
    });
  } finally {
    release();
  }
  if (outcome.kind === 'skipped') {
    ctx.emit({
      type: 'refresh-skipped',
      name: dt.name,
      dataTimestamp: cycleAt,
      reason: outcome.reason,
    });
    return finish({ ok: false, skipped: true, endAt: readyAt });
  }
  const t = placed ?? { startMs: startAt, endMs: ctx.clock.now(), executionMs: 0, queuedMs: 0 };
  // Like Snowflake, finding that nothing changed (NO_DATA) needs no warehouse: it neither resumes a
  // suspended one nor keeps a running one awake.
  const noData = outcome.record.refreshAction === 'NO_DATA';
  wh = ctx.warehouses.get(outcome.record.warehouse) ?? wh;
  if (!noData && wh?.noteBusy(t.startMs, t.endMs).resumed)
    ctx.emit({ type: 'warehouse', action: 'resumed', warehouse: wh.spec.name, at: t.startMs });
  const ok = outcome.record.state === 'SUCCEEDED';
  if (ok) {
    ctx.attempts.delete(dt.name);
    await ctx.samples([
      lagSample(dt, 'PEAK', t.endMs, flight.before),
      lagSample(dt, 'REFRESHED', t.endMs, cycleAt),
    ]);
  } else {
    ctx.attempts.set(dt.name, cycleAt);
    const limit = ctx.options.maxConsecutiveFailures ?? 5;
    if ((await consecutiveScheduledFailures(ctx.engine.backend, dt.name, limit)) >= limit)
      await ctx.engine.setSchedulingState(dt.name, 'suspend', 'SUSPENDED_DUE_TO_ERRORS');
  }
  return finish({ ok, endAt: t.endMs });
}
