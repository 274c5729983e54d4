/**
 * The scheduler: runs refresh cycles against an Engine on the engine's clock. The decisions are plan.ts's
 * (pure); this file does the side effects — reading the catalog, running refreshes on warehouses, writing lag
 * samples and warehouse bills, suspending after repeated failures — and publishes everything on `events$`.
 *
 * Two ways time passes:
 * - Real or accelerated clock: `start()` runs a loop that wakes at the next due instant (or when a refresh
 *   ends); refreshes run concurrently up to each warehouse's MAX_CONCURRENCY_LEVEL and take the time they take.
 * - Manual clock: `advance(ms)` / `advanceToNextRefresh()` step the clock from event to event and simulate.
 *   Each refresh runs on the database at its cycle's instant (so it reads the snapshot of its data timestamp,
 *   like Snowflake's time travel to the data timestamp) but *takes* a simulated duration (option
 *   `simulatedDuration`, by default derived from the rows it read and wrote: cost.ts): it occupies a warehouse slot, starts when
 *   its upstreams of the cycle have ended and a slot is free, and its new contents count for lag only from its
 *   simulated end. The same actions then always give the same history, and a too-small warehouse shows.
 */
import { merge, type Observable, Subject } from 'rxjs';
import { formatTimestamp } from '../backends/backend.js';
import { reclaimChangeRows } from '../capture/capture.js';
import { consecutiveScheduledFailures, type LagSample } from '../catalog/catalog.js';
import { type Clock, isManual, ManualClock, realDelayUntil } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { isServer, withSourcesLocked } from '../engine/fence.js';
import { messageOf, yieldToEventLoop } from '../errors.js';
import { refreshWarehouse } from '../refresh/billing.js';
import type { Measured, RefreshTiming } from '../refresh/full.js';
import type { WarehouseSize } from '../sql/ddl.js';
import type { DynamicTable } from '../types.js';
import { type Work, workDurationMs } from './cost.js';
import type { SchedulerEvent } from './events.js';
import { FLUSH_AT } from './lag-buffer.js';
import { type CyclePlan, type PlanInput, planCycle } from './plan.js';
import { cycleSamples, lagSample, parseTimestamp, writeRun } from './record.js';
import { type WarehouseRun, WarehouseState } from './warehouse.js';

export interface SchedulerOptions {
  /** Under a manual clock: how long a refresh takes, in clock ms (default: cost.ts `workDurationMs`). */
  simulatedDuration?: (r: { name: string; size: WarehouseSize } & Work) => number;
  /** Cancel a scheduled refresh that runs longer than this (real ms). */
  refreshTimeoutMs?: number;
  /** Consecutive failed scheduled refreshes that suspend a DT (Snowflake: 5). */
  maxConsecutiveFailures?: number;
  /** Minimum clock ms between two CYCLE lag samples of a DT (default 15 s). */
  sampleEveryMs?: number;
  /** Longest real sleep of the loop under a real clock, so catalog changes are noticed (default 1 s). */
  pollMs?: number;
  /**
   * Under a real clock on a PostgreSQL server: how long a cycle waits for its sources' share lock before it
   * runs without it (engine/fence.ts; default 2 s).
   */
  fenceLockTimeoutMs?: number;
}

const defaultDuration = (r: { size: WarehouseSize } & Work) => workDurationMs(r.size, r);

interface Flight {
  /** Clock ms when the refresh's new contents count; undefined while queued or running. */
  endAt?: number;
  /** Data timestamp of the contents before it. */
  before: number | null;
}
interface TaskResult {
  ok: boolean;
  endAt: number;
  /** Skipped because another engine has it: dependents skip quietly too. */
  skipped?: boolean;
}

export class Scheduler {
  private readonly own = new Subject<SchedulerEvent>();
  /** Everything: the scheduler's events and the engine's (refresh records, state changes). */
  readonly events$: Observable<SchedulerEvent>;
  private readonly clock: Clock;
  private readonly inflight = new Map<string, Flight>();
  /** Data timestamp of each DT's last unsuccessful attempt, so it retries at the next instant. */
  private readonly attempts = new Map<string, number>();
  private readonly warehouses = new Map<string, WarehouseState>();
  private readonly lastSample = new Map<string, number>();
  private readonly cycles = new Set<Promise<void>>();
  private nextDueAt: number | null = null;
  /** Clock ms since which lag samples wait in the engine's buffer. */
  private waitingSince = 0;
  private lastCycleAt: number | null = null;
  private loop?: Promise<void>;
  private stopped = true;
  private wake: () => void = () => {};

