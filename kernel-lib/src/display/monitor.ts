/**
 * The monitor (a JupyterLab main-area panel), the pure part: a model of the session's refreshes, lag samples and
 * warehouse runs, built from the database once (`monitorFrom`) and then folded from the engine's and the
 * scheduler's events (`foldMonitor`), and the series its charts draw: refresh duration by table and action,
 * lag against target, error rate per lesson hour, credits per warehouse, and each DT's row count over time.
 * Bounded: the model keeps the newest MONITOR_LIMIT items of each kind.
 */
import type { SchedulerEvent } from '../schedule/events.js';
import type { RefreshRecord } from '../types.js';
import { timestampMs } from './graph.js';
import type { LagPoint } from './history.js';
import { lagPoint } from './live.js';

export const MONITOR_LIMIT = 20_000;

export interface MonitorRefresh {
  name: string;
  action: string;
  state: string;
  /** Lesson-clock start and end (catalog timestamps). */
  start: string;
  end: string | null;
  rowsInserted: number;
  rowsDeleted: number;
  credits: number;
}

export interface MonitorRun {
  warehouse: string;
  endMs: number;
  credits: number;
}

export interface MonitorModel {
  refreshes: MonitorRefresh[];
  lag: LagPoint[];
  runs: MonitorRun[];
}

const newest = <T>(items: T[]) => (items.length > MONITOR_LIMIT ? items.slice(-MONITOR_LIMIT) : items);

const asRefresh = (r: RefreshRecord): MonitorRefresh => ({
  name: r.name,
  action: r.refreshAction ?? r.state,
  state: r.state,
  start: r.refreshStartTime,
  end: r.refreshEndTime,
  rowsInserted: r.rowsInserted,
  rowsDeleted: r.rowsDeleted,
  credits: r.creditsUsed,
});

/** The model from what the database holds: history newest first (engine.history()), lag samples, runs. */
export function monitorFrom(history: RefreshRecord[], lag: LagPoint[], runs: MonitorRun[]): MonitorModel {
  return {
    refreshes: newest([...history].reverse().map(asRefresh)),
    lag: newest(lag),
    runs: newest(runs),
  };
}

export function foldMonitor(model: MonitorModel, e: SchedulerEvent): MonitorModel {
  if (e.type === 'refresh') return { ...model, refreshes: newest([...model.refreshes, asRefresh(e.record)]) };
  if (e.type === 'lag') return { ...model, lag: newest([...model.lag, lagPoint(e.sample)]) };
  if (e.type === 'warehouse' && e.action === 'suspended') {
    const run = { warehouse: e.run.warehouse, endMs: e.run.endMs, credits: e.run.credits };
    return { ...model, runs: newest([...model.runs, run]) };
  }
  return model;
}

/** Each finished refresh's lesson-clock duration in seconds, by table and action. */
export function durations(
  model: MonitorModel,
): { name: string; action: string; t: number; seconds: number }[] {
  return model.refreshes
    .filter((r) => r.end !== null)
    .map((r) => ({
      name: r.name,
      action: r.action,
      t: timestampMs(r.end as string),
      seconds: (timestampMs(r.end as string) - timestampMs(r.start)) / 1000,
    }));
}

/** Failed refreshes (FAILED, UPSTREAM_FAILED, CANCELLED) over all refreshes, per lesson hour. */
export function errorRates(
  model: MonitorModel,
  bucketMs = 3_600_000,
): { t: number; rate: number; failed: number; total: number }[] {
  const buckets = new Map<number, { failed: number; total: number }>();
  for (const r of model.refreshes) {
    const t = Math.floor(timestampMs(r.start) / bucketMs) * bucketMs;
    const b = buckets.get(t) ?? { failed: 0, total: 0 };
    b.total++;
    if (r.state !== 'SUCCEEDED' && r.state !== 'EXECUTING') b.failed++;
    buckets.set(t, b);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, b]) => ({ t, rate: b.failed / b.total, ...b }));
}

/** Credits per warehouse, cumulative over lesson time (one point per warehouse run). */
export function creditsByWarehouse(model: MonitorModel): { warehouse: string; t: number; credits: number }[] {
  const total = new Map<string, number>();
  return [...model.runs]
    .sort((a, b) => a.endMs - b.endMs)
    .map((r) => {
      const credits = (total.get(r.warehouse) ?? 0) + r.credits;
      total.set(r.warehouse, credits);
      return { warehouse: r.warehouse, t: r.endMs, credits };
    });
}

/**
 * Each DT's row count after each successful refresh: the running sum of rows inserted minus deleted, from its
 * first refresh the model holds (a full refresh deletes every old row, so the sum is exact from any full or
 * reinitializing refresh on; counts before the model's first refresh of a DT are not known).
 */
export function rowCounts(model: MonitorModel): { name: string; t: number; rows: number }[] {
  const count = new Map<string, number>();
  const out: { name: string; t: number; rows: number }[] = [];
  for (const r of model.refreshes) {
    if (r.state !== 'SUCCEEDED' || r.end === null) continue;
    const rows = (count.get(r.name) ?? 0) + r.rowsInserted - r.rowsDeleted;
    count.set(r.name, rows);
    out.push({ name: r.name, t: timestampMs(r.end), rows });
  }
  return out;
}
