/**
 * `%dt advise`: recommendations from facts (the catalog, the refresh history, the warehouses' bills). Pure:
 * facts in (advise/facts.ts gathers them) → recommendations out, each with its reason and an estimated saving
 * in credits a day computed by the calculator's model (advise/calc.ts `estimate`): the DT's settings now vs
 * the settings recommended, with the change rate, source and table sizes observed, the DT alone on its
 * warehouse. Rules, in docs/scheduler.md ("The advisor"):
 *
 * - incremental: REFRESH_MODE = FULL, yet AUTO would refresh it incrementally (plan/mode.ts incrementalVerdict).
 * - downstream: its lag is tighter than every DT that reads it needs: TARGET_LAG = DOWNSTREAM.
 * - idle_warehouse: a warehouse up nearly all the time and busy a small part of it, because refreshes come
 *   before its AUTO_SUSPEND ends: AUTO_SUSPEND = 60 and, for the DTs that refresh within 60 s, the shortest
 *   lag that lets it suspend (saving: its bill now vs calc.ts warehouseCreditsPerDay for its DTs after).
 * - tight_lag: one DT alone keeps its warehouse up (its refreshes come before AUTO_SUSPEND ends): a lag whose
 *   period outlasts the idle tail.
 * - no_data: most of its refreshes found no change: the data changes less often than the lag.
 * - full_small_changes: a FULL refresh (that cannot be incremental: why) reads far more rows than change.
 */
import type { WarehouseSize } from '../sql/warehouse-ddl.js';
import { CREDITS_PER_HOUR } from '../types.js';
import { type CalcInput, type CalcMode, estimate, warehouseCreditsPerDay } from './calc.js';

export interface DtFacts {
  name: string;
  /** Null: DOWNSTREAM. */
  lagSeconds: number | null;
  mode: CalcMode;
  warehouse: string;
  size: WarehouseSize;
  autoSuspendSeconds: number;
  /** The DTs that read it, with their lags (null: DOWNSTREAM). */
  readers: { name: string; lagSeconds: number | null }[];
  /** For a FULL DT: what REFRESH_MODE = AUTO would choose for its query, and why. */
  auto?: { mode: CalcMode; reason: string };
  /** Scheduled refreshes over the window. */
  refreshes: number;
  noData: number;
  rowsReadPerWorkingRefresh: number;
  sourceRows: number;
  outputRows: number;
  /** Change rows per minute in its sources, observed (for a FULL DT: the sources' net growth, a lower bound). */
  changesPerMinute: number;
}

export interface WarehouseFacts {
  name: string;
  size: WarehouseSize;
  autoSuspendSeconds: number;
  /** Seconds it was up (billed runs) and busy with refreshes over the window. */
  upSeconds: number;
  busySeconds: number;
}

export interface AdviseFacts {
  windowSeconds: number;
  dts: DtFacts[];
  warehouses: WarehouseFacts[];
}

export type RecommendationKind =
  | 'incremental'
  | 'downstream'
  | 'idle_warehouse'
  | 'tight_lag'
  | 'no_data'
  | 'full_small_changes';

export interface Recommendation {
  /** The DT, or for idle_warehouse the warehouse. */
  target: string;
  kind: RecommendationKind;
  action: string;
  reason: string;
  creditsPerDayNow: number;
  creditsPerDayAfter: number;
  savingPerDay: number;
}

const lagText = (s: number) =>
  s % 86_400 === 0
    ? `${s / 86_400} day${s === 86_400 ? '' : 's'}`
    : s % 3600 === 0
      ? `${s / 3600} hour${s === 3600 ? '' : 's'}`
      : s % 60 === 0
        ? `${s / 60} minute${s === 60 ? '' : 's'}`
        : `${s} seconds`;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The calculator's input for a DT as observed; `lagSeconds` null (DOWNSTREAM) is priced at `effectiveLag`. */
function inputOf(d: DtFacts, over: Partial<CalcInput> = {}): CalcInput {
  return {
    lagSeconds: d.lagSeconds ?? 60,
    mode: d.mode,
    size: d.size,
    changesPerMinute: d.changesPerMinute,
    sourceRows: d.sourceRows,
    outputRows: d.outputRows,
    autoSuspendSeconds: d.autoSuspendSeconds,
    workingShare: d.refreshes > 0 ? (d.refreshes - d.noData) / d.refreshes : 1,
    ...over,
  };
}

/**
 * A recommendation for DT `d`, priced by the calculator now and after. `shared`: another DT keeps its warehouse
 * up anyway, so the bill does not move with `d`'s schedule; only its work does (busy seconds × rate).
 */
