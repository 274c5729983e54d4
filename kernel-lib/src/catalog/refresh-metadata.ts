/**
 * The metadata one refresh needs, read in one statement at the start of its transaction instead of a
 * dozen: the storage columns of the DT and of its sources, the transaction's capture position, the DT's
 * consumed positions, whether capture on each source stands (its change table matches the source's columns;
 * on PostgreSQL also its trigger), which dtlab relations exist (the DT's state table, its change table),
 * which sources are captured (DuckDB), the sources' estimated sizes (PostgreSQL), the warehouse's size, the
 * DT's data timestamp and the id of its history row.
 *
 * The answers travel with the refresh's transaction as an explicit context (`RefreshTx`: the transaction
 * and what the refresh knows, made by `withKnown` and passed to every step), and the functions that would
 * otherwise ask the database (describeColumns, sourceColumns, currentPosition, positionsOf, captureIntact,
 * changesSince, …) answer from it when they are given one; given a plain Queryable they ask the database.
 * Whatever the refresh changes itself drops the entry it changes (positions, capture reinstalled). On the PostgreSQL server this is one round trip, sent with
 * BEGIN and LOCK; on DuckDB one scan of duckdb_columns() instead of one per question.
 */

import { type Queryable, type SqlFamily, sqlLiteral, type Value } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { Planning } from '../refresh/planning.js';
import type { DynamicTable } from '../types.js';

export interface ColumnInfo {
  name: string;
  /** The backend's type text (format_type on PostgreSQL, data_type on DuckDB). */
  type: string;
  nullable: boolean;
}

export interface RefreshMetadata {
  dt: string;
  /** Columns of the DT and of its sources, in the current schema. */
  columns: Map<string, ColumnInfo[]>;
  position: string;
  /** The DT's consumed position per source; dropped when the refresh moves positions. */
  positions?: Map<string, string>;
  /** Per tracked source: capture's triggers and change table stand, with the source's columns. */
  intact: Map<string, boolean>;
  /** Relations in schema dtlab among those asked about (state and change tables). */
  dtlabRelations: Set<string>;
  /** The DT's state table's columns and their types, if it has one (what the state's AVG is built for). */
  stateTypes?: Map<string, string>;
  /** DuckDB: sources whose change table is there. */
  capturedSources?: Set<string>;
  /** PostgreSQL: each tracked source's size as the catalog estimates it (the cost rule's denominator). */
  estimatedRows: Map<string, number>;
  /** Change summaries read along with the sentinel check, by `source@position`. */
  summaries: Map<string, ChangeSummaryLike>;
  warehouseSize?: string;
  dataTimestamp: string | null;
  /** The id drawn for this refresh's history row (used once). */
  refreshId?: number;
  /** Sources this refresh's transaction locked before its snapshot (refresh/run.ts `lockFirst`). */
  lockedFirst?: readonly string[];
  /**
   * DuckDB, a DT refreshed FULL by its mode: its rows and its sources' rows at the refresh's snapshot, read
   * with the positions (catalog/moving-metadata.ts): what its full recompute deletes and reads.
   */
  counted?: { dtRows: number; sourceRows: number };
  /**
   * The DT's strategy and planning text as derived from these columns (refresh/planning.ts `strategyOf`), kept
   * with them: while the engine knows the DT's columns and definition unchanged, it is not derived again.
   */
  planning?: Planning;
}

/** A refresh's transaction with what the refresh knows: the context its steps are given. */
export interface RefreshTx extends Queryable {
  readonly known: RefreshMetadata;
}

export function withKnown(tx: Queryable, known: RefreshMetadata): RefreshTx {
  return { query: tx.query.bind(tx), ...(tx.defer ? { defer: tx.defer.bind(tx) } : {}), known };
}

/** What the refresh whose transaction `tx` is knows, if `tx` is a refresh's context. */
export function refreshMetadata(tx: Queryable): RefreshMetadata | undefined {
  return 'known' in tx ? (tx as RefreshTx).known : undefined;
}

