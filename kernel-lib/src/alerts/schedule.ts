/**
 * An alert's SCHEDULE, as Snowflake spells it: `'<n> MINUTE'` (every n minutes of the lesson clock) or
 * `'USING CRON <min> <hour> <day> <month> <weekday> <time zone>'`. Cron expressions are parsed and stepped by
 * croner (no dependencies, runs in the browser bundle too). Pure: text in, schedule or message out.
 */
import { Cron } from 'croner';

export type AlertSchedule =
  | { kind: 'interval'; minutes: number; text: string }
  | { kind: 'cron'; expression: string; timezone: string; text: string };

/** Snowflake's bounds for an interval schedule: 1 to 11520 minutes (8 days). */
export const MIN_INTERVAL_MINUTES = 1;
export const MAX_INTERVAL_MINUTES = 11_520;

/** Parses a SCHEDULE value; throws an Error whose message says what is wrong (the grammar positions it). */
export function parseSchedule(text: string): AlertSchedule {
  const t = text.trim();
  const interval = /^(\d{1,9})\s+MINUTES?$/i.exec(t);
  if (interval) {
    const minutes = Number(interval[1]);
    if (minutes < MIN_INTERVAL_MINUTES || minutes > MAX_INTERVAL_MINUTES)
      throw new Error(
        `SCHEDULE must be from ${MIN_INTERVAL_MINUTES} to ${MAX_INTERVAL_MINUTES} MINUTE, got '${text}'`,
      );
    return { kind: 'interval', minutes, text: `${minutes} MINUTE` };
  }
  const cron = /^USING\s+CRON\s+(.+)$/i.exec(t);
  if (!cron)
    throw new Error(`SCHEDULE must be '<n> MINUTE' or 'USING CRON <expression> <time zone>', got '${text}'`);
  const parts = (cron[1] as string).trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(
      `a cron schedule needs five fields and a time zone ('USING CRON 0 9 * * MON UTC'), got ${parts.length} words`,
    );
  const timezone = parts.pop() as string;
  const expression = parts.join(' ');
  try {
    new Cron(expression, { timezone, paused: true, mode: '5-part' }).nextRun(new Date(0));
  } catch (e) {
    throw new Error(`bad cron schedule '${expression} ${timezone}': ${e instanceof Error ? e.message : e}`);
  }
  return { kind: 'cron', expression, timezone, text: `USING CRON ${expression} ${timezone}` };
}

/**
 * The first scheduled instant strictly after `after` (clock ms). Interval schedules count whole periods from
 * `anchor` (when the alert was resumed), so a schedule's instants do not drift with late evaluations.
 */
export function nextRunAfter(schedule: AlertSchedule, after: number, anchor: number): number | null {
  if (schedule.kind === 'interval') {
    const period = schedule.minutes * 60_000;
    const k = Math.floor((after - anchor) / period) + 1;
    return anchor + Math.max(1, k) * period;
  }
  const next = new Cron(schedule.expression, {
    timezone: schedule.timezone,
    paused: true,
    mode: '5-part',
  }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}