function rec(
  d: DtFacts,
  kind: RecommendationKind,
  action: string,
  reason: string,
  after: Partial<CalcInput>,
  shared: boolean,
): Recommendation {
  const price = (i: CalcInput) => {
    const e = estimate(i);
    return shared ? (e.busySecondsPerDay * CREDITS_PER_HOUR[i.size]) / 3600 : e.creditsPerDay;
  };
  const now = price(inputOf(d));
  const later = price(inputOf(d, after));
  return {
    target: d.name,
    kind,
    action,
    reason,
    creditsPerDayNow: r3(now),
    creditsPerDayAfter: r3(later),
    savingPerDay: r3(now - later),
  };
}

/** The shortest lag (a whole number of minutes, ≥ 1) whose refresh period outlasts `seconds`. */
export function lagOutlasting(seconds: number): number {
  let period = 15;
  while (period <= seconds) period *= 2;
  return Math.max(60, Math.ceil((2 * period) / 60) * 60);
}

const pct = (x: number, of: number) => `${Math.round((100 * x) / Math.max(1e-9, of))}%`;

/** Up nearly all of the window and busy a small part of it. */
const idle = (w: WarehouseFacts, window: number) =>
  window > 0 && w.upSeconds >= 0.9 * window && w.busySeconds < 0.25 * w.upSeconds;

/** Its refreshes alone would keep its warehouse up (the next working refresh comes before AUTO_SUSPEND ends). */
const keepsUp = (x: DtFacts) =>
  x.lagSeconds !== null && x.refreshes > x.noData && estimate(inputOf(x)).alwaysUp;

