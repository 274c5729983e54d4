/**
 * Opening an engine (`Engine.open`): the options it opens with, the delivery worker they ask for, and what it
 * installs in the database if missing — the catalog, the discard tables, the capture registry, the delivery
 * outbox, the family's own tables, alerts and quality, the default warehouse — in one transaction, with the
 * user DDL is audited as.
 */
import type { Notifier } from '../alerts/incidents.js';
import { ALERT_DDL } from '../alerts/store.js';
import { type Backend, formatTimestamp } from '../backends/backend.js';
import { installCaptureRegistry } from '../capture/capture.js';
import { insertWarehouse, installCatalog, listWarehouses } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import {
  type DeliveryEvent,
  DeliveryWorker,
  defaultTransports,
  installDelivery,
  type RetryPolicy,
  retryPolicy,
  type Transports,
} from '../delivery/index.js';
import { dialectOf } from '../dialect/index.js';
import { QUALITY_DDL } from '../quality/catalog.js';
import type { DeferredHistory } from '../refresh/deferred-history.js';
import { DEFAULT_WAREHOUSE } from '../types.js';
import { installDiscardTables } from './expectations.js';

export interface EngineOptions {
  clock?: Clock;
  /** Notification delivery: retry policy (ranges in docs/delivery.md) and, for tests, the transports. */
  delivery?: Partial<RetryPolicy> & { transports?: Transports };
  /** Where incidents notify (default: delivery's outbox). */
  notifier?: Notifier;
  /** Change rows read between collections of a change table (capture/garbage.ts; 0: every refresh). */
  collectAfterRows?: number;
}

/** The delivery worker `delivery` (EngineOptions) asks for, publishing through `publish` (delivery/worker.ts). */
export function deliveryWorker(
  backend: Backend,
  delivery: EngineOptions['delivery'] = {},
  publish: (event: DeliveryEvent) => void,
): DeliveryWorker {
  const { transports, ...policy } = delivery;
  return new DeliveryWorker({
    backend,
    policy: retryPolicy(policy),
    transports: transports ?? defaultTransports,
    publish,
    now: () => Date.now(), // wall time: delivery is about the network, not the lesson clock
  });
}

/**
 * Installs what the engine needs in `backend` (the catalog and the default warehouse too if missing) and
 * returns the database user. `deferred`: where the engine sees every write, the history ids it draws ahead.
 */
export async function installEngine(
  backend: Backend,
  clock: Clock,
  deferred: DeferredHistory | undefined,
): Promise<string | null> {
  return backend.transaction(async (tx) => {
    for (const sql of dialectOf(backend.family).installLock) await tx.query(sql);
    await installCatalog(tx);
    await installDiscardTables(tx, backend.family);
    await installCaptureRegistry(tx);
    await installDelivery(tx);
    for (const ddl of dialectOf(backend.family).engineDdl) await tx.query(ddl);
    const user = String((await tx.query('SELECT current_user')).rows[0]?.[0] ?? '') || null;
    for (const ddl of ALERT_DDL) await tx.query(ddl);
    for (const ddl of QUALITY_DDL) await tx.query(ddl);
    // History ids for NO_DATA refreshes that send no statement (refresh/deferred-history.ts).
    if (deferred) await deferred.drawIds(tx);
    if ((await listWarehouses(tx)).length === 0) {
      await insertWarehouse(tx, {
        name: DEFAULT_WAREHOUSE,
        size: 'XSMALL',
        maxConcurrency: 8,
        autoSuspendSeconds: 600,
        comment: 'default warehouse for dynamic tables that name none',
        createdOn: formatTimestamp(clock.now()),
      });
    }
    return user;
  });
}