const list = (names: Iterable<string>) => [...names].map((n) => sqlLiteral(n)).join(', ') || 'NULL';
export const text = (v: Value | undefined) => (v === null || v === undefined ? null : String(v));

/** Reads the refresh's metadata (one statement). */
export async function prefetchRefreshMetadata(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
): Promise<RefreshMetadata> {
  const tracked = dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
  const tables = [dt.name, ...dt.sources.map((s) => s.name)];
  const dtlab = [...tracked.map((s) => `chg_${s}`), `state_${dt.name}`, `chg_${dt.name}`];
  const name = sqlLiteral(dt.name);
  // Rows: (kind, a, b, c, d, n); kinds: col (table, column, type, nullable, attnum), dcol (a dtlab table's
  // column), trg (a source with its capture trigger), snap, pos, wh, ts, id, cap.
  const common = `
    UNION ALL SELECT 'pos', source, position, NULL, NULL, 0 FROM dtlab.capture_positions WHERE dt_name = ${name}
    UNION ALL SELECT 'wh', size, NULL, NULL, NULL, 0 FROM dtlab.warehouses WHERE name = ${sqlLiteral(dt.warehouse)}
    UNION ALL SELECT 'ts', CAST(data_timestamp AS VARCHAR), NULL, NULL, NULL, 0 FROM dtlab.dynamic_tables WHERE name = ${name}
    UNION ALL SELECT 'id', CAST(nextval('dtlab.refresh_id_seq') AS VARCHAR), NULL, NULL, NULL, 0`;
  const sql = dialectOf(family).refreshMetadataSql(
    { tables: list(tables), dtlab: list(dtlab), tracked: list(tracked) },
    common,
  );
  const { rows } = await tx.query(sql);
  const columns = new Map<string, { n: number; c: ColumnInfo }[]>();
  const dcols = new Map<string, { n: number; c: string }[]>();
  const meta: RefreshMetadata = {
    dt: dt.name,
    columns: new Map(),
    position: '',
    positions: new Map(),
    intact: new Map(),
    dtlabRelations: new Set(),
    estimatedRows: new Map(),
    summaries: new Map(),
    dataTimestamp: null,
  };
  const triggers = new Set<string>();
  const registered = new Set<string>();
  for (const r of rows) {
    const [kind, a, b, c, d, n] = [text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), Number(r[5])];
    if (kind === 'col' && a !== null && b !== null) {
      const cols = columns.get(a) ?? [];
      cols.push({ n, c: { name: b, type: c ?? '', nullable: d === 'true' } });
      columns.set(a, cols);
    } else if (kind === 'dcol' && a !== null) {
      meta.dtlabRelations.add(a);
      const cols = dcols.get(a) ?? [];
      if (b !== null) cols.push({ n, c: `${b} ${c}` });
      dcols.set(a, cols);
      if (a === `state_${dt.name}` && b !== null && c !== null) {
        meta.stateTypes ??= new Map();
        meta.stateTypes.set(b, c);
      }
    } else if (kind === 'trg' && a !== null) triggers.add(a);
    else if (kind === 'snap') meta.position = a ?? '';
    else if (kind === 'pos' && a !== null && b !== null) meta.positions?.set(a, b);
    else if (kind === 'wh' && a !== null) meta.warehouseSize = a;
    else if (kind === 'ts') meta.dataTimestamp = a;
    else if (kind === 'id') meta.refreshId = Number(a);
    else if (kind === 'cap' && a !== null) registered.add(a);
    else if (kind === 'est' && a !== null) meta.estimatedRows.set(a, Number(b));
  }
  const byNumber = <T>(xs: { n: number; c: T }[]) => xs.sort((x, y) => x.n - y.n).map((x) => x.c);
  for (const [table, cols] of columns) meta.columns.set(table, byNumber(cols));
  for (const s of tracked) {
    const source = (meta.columns.get(s) ?? []).map((c) => `${c.name} ${c.type}`);
    const chg = dcols.get(`chg_${s}`);
    // The change table's first two columns are _xid|_seq and _w.
    const copied = chg ? byNumber(chg).slice(2) : undefined;
    const same = copied !== undefined && source.length > 0 && copied.join(', ') === source.join(', ');
    meta.intact.set(s, same && (dialectOf(family).engineCaptures || triggers.has(s)));
  }
  if (dialectOf(family).engineCaptures)
    meta.capturedSources = new Set([...registered].filter((s) => dcols.has(`chg_${s}`)));
  return meta;
}

