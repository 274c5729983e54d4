/** What the scheduler publishes (merged with the engine's own events on `Scheduler.events$`). */
import type { LagSample } from '../catalog/catalog.js';
import type { EngineEvent } from '../engine/engine.js';
import type { RefreshTrigger } from '../types.js';
import type { WarehouseRun } from './warehouse.js';

export type SchedulerEvent =
  | EngineEvent
  /** A cycle was planned: these DTs refresh to `dataTimestamp`; `deferred` wait for a busy upstream. */
  | { type: 'cycle'; at: number; dataTimestamp: number; refresh: string[]; deferred: string[] }
  /**
   * A cycle on a PostgreSQL server ran without locking its sources against other processes' writers (see
   * engine/fence.ts), so its DTs may have read them at different moments.
   */
  | { type: 'cycle-unfenced'; at: number; reason: string }
  | {
      type: 'refresh-scheduled';
      name: string;
      dataTimestamp: number;
      trigger: RefreshTrigger;
      because: 'due' | 'upstream';
    }
  | { type: 'refresh-started'; name: string; dataTimestamp: number; at: number; queuedMs: number }
  /** Not run by this engine: another engine holds it or already did this cycle. */
  | { type: 'refresh-skipped'; name: string; dataTimestamp: number; reason: string }
  | { type: 'lag'; sample: LagSample }
  | { type: 'warehouse'; action: 'resumed'; warehouse: string; at: number }
  | { type: 'warehouse'; action: 'suspended'; warehouse: string; at: number; run: WarehouseRun }
  /** The scheduler could not look at the database (it keeps trying). */
  | { type: 'error'; at: number; message: string };
