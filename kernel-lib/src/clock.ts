/**
 * The engine's notion of now. Everything time-dependent (data timestamps, CURRENT_TIMESTAMP in queries, the
 * scheduler) reads a Clock, so a lesson can run a day in seconds and a test can run two hours in no time.
 *
 * - real: the system clock.
 * - accelerated: starts at a chosen instant and runs N times faster than real time.
 * - manual: moves only when told (`advance`, `set`); the scheduler then simulates everything that would
 *   have happened in between (see schedule/scheduler.ts), so a scenario is deterministic.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Clock milliseconds per real millisecond: 1 for real time, N when accelerated, 0 for a manual clock
   * (time does not pass by itself). Absent means 1.
   */
  readonly rate?: number;
}

export const systemClock: Clock = { now: () => Date.now(), rate: 1 };

/** Real time sped up `factor` times, starting at `start` (default: the real now). */
export class AcceleratedClock implements Clock {
  private readonly realStart = Date.now();
  constructor(
    readonly rate: number,
    private readonly start = Date.now(),
  ) {
    if (!(rate > 0)) throw new RangeError(`an accelerated clock needs a factor > 0, got ${rate}`);
  }

  now(): number {
    return this.start + (Date.now() - this.realStart) * this.rate;
  }
}

/** A clock moved by hand. Time never goes backwards. */
export class ManualClock implements Clock {
  readonly rate = 0;
  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  /** Moves to `ms`; a time in the past is ignored (monotonic). */
  set(ms: number): void {
    this.t = Math.max(this.t, ms);
  }

  advance(ms: number): void {
    this.set(this.t + ms);
  }
}

export const isManual = (clock: Clock): clock is ManualClock => clock.rate === 0;

/** Real milliseconds until the clock reads `at` (0 when it already has; Infinity on a manual clock). */
export function realDelayUntil(clock: Clock, at: number): number {
  const rate = clock.rate ?? 1;
  if (rate === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, (at - clock.now()) / rate);
}

/**
 * Work other than refreshes that falls due on the clock (alerts and their escalations): the scheduler asks for
 * its next instant, so a manual clock stops there, and runs it after each look at the dynamic tables.
 */
export interface ClockJob {
  /** The next instant it falls due, as of its last run (null: nothing scheduled). */
  nextAt(): number | null;
  run(now: number): Promise<void>;
}
