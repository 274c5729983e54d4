/**
 * dbgen's calendar. Dates are drawn as "day numbers" counted from STARTDATE (92001, i.e. 1992-01-01)
 * and rendered through a table of the 2557 days 1992-01-01 … 1998-12-31. Comparisons against
 * CURRENTDATE (1995-06-17) go through dbgen's julian() conversion; we precompute the equivalent
 * day-number threshold.
 */

export const START_DATE = 92001;
const CURRENT_DATE = 95168;
/** Days in the calendar (1992 … 1998). */
export const TOTAL_DAYS = 2557;

const isLeap = (yy: number): boolean => yy % 4 === 0 && yy % 100 !== 0;

/** dbgen's julian(): turn STARTDATE + offset into a real yyddd date. */
function julian(date: number): number {
  let offset = date - START_DATE;
  let result = START_DATE;
  for (;;) {
    const yr = Math.trunc(result / 1000);
    const yearEnd = yr * 1000 + 365 + (isLeap(yr) ? 1 : 0);
    if (result + offset <= yearEnd) return result + offset;
    offset -= yearEnd - result + 1;
    result += 1000;
  }
}

/** 'YYYY-MM-DD' for each day number minus START_DATE. */
export const DATE_STRINGS: readonly string[] = (() => {
  const out: string[] = [];
  for (let day = 0; day < TOTAL_DAYS; day++) {
    const d = new Date(Date.UTC(1992, 0, 1 + day));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
})();

/**
 * The largest day offset (from STARTDATE) that is on or before CURRENTDATE: a line item shipped or
 * received by then is "filled" / eligible for a return flag.
 */
export const LAST_CURRENT_DAY: number = (() => {
  let day = 0;
  while (julian(START_DATE + day + 1) <= CURRENT_DATE) day++;
  return day;
})();
