/**
 * When alerts fall due on the lesson clock: pure functions of the alerts' rows (alerts/store.ts) and an
 * instant, for the service's runs (alerts/service.ts) and DESCRIBE ALERT.
 */
import { formatTimestamp } from '../backends/backend.js';
import { nextRunAfter } from './schedule.js';
import type { AlertRow } from './store.js';

/** The instant the alert's schedule counts from: when it was last resumed (never resumed: `now`). */
const anchorOf = (a: AlertRow, now: number) => a.resumedOn ?? now;

/** The latest scheduled instant ≤ now not yet run, if any (missed ones are not made up). */
export function dueAt(a: AlertRow, now: number): number | null {
  const anchor = anchorOf(a, now);
  let at = nextRunAfter(a.schedule, a.lastScheduled ?? anchor, anchor);
  if (at === null || at > now) return null;
  for (let k = 0; k < 100_000; k++) {
    const after = nextRunAfter(a.schedule, at, anchor);
    if (after === null || after > now) return at;
    at = after;
  }
  return at;
}

/** A started alert's next run after `now` (null: suspended, or its schedule has none). */
export function nextRunOf(a: AlertRow, now: number): number | null {
  if (a.state !== 'started') return null;
  const anchor = anchorOf(a, now);
  return nextRunAfter(a.schedule, Math.max(a.lastScheduled ?? anchor, now - 1), anchor);
}

/** The same, as DESCRIBE ALERT shows it (to the second). */
export function nextRunText(a: AlertRow, now: number): string | null {
  const t = nextRunOf(a, now);
  return t === null ? null : formatTimestamp(t).slice(0, 19);
}

/** The next instant a started alert or an escalation falls due, after `now` (an overdue escalation: now). */
export function nextInstant(alerts: AlertRow[], now: number, escalation: number | null): number | null {
  const times = escalation === null ? [] : [Math.max(escalation, now)];
  for (const a of alerts) {
    const t = nextRunOf(a, now);
    if (t !== null) times.push(t);
  }
  return times.length > 0 ? Math.min(...times) : null;
}

/** How many runs the started alerts would make in a clock step of `ms` from `now` (counted up to `cap`). */
export function runsInStep(alerts: AlertRow[], now: number, ms: number, cap: number): number {
  let total = 0;
  for (const a of alerts) {
    if (a.state !== 'started') continue;
    const anchor = anchorOf(a, now);
    if (a.schedule.kind === 'interval') total += Math.ceil(ms / (a.schedule.minutes * 60_000));
    else {
      let t = nextRunAfter(a.schedule, now, anchor);
      while (t !== null && t <= now + ms && total <= cap) {
        total++;
        t = nextRunAfter(a.schedule, t, anchor);
      }
    }
  }
  return total;
}
