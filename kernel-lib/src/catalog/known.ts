/**
 * The catalog as the engine that owns it knows it: its dynamic tables and warehouses held in memory, written
 * through by the engine's own changes and read again only when something else may have changed them.
 *
 * - One process per database (DuckDB, PGlite): the engine makes every catalog change itself, so after the
 *   first read the memory is the catalog. Its own DDL drops what it knows (`forget`), and a refresh writes
 *   its new data timestamp through (`refreshed`).
 * - A PostgreSQL server, shared by several engines: a look that must see other processes' work (SHOW)
 *   reads the database (`list({ fresh: true })`). The scheduler's looks use what is known (`fresh: false`)
 *   once one statement said nothing moved since the last look (catalog/stamps.ts: what moved is forgotten
 *   first). A refresh uses what is known and checks
 *   it in its first statement against the DT's definition as stored (`definitionOf`, refresh/probe.ts),
 *   starting again from a fresh read when another process redefined or dropped the DT (refresh/run.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { DynamicTable, Warehouse } from '../types.js';
import { expectationsText, listDynamicTables, listWarehouses } from './catalog.js';

const timestampMs = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

export class KnownCatalog {
  private dts: Map<string, DynamicTable> | undefined;
  private whs: Warehouse[] | undefined;

  /** `shared`: other processes may change the catalog (a PostgreSQL server). */
  constructor(
    private readonly backend: Backend,
    readonly shared: boolean,
  ) {}

  /**
   * The dynamic tables. `fresh` (the default): as the database has them now — read again on a shared server,
   * from memory elsewhere. `fresh: false`: what this engine knows, which a refresh checks for itself.
   */
  async list(options: { fresh?: boolean } = {}): Promise<DynamicTable[]> {
    if (!this.dts || (this.shared && options.fresh !== false)) await this.load();
    return [...(this.dts as Map<string, DynamicTable>).values()].map((d) => ({ ...d }));
  }

  async get(name: string, options: { fresh?: boolean } = {}): Promise<DynamicTable | undefined> {
    return (await this.list(options)).find((d) => d.name === name);
  }

  /** The warehouses; `fresh` as for `list`. */
  async warehouses(options: { fresh?: boolean } = {}): Promise<Warehouse[]> {
    if (!this.whs) await this.load();
    // A shared server: the warehouses as they are now (not the DTs too).
    else if (this.shared && options.fresh !== false) this.whs = await listWarehouses(this.backend);
    return (this.whs as Warehouse[]).map((w) => ({ ...w }));
  }

  /** After a catalog change this engine made (or one it learnt of): read everything again when next asked. */
  forget(): void {
    this.dts = undefined;
    this.whs = undefined;
  }

  /** Write-through of a committed refresh: the DT's new data timestamp (a recompute settles ADD/DROP CONSTRAINT). */
  refreshed(name: string, dataTimestamp: string, recomputed = false): void {
    const dt = this.dts?.get(name);
    if (!dt) return;
    const next = { ...dt, dataTimestamp };
    if (recomputed) delete next.pendingRecompute;
    this.dts?.set(name, next);
  }

  /**
   * Data timestamps as the database has them (a shared server: catalog/stamps.ts), for the DTs known: moved
   * forward only (a refresh of this engine that committed after they were read wrote a newer one through).
   */
  observed(dataTimestamps: ReadonlyMap<string, string | null>): void {
    for (const [name, ts] of dataTimestamps) {
      const dt = this.dts?.get(name);
      if (!dt || ts === null) continue;
      if (dt.dataTimestamp === null || timestampMs(ts) > timestampMs(dt.dataTimestamp))
        this.dts?.set(name, { ...dt, dataTimestamp: ts });
    }
  }

  private async load(): Promise<void> {
    const dts = await listDynamicTables(this.backend);
    const whs = await listWarehouses(this.backend);
    this.dts = new Map(dts.map((d) => [d.name, d]));
    this.whs = whs;
  }
}

/**
 * What a refresh is planned from: the query, the declared columns and the mode. The same text is computed by
 * the probe from the stored row (refresh/probe.ts), so a DT redefined elsewhere is noticed.
 */
export const definitionOf = (
  dt: Pick<
    DynamicTable,
    'query' | 'columns' | 'effectiveMode' | 'expectations' | 'pendingRecompute' | 'immutableWhere'
  >,
): string =>
  [
    dt.query,
    dt.columns ? JSON.stringify(dt.columns) : '',
    dt.effectiveMode,
    expectationsText(dt.expectations) ?? '',
    dt.pendingRecompute ?? '',
    dt.immutableWhere ?? '',
  ].join('\u001e');
