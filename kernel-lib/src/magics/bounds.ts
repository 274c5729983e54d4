/**
 * How much work a `%dt clock +DURATION` step would do, before it starts: the refreshes the scheduler would run
 * over the step (each running DT once per period of its lag; a DOWNSTREAM DT at most as often as the
 * shortest period). Pure.
 */
import { periodForLag } from '../schedule/plan.js';
import type { DynamicTable } from '../types.js';

/** The most refreshes one clock step may run; a longer step is refused with advice to step shorter. */
export const MAX_REFRESHES_PER_STEP = 20_000;

export function refreshesInStep(ms: number, dts: readonly DynamicTable[]): number {
  const running = dts.filter((d) => d.schedulingState === 'ACTIVE');
  const periods = running.flatMap((d) =>
    d.targetLag.kind === 'duration' ? [periodForLag(d.targetLag.seconds)] : [],
  );
  if (periods.length === 0) return 0;
  const shortest = Math.min(...periods);
  let total = 0;
  for (const d of running)
    total += Math.ceil(ms / (d.targetLag.kind === 'duration' ? periodForLag(d.targetLag.seconds) : shortest));
  return total;
}

/** The longest step (whole hours, at least one minute) that stays within the bound, for the advice. */
export function longestStep(dts: readonly DynamicTable[]): string {
  const perHour = refreshesInStep(3_600_000, dts);
  const hours = perHour === 0 ? 0 : Math.floor(MAX_REFRESHES_PER_STEP / perHour);
  if (hours >= 1) return `+${hours}h`;
  const perMinute = Math.max(1, refreshesInStep(60_000, dts));
  return `+${Math.max(1, Math.floor(MAX_REFRESHES_PER_STEP / perMinute))}m`;
}