export function advise(facts: AdviseFacts): Recommendation[] {
  const out: Recommendation[] = [];
  const byWarehouse = new Map(facts.warehouses.map((w) => [w.name, w]));
  for (const d of facts.dts) {
    if (d.lagSeconds === null) continue; // DOWNSTREAM: its readers' lags decide
    const working = d.refreshes - d.noData;
    // Another DT keeps its warehouse up anyway: d's schedule moves its work, not the bill.
    const shared = facts.dts.some((x) => x !== d && x.warehouse === d.warehouse && keepsUp(x));
    if (d.mode === 'FULL' && d.auto?.mode === 'INCREMENTAL')
      out.push(
        rec(
          d,
          'incremental',
          `CREATE OR REPLACE DYNAMIC TABLE ${d.name} … REFRESH_MODE = INCREMENTAL (same query)`,
          `REFRESH_MODE = FULL re-reads all ${d.sourceRows} source rows every refresh, but its query can be maintained incrementally (${d.auto.reason}); ${d.refreshes === 0 ? 'it has not refreshed on schedule yet, so its change rate, and the saving, are not known' : `at about ${r3(d.changesPerMinute)} change rows a minute an incremental refresh reads only those`}`,
          { mode: 'INCREMENTAL' },
          shared,
        ),
      );
    const lags = d.readers.map((r) => r.lagSeconds);
    if (lags.length > 0 && lags.every((l) => l !== null && l > (d.lagSeconds as number))) {
      const need = Math.min(...(lags as number[]));
      out.push(
        rec(
          d,
          'downstream',
          `ALTER DYNAMIC TABLE ${d.name} SET TARGET_LAG = DOWNSTREAM`,
          `its lag of ${lagText(d.lagSeconds)} is tighter than its readers need (${d.readers.map((r) => r.name).join(', ')}: at least ${lagText(need)}); with DOWNSTREAM it refreshes when they do (keep the lag if people query it directly)`,
          { lagSeconds: need },
          shared,
        ),
      );
    }
    const e = estimate(inputOf(d));
    const wh = byWarehouse.get(d.warehouse);
    const alone = facts.dts.filter((x) => x.warehouse === d.warehouse && keepsUp(x)).length === 1;
    if (wh && keepsUp(d) && alone && idle(wh, facts.windowSeconds)) {
      const lag = lagOutlasting(e.secondsPerRefresh + d.autoSuspendSeconds);
      if (lag > d.lagSeconds)
        out.push(
          rec(
            d,
            'tight_lag',
            `ALTER DYNAMIC TABLE ${d.name} SET TARGET_LAG = '${lagText(lag)}'`,
            `${d.name} alone keeps ${d.warehouse} up: a refresh every ${e.periodSeconds} s comes before its AUTO_SUSPEND of ${d.autoSuspendSeconds} s ends, so it never suspends (busy ${pct(wh.busySeconds, wh.upSeconds)} of the time it is billed)`,
            { lagSeconds: lag },
            false,
          ),
        );
    }
    if (d.refreshes >= 4 && d.noData >= 0.5 * d.refreshes && working > 0) {
      const every = facts.windowSeconds / working;
      const lag = Math.max(d.lagSeconds * 2, lagOutlasting(every / 2));
      // As many refreshes find changes as before while their period is shorter than the changes' interval.
      const share = Math.min(
        1,
        (working / d.refreshes) *
          (estimate(inputOf(d, { lagSeconds: lag })).periodSeconds / (facts.windowSeconds / d.refreshes)),
      );
      out.push(
        rec(
          d,
          'no_data',
          `ALTER DYNAMIC TABLE ${d.name} SET TARGET_LAG = '${lagText(lag)}'`,
          `${d.noData} of its ${d.refreshes} refreshes found no change: its data changes about every ${Math.round(every)} s, less often than its lag of ${lagText(d.lagSeconds)} (NO_DATA refreshes are free; the saving is in batching the changes)`,
          { lagSeconds: lag, workingShare: share },
          shared,
        ),
      );
    }
    if (
      d.mode === 'FULL' &&
      d.auto?.mode !== 'INCREMENTAL' &&
      working > 0 &&
      d.rowsReadPerWorkingRefresh >= 100 * Math.max(1, e.changesPerRefresh) &&
      d.lagSeconds < 86_400
    ) {
      const lag = Math.min(86_400, d.lagSeconds * 4);
      out.push(
        rec(
          d,
          'full_small_changes',
          `ALTER DYNAMIC TABLE ${d.name} SET TARGET_LAG = '${lagText(lag)}'`,
          `each FULL refresh reads about ${Math.round(d.rowsReadPerWorkingRefresh)} rows for about ${Math.round(e.changesPerRefresh)} changed; it cannot be incremental (${d.auto?.reason ?? 'REFRESH_MODE = FULL'}), so only a longer lag reads less`,
          { lagSeconds: lag },
          shared,
        ),
      );
    }
  }
  for (const w of facts.warehouses) {
    if (!idle(w, facts.windowSeconds)) continue;
    const rate = CREDITS_PER_HOUR[w.size];
    const now = (w.upSeconds / facts.windowSeconds) * 24 * rate;
    const mine = facts.dts.filter((d) => d.warehouse === w.name && d.lagSeconds !== null);
    // With AUTO_SUSPEND = 60, each DT whose refreshes come within 60 s gets the shortest lag that lets the
    // warehouse suspend between them.
    const suspend = Math.min(60, w.autoSuspendSeconds);
    const plan = mine.map((d) => {
      const e = estimate(inputOf(d, { autoSuspendSeconds: suspend }));
      const lag =
        e.workingRefreshesPerDay > 0 && e.periodSeconds <= e.secondsPerRefresh + suspend
          ? lagOutlasting(e.secondsPerRefresh + suspend)
          : (d.lagSeconds as number);
      return { d, lag };
    });
    const after = warehouseCreditsPerDay(
      plan.map(({ d, lag }) => inputOf(d, { autoSuspendSeconds: suspend, lagSeconds: lag })),
      suspend,
    );
    if (after >= now) continue;
    const lags = plan.filter(({ d, lag }) => lag !== d.lagSeconds);
    const steps = [
      ...(suspend < w.autoSuspendSeconds
        ? [`CREATE OR REPLACE WAREHOUSE ${w.name} WAREHOUSE_SIZE = ${w.size} AUTO_SUSPEND = ${suspend}`]
        : []),
      ...lags.map(({ d, lag }) => `ALTER DYNAMIC TABLE ${d.name} SET TARGET_LAG = '${lagText(lag)}'`),
    ];
    if (steps.length === 0) continue;
    out.push({
      target: w.name,
      kind: 'idle_warehouse',
      action: steps.join('; '),
      reason: `${w.name} was up ${pct(w.upSeconds, facts.windowSeconds)} of the time and busy ${pct(w.busySeconds, w.upSeconds)} of that: a refresh always comes before its AUTO_SUSPEND of ${w.autoSuspendSeconds} s ends${lags.length ? ` (${lags.map(({ d }) => d.name).join(', ')} ${lags.length === 1 ? 'refreshes' : 'refresh'} too often for it to suspend)` : ''}; after, it suspends between its DTs' aligned refreshes (now: its bill; after: the model for its DTs together)`,
      creditsPerDayNow: r3(now),
      creditsPerDayAfter: r3(after),
      savingPerDay: r3(now - after),
    });
  }
  // A change the model prices higher than the present is not recommended (e.g. incremental on a daily lag).
  return out
    .filter((r) => r.savingPerDay >= 0)
    .sort((a, b) => b.savingPerDay - a.savingPerDay || a.target.localeCompare(b.target));
}
