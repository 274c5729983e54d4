/**
 * Live updates for the DAG: a rendered graph follows the engine's events (refreshes, suspensions, lag
 * samples) while the lesson clock moves — `%dt clock run x60` in one cell animates the graph above it. The
 * events carry what changes; nothing polls the database.
 */
import { auditTime, filter, type Subscription, scan } from 'rxjs';
import type { DagModel, SchedulerEvent } from '../../kernel-lib/dist/magics/browser.js';

/** Folds one event into the model (pure): new data timestamps, lags and scheduling states. */
export function applyEvent(model: DagModel, e: SchedulerEvent): DagModel {
  const update = (name: string, patch: Partial<DagModel['nodes'][number]>) => ({
    ...model,
    nodes: model.nodes.map((n) => (n.id === name ? { ...n, ...patch } : n)),
  });
  if (e.type === 'lag') return update(e.sample.name, { lagSeconds: e.sample.lagSeconds });
  if (e.type === 'state') return update(e.name, { state: e.state });
  if (e.type === 'refresh' && e.record.state === 'SUCCEEDED')
    return update(e.record.name, { dataTimestamp: e.record.dataTimestamp });
  return model;
}

/** Follows the page session's events from `model` on; null when no session is connected. */
export function followDag(model: DagModel, onModel: (m: DagModel) => void): Subscription | null {
  const connection = window.dtlab?.session.connected;
  if (!connection) return null;
  return connection.scheduler.events$
    .pipe(
      filter((e) => e.type === 'lag' || e.type === 'state' || e.type === 'refresh'),
      scan(applyEvent, model),
      auditTime(250), // at most four redraws a second while the clock races
    )
    .subscribe(onModel);
}
