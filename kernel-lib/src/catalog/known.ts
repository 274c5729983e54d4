/**
 * The catalog as the engine that owns it knows it: its dynamic tables and warehouses held in memory, written
 * through by the engine's own changes and read again only when something else may have changed them.
 *
 * - One process per database (DuckDB, PGlite): the engine makes every catalog change itself, so after the
 *   first read the memory is the catalog. Its own DDL drops what it knows (`forget`), and a refresh writes
 *   its new data timestamp through (`refreshed`).
 * - A PostgreSQL server, shared by several engines: a look that must see other processes' work (the
 *   scheduler's, SHOW) reads the database (`list({ fresh: true })`); a refresh uses what is known and checks
 *   it in its first statement against the DT's definition as stored (`definitionOf`, refresh/probe.ts),
 *   starting again from a fresh read when another process redefined or dropped the DT (refresh/run.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { DynamicTable, Warehouse } from '../types.js';
import { expectationsText, listDynamicTables, listWarehouses } from './catalog.js';

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

  async warehouses(): Promise<Warehouse[]> {
    if (!this.whs) await this.load();
    // A shared server: the warehouses as they are now (not the DTs too: the scheduler asks on every look).
    else if (this.shared) this.whs = await listWarehouses(this.backend);
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
