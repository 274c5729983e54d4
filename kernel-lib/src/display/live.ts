/**
 * Live widgets, the pure part: how each widget's model takes in one engine/scheduler event. A widget drawn
 * from a bundle (the DAG, the lag chart, a refresh history) or the sidebar folds the events that arrive
 * after it through these, so it follows the lesson clock without reading the database again. The catalog is
 * re-read only when the catalog changes (a `catalog` event): see `sidebarFromCatalog`.
 */
import type { LagSample } from '../catalog/catalog.js';
import type { SchedulerEvent } from '../schedule/events.js';
import { formatLag } from '../sql/lag.js';
import type { DynamicTable, RefreshRecord } from '../types.js';
import { type DagModel, lagSecondsAt, timestampMs } from './graph.js';
import type { LagPoint } from './history.js';

/** The DAG: new data timestamps, lags and scheduling states. */
export function foldDag(model: DagModel, e: SchedulerEvent): DagModel {
  const update = (name: string, patch: Partial<DagModel['nodes'][number]>) =>
    model.nodes.some((n) => n.id === name)
      ? { ...model, nodes: model.nodes.map((n) => (n.id === name ? { ...n, ...patch } : n)) }
      : model;
  if (e.type === 'lag') return update(e.sample.name, { lagSeconds: e.sample.lagSeconds });
  if (e.type === 'state') return update(e.name, { state: e.state });
  if (e.type === 'refresh' && e.record.state === 'SUCCEEDED') {
    // A manual refresh brings no lag sample of its own: the lag right after it, as the sidebar shows.
    const r = e.record;
    const lag =
      r.refreshEndTime === null || r.dataTimestamp === null
        ? undefined
        : Math.max(0, (timestampMs(r.refreshEndTime) - timestampMs(r.dataTimestamp)) / 1000);
    return update(r.name, {
      dataTimestamp: r.dataTimestamp,
      ...(lag === undefined ? {} : { lagSeconds: lag }),
    });
  }
  return model;
}

/**
 * The DAG brought up to the catalog: a widget drawn again from its saved bundle (JupyterLab re-renders the
 * outputs of a cell scrolled back into a windowed notebook) would otherwise show the moment it was made.
 * The catalog may have been read before events the widget has already folded: a node never goes back to an
 * older data timestamp.
 */
export function catchUpDag(model: DagModel, dts: DynamicTable[], now: number): DagModel {
  const byName = new Map(dts.map((d) => [d.name, d]));
  return {
    ...model,
    nodes: model.nodes.map((n) => {
      const dt = byName.get(n.id);
      if (!dt) return n;
      if (
        n.dataTimestamp &&
        (!dt.dataTimestamp || timestampMs(dt.dataTimestamp) < timestampMs(n.dataTimestamp))
      )
        return n;
      const lagSeconds = lagSecondsAt(dt.dataTimestamp, now);
      return { ...n, state: dt.schedulingState, dataTimestamp: dt.dataTimestamp, lagSeconds };
    }),
  };
}

/** What a lag chart shows: its points, and the DTs it was asked for (empty: every DT). */
export interface LagView {
  points: LagPoint[];
  names: string[];
}

/** A scheduler's lag sample as a chart point. */
export const lagPoint = (s: LagSample): LagPoint => ({
  name: s.name,
  sampleTime: s.sampleTime,
  kind: s.kind,
  lagSeconds: s.lagSeconds,
  targetLagSeconds: s.targetLagSeconds,
});

/** The lag chart: each new lag sample of a DT it shows becomes a point. */
export function foldLag(view: LagView, e: SchedulerEvent): LagView {
  if (e.type !== 'lag') return view;
  if (view.names.length > 0 && !view.names.includes(e.sample.name)) return view;
  return { ...view, points: [...view.points, lagPoint(e.sample)] };
}

/** What a refresh history shows: its records (newest first), of one DT or all, at most `limit` of them. */
export interface HistoryView {
  records: RefreshRecord[];
  name: string | null;
  limit: number | null;
  /** How many refreshes the history holds in all (the view shows the latest `limit`). */
  total?: number;
}

/** The refresh history: a finished refresh of a DT it shows goes on top (or replaces its earlier row). */
export function foldHistory(view: HistoryView, e: SchedulerEvent): HistoryView {
  if (e.type !== 'refresh') return view;
  const r = e.record;
  if (view.name !== null && r.name !== view.name) return view;
  const rest = view.records.filter((x) => x.refreshId !== r.refreshId);
  const records = [r, ...rest].sort((a, b) => b.refreshId - a.refreshId);
  const added = rest.length === view.records.length ? 1 : 0;
  return {
    ...view,
    records: view.limit === null ? records : records.slice(0, view.limit),
    ...(view.total !== undefined ? { total: view.total + added } : {}),
  };
}

