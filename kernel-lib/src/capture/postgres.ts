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
import { quoteIdent, sqlLiteral } from '../backends/backend.js';
import { notMark, PRUNED } from './marks.js';

/** The change table of `source`, in schema dtlab. */
export const changeTable = (source: string) => `dtlab.${quoteIdent(`chg_${source}`)}`;
const captureFunction = (source: string) => `dtlab.${quoteIdent(`capture_${source}`)}`;

/** `dtlab.columns_of(rel, skip)` and `dtlab.capture_truncate()`, shared by every source's capture. */
const SHARED_FUNCTIONS: readonly (readonly [signature: string, ddl: string])[] = [
  // A relation's columns as text (names and types), past the first `skip`: a source and its change table
  // (whose first two columns are _xid and _w) agree while capture can copy rows from one to the other.
  // PL/pgSQL, not SQL: its query's plan is kept for the session (a SQL function's is made at every call), 0.1 ms
  // of every refresh's probe, which calls it twice per source (refresh/probe.ts).
  [
    'dtlab.columns_of(regclass, integer)',
    `CREATE OR REPLACE FUNCTION dtlab.columns_of(rel regclass, skip integer) RETURNS text LANGUAGE plpgsql STABLE AS $$
     DECLARE columns text;
     BEGIN
       SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) INTO columns
         FROM pg_attribute WHERE attrelid = rel AND attnum > skip AND NOT attisdropped;
       RETURN columns;
     END $$`,
  ],
  // Whether any transaction committed after this transaction's snapshot was taken, in any database of the
  // server (xids are the cluster's; which tables a transaction wrote is not known here): every xid from the
  // snapshot's xmin to the newest the cluster assigned, where pg_xact_status fails ("in the future"). Not up
  // to this transaction's own xid: a LOCK … ACCESS EXCLUSIVE (a refresh's lock-first run) or a nextval
  // assigns that before the snapshot, and a writer that began after it committed unseen.
  [
    'dtlab.committed_since_snapshot()',
    `CREATE OR REPLACE FUNCTION dtlab.committed_since_snapshot() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
     DECLARE
       snap pg_snapshot := pg_current_snapshot();
       ours xid8 := pg_current_xact_id_if_assigned();
       n bigint := CAST(CAST(pg_snapshot_xmin(snap) AS text) AS bigint);
       x xid8;
     BEGIN
       BEGIN
         LOOP
           x := CAST(CAST(n AS text) AS xid8);
           IF NOT pg_visible_in_snapshot(x, snap) AND x IS DISTINCT FROM ours
              AND pg_xact_status(x) = 'committed' THEN
             RETURN true;
           END IF;
           n := n + 1;
         END LOOP;
       EXCEPTION WHEN invalid_parameter_value THEN
         RETURN false;
       END;
     END $$`,
  ],
  [
    'dtlab.capture_truncate()',
    `CREATE OR REPLACE FUNCTION dtlab.capture_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO dtlab.capture_events VALUES (TG_TABLE_NAME, pg_current_xact_id(), 'TRUNCATE');
     RETURN NULL;
   END $$`,
  ],
];

const SCHEMA_AND_EVENTS = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  `CREATE TABLE IF NOT EXISTS dtlab.capture_events (source VARCHAR NOT NULL, _xid xid8 NOT NULL, kind VARCHAR NOT NULL)`,
];

/** As the engine opens (dialect `engineDdl`): what every source's capture uses, in this version's form. */
export const PG_CAPTURE_DDL = [...SCHEMA_AND_EVENTS, ...SHARED_FUNCTIONS.map(([, ddl]) => ddl)];

/**
 * What a capture install needs of PG_CAPTURE_DDL: created only where missing. Two sessions replacing one
 * function at once fail with "tuple concurrently updated" (PostgreSQL locks the function's catalog row), and
 * installs run inside CREATE DYNAMIC TABLE and REINITIALIZE transactions, which may meet; so an install
 * replaces nothing, and the first ones in a database take an advisory lock and look again.
 */
