/**
 * Change capture, family-independent: installs and removes capture on a source, tells a consumer (a DT)
 * what changed since its last position, moves positions, and collects consumed change rows. Positions are
 * opaque text: a pg_snapshot on the PostgreSQL family, a sequence value on DuckDB.
 */
import { BackendError, exec, type Queryable, type QueryResult, type SqlFamily } from '../backends/backend.js';
import { describeColumns } from '../catalog/dictionary.js';
import { forgetCapture, forgetPositions, refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import type { Token } from '../sql/lexer.js';
import * as duck from './duckdb.js';
import * as pgc from './postgres.js';
import { lockForReinstall, ReinstallRaced } from './reinstall.js';

export interface ChangeSummary {
  inserted: number;
  deleted: number;
  /** A write the engine could not capture row by row happened (TRUNCATE, COPY, …): reinitialize. */
  untracked: boolean;
  /**
   * Change rows past the position were pruned (capture/marks.ts): the source changed, and the rows left do
   * not say how, so only a recompute can follow.
   */
  pruned: boolean;
}

const REGISTRY_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  'CREATE TABLE IF NOT EXISTS dtlab.capture_sources (source VARCHAR NOT NULL)',
  'CREATE TABLE IF NOT EXISTS dtlab.capture_positions (dt_name VARCHAR NOT NULL, source VARCHAR NOT NULL, position VARCHAR NOT NULL)',
];

/** Creates the capture registry (the engine does when it opens a database). */
export async function installCaptureRegistry(db: Queryable): Promise<void> {
  for (const ddl of REGISTRY_DDL) await db.query(ddl);
}

export async function capturedSources(db: Queryable): Promise<Set<string>> {
  await installCaptureRegistry(db);
  const { rows } = await db.query('SELECT source FROM dtlab.capture_sources');
  return new Set(rows.map((r) => String(r[0])));
}

/**
 * The sources whose writes the engine captures on DuckDB: those whose change table is there (one deleted
 * by hand leaves its source uncaptured; the next refresh of a consumer notices and reinitializes).
 */
export async function duckdbCapturedSources(db: Queryable): Promise<Set<string>> {
  const known = refreshMetadata(db)?.capturedSources;
  if (known) return new Set(known);
  // On every captured write and refresh: the registry is there since the engine opened the database.
  const { rows } = await db.query(
    `SELECT source FROM dtlab.capture_sources WHERE 'chg_' || source IN
       (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'dtlab')`,
  );
  return new Set(rows.map((r) => String(r[0])));
}

/**
 * Installs capture on `source` unless it stands already (reinstalls it if the table changed under it, or if a
 * change table is there unregistered: left by a release that an earlier version made while readers were left;
 * its readers reinitialize).
 */
export async function ensureCapture(db: Queryable, family: SqlFamily, source: string): Promise<void> {
  if ((await capturedSources(db)).has(source)) {
    if (!(await captureIntact(db, family, source))) await reinstallCapture(db, family, source);
    return;
  }
  await refuseOwnColumns(db, family, source);
  const left = await db.query(
    `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'dtlab' AND table_name = $1`,
    [`chg_${source}`],
  );
  if (Number(left.rows[0]?.[0]) > 0) return reinstallCapture(db, family, source);
  for (const sql of dialectOf(family).capture.install(source)) await db.query(sql);
  await db.query('INSERT INTO dtlab.capture_sources VALUES ($1)', [source]);
}

/**
 * A source with a column named like one of the change table's own (`_w` …) cannot be captured: its change
 * table would hold two columns of that name (PostgreSQL refuses; DuckDB renames the copy, and capture would
 * never stand). Said at CREATE, naming the table and the columns.
 */
async function refuseOwnColumns(db: Queryable, family: SqlFamily, source: string): Promise<void> {
  const own = dialectOf(family).capture.ownColumns;
  const clash = (await describeColumns(db, family, source))
    .map((c) => c.name)
    .filter((n) => own.includes(n.toLowerCase()));
  if (clash.length === 0) return;
  const names = clash.map((n) => `"${n}"`).join(' and ');
  throw new BackendError(
    `changes to ${source} cannot be captured: its column${clash.length > 1 ? 's' : ''} ${names} ${clash.length > 1 ? 'are' : 'is'} named like the change table's own (${own.join(', ')}); rename ${clash.length > 1 ? 'them' : 'it'} to read ${source} in a dynamic table`,
  );
}

