/**
 * SUSPEND and RESUME as the engine applies them (`Engine.setSchedulingState`): which DTs change is decided
 * purely (schedule/states.ts); here the changes are written in one transaction, what the engine holds of the
 * catalog is read again, and each change is published as a 'state' event.
 */
import type { Backend } from '../backends/backend.js';
import { updateDynamicTable } from '../catalog/catalog.js';
import type { KnownCatalog } from '../catalog/known.js';
import { resumeChanges, type StateChange, suspendChanges } from '../schedule/states.js';
import type { SuspendReason } from '../types.js';

/** What changing scheduling states needs of the engine. */
export interface SchedulingHost {
  readonly backend: Backend;
  readonly catalog: Pick<KnownCatalog, 'list' | 'forget'>;
  /** Publishes one DT's change on the engine's events. */
  publish(event: { type: 'state' } & StateChange): void;
}

/** SUSPEND (cascading downstream) or RESUME (with the dependents the system suspended). */
export async function changeSchedulingState(
  host: SchedulingHost,
  name: string,
  action: 'suspend' | 'resume',
  reason: SuspendReason,
) {
  const dts = (await host.catalog.list()).map((d) => ({
    name: d.name,
    upstream: d.sources.map((s) => s.name),
    state: d.schedulingState,
    reason: d.suspendReason ?? null,
  }));
  const changes = action === 'suspend' ? suspendChanges(dts, name, reason) : resumeChanges(dts, name);
  await host.backend.transaction(async (tx) => {
    for (const c of changes)
      await updateDynamicTable(tx, c.name, { scheduling_state: c.state, suspend_reason: c.reason });
  });
  host.catalog.forget();
  for (const c of changes) host.publish({ type: 'state', ...c });
  return changes;
}