const PG_CAPTURE_DDL_IF_MISSING = [
  ...SCHEMA_AND_EVENTS,
  ...SHARED_FUNCTIONS.map(
    ([signature, ddl]) => `DO $dtlab$ BEGIN
       IF to_regprocedure('${signature}') IS NULL THEN
         PERFORM pg_advisory_xact_lock(hashtext('dtlab capture functions'));
         IF to_regprocedure('${signature}') IS NULL THEN ${ddl.replace('CREATE OR REPLACE', 'CREATE')}; END IF;
       END IF;
     END $dtlab$`,
  ),
];

/**
 * The counts of the change rows of change table `$chg` committed after snapshot `$snap`, as 'inserted,deleted',
 * or NULL when its sentinel row is gone (capture lost: see pgInstallCapture).
 */
export const CHANGE_COUNTS = `CASE WHEN EXISTS (SELECT 1 FROM $chg WHERE _w = 0) THEN
      count(*) FILTER (WHERE _w > 0) || ',' || count(*) FILTER (WHERE _w < 0) END
    FROM $chg WHERE _w <> 0 AND _xid >= pg_snapshot_xmin($snap) AND NOT pg_visible_in_snapshot(_xid, $snap)`;

/**
 * `source`'s counting function, named as its change table (functions and tables have their own names): the
 * probe's `dtlab.changes_since` (refresh/probe.ts) calls it instead of running CHANGE_COUNTS as dynamic SQL,
 * which PostgreSQL plans at every call (0.1 ms of every probe per source on a server, 0.2 ms in PGlite).
 */
const countingFunction = (source: string) => `${changeTable(source)}(pg_snapshot)`;

