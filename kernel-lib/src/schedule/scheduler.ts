/**
 * The scheduler: runs refresh cycles against an Engine on the engine's clock. The decisions are plan.ts's and
 * inflight.ts's (pure); this file moves the clock, looks — reads the catalog, bills suspended warehouses,
 * writes lag samples, plans a cycle — and hands each cycle to cycle.ts, which runs its refreshes on warehouses
 * and suspends after repeated failures. Everything is published on `events$`.
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
 *   Nothing else writes while a move runs (cycle.ts), so what other processes changed on a shared server
 *   (catalog/stamps.ts) is looked for at the move's first instant only, not at every instant it steps to.
 */
import { merge, type Observable, Subject } from 'rxjs';
import { formatTimestamp } from '../backends/backend.js';
import type { LagSample } from '../catalog/catalog.js';
import { type Clock, isManual, ManualClock, realDelayUntil } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { messageOf, yieldToEventLoop } from '../errors.js';
import type { WarehouseSize } from '../sql/ddl.js';
import type { DynamicTable } from '../types.js';
import type { Work } from './cost.js';
import { type CycleContext, runCycle } from './cycle.js';
import type { SchedulerEvent } from './events.js';
import { type Flight, planInput, visible } from './inflight.js';
import { FLUSH_AT } from './lag-buffer.js';
import { planCycle } from './plan.js';
import { cycleSamples, writeRun } from './record.js';
import { type WarehouseRun, WarehouseState } from './warehouse.js';

/** `othersSeen`: skip the look for other processes' changes (the manual move looked at its first instant). */
export type TickOptions = { othersSeen?: boolean };
const IN_MOVE: TickOptions = { othersSeen: true };

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
  /** What a cycle's refreshes read and update of this scheduler (cycle.ts). */
  private readonly cycleContext: CycleContext;

  constructor(
    readonly engine: Engine,
    private readonly options: SchedulerOptions = {},
  ) {
    this.clock = engine.clock;
    this.events$ = merge(engine.events$, this.own.asObservable());
    this.cycleContext = {
      engine,
      clock: this.clock,
      options,
      inflight: this.inflight,
      attempts: this.attempts,
      warehouses: this.warehouses,
      emit: (event) => this.own.next(event),
      wake: () => this.wake(),
      samples: (samples) => this.samples(samples),
    };
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
      await this.tick(IN_MOVE);
    }
    // The move's lag samples that no refresh took along, for whoever reads them next (schedule/lag-buffer.ts).
    const flush = () => (options.keepLagSamples ? Promise.resolve() : this.engine.flushLagSamples());
    if (signal?.aborted && clock.now() < target) {
      await flush();
      return false;
    }
    clock.set(target);
    await this.tick(IN_MOVE);
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
  async tick(options: TickOptions = {}): Promise<void> {
    await this.look(options);
    // Then what else falls due on the clock (alerts), after this instant's refreshes (awaited when simulated).
    const now = this.clock.now();
    for (const job of this.engine.clockJobs)
      await job.run(now).catch((e) => this.own.next({ type: 'error', at: now, message: messageOf(e) }));
  }

  private async look(options: TickOptions): Promise<void> {
    const now = this.clock.now();
    await this.lookAt(now, options);
    // Data metric functions due by now, after this instant's refreshes (quality/service.ts).
    await this.engine.quality.tick(now);
  }

  private async lookAt(now: number, options: TickOptions): Promise<void> {
    try {
      for (const [name, f] of this.inflight)
        if (f.endAt !== undefined && f.endAt <= now) this.inflight.delete(name);
      // What other processes changed since the last look (one statement on a PostgreSQL server, none
      // elsewhere); the rest of the look uses what the engine holds (catalog/known.ts, catalog/stamps.ts).
      if (!options.othersSeen) await this.engine.lookForChanges();
      await this.syncWarehouses(now);
      const dts = await this.engine.listDynamicTables({ fresh: false });
      const every = this.options.sampleEveryMs ?? 15_000;
      const inflight = (d: DynamicTable) => this.inflight.get(d.name);
      await this.samples(cycleSamples(dts, now, every, this.lastSample, (d) => visible(d, now, inflight(d))));
      const input = (d: DynamicTable) =>
        planInput(d, now, inflight(d), this.attempts.get(d.name) ?? null, isManual(this.clock));
      const plan = planCycle(dts.map(input), now);
      this.nextDueAt = plan.nextDueAt;
      if (plan.refresh.length === 0) return;
      this.lastCycleAt = now;
      this.own.next({ type: 'cycle', at: now, ...plan });
      const cycle = runCycle(this.cycleContext, plan, new Map(dts.map((d) => [d.name, d])));
      if (isManual(this.clock)) {
        await cycle;
        // A refresh's simulated duration may be 0 (NO_DATA, a failure): no refresh end then wakes the
        // clock, so what falls due next (a retry, say) is planned again as the cycle left things: the DTs
        // it refreshed at its instant, the failed ones with their attempt noted (planInput reads it).
        const at = formatTimestamp(now);
        const after = dts.map((d) =>
          plan.refresh.includes(d.name) && !this.attempts.has(d.name) ? { ...d, dataTimestamp: at } : d,
        );
        this.nextDueAt = planCycle(after.map(input), now).nextDueAt;
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
