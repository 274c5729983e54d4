/**
 * Refreshes in flight, pure: what the scheduler knows of a DT's refresh from its cycle to its (simulated) end,
 * and what follows from it at a look — the DT as the planner sees it (plan.ts `PlanInput`: busy or not, its last
 * unsuccessful attempt) and the data timestamp whose contents count now. No I/O; the look's instant, the
 * flight and whether the clock is manual are arguments.
 */
import type { DynamicTable } from '../types.js';
import type { PlanInput } from './plan.js';
import { parseTimestamp } from './record.js';

export interface Flight {
  /** Clock ms when the refresh's new contents count; undefined while queued or running. */
  endAt?: number;
  /** Data timestamp of the contents before it. */
  before: number | null;
}

/**
 * `now` is the look's instant, taken before the catalog was read. A refresh that ended after it may have
 * committed after the read did (the look's queries and a cycle's refreshes interleave), so the catalog may
 * still show its old data timestamp: it counts as busy, and the next look sees it done. (Judging by the
 * clock at planning time instead planned such a DT again from its stale data timestamp: a second,
 * off-grid refresh right after the first, seen in a real-clock soak on PGlite.) Under a real or accelerated
 * clock a refresh ending at the look's very instant counts as busy too: flights that ended before the look
 * began are gone (Scheduler.lookAt), so this one ended during it, maybe after the read — a NO_DATA refresh
 * that sends no statement (DuckDB) ends within the millisecond it started. Under a manual clock cycles run
 * inside the look, so nothing ends during its read.
 */
export function planInput(
  d: DynamicTable,
  now: number,
  f: Flight | undefined,
  lastAttempt: number | null,
  manual: boolean,
): PlanInput {
  return {
    name: d.name,
    targetLagSeconds: d.targetLag.kind === 'duration' ? d.targetLag.seconds : null,
    upstream: d.sources.filter((s) => s.kind === 'DYNAMIC TABLE').map((s) => s.name),
    schedulable: d.schedulingState === 'ACTIVE' && d.scheduler === 'ENABLE',
    dataTimestamp: d.dataTimestamp === null ? null : parseTimestamp(d.dataTimestamp),
    lastAttempt,
    createdOn: parseTimestamp(d.createdOn),
    busy: f !== undefined && (f.endAt === undefined || f.endAt > now || (f.endAt === now && !manual)),
  };
}

/** The data timestamp whose contents count now: a refresh's only from its (simulated) end. */
export function visible(d: DynamicTable, now: number, f: Flight | undefined): number | null {
  if (f && (f.endAt === undefined || f.endAt > now)) return f.before;
  return d.dataTimestamp === null ? null : parseTimestamp(d.dataTimestamp);
}