/** Creates the change table, its counting function, the capture function and the four triggers for `source`. */
export function pgInstallCapture(source: string): string[] {
  const chg = changeTable(source);
  const fn = captureFunction(source);
  const table = quoteIdent(source);
  const trigger = (suffix: string, event: string, referencing: string, body: string) =>
    `CREATE TRIGGER ${quoteIdent(`dtlab_capture_${suffix}`)} AFTER ${event} ON ${table}
       ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION ${body}`;
  return [
    ...PG_CAPTURE_DDL_IF_MISSING,
    // UNLOGGED: change rows skip the write-ahead log (the trigger's cost is then about one more heap write).
    // A crash empties an unlogged table; the sentinel row (_w = 0, never read as a change) goes with it, and
    // its absence tells the next refresh that capture was lost (captureIntact): capture is reinstalled and
    // every consumer reinitializes, instead of silently missing the lost changes.
    `CREATE UNLOGGED TABLE ${chg} AS SELECT CAST(NULL AS xid8) AS _xid, CAST(NULL AS SMALLINT) AS _w, * FROM ${table} WITH NO DATA`,
    // Only the sentinel is indexed (a partial index costs the trigger's writes nothing). No index on _xid:
    // change tables hold little more than the unconsumed changes (garbage-collected at every refresh), which
    // every reader scans anyway.
    `CREATE INDEX ON ${chg} (_w) WHERE _w = 0`,
    `INSERT INTO ${chg} (_xid, _w) VALUES (CAST('0' AS xid8), 0)`,
    `CREATE FUNCTION ${changeTable(source)}(snap pg_snapshot) RETURNS text LANGUAGE plpgsql STABLE AS $$
     DECLARE counts text;
     BEGIN
       SELECT ${CHANGE_COUNTS.replaceAll('$chg', chg).replaceAll('$snap', 'snap')} INTO counts;
       RETURN counts;
     END $$`,
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       xid xid8 := pg_current_xact_id();
     BEGIN
       -- The source's columns changed (ALTER TABLE) or the change table is gone: the user's write goes on,
       -- and every consumer reinitializes (a refresh sees the event and reinstalls capture).
       IF dtlab.columns_of(TG_RELID, 0) IS DISTINCT FROM dtlab.columns_of(to_regclass('${chg.replace(/'/g, "''")}'), 2) THEN
         INSERT INTO dtlab.capture_events VALUES (TG_TABLE_NAME, xid, 'SCHEMA_CHANGED');
         RETURN NULL;
       END IF;
       IF TG_OP IN ('UPDATE', 'DELETE') THEN
         INSERT INTO ${chg} SELECT xid, -1, o.* FROM dtlab_old o;
       END IF;
       IF TG_OP IN ('UPDATE', 'INSERT') THEN
         INSERT INTO ${chg} SELECT xid, 1, n.* FROM dtlab_new n;
       END IF;
       RETURN NULL;
     END $$`,
    trigger('ins', 'INSERT', 'REFERENCING NEW TABLE AS dtlab_new', `${fn}()`),
    trigger('upd', 'UPDATE', 'REFERENCING OLD TABLE AS dtlab_old NEW TABLE AS dtlab_new', `${fn}()`),
    trigger('del', 'DELETE', 'REFERENCING OLD TABLE AS dtlab_old', `${fn}()`),
    trigger('trunc', 'TRUNCATE', '', 'dtlab.capture_truncate()'),
  ];
}

const REINSTALL_SAVEPOINT = 'dtlab_reinstall_lock';

/**
 * Locking sources before capture on them is reinstalled (capture/reinstall.ts): one attempt, in a savepoint,
 * whose locks wait at most `waitMs` each (the transaction's own lock_timeout is kept aside and put back), and
 * the statement that undoes a failed attempt (it releases whatever the attempt locked). The change tables
 * first, in the order a refresh reads (its probe reads a change table before its plan reads the source),
 * then the sources; each only where it exists (a source dropped fails later, as it did before).
 */
export const PG_REINSTALL_LOCK = {
  attempt: (sources: readonly string[], waitMs: number): string[] => {
    const lock = (relation: string) =>
      `IF to_regclass(${sqlLiteral(relation)}) IS NOT NULL THEN LOCK TABLE ${relation} IN ACCESS EXCLUSIVE MODE; END IF;`;
    const relations = [...sources.map(changeTable), ...sources.map(quoteIdent)];
    return [
      `SAVEPOINT ${REINSTALL_SAVEPOINT}`,
      `SELECT set_config('dtlab.lock_timeout', current_setting('lock_timeout'), true), set_config('lock_timeout', '${Math.round(waitMs)}ms', true)`,
      `DO $dtlab$ BEGIN ${relations.map(lock).join(' ')} END $dtlab$`,
      "SELECT set_config('lock_timeout', current_setting('dtlab.lock_timeout'), true)",
      `RELEASE SAVEPOINT ${REINSTALL_SAVEPOINT}`,
    ];
  },
  undo: `ROLLBACK TO SAVEPOINT ${REINSTALL_SAVEPOINT}`,
};

/** Whether any transaction committed after this transaction's snapshot was taken (one boolean). */
export const PG_LATE_COMMITS = 'SELECT dtlab.committed_since_snapshot()';

/**
 * The sources locked ACCESS EXCLUSIVE as a refresh's first statements, before its snapshot (neither SET nor
 * LOCK takes one): the refresh that retries a reinstall which met commits after its snapshot (refresh/run.ts).
 */
export function pgLockFirst(sources: readonly string[]): string[] {
  return [`LOCK TABLE ${sources.map(quoteIdent).join(', ')} IN ACCESS EXCLUSIVE MODE`];
}

export function pgRemoveCapture(source: string): string[] {
  const table = quoteIdent(source);
  return [
    ...['ins', 'upd', 'del', 'trunc'].map(
      (s) => `DROP TRIGGER IF EXISTS ${quoteIdent(`dtlab_capture_${s}`)} ON ${table}`,
    ),
    `DROP FUNCTION IF EXISTS ${captureFunction(source)}()`,
    `DROP FUNCTION IF EXISTS ${countingFunction(source)}`,
    `DROP TABLE IF EXISTS ${changeTable(source)}`,
    `DELETE FROM dtlab.capture_events WHERE source = '${source.replace(/'/g, "''")}'`,
  ];
}

/** The consumer's position: the snapshot of the transaction this runs in. */
export const PG_POSITION = 'SELECT CAST(pg_current_snapshot() AS TEXT)';

