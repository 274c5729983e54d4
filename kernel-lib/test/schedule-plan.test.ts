/** The scheduler's pure parts: periods, cycle plans, suspend/resume cascades, the warehouse credit model. */
import { describe, expect, it } from 'vitest';
import { AcceleratedClock, ManualClock, realDelayUntil } from '../src/clock.js';
import { type PlanInput, periodForLag, planCycle } from '../src/schedule/plan.js';
import { resumeChanges, suspendChanges } from '../src/schedule/states.js';
import { creditsForRun, WarehouseState } from '../src/schedule/warehouse.js';

const T = Date.UTC(2026, 0, 5);
const dt = (
  name: string,
  lag: number | null,
  upstream: string[] = [],
  over: Partial<PlanInput> = {},
): PlanInput => ({
  name,
  targetLagSeconds: lag,
  upstream,
  schedulable: true,
  dataTimestamp: T,
  lastAttempt: null,
  createdOn: T,
  busy: false,
  ...over,
});

describe('periods', () => {
  it('is the largest 15 s × 2^k within half the lag', () => {
    expect(periodForLag(60)).toBe(30_000);
    expect(periodForLag(600)).toBe(240_000);
    expect(periodForLag(3600)).toBe(960_000);
    expect(periodForLag(86_400)).toBe(30_720_000);
  });
});

describe('planCycle', () => {
  const chain = [dt('base', null), dt('daily', 60, ['base']), dt('weekly', 600, ['daily'])];

  it('refreshes nothing before a DT falls due and says when one will', () => {
    const plan = planCycle(chain, T + 10_000);
    expect(plan.refresh).toEqual([]);
    expect(plan.nextDueAt).toBe(T + 30_000);
  });

  it('pulls a DOWNSTREAM upstream into its reader’s cycle, in dependency order', () => {
    expect(planCycle(chain, T + 30_000).refresh).toEqual(['base', 'daily']);
    expect(planCycle(chain, T + 240_000).refresh).toEqual(['base', 'daily', 'weekly']);
    expect(planCycle(chain, T + 240_000).because).toMatchObject({
      base: { kind: 'upstream' },
      daily: { kind: 'due', period: 30_000 },
    });
  });

  it('never refreshes a DOWNSTREAM DT nobody needs', () => {
    expect(planCycle([dt('lonely', null)], T + 3_600_000)).toMatchObject({ refresh: [], nextDueAt: null });
  });

  it('defers a DT whose upstream is busy, and leaves suspended or disabled ones out', () => {
    const busy = [dt('base', null, [], { busy: true }), dt('daily', 60, ['base'])];
    expect(planCycle(busy, T + 30_000)).toMatchObject({ refresh: [], deferred: ['daily'] });
    const off = [dt('base', null, [], { schedulable: false }), dt('daily', 60, ['base'])];
    expect(planCycle(off, T + 30_000).refresh).toEqual(['daily']);
  });

  it('retries a failed DT at its next instant, not at once; catches up an overdue one', () => {
    const failed = [dt('a', 60, [], { lastAttempt: T + 30_000 })];
    expect(planCycle(failed, T + 30_000).refresh).toEqual([]);
    expect(planCycle(failed, T + 60_000).refresh).toEqual(['a']);
    expect(planCycle([dt('a', 60)], T + 1_000_000).refresh).toEqual(['a']);
  });

  it('defers the first refresh of INITIALIZE = ON_SCHEDULE to the first aligned instant', () => {
    const fresh = [dt('a', 60, [], { dataTimestamp: null, createdOn: T + 5000 })];
    expect(planCycle(fresh, T + 5000)).toMatchObject({ refresh: [], nextDueAt: T + 30_000 });
  });
});

describe('suspend and resume', () => {
  const dts = [
    { name: 'a', upstream: [], state: 'ACTIVE' as const, reason: null },
    { name: 'b', upstream: ['a'], state: 'ACTIVE' as const, reason: null },
    { name: 'c', upstream: ['b'], state: 'SUSPENDED' as const, reason: 'USER_SUSPENDED' as const },
    { name: 'd', upstream: ['b', 'x'], state: 'SUSPENDED' as const, reason: 'UPSTREAM_SUSPENDED' as const },
    { name: 'x', upstream: [], state: 'SUSPENDED' as const, reason: 'USER_SUSPENDED' as const },
  ];
  it('cascades SUSPEND downstream to active DTs only', () => {
    expect(suspendChanges(dts, 'a', 'SUSPENDED_DUE_TO_ERRORS')).toEqual([
      { name: 'a', state: 'SUSPENDED', reason: 'SUSPENDED_DUE_TO_ERRORS' },
      { name: 'b', state: 'SUSPENDED', reason: 'UPSTREAM_SUSPENDED' },
    ]);
  });
  it('resumes dependents not suspended by hand whose upstreams are all active', () => {
    const suspended = dts.map((d) =>
      d.name === 'a' || d.name === 'b'
        ? {
            ...d,
            state: 'SUSPENDED' as const,
            reason: d.name === 'a' ? ('USER_SUSPENDED' as const) : ('UPSTREAM_SUSPENDED' as const),
          }
        : d,
    );
    expect(resumeChanges(suspended, 'a').map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('warehouse credits', () => {
  const spec = {
    name: 'wh',
    size: 'SMALL' as const,
    maxConcurrency: 1,
    autoSuspendSeconds: 60,
    createdOn: '',
  };
  it('bills a run per second with a 60-second minimum', () => {
    expect(creditsForRun('SMALL', 0, 10_000)).toBeCloseTo(2 / 60);
    expect(creditsForRun('SMALL', 0, 120_000)).toBeCloseTo((2 * 120) / 3600);
  });
  it('queues on the slots, resumes once per run and suspends after idle', () => {
    const w = new WarehouseState(spec);
    expect(w.reserve(0, 10_000)).toEqual({ startMs: 0, endMs: 10_000 });
    expect(w.reserve(5_000, 10_000)).toEqual({ startMs: 10_000, endMs: 20_000 });
    expect(w.noteBusy(0, 10_000)).toEqual({ resumed: true });
    expect(w.noteBusy(10_000, 20_000)).toEqual({ resumed: false });
    expect(w.closeIfIdle(60_000, false)).toBeNull();
    const run = w.closeIfIdle(80_000, false);
    expect(run).toMatchObject({ startMs: 0, endMs: 80_000, busyMs: 20_000, refreshes: 2 });
    expect(run?.credits).toBeCloseTo((2 * 80) / 3600);
    expect(w.noteBusy(200_000, 201_000)).toEqual({ resumed: true });
  });
});

describe('clocks', () => {
  it('a manual clock moves only when told, never backwards', () => {
    const c = new ManualClock(1000);
    c.advance(500);
    c.set(200);
    expect(c.now()).toBe(1500);
    expect(realDelayUntil(c, 2000)).toBe(Number.POSITIVE_INFINITY);
  });
  it('an accelerated clock turns clock time into less real time', () => {
    const c = new AcceleratedClock(60, 0);
    expect(realDelayUntil(c, c.now() + 60_000)).toBeCloseTo(1000, -1);
  });
});
