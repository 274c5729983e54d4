/**
 * The cost calculator: what a dynamic table of given settings costs per day, by the lesson clock's own model
 * (docs/scheduler.md, "Estimating a lag's cost"). Pure, and free of engine imports beyond constants, so the
 * extension's calculator widget recomputes with this very function in the page.
 *
 *   P            = the refresh period of the lag (the largest 15 s × 2ⁿ ≤ lag / 2)
 *   refreshes    = 86,400 / P a day
 *   changes      = change rate × P / 60 / working share: the change rows a working refresh reads
 *   work rows    = FULL: source rows + 2 × output rows (it reads every source row, deletes and reinserts the
 *                  table); INCREMENTAL: changes + min(2 × changes, 2 × output rows); none when changes = 0
 *                  (NO_DATA: free, no warehouse)
 *   d (s)        = ⌈work rows × 1000 / (10,000 × credits per hour)⌉ / 1000       (schedule/cost.ts)
 *   working      = refreshes × working share (1 unless given: the share of refreshes that find changes)
 *   gap          = 86,400 / working: the time between refreshes that need the warehouse
 *   billed s/day = 86,400 when gap ≤ d + AUTO_SUSPEND (the warehouse never suspends), otherwise
 *                  working × max(60, ⌈d + AUTO_SUSPEND⌉) (one run per working refresh, 60 s minimum)
 *   credits/day  = billed s/day × credits per hour / 3,600
 *   worst lag    = P + d (just before a refresh completes, with no queueing)
 *
 * The DT is taken alone on its warehouse, its source size constant over the day.
 */

import { ROWS_PER_SECOND_XSMALL } from '../schedule/cost.js';
import { periodForLag } from '../schedule/plan.js';
import { MINIMUM_BILLED_SECONDS } from '../schedule/warehouse.js';
import type { WarehouseSize } from '../sql/warehouse-ddl.js';
import { CREDITS_PER_HOUR } from '../types.js';

export type CalcMode = 'INCREMENTAL' | 'FULL';

export interface CalcInput {
  lagSeconds: number;
  mode: CalcMode;
  size: WarehouseSize;
  /** Change rows arriving in the DT's sources per minute. */
  changesPerMinute: number;
  /** Rows of the DT's sources (what a full refresh reads). */
  sourceRows: number;
  /** Rows of the DT itself; default: as many as its sources (a projection). */
  outputRows?: number;
  /** AUTO_SUSPEND of the warehouse, seconds (Snowflake's default 600). */
  autoSuspendSeconds?: number;
  /**
   * The share of refreshes that find changes (0 to 1; default 1 when changes arrive): changes that come in
   * bursts leave NO_DATA refreshes between them. The advisor sets it from the history.
   */
  workingShare?: number;
}

export interface CalcEstimate {
  periodSeconds: number;
  refreshesPerDay: number;
  /** Refreshes a day that do work (the others are NO_DATA). */
  workingRefreshesPerDay: number;
  changesPerRefresh: number;
  workRowsPerRefresh: number;
  secondsPerRefresh: number;
  /** Warehouse seconds a day the refreshes keep it busy. */
  busySecondsPerDay: number;
  billedSecondsPerDay: number;
  /** The warehouse never auto-suspends: the next refresh comes before the idle tail ends. */
  alwaysUp: boolean;
  creditsPerDay: number;
  worstLagSeconds: number;
}

export const DEFAULT_AUTO_SUSPEND_SECONDS = 600;
const DAY_S = 86_400;

export function estimate(input: CalcInput): CalcEstimate {
  const period = periodForLag(input.lagSeconds) / 1000;
  const refreshes = DAY_S / period;
  const rate = CREDITS_PER_HOUR[input.size];
  const out = input.outputRows ?? input.sourceRows;
  const suspend = input.autoSuspendSeconds ?? DEFAULT_AUTO_SUSPEND_SECONDS;
  const share = Math.min(1, Math.max(0, input.workingShare ?? 1));
  // The changes of the NO_DATA periods arrive with the next working refresh.
  const changes = share > 0 ? (input.changesPerMinute * period) / 60 / share : 0;
  const work =
    changes <= 0
      ? 0
      : input.mode === 'FULL'
        ? input.sourceRows + 2 * out
        : changes + Math.min(2 * changes, 2 * out);
  const seconds = Math.ceil((work * 1000) / (ROWS_PER_SECOND_XSMALL * rate)) / 1000;
  const working = work > 0 ? refreshes * share : 0;
  const alwaysUp = working > 0 && DAY_S / working <= seconds + suspend;
  const billed =
    working === 0
      ? 0
      : alwaysUp
        ? DAY_S
        : working * Math.max(MINIMUM_BILLED_SECONDS, Math.ceil(seconds + suspend - 1e-9));
  return {
    periodSeconds: period,
    refreshesPerDay: refreshes,
    workingRefreshesPerDay: working,
    changesPerRefresh: changes,
    workRowsPerRefresh: work,
    secondsPerRefresh: seconds,
    busySecondsPerDay: working * seconds,
    billedSecondsPerDay: billed,
    alwaysUp,
    creditsPerDay: (billed * rate) / 3600,
    worstLagSeconds: period + seconds,
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The estimate as (label, value) rows, for the table and the widget's static fallback. */
export function estimateRows(e: CalcEstimate): [string, string][] {
  return [
    ['refresh period', `${e.periodSeconds} s`],
    ['refreshes per day', `${round(e.refreshesPerDay, 1)} (${round(e.workingRefreshesPerDay, 1)} do work)`],
    ['change rows per refresh', `${round(e.changesPerRefresh, 1)}`],
    ['rows read + written per refresh', `${round(e.workRowsPerRefresh, 0)}`],
    ['warehouse seconds per refresh', `${round(e.secondsPerRefresh, 3)}`],
    ['busy seconds per day', `${round(e.busySecondsPerDay, 0)}`],
    [
      'billed seconds per day',
      `${round(e.billedSecondsPerDay, 0)}${e.alwaysUp ? ' (never suspends)' : ' (one run per refresh)'}`,
    ],
    ['credits per day', `${round(e.creditsPerDay, 3)}`],
    ['worst lag', `${round(e.worstLagSeconds, 1)} s`],
  ];
}

/**
 * Several DTs on one warehouse: their refresh instants are aligned (every period is 15 s × 2ⁿ), so they meet at
 * the instants of the shortest period P; each instant carries on average Σ dᵢ × share × P / Pᵢ seconds of
 * work. The warehouse is billed all day when P ≤ that work + AUTO_SUSPEND, otherwise one run of
 * max(60, ⌈work + AUTO_SUSPEND⌉) s per instant. Credits a day. Pure.
 */
export function warehouseCreditsPerDay(inputs: readonly CalcInput[], autoSuspendSeconds: number): number {
  const working = inputs.map((i) => estimate(i)).filter((e) => e.workingRefreshesPerDay > 0);
  if (working.length === 0 || inputs.length === 0) return 0;
  const rate = CREDITS_PER_HOUR[(inputs[0] as CalcInput).size];
  const period = Math.min(...working.map((e) => e.periodSeconds));
  const work = working.reduce(
    (a, e) => a + (e.secondsPerRefresh * e.workingRefreshesPerDay * period) / DAY_S,
    0,
  );
  if (period <= work + autoSuspendSeconds) return 24 * rate;
  const billed =
    (DAY_S / period) * Math.max(MINIMUM_BILLED_SECONDS, Math.ceil(work + autoSuspendSeconds - 1e-9));
  return (billed * rate) / 3600;
}