/** Rows committed after snapshot `$1` (and visible to the current transaction). */
const after = (column: string) =>
  `${column} >= pg_snapshot_xmin(CAST($1 AS pg_snapshot)) AND NOT pg_visible_in_snapshot(${column}, CAST($1 AS pg_snapshot))`;

/**
 * Counts of the changes of `source` since position `$1`: inserted, deleted, whether it was truncated (or its
 * columns changed), and whether change rows past `$1` were pruned (capture/marks.ts).
 */
export function pgWindowSummary(source: string, sentinel = false): string {
  // One scan of the change table for both counts; with `sentinel`, a fifth column: the sentinel is there.
  return `SELECT count(*) FILTER (WHERE _w > 0), count(*) FILTER (WHERE _w < 0),
      EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = $2 AND ${notMark} AND ${after('_xid')}),
      EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = $2 AND kind = '${PRUNED}'
                 AND _xid >= pg_snapshot_xmin(CAST($1 AS pg_snapshot)))${
                   sentinel
                     ? `,
      EXISTS (SELECT 1 FROM ${changeTable(source)} WHERE _w = 0)`
                     : ''
                 }
      FROM ${changeTable(source)} WHERE ${after('_xid')}`;
}

/** The change rows of `source` since position `$1`, as `(_w, columns…)`: what incremental plans read. */
export function pgWindowRows(source: string): string {
  return `SELECT * FROM ${changeTable(source)} WHERE ${after('_xid')}`;
}

/**
 * Garbage collection (capture/marks.ts): a row whose transaction precedes the oldest incrementally refreshed
 * consumer's xmin was visible to every such consumer's last snapshot, so none will read it again; without
 * such consumers, everything committed before the current snapshot goes. The newest deleted transaction id
 * becomes the source's pruning mark (older marks go). The sentinel row stays.
 */
export function pgCollectGarbage(source: string): string[] {
  const name = sqlLiteral(source);
  return [
    `WITH dtlab_gone AS (
       DELETE FROM ${changeTable(source)} WHERE _w <> 0 AND _xid < coalesce(
         (SELECT min(pg_snapshot_xmin(CAST(p.position AS pg_snapshot))) FROM dtlab.capture_positions p
            LEFT JOIN dtlab.dynamic_tables d ON d.name = p.dt_name
           WHERE p.source = ${name} AND d.effective_mode IS DISTINCT FROM 'FULL'),
         pg_snapshot_xmin(pg_current_snapshot()))
       RETURNING _xid),
     dtlab_mark AS (SELECT _xid FROM dtlab_gone ORDER BY _xid DESC LIMIT 1),
     dtlab_old AS (DELETE FROM dtlab.capture_events WHERE source = ${name} AND kind = '${PRUNED}'
                     AND _xid < (SELECT _xid FROM dtlab_mark))
     INSERT INTO dtlab.capture_events SELECT ${name}, _xid, '${PRUNED}' FROM dtlab_mark`,
  ];
}

/**
 * Reclaiming pruned change rows: PGlite has no autovacuum, so deleted change rows stay in the heap and every
 * read of the change table scans them. A change table with at least 1000 dead rows and more dead than live
 * ones is vacuumed (on the server autovacuum usually came first, and then nothing qualifies).
 */
export const PG_RECLAIM = {
  // Statistics reach pg_stat_user_tables when the session is idle, at most once a second (PostgreSQL 15+).
  flushStats: 'SELECT pg_stat_force_next_flush()',
  candidatesSql: `SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'dtlab'
      AND relname LIKE 'chg\\_%' ESCAPE '\\' AND n_dead_tup >= greatest(1000, n_live_tup)`,
  vacuum: (table: string) => `VACUUM dtlab.${quoteIdent(table)}`,
};

/** Whether the sentinel row of `source`'s change table is there (a crash empties an unlogged table). */
export function pgSentinelPresent(source: string): string {
  return `SELECT EXISTS (SELECT 1 FROM ${changeTable(source)} WHERE _w = 0)`;
}
