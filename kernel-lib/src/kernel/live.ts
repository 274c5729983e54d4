/**
 * Live outputs in the kernel runtime: a `%dt graph` or `%dt lag` output is sent with a display id, and the
 * session scheduler's events (refreshes, state changes, lag samples) are folded into its model and sent again
 * as update_display_data. Jupyter front ends (JupyterLab, nbclient) replace the output in place. Updates are
 * throttled (at most one per display per `throttleMs`) and flushed when a magic cell ends, so the last state
 * always goes out while that cell's request is still the parent of the messages.
 */
import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { MIME, type OutputBundle } from '../display/bundle.js';
import { type DagModel, dagBundle } from '../display/graph.js';
import { type LagPoint, lagBundle } from '../display/history.js';
import type { Connection } from '../magics/session.js';
import type { SchedulerEvent } from '../schedule/events.js';

/** Folds one event into a DAG model (pure): new data timestamps, lags and scheduling states. */
export function foldDag(model: DagModel, e: SchedulerEvent): DagModel {
  const update = (name: string, patch: Partial<DagModel['nodes'][number]>): DagModel =>
    model.nodes.some((n) => n.id === name)
      ? { ...model, nodes: model.nodes.map((n) => (n.id === name ? { ...n, ...patch } : n)) }
      : model;
  if (e.type === 'lag') return update(e.sample.name, { lagSeconds: e.sample.lagSeconds });
  if (e.type === 'state') return update(e.name, { state: e.state });
  if (e.type === 'refresh' && e.record.state === 'SUCCEEDED')
    return update(e.record.name, { dataTimestamp: e.record.dataTimestamp });
  return model;
}

/** Appends a lag sample to a lag chart's points when the chart shows that DT (all DTs when `names` is empty). */
export function foldLag(points: LagPoint[], names: ReadonlySet<string>, e: SchedulerEvent): LagPoint[] {
  if (e.type !== 'lag' || (names.size > 0 && !names.has(e.sample.name))) return points;
  const s = e.sample;
  return [
    ...points,
    {
      name: s.name,
      sampleTime: s.sampleTime,
      kind: s.kind,
      lagSeconds: s.lagSeconds,
      targetLagSeconds: s.targetLagSeconds,
    },
  ];
}

type Live =
  | { id: string; kind: 'dag'; model: DagModel; dirty: boolean }
  | { id: string; kind: 'lag'; points: LagPoint[]; names: Set<string>; dirty: boolean };

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
   * A display id for `bundle` when it is a live kind (DAG, lag chart), registering it; undefined otherwise.
   * `lagNames` are the DTs a `%dt lag` output is about (empty: all).
   */
  register(bundle: OutputBundle, lagNames: readonly string[] = []): string | undefined {
    const id = `dtlab-${randomBytes(8).toString('hex')}`;
    const dag = bundle.data[MIME.dag];
    const lag = bundle.data[MIME.lag];
    if (dag) this.displays.push({ id, kind: 'dag', model: dag as unknown as DagModel, dirty: false });
    else if (lag)
      this.displays.push({
        id,
        kind: 'lag',
        points: (lag as unknown as { points: LagPoint[] }).points,
        names: new Set(lagNames),
        dirty: false,
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
      this.send(d.id, d.kind === 'dag' ? dagBundle(d.model) : lagBundle(d.points));
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
      if (d.kind === 'dag') {
        const next = foldDag(d.model, e);
        if (next === d.model) continue;
        d.model = next;
      } else {
        const next = foldLag(d.points, d.names, e);
        if (next === d.points) continue;
        d.points = next;
      }
      d.dirty = true;
      changed = true;
    }
    if (changed && this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.throttleMs);
  }
}