/** The refresh moved or dropped positions, or reinstalled capture: forget what it read about them. */
export function forgetPositions(tx: Queryable): void {
  const meta = refreshMetadata(tx);
  if (meta) meta.positions = undefined;
}

export function forgetCapture(tx: Queryable, source: string): void {
  const meta = refreshMetadata(tx);
  if (!meta) return;
  meta.intact.delete(source);
  meta.positions = undefined;
  meta.capturedSources = undefined;
  for (const key of [...meta.summaries.keys()]) if (key.startsWith(`${source}@`)) meta.summaries.delete(key);
}

/** The history row's id drawn in advance, once. */
export function takeRefreshId(tx: Queryable): number | undefined {
  const meta = refreshMetadata(tx);
  const id = meta?.refreshId;
  if (meta) meta.refreshId = undefined;
  return id;
}

/**
 * What of a refresh's metadata only DDL changes: columns, capture standing, dtlab relations, the sources the
 * engine captures, size estimates, the warehouse's size. An engine that saw no DDL since a DT's last
 * refresh (DuckDB: capture/ledger.ts) keeps it and reads only what refreshes and writes move.
 */
export type StaticMetadata = Pick<
  RefreshMetadata,
  | 'columns'
  | 'intact'
  | 'dtlabRelations'
  | 'stateTypes'
  | 'capturedSources'
  | 'estimatedRows'
  | 'warehouseSize'
  | 'planning'
>;

export function staticPart(meta: StaticMetadata): StaticMetadata {
  return {
    columns: new Map(meta.columns),
    intact: new Map(meta.intact),
    dtlabRelations: new Set(meta.dtlabRelations),
    ...(meta.stateTypes ? { stateTypes: new Map(meta.stateTypes) } : {}),
    ...(meta.capturedSources ? { capturedSources: new Set(meta.capturedSources) } : {}),
    estimatedRows: new Map(meta.estimatedRows),
    ...(meta.warehouseSize !== undefined ? { warehouseSize: meta.warehouseSize } : {}),
    ...(meta.planning ? { planning: meta.planning } : {}),
  };
}

/**
 * PostgreSQL family, with the static part known and a probe that found every source's capture standing
 * (refresh/probe.ts): the refresh's metadata without another statement.
 */
export function adoptProbe(
  dt: DynamicTable,
  known: StaticMetadata,
  look: {
    position?: string;
    stored: string | null;
    refreshId?: number;
    sources?: Map<string, { position: string; changes: ChangeSummaryLike } | undefined>;
  },
): RefreshMetadata | undefined {
  if (look.position === undefined || !look.sources) return undefined;
  const meta: RefreshMetadata = {
    dt: dt.name,
    ...staticPart(known),
    position: look.position,
    positions: new Map(),
    summaries: new Map(),
    dataTimestamp: look.stored,
    ...(look.refreshId !== undefined ? { refreshId: look.refreshId } : {}),
  };
  for (const [source, s] of look.sources) {
    if (!s) return undefined;
    meta.positions?.set(source, s.position);
    meta.summaries.set(`${source}@${s.position}`, { ...s.changes });
    meta.intact.set(source, true);
  }
  return meta;
}

export interface ChangeSummaryLike {
  inserted: number;
  deleted: number;
  untracked: boolean;
  /** Change rows past the position were pruned (capture/marks.ts). */
  pruned: boolean;
}
