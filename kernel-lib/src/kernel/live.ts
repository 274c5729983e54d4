/**
 * Live outputs in the kernel runtime: a `%dt graph`, `%dt lag` or `%dt history` output is sent with a display
 * id, and the session scheduler's events (refreshes, state changes, lag samples) are folded into its model
 * (display/live.ts, the folds the extension's widgets use) and sent again as update_display_data. Updates are
 * throttled (at most one per display per `throttleMs`) and flushed when a magic cell ends, so the last state
 * goes out while that cell's request is still the parent of the messages.
 *
 * Who applies them: nbclient/nbconvert update a display id in any cell. JupyterLab 4 applies an update only
 * in the output area whose own request it belongs to, so there a display follows the events of its own
 * cell (`%dt graph` and `%dt clock +1h` in one cell), not those of later cells.
 */
import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { MIME, type OutputBundle } from '../display/bundle.js';
import { type DagModel, dagBundle } from '../display/graph.js';
import { historyBundle, lagBundle } from '../display/history.js';
import { foldDag, foldHistory, foldLag, type HistoryView, type LagView } from '../display/live.js';
import { foldQuality, QUALITY_MIME, type QualityView, qualityBundle } from '../display/quality.js';
import type { Connection } from '../magics/session.js';
import type { SchedulerEvent } from '../schedule/events.js';

type Live = { id: string; dirty: boolean } & (
  | { kind: 'dag'; model: DagModel }
  | { kind: 'lag'; model: LagView }
  | { kind: 'history'; model: HistoryView }
  | { kind: 'quality'; model: QualityView }
);

/** Live displays kept at most (the oldest stop updating): a notebook rarely shows more. */
const MAX_LIVE = 16;

export class LiveDisplays {
  private displays: Live[] = [];
  private subscription: Subscription | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `send` writes an update_display_data for display `id`. */
  constructor(
    private readonly send: (id: string, bundle: OutputBundle) => void,
    private readonly throttleMs = 250,
  ) {}

  /** Follows a new connection's events; displays of the previous connection stop updating. */
  follow(connection: Connection): void {
    this.close();
    this.subscription = connection.scheduler.events$.subscribe((e) => this.onEvent(e));
  }

  /**
   * A display id for `bundle` when it is a live kind, registering it; undefined otherwise. Live: the DAG, a
   * lag chart (of the DTs it names, or all), a `%dt history` (not the snapshot `%dt refresh` shows).
   */
  register(bundle: OutputBundle): string | undefined {
    const id = `dtlab-${randomBytes(8).toString('hex')}`;
    const dag = bundle.data[MIME.dag] as unknown as DagModel | undefined;
    const lag = bundle.data[MIME.lag] as unknown as Partial<LagView> | undefined;
    const history = bundle.data[MIME.history] as unknown as (HistoryView & { live?: boolean }) | undefined;
    if (dag) this.displays.push({ id, dirty: false, kind: 'dag', model: dag });
    else if (lag?.points)
      this.displays.push({
        id,
        dirty: false,
        kind: 'lag',
        model: { points: lag.points, names: lag.names ?? [] },
      });
    else if (bundle.data[QUALITY_MIME]) {
      const q = bundle.data[QUALITY_MIME] as unknown as QualityView;
      this.displays.push({ id, dirty: false, kind: 'quality', model: { name: q.name, tables: q.tables } });
    } else if (history?.live)
      this.displays.push({
        id,
        dirty: false,
        kind: 'history',
        model: { records: history.records, name: history.name, limit: history.limit },
      });
    else return undefined;
    if (this.displays.length > MAX_LIVE) this.displays.splice(0, this.displays.length - MAX_LIVE);
    return id;
  }

  get size(): number {
    return this.displays.length;
  }

  /** Sends every display changed since its last update. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.displays) {
      if (!d.dirty) continue;
      d.dirty = false;
      this.send(d.id, bundleOf(d));
    }
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.displays = [];
  }

  private onEvent(e: SchedulerEvent): void {
    let changed = false;
    for (const d of this.displays) {
      const before = d.model;
      if (d.kind === 'dag') d.model = foldDag(d.model, e);
      else if (d.kind === 'lag') d.model = foldLag(d.model, e);
      else if (d.kind === 'quality') d.model = foldQuality(d.model, e);
      else d.model = foldHistory(d.model, e);
      if (d.model === before) continue;
      d.dirty = true;
      changed = true;
    }
    if (changed && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.throttleMs);
  }
}

function bundleOf(d: Live): OutputBundle {
  if (d.kind === 'dag') return dagBundle(d.model);
  if (d.kind === 'lag') return lagBundle(d.model.points, d.model.names);
  if (d.kind === 'quality') return qualityBundle(d.model);
  return historyBundle(d.model.records, { name: d.model.name, limit: d.model.limit });
}
