/**
 * Scheduling-state changes, pure: which DTs a SUSPEND or RESUME touches and with what reason.
 *
 * - SUSPEND (by hand, or after five consecutive failed scheduled refreshes) cascades downstream: a DT cannot
 *   stay fresh when what it reads no longer refreshes. Dependents record that they were suspended because of
 *   an upstream, so RESUME can tell them apart from the ones a user suspended by hand.
 * - RESUME resumes the DT and then every dependent not suspended by hand whose upstream DTs are all active
 *   again (a dependent may also read another, still suspended, DT).
 */
import type { SchedulingState, SuspendReason } from '../types.js';

export interface StateInput {
  name: string;
  upstream: readonly string[];
  state: SchedulingState;
  reason: SuspendReason | null;
}

export interface StateChange {
  name: string;
  state: SchedulingState;
  reason: SuspendReason | null;
}

const readersOf = (dts: readonly StateInput[], name: string) =>
  dts.filter((d) => d.upstream.includes(name)).map((d) => d.name);

/** Suspending `name` with `reason`: it, then every active DT downstream (UPSTREAM_SUSPENDED). */
export function suspendChanges(
  dts: readonly StateInput[],
  name: string,
  reason: SuspendReason,
): StateChange[] {
  const byName = new Map(dts.map((d) => [d.name, d]));
  const changes: StateChange[] = [{ name, state: 'SUSPENDED', reason }];
  const seen = new Set([name]);
  const queue = readersOf(dts, name);
  while (queue.length > 0) {
    const n = queue.shift() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    const d = byName.get(n);
    if (!d || d.state === 'SUSPENDED') continue;
    changes.push({ name: n, state: 'SUSPENDED', reason: 'UPSTREAM_SUSPENDED' });
    queue.push(...readersOf(dts, n));
  }
  return changes;
}

/** Resuming `name`: it, then dependents suspended by the system whose upstreams are all active. */
export function resumeChanges(dts: readonly StateInput[], name: string): StateChange[] {
  const state = new Map(dts.map((d) => [d.name, { ...d }]));
  const changes: StateChange[] = [{ name, state: 'ACTIVE', reason: null }];
  const self = state.get(name);
  if (self) self.state = 'ACTIVE';
  const queue = readersOf(dts, name);
  while (queue.length > 0) {
    const n = queue.shift() as string;
    const d = state.get(n);
    if (!d || d.state === 'ACTIVE' || d.reason === 'USER_SUSPENDED') continue;
    const blocked = d.upstream.some((u) => state.get(u)?.state === 'SUSPENDED');
    if (blocked) continue;
    d.state = 'ACTIVE';
    changes.push({ name: n, state: 'ACTIVE', reason: null });
    queue.push(...readersOf(dts, n));
  }
  return changes;
}
