/**
 * What statement handlers need from the engine (`EngineContext`), and how the engine builds it from its parts
 * (`engineContext`).
 */
import { type Backend, formatTimestamp } from '../backends/backend.js';
import type { WriteLedger } from '../capture/ledger.js';
import { relationKinds } from '../catalog/catalog.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import type { DeliveryTrigger } from '../delivery/index.js';
import type { DeferredHistory } from '../refresh/deferred-history.js';
import type { DynamicTable, Warehouse } from '../types.js';

/** What statement handlers need from the engine: the backend, the clock, and fresh catalog reads. */
export interface EngineContext {
  backend: Backend;
  clock: Clock;
  dynamicTables(): Promise<DynamicTable[]>;
  warehouses(): Promise<Warehouse[]>;
  /** Tables and views of the current schema (dynamic tables' storage included), by name. */
  relations(): Promise<Map<string, 'TABLE' | 'VIEW'>>;
  /** Engine-clock milliseconds → the catalog's timestamp text. */
  timestamp(ms: number): string;
  /** A history id drawn ahead (refresh/deferred-history.ts), so history ids follow refresh order; or none. */
  refreshId(): number | undefined;
  /** Starts delivery of queued notifications (delivery/index.ts `notify`). */
  delivery: DeliveryTrigger;
  /** What the engine knows of writes (capture/ledger.ts): DDL that installs capture starts a new epoch. */
  ledger: WriteLedger;
}

/** The context of the engine whose parts these are: catalog reads from what it knows (catalog/known.ts). */
export function engineContext(
  backend: Backend,
  clock: Clock,
  catalog: KnownCatalog,
  deferred: DeferredHistory,
  delivery: DeliveryTrigger,
  ledger: WriteLedger,
): EngineContext {
  return {
    backend,
    clock,
    dynamicTables: () => catalog.list(),
    warehouses: () => catalog.warehouses(),
    relations: () => relationKinds(backend),
    timestamp: formatTimestamp,
    refreshId: () => deferred.takeId(),
    delivery,
    ledger,
  };
}