  constructor(
    readonly engine: Engine,
    private readonly options: SchedulerOptions = {},
  ) {
    this.clock = engine.clock;
    this.events$ = merge(engine.events$, this.own.asObservable());
  }

  // ---- manual clock -------------------------------------------------------------------------------------

  /**
   * Moves a manual clock forward by `ms`, running every cycle, refresh end and suspension on the way. Once
   * `signal` is aborted it stops before the next event and returns false: the clock stays at the last instant
   * whose work (every refresh of its cycle) completed, as if the step had been that long. The move's lag
   * samples that no refresh took along are written at its end, unless `keepLagSamples` (a caller moving the
   * clock in steps writes them once, after its last: magics/session.ts).
   */
  async advance(
    ms: number,
    signal?: AbortSignal,
    options: { keepLagSamples?: boolean } = {},
  ): Promise<boolean> {
    const clock = this.manualClock();
    const target = clock.now() + ms;
    await this.tick();
    for (let next = this.nextEventAt(); next !== null && next <= target; next = this.nextEventAt()) {
      if (signal) await yieldToEventLoop(); // where an interrupt (and a progress display) gets its turn
      if (signal?.aborted) return false;
      clock.set(next);
      await this.tick();
    }
    // The move's lag samples that no refresh took along, for whoever reads them next (schedule/lag-buffer.ts).
    const flush = () => (options.keepLagSamples ? Promise.resolve() : this.engine.flushLagSamples());
    if (signal?.aborted && clock.now() < target) {
      await flush();
      return false;
    }
    clock.set(target);
    await this.tick();
    await flush();
    return true;
  }

  /**
   * Runs the next cycle: now, if something is due now (e.g. just resumed and overdue), else at the next
   * instant a DT falls due, moving the manual clock there. Returns the cycle's instant (null: nothing to do).
   */
  async advanceToNextRefresh(): Promise<number | null> {
    await this.tick();
    if (this.lastCycleAt === this.clock.now()) return this.lastCycleAt;
    const due = this.nextDueAt;
    if (due === null) return null;
    await this.advance(due - this.clock.now());
    return due;
  }

  // ---- real clock ---------------------------------------------------------------------------------------

