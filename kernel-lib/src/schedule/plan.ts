/**
 * The scheduler's time logic, pure: given the dynamic tables, what the scheduler knows about them and `now`,
 * which DTs to refresh in this cycle, in dependency order, and when to look again. No I/O, no clock.
 *
 * Rules (docs/scheduler.md explains them for learners):
 * - Periods. A DT with TARGET_LAG = L refreshes every P, the largest 15 s × 2^k that is at most L / 2: half the
 *   lag is the period, the other half is headroom for queueing and execution (lag peaks at P + queue +
 *   duration, just before a refresh completes). Powers of two of one base make every period a multiple of
 *   every shorter one, so DTs of one graph with different lags meet on the same instants.
 * - Aligned instants. Refreshes happen at multiples of P since the epoch; a DT is due when the first multiple
 *   of P after its data timestamp (or after its last attempt, so a failure retries at the next instant, not
 *   in a loop) has come. A missed instant (busy, queued, engine down) is caught up at the next cycle.
 * - DOWNSTREAM. Never due by itself; its period is the shortest of the DTs reading it, and it is refreshed
 *   exactly when one of them is.
 * - One data timestamp. Every DT refreshed in a cycle gets `now` as its data timestamp, and a due DT pulls in
 *   all the active upstream DTs it reads (transitively), so a DT and its upstreams share one data timestamp.
 *   If an upstream is still busy with an earlier refresh, the DT waits for the next cycle rather than read
 *   a table from another moment.
 * - Out of automatic refresh: SUSPENDED DTs and SCHEDULER = DISABLE. Their contents are read as they are.
 */
import { topologicalOrder } from '../catalog/graph.js';

export interface PlanInput {
  name: string;
  /** TARGET_LAG in seconds; null for DOWNSTREAM. */
  targetLagSeconds: number | null;
  /** The dynamic tables it reads (base tables do not matter to scheduling). */
  upstream: readonly string[];
  /** ACTIVE and SCHEDULER = ENABLE. */
  schedulable: boolean;
  /** Data timestamp of its contents (ms), null before the first refresh (INITIALIZE = ON_SCHEDULE). */
  dataTimestamp: number | null;
  /** Data timestamp of the last attempt that did not succeed (failed, upstream failed, cancelled). */
  lastAttempt: number | null;
  createdOn: number;
  /** A refresh of it is queued or running. */
  busy: boolean;
}

export interface CyclePlan {
  /** Data timestamp every refresh of this cycle gets. */
  dataTimestamp: number;
  /** DTs to refresh now, sources before readers. */
  refresh: string[];
  /** Why each DT is in the cycle: due by its own lag, or needed by a reader. */
  because: Record<string, { kind: 'due'; period: number } | { kind: 'upstream'; of: string }>;
  /** DTs that were due but wait for a busy upstream or for their own running refresh. */
  deferred: string[];
  /** The next instant (> now) at which some DT falls due, if any. */
  nextDueAt: number | null;
}

export const BASE_PERIOD_MS = 15_000;

/** The refresh period for a target lag (see the rules above). */
export function periodForLag(targetLagSeconds: number): number {
  let p = BASE_PERIOD_MS;
  while (p * 2 <= (targetLagSeconds * 1000) / 2) p *= 2;
  return p;
}

/** The first multiple of `period` strictly after `t`. */
export const gridAfter = (t: number, period: number): number => (Math.floor(t / period) + 1) * period;

/** Effective period of each schedulable DT: its own, or for DOWNSTREAM the shortest of its active readers. */
export function effectivePeriods(dts: readonly PlanInput[]): Map<string, number> {
  const byName = new Map(dts.map((d) => [d.name, d]));
  const readers = new Map<string, string[]>();
  for (const d of dts) for (const u of d.upstream) readers.set(u, [...(readers.get(u) ?? []), d.name]);
  const memo = new Map<string, number | null>();
  const period = (name: string, seen: Set<string>): number | null => {
    if (memo.has(name)) return memo.get(name) ?? null;
    const d = byName.get(name);
    if (!d?.schedulable || seen.has(name)) return null;
    let p: number | null = null;
    if (d.targetLagSeconds !== null) p = periodForLag(d.targetLagSeconds);
    else {
      for (const r of readers.get(name) ?? []) {
        const rp = period(r, new Set([...seen, name]));
        if (rp !== null && (p === null || rp < p)) p = rp;
      }
    }
    memo.set(name, p);
    return p;
  };
  const out = new Map<string, number>();
  for (const d of dts) {
    const p = period(d.name, new Set());
    if (p !== null) out.set(d.name, p);
  }
  return out;
}

/** When a DT with its own target lag next falls due. */
export function nextDue(d: PlanInput, period: number): number {
  const last = Math.max(
    d.dataTimestamp ?? Number.NEGATIVE_INFINITY,
    d.lastAttempt ?? Number.NEGATIVE_INFINITY,
  );
  // Never refreshed (INITIALIZE = ON_SCHEDULE): the first aligned instant at or after creation.
  return Number.isFinite(last) ? gridAfter(last, period) : gridAfter(d.createdOn - 1, period);
}

export function planCycle(dts: readonly PlanInput[], now: number): CyclePlan {
  const byName = new Map(dts.map((d) => [d.name, d]));
  const periods = effectivePeriods(dts);
  const because: CyclePlan['because'] = {};
  const deferred: string[] = [];
  let nextDueAt: number | null = null;

  /** The active upstream closure of `name` (excluding itself), or null if one of them is busy. */
  const closure = (name: string): string[] | null => {
    const out: string[] = [];
    const walk = (n: string): boolean => {
      for (const u of byName.get(n)?.upstream ?? []) {
        const up = byName.get(u);
        if (!up?.schedulable || out.includes(u)) continue;
        if (up.busy) return false;
        // Already at this data timestamp (refreshed earlier at this same instant): nothing to do.
        if (up.dataTimestamp !== null && up.dataTimestamp >= now) continue;
        out.push(u);
        if (!walk(u)) return false;
      }
      return true;
    };
    return walk(name) ? out : null;
  };

  for (const d of [...dts].sort((a, b) => a.name.localeCompare(b.name))) {
    const period = periods.get(d.name);
    if (period === undefined || d.targetLagSeconds === null) continue;
    const due = nextDue(d, period);
    if (due > now) {
      nextDueAt = nextDueAt === null ? due : Math.min(nextDueAt, due);
      continue;
    }
    const ups = d.busy ? null : closure(d.name);
    if (ups === null) {
      deferred.push(d.name);
      continue;
    }
    because[d.name] = { kind: 'due', period };
    for (const u of ups) because[u] ??= { kind: 'upstream', of: d.name };
  }

  const edges = new Map(dts.map((d) => [d.name, d.upstream]));
  const refresh = topologicalOrder(edges).filter((n) => because[n] !== undefined);
  return { dataTimestamp: now, refresh, because, deferred, nextDueAt };
}