/** One row of the "Dynamic Tables" sidebar. */
export interface SidebarRow {
  name: string;
  state: string;
  refreshMode: string;
  targetLag: string;
  targetLagSeconds: number | null;
  dataTimestamp: string | null;
  lagSeconds: number | null;
}

/** The last refresh of a DT, as the sidebar shows it. */
export interface LastRefresh {
  state: string;
  action: string | null;
  trigger: string;
  dataTimestamp: string | null;
  endTime: string | null;
  reason: string | null;
}

export interface SidebarModel {
  rows: SidebarRow[];
  /** By DT name; kept apart from the rows because a creation's refresh event arrives before the re-read. */
  last: Record<string, LastRefresh>;
}

export const emptySidebar: SidebarModel = { rows: [], last: {} };

function lastRefresh(r: RefreshRecord): LastRefresh {
  return {
    state: r.state,
    action: r.refreshAction,
    trigger: r.refreshTrigger,
    dataTimestamp: r.dataTimestamp,
    endTime: r.refreshEndTime,
    reason: r.reason ?? r.stateMessage,
  };
}

/**
 * The sidebar from the catalog (read when the engine opens and after each catalog event): one row per DT,
 * lag = now − data timestamp. `history` (newest first) supplies each DT's last refresh; refreshes already
 * known from events are kept.
 */
export function sidebarFromCatalog(
  model: SidebarModel,
  dts: DynamicTable[],
  now: number,
  history: RefreshRecord[] = [],
): SidebarModel {
  const last: Record<string, LastRefresh> = {};
  for (const r of [...history].reverse()) last[r.name] = lastRefresh(r);
  const names = new Set(dts.map((d) => d.name));
  for (const [name, l] of Object.entries(model.last)) if (names.has(name) && !(name in last)) last[name] = l;
  const rows = dts
    .map((dt) => ({
      name: dt.name,
      state: dt.schedulingState,
      refreshMode: dt.effectiveMode,
      targetLag: formatLag(dt.targetLag),
      targetLagSeconds: dt.targetLag.kind === 'duration' ? dt.targetLag.seconds : null,
      dataTimestamp: dt.dataTimestamp,
      lagSeconds: lagSecondsAt(dt.dataTimestamp, now),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { rows, last };
}

/** The sidebar: lag samples, scheduling states, finished refreshes, dropped DTs. */
export function foldSidebar(model: SidebarModel, e: SchedulerEvent): SidebarModel {
  const update = (name: string, patch: Partial<SidebarRow>) => ({
    ...model,
    rows: model.rows.map((r) => (r.name === name ? { ...r, ...patch } : r)),
  });
  switch (e.type) {
    case 'lag':
      return update(e.sample.name, {
        lagSeconds: e.sample.lagSeconds,
        ...(e.sample.dataTimestamp !== null ? { dataTimestamp: e.sample.dataTimestamp } : {}),
      });
    case 'state':
      return update(e.name, { state: e.state });
    case 'refresh': {
      const r = e.record;
      const next = { ...model, last: { ...model.last, [r.name]: lastRefresh(r) } };
      if (r.state !== 'SUCCEEDED' || r.dataTimestamp === null) return next;
      // Lag right after the refresh (a manual one brings no lag sample of its own).
      const lag =
        r.refreshEndTime === null
          ? undefined
          : Math.max(0, (timestampMs(r.refreshEndTime) - timestampMs(r.dataTimestamp)) / 1000);
      return {
        ...next,
        rows: next.rows.map((row) =>
          row.name === r.name
            ? { ...row, dataTimestamp: r.dataTimestamp, ...(lag === undefined ? {} : { lagSeconds: lag }) }
            : row,
        ),
      };
    }
    case 'catalog':
      if (e.action !== 'dropped') return model;
      return { rows: model.rows.filter((r) => r.name !== e.name), last: without(model.last, e.name) };
    default:
      return model;
  }
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record;
  return rest;
}

/** Fresh (lag within target), late (beyond it), not refreshed yet, or suspended. */
export function lagStatus(row: {
  state?: string | undefined;
  lagSeconds?: number | null | undefined;
  targetLagSeconds?: number | null | undefined;
}): 'fresh' | 'late' | 'pending' | 'suspended' {
  if (row.state === 'SUSPENDED') return 'suspended';
  if (row.lagSeconds === null || row.lagSeconds === undefined) return 'pending';
  if (row.targetLagSeconds === null || row.targetLagSeconds === undefined) return 'fresh';
  return row.lagSeconds <= row.targetLagSeconds ? 'fresh' : 'late';
}

/** "42 s", "17 min", "3.5 h", or "not refreshed". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return 'not refreshed';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 3 * 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