/**
 * Capture anew on a table that was replaced or altered (CREATE OR REPLACE of a DT others read, a source
 * dropped and created again, new columns): a fresh change table. Every consumer but `keep` (the refresh
 * doing this, which reinitializes now) loses its position, so it reinitializes at its next refresh. On the
 * PostgreSQL family the source is locked first (capture/reinstall.ts; at once where it is held already).
 */
export async function reinstallCapture(
  db: Queryable,
  family: SqlFamily,
  source: string,
  keep = '',
  /** The caller locked `source` already (refresh/changes.ts reinstallWithin, which locks all at once). */
  locked = false,
  /**
   * Writes committed since this transaction's snapshot went with the old change table. 'none': none that
   * matters — the source was locked before the snapshot (CREATE waits for its sources' writers first; a refresh
   * run again with `lockFirst`), or every consumer reinitializes later (`keep` empty: their positions go, and
   * an undropped DT recomputes anyway). 'retry': a refresh that consumes from this snapshot; if any transaction
   * committed since, ReinstallRaced, and it runs again with the sources locked first (refresh/run.ts).
   */
  late: 'retry' | 'none' = 'none',
): Promise<void> {
  forgetCapture(db, source);
  const { capture } = dialectOf(family);
  if (!locked) await lockForReinstall(db, family, [source]);
  for (const sql of [...capture.remove(source), ...capture.install(source)]) await db.query(sql);
  // Registered, if a release had removed capture while readers were left without positions (they reinitialize).
  await db.query(
    `INSERT INTO dtlab.capture_sources SELECT CAST($1 AS VARCHAR)
      WHERE NOT EXISTS (SELECT 1 FROM dtlab.capture_sources WHERE source = CAST($1 AS VARCHAR))`,
    [source],
  );
  await db.query('DELETE FROM dtlab.capture_positions WHERE source = $1 AND dt_name <> $2', [source, keep]);
  if (!capture.reinstall || late === 'none') return;
  if ((await db.query(capture.reinstall.lateCommits)).rows[0]?.[0] === true)
    throw new ReinstallRaced([source]);
}

/**
 * Whether capture on `source` still stands: its change table is there with the source's columns (an ALTER
 * TABLE changes them), and on Postgres its triggers (a DROP TABLE takes them along) and the change table's
 * sentinel row (gone when a crash emptied the unlogged change table).
 */
export async function captureIntact(db: Queryable, family: SqlFamily, source: string): Promise<boolean> {
  const meta = refreshMetadata(db);
  const known = meta?.intact.get(source);
  if (meta && known !== undefined) {
    if (!known || dialectOf(family).engineCaptures) return known;
    // The sentinel, and (one round trip for both) the changes since the consumer's position.
    const since = meta.positions?.get(source);
    // Read by the refresh's probe (refresh/probe.ts), which checked the sentinel too.
    if (since !== undefined && meta.summaries.has(`${source}@${since}`)) return true;
    if (since === undefined) return (await db.query(pgc.pgSentinelPresent(source))).rows[0]?.[0] === true;
    const r = (await db.query(pgc.pgWindowSummary(source, true), [since, source])).rows[0] ?? [];
    meta.summaries.set(`${source}@${since}`, {
      inserted: Number(r[0]),
      deleted: Number(r[1]),
      untracked: r[2] === true,
      pruned: r[3] === true,
    });
    return r[4] === true;
  }
  const dialect = dialectOf(family);
  const { rows } = await db.query(dialect.capture.intactSql, [source]);
  if (rows[0]?.[0] !== true || dialect.engineCaptures) return rows[0]?.[0] === true;
  // The change table is unlogged: after a crash it is empty, its sentinel row gone, and so are changes.
  return (await db.query(pgc.pgSentinelPresent(source))).rows[0]?.[0] === true;
}

