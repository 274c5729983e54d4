/**
 * What the engine publishes on `events$` (engine/engine.ts): refreshes and the steps they ran, scheduling
 * states, catalog changes, deliveries, incidents and data-metric measurements.
 */
import type { Incident } from '../alerts/incidents.js';
import type { DeliveryEvent } from '../delivery/index.js';
import type { QualityEvent } from '../quality/service.js';
import type { ExecutedPlan } from '../refresh/executor.js';
import type { RefreshRecord, SchedulingState, SuspendReason } from '../types.js';
import type { CatalogChange } from './ddl.js';

export type EngineEvent =
  | { type: 'refresh'; record: RefreshRecord }
  /** The steps a successful refresh ran (refresh/executor.ts), published after its record. */
  | { type: 'refresh-plan'; plan: ExecutedPlan }
  | { type: 'state'; name: string; state: SchedulingState; reason: SuspendReason | null }
  | CatalogChange
  /** A notification was delivered, will be retried, or failed for good (delivery/worker.ts). */
  | DeliveryEvent
  | { type: 'incident'; incident: Incident }
  /** Data metric functions measured, or failing to (quality/service.ts). */
  | QualityEvent;
