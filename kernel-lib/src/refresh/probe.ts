/**
 * What a refresh learns first, before it reads any catalog: on the PostgreSQL family one probe statement, on
 * DuckDB nothing (its engine saw every write: capture/ledger.ts). The probe gives the DT's definition as
 * stored (another engine may have redefined it), its stored data timestamp, an id for the history row, the snapshot, and per source its
 * position and the counts of its changes since — or nothing, when capture does not stand. When no source
 * changed the refresh is NO_DATA right away; when the engine still knows what the DT's previous refresh read of
 * the catalog, the probe is all an incremental refresh needs to decide (catalog/refresh-metadata.ts
 * `adoptProbe`). Anything unusual — a source whose capture is not intact, a missing position, a first
 * refresh, a view, CURRENT_DATE moving, a DT another process redefined — takes the long way
 * (refresh/choose-work.ts), which reads everything and says why.
 */
import { sqlLiteral, type Value } from '../backends/backend.js';
import type { ChangeSummary } from '../capture/capture.js';
import { notMark, PRUNED } from '../capture/marks.js';
import { CHANGE_COUNTS as COUNTS } from '../capture/postgres.js';
import { immutableClockMoved } from '../plan/immutable.js';
import type { DynamicTable } from '../types.js';

/**
 * PostgreSQL family: `source`'s changes committed after snapshot `pos` as 'inserted,deleted,untracked,pruned'
 * (pruned: change rows past `pos` were pruned, capture/marks.ts), or
 * NULL when capture does not stand (table, trigger, change table with the source's columns, sentinel row) or
 * there is no position. Never an error: a table or change table dropped by hand gives NULL, and the long way
 * reinstalls capture.
 */
export const PG_PROBE_DDL = `CREATE OR REPLACE FUNCTION dtlab.changes_since(src text, pos text) RETURNS text
  LANGUAGE plpgsql STABLE AS $$
  DECLARE
    rel regclass := to_regclass(quote_ident(src));
    chg regclass := to_regclass('dtlab.' || quote_ident('chg_' || src));
    snap pg_snapshot;
    counts text;
  BEGIN
    IF pos IS NULL OR rel IS NULL OR chg IS NULL THEN RETURN NULL; END IF;
    snap := CAST(pos AS pg_snapshot);
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'dtlab_capture_ins') THEN
      RETURN NULL;
    END IF;
    IF dtlab.columns_of(rel, 0) IS DISTINCT FROM dtlab.columns_of(chg, 2) THEN RETURN NULL; END IF;
    -- The source's own counting function (capture/postgres.ts), whose plan the session keeps; a change table
    -- an earlier version installed has none: its counting query, planned at every call.
    IF to_regprocedure(format('dtlab.%I(pg_snapshot)', 'chg_' || src)) IS NOT NULL THEN
      EXECUTE format('SELECT dtlab.%I($1)', 'chg_' || src) INTO counts USING snap;
    ELSE
      EXECUTE format('SELECT ${COUNTS.replace(/'/g, "''").replaceAll('$chg', '%s').replaceAll('$snap', '$1')}', chg, chg)
        INTO counts USING snap;
    END IF;
    IF counts IS NULL THEN RETURN NULL; END IF;
    RETURN counts || ',' || EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = src AND ${notMark}
                                     AND _xid >= pg_snapshot_xmin(snap) AND NOT pg_visible_in_snapshot(_xid, snap))
                  || ',' || EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = src AND kind = '${PRUNED}'
                                     AND _xid >= pg_snapshot_xmin(snap));
  END $$`;

/** The tables whose changes a DT consumes (views are not captured). */
export const trackedSources = (dt: DynamicTable) =>
  dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);

/**
 * The probe, one statement: see the module's comment. Columns: the DT's definition, its data timestamp, an id,
 * the snapshot, then per source (position, changes).
 */
export function pgProbeSql(dt: DynamicTable): string {
  const name = sqlLiteral(dt.name);
  const perSource = trackedSources(dt).map((s) => `${positionSql(dt, s)}, ${changesSql(dt, s)}`);
  return `SELECT ${definitionSql(dt)},
    (SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = ${name}),
    nextval('dtlab.refresh_id_seq'), CAST(pg_current_snapshot() AS TEXT)${perSource.map((p) => `,\n    ${p}`).join('')}`;
}

/** The DT's definition as definitionOf (catalog/known.ts) spells it, '' when the DT is gone. */
const definitionSql = (
  dt: DynamicTable,
) => `coalesce((SELECT query || chr(30) || coalesce(columns, '') || chr(30) || effective_mode
      || chr(30) || coalesce(expectations, '') || chr(30) || coalesce(pending_recompute, '') || chr(30) || coalesce(immutable_where, '')
      FROM dtlab.dynamic_tables WHERE name = ${sqlLiteral(dt.name)}), '')`;
const positionSql = (dt: DynamicTable, source: string) =>
  `(SELECT position FROM dtlab.capture_positions WHERE dt_name = ${sqlLiteral(dt.name)} AND source = ${sqlLiteral(source)})`;