/**
 * Removes capture from `source` when no consumer is left: none has a position on it, and no DT reads it by name
 * (a reinstall deletes the other consumers' positions, and they still read it: they reinitialize next).
 */
export async function releaseCapture(db: Queryable, family: SqlFamily, source: string): Promise<void> {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM dtlab.capture_positions WHERE source = $1)
          + (SELECT count(*) FROM dtlab.dependencies WHERE source_name = $1)`,
    [source],
  );
  if (Number(rows[0]?.[0]) > 0) return;
  for (const sql of dialectOf(family).capture.remove(source)) await db.query(sql);
  await db.query('DELETE FROM dtlab.capture_sources WHERE source = $1', [source]);
}

/** Where the current transaction stands: the position a refresh records as consumed. */
export async function currentPosition(db: Queryable, family: SqlFamily): Promise<string> {
  const known = refreshMetadata(db)?.position;
  if (known) return known;
  const { rows } = await db.query(dialectOf(family).capture.position);
  return String(rows[0]?.[0]);
}

export async function changesSince(
  db: Queryable,
  family: SqlFamily,
  source: string,
  position: string,
): Promise<ChangeSummary> {
  const known = refreshMetadata(db)?.summaries.get(`${source}@${position}`);
  if (known) return { ...known };
  const r =
    (await db.query(dialectOf(family).capture.windowSummary(source), [position, source])).rows[0] ?? [];
  return { inserted: Number(r[0]), deleted: Number(r[1]), untracked: r[2] === true, pruned: r[3] === true };
}

/** The change rows themselves, `(_xid|_seq, _w, columns…)`. */
export function changeRowsSql(family: SqlFamily, source: string): string {
  return dialectOf(family).capture.windowRows(source);
}

export async function positionsOf(db: Queryable, dt: string): Promise<Map<string, string>> {
  const meta = refreshMetadata(db);
  if (meta?.dt === dt && meta.positions) return new Map(meta.positions);
  const { rows } = await db.query('SELECT source, position FROM dtlab.capture_positions WHERE dt_name = $1', [
    dt,
  ]);
  return new Map(rows.map((r) => [String(r[0]), String(r[1])]));
}

export async function setPositions(
  db: Queryable,
  dt: string,
  sources: string[],
  position: string,
): Promise<void> {
  // Nobody reads these statements' results: deferred into the next round trip where the backend can.
  const stored = refreshMetadata(db)?.dt === dt ? refreshMetadata(db)?.positions : undefined;
  forgetPositions(db);
  // The refresh read this DT's positions, one per source it reads now: they move in one statement.
  if (stored && stored.size === sources.length && sources.every((s) => stored.has(s))) {
    if (sources.length > 0)
      await exec(db, 'UPDATE dtlab.capture_positions SET position = $2 WHERE dt_name = $1', [dt, position]);
    return;
  }
  await exec(db, 'DELETE FROM dtlab.capture_positions WHERE dt_name = $1', [dt]);
  if (sources.length === 0) return;
  await exec(
    db,
    `INSERT INTO dtlab.capture_positions VALUES ${sources.map((_s, i) => `($1, $${i + 3}, $2)`).join(', ')}`,
    [dt, position, ...sources],
  );
}

/** A renamed DT keeps what it has consumed. */
export async function renamePositions(db: Queryable, from: string, to: string): Promise<void> {
  forgetPositions(db);
  await db.query('UPDATE dtlab.capture_positions SET dt_name = $2 WHERE dt_name = $1', [from, to]);
}

export async function dropPositions(db: Queryable, dt: string): Promise<string[]> {
  const sources = [...(await positionsOf(db, dt)).keys()];
  forgetPositions(db);
  await db.query('DELETE FROM dtlab.capture_positions WHERE dt_name = $1', [dt]);
  return sources;
}

/**
 * Reclaims the space of pruned change rows where the database leaves it (PGlite: no autovacuum), outside any
 * transaction: after a scheduler cycle. Returns the change tables vacuumed.
 */
export async function reclaimChangeRows(db: Queryable, family: SqlFamily): Promise<string[]> {
  const { reclaim } = dialectOf(family).capture;
  if (!reclaim) return [];
  await db.query(reclaim.flushStats);
  const tables = (await db.query(reclaim.candidatesSql)).rows.map((r) => String(r[0]));
  for (const table of tables) await db.query(reclaim.vacuum(table));
  return tables;
}

/**
 * Deletes the change rows of `source` that every incrementally refreshed consumer has read, keeping a pruning
 * mark for the others (capture/marks.ts; deferred where the backend can).
 */
export async function collectGarbage(db: Queryable, family: SqlFamily, source: string): Promise<void> {
  for (const sql of dialectOf(family).capture.collectGarbage(source)) await exec(db, sql);
}

/**
 * Runs one statement on DuckDB with capture: returns its result as the user should see it, or undefined if
 * the statement writes no captured table (the caller runs it as it is). `seq`: the statement's number in the
 * change tables, when the caller drew it ahead (engine.write draws one per statement in one call). Statements
 * whose results nobody reads (the old rows' copy before the write, the new rows' after it) are deferred into
 * the next call, so a captured statement costs one call of its own.
 */
export async function capturedWrite(
  tx: Queryable,
  sql: string,
  tokens: Token[],
  captured: ReadonlySet<string>,
  /** The statement's number as SQL (a literal, or `captureSeqs`' variable); drawn here when absent. */
  seq?: string,
  /** Nobody reads the rows written: the write goes with the next call where the backend defers. */
  uncounted = false,
): Promise<QueryResult | undefined> {
  const plan = duck.planCapture(sql, tokens, captured);
  if (!plan) return undefined;
  const n = seq ?? String((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]);
  if (plan.kind === 'untracked') {
    const result = await tx.query(sql);
    await tx.query(`INSERT INTO dtlab.capture_events VALUES ($1, ${n}, $2)`, [plan.table, 'UNTRACKED']);
    // ALTER / DROP / CREATE OR REPLACE TABLE: the change table must follow the table's new columns (or go).
    if (plan.ddl) {
      for (const drop of duck.duckdbRemoveCapture(plan.table).slice(0, 1)) await tx.query(drop);
      const exists = await tx.query(
        'SELECT count(*) FROM duckdb_tables() WHERE schema_name = current_schema() AND table_name = $1',
        [plan.table],
      );
      if (Number(exists.rows[0]?.[0]) > 0)
        for (const ddl of duck.duckdbInstallCapture(plan.table)) await tx.query(ddl);
    }
    return result;
  }
  for (const before of plan.before) await exec(tx, before.replace('$seq', n));
  if (uncounted && !plan.returning && tx.defer) {
    for (const sql of [plan.write, ...(plan.after ?? [])]) tx.defer(sql.replace('$seq', n));
    return { columns: [], rows: [], rowCount: Number.NaN };
  }
  const result = await tx.query(plan.write.replace('$seq', n));
  for (const after of plan.after ?? []) await exec(tx, after.replace('$seq', n));
  if (!plan.returning) return result;
  for (const insert of duck.recordRows(plan.table, n, plan.returning, result.rows)) await exec(tx, insert);
  return { columns: [], rows: [], rowCount: result.rows.length };
}

/**
 * `count` numbers of the change tables' sequence, in order, each as SQL that stands for it in the statements
 * of `tx` (DuckDB). Where the transaction defers, each is drawn into a variable of the connection with the
 * next call (capture/duckdb.ts `drawnSeq`): a write then spends no call of its own on its numbers. Elsewhere
 * (a transaction with a deadline) they are drawn in one call.
 */
export async function captureSeqs(tx: Queryable, count: number): Promise<string[]> {
  const n = Math.floor(count);
  if (n === 0) return [];
  if (tx.defer) {
    const drawn = Array.from({ length: n }, (_, i) => duck.drawnSeq(`dtlab_seq_${i + 1}`));
    for (const { draw } of drawn) tx.defer(draw);
    return drawn.map((d) => d.seq);
  }
  const { rows } = await tx.query(`SELECT nextval('dtlab.capture_seq') FROM range(${n}) ORDER BY 1`);
  return rows.map((r) => String(r[0]));
}