  start(): void {
    if (!this.stopped) return;
    if (isManual(this.clock)) throw new Error('a manual clock moves by advance(), not start()');
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        await this.tick();
        const next = this.nextEventAt();
        const delay = Math.min(
          this.options.pollMs ?? 1000,
          next === null ? Infinity : realDelayUntil(this.clock, next),
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Stops looking for work and waits for the refreshes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await Promise.all(this.cycles);
    await this.engine.flushLagSamples();
  }

  // ---- one look -----------------------------------------------------------------------------------------

  /** The next instant something happens: a DT falls due, a refresh ends, a warehouse suspends. */
  nextEventAt(): number | null {
    const now = this.clock.now();
    const times = [
      this.nextDueAt,
      ...this.engine.clockJobs.map((j) => j.nextAt()),
      ...[...this.inflight.values()].map((f) => f.endAt ?? null),
      ...[...this.warehouses.values()].map((w) => w.suspendsAt()),
      this.engine.quality.nextDueAt(now),
    ].filter((t): t is number => t !== null && t > now);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** The warehouses' runs under way, billed as if they suspended now. */
  openRuns(): WarehouseRun[] {
    const now = this.clock.now();
    return [...this.warehouses.values()]
      .map((w) => w.openRun(now))
      .filter((r): r is WarehouseRun => r !== null);
  }

  /** Looks once at `now`: retires finished refreshes, bills suspended warehouses, plans and runs a cycle. */
  async tick(): Promise<void> {
    await this.look();
    // Then what else falls due on the clock (alerts), after this instant's refreshes (awaited when simulated).
    const now = this.clock.now();
    for (const job of this.engine.clockJobs)
      await job.run(now).catch((e) => this.own.next({ type: 'error', at: now, message: messageOf(e) }));
  }

  private async look(): Promise<void> {
    const now = this.clock.now();
    await this.lookAt(now);
    // Data metric functions due by now, after this instant's refreshes (quality/service.ts).
    await this.engine.quality.tick(now);
  }

  private async lookAt(now: number): Promise<void> {
    try {
      for (const [name, f] of this.inflight)
        if (f.endAt !== undefined && f.endAt <= now) this.inflight.delete(name);
      // What other processes changed since the last look (one statement on a PostgreSQL server, none
      // elsewhere); the rest of the look uses what the engine holds (catalog/known.ts, catalog/stamps.ts).
      await this.engine.lookForChanges();
      await this.syncWarehouses(now);
      const dts = await this.engine.listDynamicTables({ fresh: false });
      const every = this.options.sampleEveryMs ?? 15_000;
      await this.samples(cycleSamples(dts, now, every, this.lastSample, (d) => this.visible(d, now)));
      const plan = planCycle(
        dts.map((d) => this.planInput(d, now)),
        now,
      );
      this.nextDueAt = plan.nextDueAt;
      if (plan.refresh.length === 0) return;
      this.lastCycleAt = now;
      this.own.next({ type: 'cycle', at: now, ...plan });
      const cycle = this.runCycle(plan, new Map(dts.map((d) => [d.name, d])));
      if (isManual(this.clock)) {
        await cycle;
        // A refresh's simulated duration may be 0 (NO_DATA, a failure): no refresh end then wakes the
        // clock, so what falls due next (a retry, say) is planned again as the cycle left things: the DTs
        // it refreshed at its instant, the failed ones with their attempt noted (planInput reads it).
        const at = formatTimestamp(now);
        const after = dts.map((d) =>
          plan.refresh.includes(d.name) && !this.attempts.has(d.name) ? { ...d, dataTimestamp: at } : d,
        );
        this.nextDueAt = planCycle(
          after.map((d) => this.planInput(d, now)),
          now,
        ).nextDueAt;
        return;
      }
      this.cycles.add(cycle);
      void cycle
        .catch((e) => this.own.next({ type: 'error', at: now, message: messageOf(e) }))
        .finally(() => {
          this.cycles.delete(cycle);
          this.wake();
        });
    } catch (e) {
      this.own.next({ type: 'error', at: now, message: messageOf(e) });
    }
  }

  /**
   * `now` is the look's instant, taken before the catalog was read. A refresh that ended after it may have
   * committed after the read did (the look's queries and a cycle's refreshes interleave), so the catalog may
   * still show its old data timestamp: it counts as busy, and the next look sees it done. (Judging by the
   * clock at planning time instead planned such a DT again from its stale data timestamp: a second,
   * off-grid refresh right after the first, seen in a real-clock soak on PGlite.) Under a real or accelerated
   * clock a refresh ending at the look's very instant counts as busy too: flights that ended before the look
   * began are gone (lookAt), so this one ended during it, maybe after the read — a NO_DATA refresh that sends
   * no statement (DuckDB) ends within the millisecond it started. Under a manual clock cycles run inside
   * the look, so nothing ends during its read.
   */
  private planInput(d: DynamicTable, now: number): PlanInput {
    const f = this.inflight.get(d.name);
    return {
      name: d.name,
      targetLagSeconds: d.targetLag.kind === 'duration' ? d.targetLag.seconds : null,
      upstream: d.sources.filter((s) => s.kind === 'DYNAMIC TABLE').map((s) => s.name),
      schedulable: d.schedulingState === 'ACTIVE' && d.scheduler === 'ENABLE',
      dataTimestamp: d.dataTimestamp === null ? null : parseTimestamp(d.dataTimestamp),
      lastAttempt: this.attempts.get(d.name) ?? null,
      createdOn: parseTimestamp(d.createdOn),
      busy:
        f !== undefined &&
        (f.endAt === undefined || f.endAt > now || (f.endAt === now && !isManual(this.clock))),
    };
  }

  private async runCycle(plan: CyclePlan, dts: Map<string, DynamicTable>): Promise<void> {
    for (const name of plan.refresh) {
      const dt = dts.get(name) as DynamicTable;
      this.inflight.set(name, {
        before: dt.dataTimestamp === null ? null : parseTimestamp(dt.dataTimestamp),
      });
      const because = plan.because[name]?.kind ?? 'due';
      this.own.next({
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
        const task = this.runTask(dts.get(name) as DynamicTable, plan.dataTimestamp, results);
        results.set(name, task);
        // Simulated: one after the other, in dependency order, so the outcome never depends on timing.
        if (isManual(this.clock)) await task;
      }
      await Promise.all(results.values());
    };
    // Under a manual clock nothing writes during a cycle; otherwise writes wait for it (engine/fence.ts).
    if (isManual(this.clock)) {
      await runAll();
      return await this.reclaim();
    }
    const sources = plan.refresh.flatMap((n) =>
      (dts.get(n)?.sources ?? []).filter((s) => s.kind !== 'DYNAMIC TABLE'),
    );
    await this.engine.fence.cycle(async () => {
      const names = [...new Set(sources.map((s) => s.name))];
      const { locked } = await withSourcesLocked(
        this.engine.backend,
        sources,
        this.options.fenceLockTimeoutMs ?? 2000,
        runAll,
      );
      if (!locked && isServer(this.engine.backend) && names.length > 0)
        this.own.next({
          type: 'cycle-unfenced',
          at: plan.dataTimestamp,
          reason: `the share lock on ${names.join(', ')} was not granted in time, or a source's change capture must be reinstalled`,
        });
    });
    await this.reclaim();
  }

  /**
   * After a cycle, outside its transactions: the space of change rows its refreshes pruned, where the
   * database does not reclaim it by itself (capture/capture.ts reclaimChangeRows). A failure (a change table
   * dropped meanwhile) only leaves the space for the next cycle.
   */
  private async reclaim(): Promise<void> {
    const { backend } = this.engine;
    await reclaimChangeRows(backend, backend.family).catch(() => {});
  }

  private async runTask(
    dt: DynamicTable,
    cycleAt: number,
    results: Map<string, Promise<TaskResult>>,
  ): Promise<TaskResult> {
    const simulated = isManual(this.clock);
    const ups = dt.sources.map((s) => s.name).filter((n) => results.has(n));
    const upResults = await Promise.all(ups.map((n) => results.get(n) as Promise<TaskResult>));
    const readyAt = Math.max(cycleAt, ...upResults.map((r) => r.endAt));
    const flight = this.inflight.get(dt.name) as Flight;
    const finish = (r: TaskResult): TaskResult => {
      flight.endAt = simulated ? r.endAt : this.clock.now();
      this.wake();
      return r;
    };
    if (upResults.some((r) => r.skipped)) return finish({ ok: false, skipped: true, endAt: readyAt });
    const failedUp = ups.find((_n, i) => !upResults[i]?.ok);
    if (failedUp !== undefined) {
      this.attempts.set(dt.name, cycleAt);
      const at = simulated ? readyAt : this.clock.now();
      await this.engine.recordNotRun(
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
    const slot = this.warehouses.get(refreshWarehouse(dt, undefined));
    const release = simulated || !slot ? () => {} : await slot.acquire();
    const startAt = this.clock.now();
    let placed: RefreshTiming | undefined;
    let wh = slot;
    const timing = (m: Measured) => {
      wh = this.warehouses.get(m.warehouse);
      if (simulated) {
        const d = (this.options.simulatedDuration ?? defaultDuration)({
          name: dt.name,
          size: wh?.spec.size ?? 'XSMALL',
          ...m,
        });
        const slot = wh ? wh.reserve(readyAt, d) : { startMs: readyAt, endMs: readyAt + d };
        placed = { ...slot, executionMs: d, queuedMs: slot.startMs - cycleAt };
      } else {
        const executionMs = m.executionMs * (this.clock.rate ?? 1);
        // Measured inside the refresh transaction, after its lock: the interval it really held the DT.
        placed = { startMs: m.startMs, endMs: m.endMs, executionMs, queuedMs: m.startMs - cycleAt };
      }
      this.own.next({
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
      outcome = await this.engine.refreshOne(dt, {
        trigger: 'SCHEDULED',
        dataTimestamp: cycleAt,
        noWait: true,
        skipIfCurrent: true,
        timing,
        ...(this.options.refreshTimeoutMs !== undefined ? { timeoutMs: this.options.refreshTimeoutMs } : {}),
      });
    } finally {
      release();
    }
    if (outcome.kind === 'skipped') {
      this.own.next({
        type: 'refresh-skipped',
        name: dt.name,
        dataTimestamp: cycleAt,
        reason: outcome.reason,
      });
      return finish({ ok: false, skipped: true, endAt: readyAt });
    }
    const t = placed ?? { startMs: startAt, endMs: this.clock.now(), executionMs: 0, queuedMs: 0 };
    // Like Snowflake, finding that nothing changed (NO_DATA) needs no warehouse: it neither resumes a
    // suspended one nor keeps a running one awake.
    const noData = outcome.record.refreshAction === 'NO_DATA';
    wh = this.warehouses.get(outcome.record.warehouse) ?? wh;
    if (!noData && wh?.noteBusy(t.startMs, t.endMs).resumed)
      this.own.next({ type: 'warehouse', action: 'resumed', warehouse: wh.spec.name, at: t.startMs });
    const ok = outcome.record.state === 'SUCCEEDED';
    if (ok) {
      this.attempts.delete(dt.name);
      await this.samples([
        lagSample(dt, 'PEAK', t.endMs, flight.before),
        lagSample(dt, 'REFRESHED', t.endMs, cycleAt),
      ]);
    } else {
      this.attempts.set(dt.name, cycleAt);
      const limit = this.options.maxConsecutiveFailures ?? 5;
      if ((await consecutiveScheduledFailures(this.engine.backend, dt.name, limit)) >= limit)
        await this.engine.setSchedulingState(dt.name, 'suspend', 'SUSPENDED_DUE_TO_ERRORS');
    }
    return finish({ ok, endAt: t.endMs });
  }

  private async syncWarehouses(now: number): Promise<void> {
    for (const spec of await this.engine.listWarehouses({ fresh: false })) {
      const w = this.warehouses.get(spec.name);
      if (w) w.update(spec);
      else this.warehouses.set(spec.name, new WarehouseState(spec));
    }
    const busy = [...this.inflight.values()].some((f) => f.endAt === undefined);
    for (const w of this.warehouses.values()) {
      const run = w.closeIfIdle(now, busy);
      if (!run) continue;
      await writeRun(this.engine.backend, run);
      this.own.next({ type: 'warehouse', action: 'suspended', warehouse: run.warehouse, at: run.endMs, run });
    }
  }

  /** The data timestamp whose contents count now: a refresh's only from its (simulated) end. */
  private visible(d: DynamicTable, now: number): number | null {
    const f = this.inflight.get(d.name);
    if (f && (f.endAt === undefined || f.endAt > now)) return f.before;
    return d.dataTimestamp === null ? null : parseTimestamp(d.dataTimestamp);
  }

  /**
   * Samples wait in the engine's buffer (schedule/lag-buffer.ts): a read writes them, or the end of the clock
   * move; a look writes them only when many wait, or (real clock) some waited a while.
   */
  private async samples(samples: LagSample[]): Promise<void> {
    const buffer = this.engine.lagSamples;
    const now = this.clock.now();
    if (buffer.size === 0) this.waitingSince = now;
    buffer.add(samples);
    const waited = !isManual(this.clock) && now - this.waitingSince >= (this.options.sampleEveryMs ?? 15_000);
    if (buffer.size >= FLUSH_AT || (buffer.size > 0 && waited)) await this.engine.flushLagSamples();
    for (const sample of samples) this.own.next({ type: 'lag', sample });
  }

  private manualClock(): ManualClock {
    if (!(this.clock instanceof ManualClock))
      throw new Error('advance() needs the engine to run on a ManualClock');
    return this.clock;
  }
}
