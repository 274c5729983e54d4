/**
 * Change capture on the PostgreSQL family (PGlite and a server): pure SQL builders.
 *
 * Statement-level AFTER triggers with transition tables copy every changed row, with a weight (+1 inserted,
 * −1 deleted; an UPDATE is both) and the writing transaction's id (`xid8`), into the source's change table.
 * A consumer remembers the snapshot its last refresh read (`pg_current_snapshot()`), and the next refresh —
 * in one REPEATABLE READ transaction — reads exactly the changes committed since: rows whose transaction was
 * not visible to the previous snapshot (the PgQ rule). Unlike a sequence or a timestamp, this loses nothing
 * when a transaction that wrote early commits late, and reads nothing twice.
 * TRUNCATE cannot be captured row by row; it is recorded as an event that forces dependents to REINITIALIZE.
 */
import { quoteIdent } from '../backends/backend.js';

/** The change table of `source`, in schema dtlab. */
export const changeTable = (source: string) => `dtlab.${quoteIdent(`chg_${source}`)}`;
const captureFunction = (source: string) => `dtlab.${quoteIdent(`capture_${source}`)}`;

export const PG_CAPTURE_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  // A relation's columns as text (names and types), past the first `skip`: a source and its change table
  // (whose first two columns are _xid and _w) agree while capture can copy rows from one to the other.
  `CREATE OR REPLACE FUNCTION dtlab.columns_of(rel regclass, skip integer) RETURNS text LANGUAGE sql STABLE AS $$
     SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
       FROM pg_attribute WHERE attrelid = rel AND attnum > skip AND NOT attisdropped $$`,
  `CREATE TABLE IF NOT EXISTS dtlab.capture_events (source VARCHAR NOT NULL, _xid xid8 NOT NULL, kind VARCHAR NOT NULL)`,
  `CREATE OR REPLACE FUNCTION dtlab.capture_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO dtlab.capture_events VALUES (TG_TABLE_NAME, pg_current_xact_id(), 'TRUNCATE');
     RETURN NULL;
   END $$`,
];

/** Creates the change table, the capture function and the four triggers for `source`. */
export function pgInstallCapture(source: string): string[] {
  const chg = changeTable(source);
  const fn = captureFunction(source);
  const table = quoteIdent(source);
  const trigger = (suffix: string, event: string, referencing: string, body: string) =>
    `CREATE TRIGGER ${quoteIdent(`dtlab_capture_${suffix}`)} AFTER ${event} ON ${table}
       ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${body}`;
  return [
    ...PG_CAPTURE_DDL,
    `CREATE TABLE ${chg} AS SELECT CAST(NULL AS xid8) AS _xid, CAST(NULL AS SMALLINT) AS _w, * FROM ${table} WITH NO DATA`,
    `CREATE INDEX ON ${chg} (_xid)`,
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       -- The source's columns changed (ALTER TABLE) or the change table is gone: the user's write goes on,
       -- and every consumer reinitializes (a refresh sees the event and reinstalls capture).
       IF dtlab.columns_of(TG_RELID, 0) IS DISTINCT FROM dtlab.columns_of(to_regclass('${chg.replace(/'/g, "''")}'), 2) THEN
         INSERT INTO dtlab.capture_events VALUES (TG_TABLE_NAME, pg_current_xact_id(), 'SCHEMA_CHANGED');
         RETURN NULL;
       END IF;
       IF TG_OP IN ('UPDATE', 'DELETE') THEN
         INSERT INTO ${chg} SELECT pg_current_xact_id(), -1, o.* FROM dtlab_old o;
       END IF;
       IF TG_OP IN ('UPDATE', 'INSERT') THEN
         INSERT INTO ${chg} SELECT pg_current_xact_id(), 1, n.* FROM dtlab_new n;
       END IF;
       RETURN NULL;
     END $$`,
    trigger('ins', 'INSERT', 'REFERENCING NEW TABLE AS dtlab_new', `${fn}()`),
    trigger('upd', 'UPDATE', 'REFERENCING OLD TABLE AS dtlab_old NEW TABLE AS dtlab_new', `${fn}()`),
    trigger('del', 'DELETE', 'REFERENCING OLD TABLE AS dtlab_old', `${fn}()`),
    trigger('trunc', 'TRUNCATE', '', 'dtlab.capture_truncate()'),
  ];
}

export function pgRemoveCapture(source: string): string[] {
  const table = quoteIdent(source);
  return [
    ...['ins', 'upd', 'del', 'trunc'].map(
      (s) => `DROP TRIGGER IF EXISTS ${quoteIdent(`dtlab_capture_${s}`)} ON ${table}`,
    ),
    `DROP FUNCTION IF EXISTS ${captureFunction(source)}()`,
    `DROP TABLE IF EXISTS ${changeTable(source)}`,
    `DELETE FROM dtlab.capture_events WHERE source = '${source.replace(/'/g, "''")}'`,
  ];
}

/** The consumer's position: the snapshot of the transaction this runs in. */
export const PG_POSITION = 'SELECT CAST(pg_current_snapshot() AS TEXT)';

/** Rows committed after snapshot `$1` (and visible to the current transaction). */
const after = (column: string) =>
  `${column} >= pg_snapshot_xmin(CAST($1 AS pg_snapshot)) AND NOT pg_visible_in_snapshot(${column}, CAST($1 AS pg_snapshot))`;

/** Counts of the changes of `source` since position `$1`: inserted, deleted, and whether it was truncated. */
export function pgWindowSummary(source: string): string {
  return `SELECT
      (SELECT count(*) FROM ${changeTable(source)} WHERE _w > 0 AND ${after('_xid')}),
      (SELECT count(*) FROM ${changeTable(source)} WHERE _w < 0 AND ${after('_xid')}),
      EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = $2 AND ${after('_xid')})`;
}

/** The change rows of `source` since position `$1`, as `(_w, columns…)`: what incremental plans read. */
export function pgWindowRows(source: string): string {
  return `SELECT * FROM ${changeTable(source)} WHERE ${after('_xid')}`;
}

/**
 * Garbage collection: rows every consumer has passed. A row whose transaction precedes the oldest
 * consumer's xmin was visible to every consumer's last snapshot, so nobody will read it again.
 */
export function pgCollectGarbage(source: string, positions: number): string {
  const oldest =
    positions === 0
      ? 'pg_snapshot_xmin(pg_current_snapshot())'
      : `(SELECT min(pg_snapshot_xmin(CAST(p AS pg_snapshot))) FROM unnest(CAST($1 AS TEXT[])) AS p)`;
  return `DELETE FROM ${changeTable(source)} WHERE _xid < ${oldest}`;
}
