/** Target lag: how far behind its sources a dynamic table may fall. */
export type TargetLag = { kind: 'downstream' } | { kind: 'duration'; seconds: number };

const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  seconds: 1,
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86_400,
  days: 86_400,
};

/** Snowflake's floor for TARGET_LAG; a faster lag would only teach a setting Snowflake refuses. */
export const MIN_TARGET_LAG_SECONDS = 60;

/** The longest TARGET_LAG accepted: 366 days (a longer lag is a DT that never refreshes; use SUSPEND). */
export const MAX_TARGET_LAG_SECONDS = 366 * 86_400;

/** Parses `'<n> seconds|minutes|hours|days'`; returns an error message instead of throwing. */
export function parseLagDuration(text: string): { seconds: number } | { error: string } {
  const m = /^\s*(\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  const unit = m ? UNIT_SECONDS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    return {
      error: `invalid target lag '${text}': expected '<number> seconds|minutes|hours|days' or DOWNSTREAM`,
    };
  }
  const seconds = Number(m[1]) * unit;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_TARGET_LAG_SECONDS) {
    return { error: `target lag '${text}' is too long: the maximum is 366 days` };
  }
  if (seconds < MIN_TARGET_LAG_SECONDS) {
    return { error: `target lag '${text}' is too short: the minimum is 1 minute` };
  }
  return { seconds };
}

/** The canonical text of a lag, as SHOW DYNAMIC TABLES prints it. */
export function formatLag(lag: TargetLag): string {
  if (lag.kind === 'downstream') return 'DOWNSTREAM';
  const s = lag.seconds;
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (s % size === 0) return `${s / size} ${unit}${s === size ? '' : 's'}`;
  }
  return `${s} second${s === 1 ? '' : 's'}`;
}
