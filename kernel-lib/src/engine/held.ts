/**
 * What the engine holds in memory of the database — its known catalog of DTs and warehouses (catalog/known.ts),
 * alerts and incidents, DMF schedules — and when that is read again: after this engine changed the catalog
 * (`catalogChanged`, which publishes the change), when a part was written by hand (`forget`), and on a
 * PostgreSQL server at the start of a scheduler look, what other processes changed since the last one
 * (`lookForChanges`, catalog/stamps.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { WriteLedger } from '../capture/ledger.js';
import type { KnownCatalog } from '../catalog/known.js';
import { CatalogStamps, type StampedPart } from '../catalog/stamps.js';
import type { CatalogChange } from './ddl.js';
import { isServer } from './fence.js';

/** What keeping the held parts in step needs of the engine. */
export interface HeldHost {
  readonly backend: Backend;
  readonly catalog: KnownCatalog;
  readonly ledger: WriteLedger;
  readonly alerts: { forget(): void };
  readonly quality: { forget(): void };
  /** Publishes a change of the catalog on the engine's events. */
  publish(event: CatalogChange): void;
}

export class Held {
  /** On a PostgreSQL server: what moved in the shared catalog since the scheduler's last look (catalog/stamps.ts). */
  private readonly stamps?: CatalogStamps;

  constructor(private readonly host: HeldHost) {
    if (isServer(host.backend)) this.stamps = new CatalogStamps((part) => this.forget(part));
  }

  /**
   * Publishes a change of the catalog, which this engine wrote: what it knows is read again when next needed
   * (before listeners, who may ask at once), and on DuckDB every DT looks at the database again.
   */
  catalogChanged(event: CatalogChange): void {
    this.host.catalog.forget();
    this.host.ledger.wrote(undefined);
    this.host.publish(event);
  }

  /**
   * At the start of a scheduler look: on a PostgreSQL server, one statement finds what other processes
   * changed since the last look (catalog/stamps.ts), and that is read again when next needed; elsewhere this
   * engine made every change itself and nothing is read.
   */
  async lookForChanges(): Promise<void> {
    if (!this.stamps) return;
    const dataTimestamps = await this.stamps.check(this.host.backend);
    this.host.catalog.observed(dataTimestamps);
  }

  /**
   * Drops what the engine holds of a part of the catalog: read again when next needed. (What refreshes know
   * stays: each checks the DT's definition in its first statement, refresh/probe.ts.)
   */
  forget(part: StampedPart): void {
    if (part === 'catalog') this.host.catalog.forget();
    else if (part === 'alerts') this.host.alerts.forget();
    else this.host.quality.forget();
  }
}