const changesSql = (dt: DynamicTable, source: string) =>
  `dtlab.changes_since(${sqlLiteral(source)}, ${positionSql(dt, source)})`;

/**
 * PostgreSQL family, a refresh the engine expects to be NO_DATA (refresh/no-data.ts): the probe in one
 * statement that also writes, when the DT's definition and data timestamp are still `expected` (as the engine
 * knows them: nobody redefined or refreshed it meanwhile) and every source's capture stands with no change
 * past its position, the history row (`row(idColumn, from)`: an INSERT … SELECT, catalog/catalog.ts) and the
 * new data timestamp `now`. One row: the history row's id, NULL when it wrote nothing (then the refresh takes
 * the long way). All of it reads one snapshot, taken after the preamble's LOCK.
 */
export function pgNoDataSql(
  dt: DynamicTable,
  expected: { definition: string; stored: string },
  now: string,
  row: (idColumn: string, from: string) => string,
): string {
  const changes = trackedSources(dt).map((s, i) => `${changesSql(dt, s)} AS c${i + 1}`);
  const quiet = trackedSources(dt).map((_s, i) => ` AND c${i + 1} = '0,0,false,false'`);
  return `WITH dtlab_look AS MATERIALIZED (
    SELECT ${definitionSql(dt)} AS definition,
      (SELECT data_timestamp FROM dtlab.dynamic_tables WHERE name = ${sqlLiteral(dt.name)}) AS stored${changes.map((c) => `,\n      ${c}`).join('')}),
  dtlab_quiet AS MATERIALIZED (SELECT nextval('dtlab.refresh_id_seq') AS id FROM dtlab_look
    WHERE definition = ${sqlLiteral(expected.definition)} AND stored = CAST(${sqlLiteral(expected.stored)} AS TIMESTAMP)${quiet.join('')}),
  dtlab_row AS (${row('id', 'dtlab_quiet')} RETURNING refresh_id),
  dtlab_ts AS (UPDATE dtlab.dynamic_tables SET data_timestamp = CAST(${sqlLiteral(now)} AS TIMESTAMP)
    WHERE name = ${sqlLiteral(dt.name)} AND EXISTS (SELECT 1 FROM dtlab_quiet) RETURNING 1)
SELECT (SELECT refresh_id FROM dtlab_row), (SELECT count(*) FROM dtlab_ts)`;
}

/** What a refresh learns first. */
export interface FirstLook {
  /** The DT's definition as stored now (PostgreSQL family; '' when it is gone): see `definitionOf`. */
  definition?: string;
  /** The DT's data timestamp as stored. */
  stored: string | null;
  /** An id drawn for the history row. */
  refreshId?: number;
  /** The position this refresh reads up to (PostgreSQL family: its snapshot). */
  position?: string;
  /** Per tracked source: its position and changes since (absent: capture does not stand, or no position). */
  sources?: Map<string, { position: string; changes: ChangeSummary } | undefined>;
  /** No tracked source changed since the DT's last refresh. */
  unchanged: boolean;
}

const text = (v: Value | undefined) => (v === null || v === undefined ? undefined : String(v));

/** Pure: the probe's row as a FirstLook. */
export function readProbe(dt: DynamicTable, row: Value[]): FirstLook {
  const sources = new Map<string, { position: string; changes: ChangeSummary } | undefined>();
  trackedSources(dt).forEach((s, i) => {
    const position = text(row[4 + 2 * i]);
    const counts = text(row[5 + 2 * i])?.split(',');
    sources.set(
      s,
      position !== undefined && counts?.length === 4
        ? {
            position,
            changes: {
              inserted: Number(counts[0]),
              deleted: Number(counts[1]),
              untracked: counts[2] === 'true',
              pruned: counts[3] === 'true',
            },
          }
        : undefined,
    );
  });
  const quiet = (c: ChangeSummary) => c.inserted + c.deleted === 0 && !c.untracked && !c.pruned;
  const id = text(row[2]);
  const definition = text(row[0]);
  const position = text(row[3]);
  return {
    ...(definition !== undefined ? { definition } : {}),
    stored: text(row[1]) ?? null,
    ...(id !== undefined ? { refreshId: Number(id) } : {}),
    ...(position !== undefined ? { position } : {}),
    sources,
    unchanged: [...sources.values()].every((s) => s !== undefined && quiet(s.changes)),
  };
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
    f.dt.pendingRecompute === undefined &&
    !f.dt.sources.some((s) => s.kind === 'VIEW') &&
    currentDateMoved(f.dt.query, f.previous, f.now) === undefined &&
    immutableClockMoved(f.dt, f.previous, f.now) === undefined
  );
}

/** Catalog text timestamp → engine-clock ms. */
export const timestampMs = (ts: string | null | undefined) =>
  ts ? Date.parse(`${ts.replace(' ', 'T')}Z`) : undefined;
