/**
 * NO_DATA without reading the catalog: deciding that nothing a DT reads changed costs one cheap statement on
 * the PostgreSQL family, and none on DuckDB, where the engine saw every write (capture/ledger.ts). Anything
 * unusual — a change, a source whose capture is not intact, a missing position, a first refresh, a view,
 * CURRENT_DATE moving, a catalog another process changed — sends the refresh down the full path
 * (refresh/incremental.ts), which reads everything and says why.
 */
import { sqlLiteral } from '../backends/backend.js';
import type { DynamicTable } from '../types.js';

/**
 * PostgreSQL family: whether capture on `src` stands (table, trigger, change table with the source's columns,
 * sentinel row) and nothing of it was committed after snapshot `pos`. False when unsure; never an error (a
 * table or change table dropped by hand makes the answer false, and the full path reinstalls capture).
 */
export const PG_PROBE_DDL = `CREATE OR REPLACE FUNCTION dtlab.unchanged_since(src text, pos text) RETURNS boolean
  LANGUAGE plpgsql STABLE AS $$
  DECLARE
    rel regclass := to_regclass(quote_ident(src));
    chg regclass := to_regclass('dtlab.' || quote_ident('chg_' || src));
    snap pg_snapshot;
    quiet boolean;
  BEGIN
    IF pos IS NULL OR rel IS NULL OR chg IS NULL THEN RETURN false; END IF;
    snap := CAST(pos AS pg_snapshot);
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'dtlab_capture_ins') THEN
      RETURN false;
    END IF;
    IF dtlab.columns_of(rel, 0) IS DISTINCT FROM dtlab.columns_of(chg, 2) THEN RETURN false; END IF;
    IF EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = src
                AND _xid >= pg_snapshot_xmin(snap) AND NOT pg_visible_in_snapshot(_xid, snap)) THEN
      RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE _w = 0) AND NOT EXISTS (SELECT 1 FROM %s
                     WHERE _w <> 0 AND _xid >= pg_snapshot_xmin($1) AND NOT pg_visible_in_snapshot(_xid, $1))',
                   chg, chg) INTO quiet USING snap;
    RETURN quiet;
  END $$`;

/** The tables whose changes a DT consumes (views are not captured). */
export const trackedSources = (dt: DynamicTable) =>
  dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);

/**
 * One statement: the catalog's change counter, the DT's data timestamp as stored, whether every tracked
 * source is unchanged since the DT's position on it, and an id for the history row.
 */
export function pgProbeSql(dt: DynamicTable): string {
  const name = sqlLiteral(dt.name);
  const quiet = trackedSources(dt).map(
    (s) =>
      `dtlab.unchanged_since(${sqlLiteral(s)}, (SELECT position FROM dtlab.capture_positions WHERE dt_name = ${name} AND source = ${sqlLiteral(s)}))`,
  );
  return `SELECT (SELECT value FROM dtlab.meta WHERE key = 'catalog_changes'),
    (SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = ${name}),
    ${quiet.length > 0 ? quiet.join(' AND ') : 'TRUE'},
    nextval('dtlab.refresh_id_seq')`;
}

export interface NoDataFacts {
  dt: DynamicTable;
  /** No tracked source changed since the DT's last refresh (as the probe or the ledger says). */
  unchanged: boolean;
  /** The DT's data timestamp before this refresh (engine-clock ms), if it has one. */
  previous: number | undefined;
  /** This refresh's data timestamp. */
  now: number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Whether a query reads CURRENT_DATE (its result can change while no source does). */
export const readsCurrentDate = (query: string) => /\bcurrent_date\b/i.test(query);

/** CURRENT_DATE's move since the previous refresh, in words; undefined while the date holds. */
export function currentDateMoved(query: string, previous: number | undefined, now: number) {
  if (previous === undefined || !readsCurrentDate(query) || day(previous) === day(now)) return undefined;
  return `CURRENT_DATE moved from ${day(previous)} to ${day(now)}`;
}

/** Pure: whether the refresh is NO_DATA without looking further. */
export function noDataWithoutLooking(f: NoDataFacts): boolean {
  return (
    f.unchanged &&
    f.previous !== undefined &&
    !f.dt.sources.some((s) => s.kind === 'VIEW') &&
    currentDateMoved(f.dt.query, f.previous, f.now) === undefined
  );
}

/** Catalog text timestamp → engine-clock ms. */
export const timestampMs = (ts: string | null | undefined) =>
  ts ? Date.parse(`${ts.replace(' ', 'T')}Z`) : undefined;
