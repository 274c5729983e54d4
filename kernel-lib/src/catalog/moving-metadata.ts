/**
 * DuckDB: what writes and refreshes move, read in one statement at the start of a refresh whose static
 * metadata the engine knows (catalog/refresh-metadata.ts, capture/ledger.ts).
 */
import { type Queryable, quoteIdent, sqlLiteral } from '../backends/backend.js';
import { DUCKDB_CURRENT_POSITION } from '../capture/duckdb.js';
import { notMark, PRUNED } from '../capture/marks.js';
import { sourceRowsExpr } from '../schedule/cost.js';
import type { DynamicTable } from '../types.js';
import {
  type ChangeSummaryLike,
  type RefreshMetadata,
  type StaticMetadata,
  staticPart,
  text,
} from './refresh-metadata.js';

/** A DT whose refresh, when it runs, recomputes it whole (its mode, without IMMUTABLE WHERE's region). */
const fullByMode = (dt: DynamicTable) => dt.effectiveMode === 'FULL' && dt.immutableWhere === undefined;

/**
 * DuckDB, with the static part known: one statement for the rest — the capture position, the DT's positions,
 * each source's change counts since its position (the summaries) and, unless one was drawn ahead (`drawId`
 * false), the history id. `quiet` sources were
 * written by nobody since the DT's last refresh (capture/ledger.ts, which sees every write): they have no
 * change rows past its position, so their summaries are empty without a look. `expected`: the position the
 * engine expects the DT to stand at on every source (where its last refresh left it): the counts are taken
 * past it as a constant, which lets DuckDB skip the change table's older row groups and costs no lookup per
 * source; where a position read in the same statement differs, the counts are taken again past the real one.
 * For a DT refreshed FULL by its mode, the same statement counts its rows and its sources' (`counted`).
 *
 * The capture events are looked at only for a DT in FULL mode. This path runs only while the ledger's epoch
 * is the one the DT's statics were kept in, and a write that could not be captured (an UNTRACKED event) starts
 * a new epoch (engine/writes.ts): so none happened since the DT's last refresh. A PRUNED mark carries the
 * newest row a collection deleted, at or before every position of the source's consumers not in FULL mode
 * (capture/duckdb.ts duckdbCollectGarbage), so it can be past the position of a DT in FULL mode only.
 */
export async function prefetchMovingMetadata(
  tx: Queryable,
  dt: DynamicTable,
  known: StaticMetadata,
  quiet: ReadonlySet<string> = new Set(),
  drawId = true,
  expected?: string,
): Promise<RefreshMetadata> {
  const name = sqlLiteral(dt.name);
  const since = (s: string) =>
    expected !== undefined
      ? `CAST(${sqlLiteral(expected)} AS BIGINT)`
      : `(SELECT CAST(position AS BIGINT) FROM dtlab.capture_positions WHERE dt_name = ${name} AND source = ${sqlLiteral(s)})`;
  const intact = dt.sources.filter((s) => s.kind !== 'VIEW' && known.intact.get(s.name) === true);
  const countsOf = (s: string) =>
    `SELECT count(*) FILTER (WHERE _w > 0) AS i, count(*) FILTER (WHERE _w < 0) AS d
              FROM dtlab.${quoteIdent(`chg_${s}`)} WHERE _seq > ${since(s)}`;
  const summaries = intact
    .filter((s) => !quiet.has(s.name))
    // One scan of the change table and one of the events per source, each an uncorrelated subquery: as
    // EXISTS subqueries beside the counts, the statement took twice as long in DuckDB-WASM (6 ms against 3).
    .map((s) =>
      dt.effectiveMode === 'FULL'
        ? `
    UNION ALL SELECT 'sum', ${sqlLiteral(s.name)}, CAST(c.i AS VARCHAR), CAST(c.d AS VARCHAR),
      CAST(coalesce(e.u, false) AS VARCHAR), CAST(coalesce(e.p, false) AS VARCHAR)
      FROM (${countsOf(s.name)}) AS c,
           (SELECT bool_or(${notMark}) AS u, bool_or(kind = '${PRUNED}') AS p FROM dtlab.capture_events
             WHERE source = ${sqlLiteral(s.name)} AND _seq > ${since(s.name)}) AS e`
        : `
    UNION ALL SELECT 'sum', ${sqlLiteral(s.name)}, CAST(i AS VARCHAR), CAST(d AS VARCHAR), 'false', 'false'
      FROM (${countsOf(s.name)})`,
    )
    .join('');
  // A DT refreshed FULL by its mode: its rows and its sources' rows, which the full recompute would count
  // (refresh/full-plan.ts, refresh/full.ts), counted here instead of by statements of their own.
  const sourceRows = fullByMode(dt) ? sourceRowsExpr(dt.sources.map((s) => s.name)) : null;
  const fullCounts =
    sourceRows === null
      ? ''
      : `
    UNION ALL SELECT 'rows', CAST((SELECT count(*) FROM ${quoteIdent(dt.name)}) AS VARCHAR), CAST(${sourceRows} AS VARCHAR), NULL, NULL, NULL`;
  const { rows } = await tx.query(`
    SELECT 'snap', ${DUCKDB_CURRENT_POSITION}, NULL, NULL, NULL, NULL
    UNION ALL SELECT 'pos', source, position, NULL, NULL, NULL FROM dtlab.capture_positions WHERE dt_name = ${name}
    ${drawId ? "UNION ALL SELECT 'id', CAST(nextval('dtlab.refresh_id_seq') AS VARCHAR), NULL, NULL, NULL, NULL" : ''}${summaries}${fullCounts}`);
  const meta: RefreshMetadata = {
    dt: dt.name,
    ...staticPart(known),
    position: '',
    positions: new Map(),
    summaries: new Map(),
    // The engine that sees every write also made every refresh: the data timestamp it knows is the stored one.
    dataTimestamp: dt.dataTimestamp,
  };
  const counts: [string, ChangeSummaryLike][] = intact
    .filter((s) => quiet.has(s.name))
    .map((s) => [s.name, { inserted: 0, deleted: 0, untracked: false, pruned: false }]);
  for (const r of rows) {
    const [kind, a, b, c, d, e] = [text(r[0]), text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5])];
    if (kind === 'snap') meta.position = a ?? '';
    else if (kind === 'pos' && a !== null && b !== null) meta.positions?.set(a, b);
    else if (kind === 'id') meta.refreshId = Number(a);
    else if (kind === 'rows') meta.counted = { dtRows: Number(a), sourceRows: Number(b) };
    else if (kind === 'sum' && a !== null)
      counts.push([
        a,
        { inserted: Number(b), deleted: Number(c), untracked: d === 'true', pruned: e === 'true' },
      ]);
  }
  // Counted past the expected position where the DT stands elsewhere: counted again, past where it stands.
  const counted = counts.filter(([source]) => !quiet.has(source));
  if (expected !== undefined && counted.some(([source]) => meta.positions?.get(source) !== expected)) {
    const again = await prefetchMovingMetadata(tx, dt, known, quiet, false);
    return meta.refreshId === undefined ? again : { ...again, refreshId: meta.refreshId };
  }
  for (const [source, summary] of counts) {
    const at = meta.positions?.get(source);
    if (at !== undefined) meta.summaries.set(`${source}@${at}`, summary);
  }
  return meta;
}
