/** The PostgreSQL family's dialect (PGlite and a server): see dialect/dialect.ts. */

import { quoteIdent } from '../backends/backend.js';
import * as pgc from '../capture/postgres.js';
import { PG_MONITORING_DDL } from '../catalog/monitoring.js';
import { PG_PROBE_DDL, pgNoDataSql } from '../refresh/probe.js';
import { rowArrayInsertSql } from '../sql/rows-insert.js';
import type { Dialect } from './dialect.js';
import { postgresFlatten } from './flatten.js';
import { postgresFunctions } from './functions.js';

const after = (column: string) =>
  `${column} >= pg_snapshot_xmin(CAST($1 AS pg_snapshot)) AND NOT pg_visible_in_snapshot(${column}, CAST($1 AS pg_snapshot))`;

export const postgresDialect: Dialect = {
  family: 'postgres',
  selectRewrites: { qualify: true, lateralAliases: true },
  engineCaptures: false,
  indexesState: true,
  boundsChangeRows: true,
  hashesNotDistinct: false,
  deletesByJoin: false,
  stagesRows: false,
  rowsInsertSql: rowArrayInsertSql,
  modifyingCtes: true,
  replaceRows: 'one-statement',
  keepsKeys: true,
  replacesTables: false,
  capture: {
    changeTable: pgc.changeTable,
    install: pgc.pgInstallCapture,
    ownColumns: ['_xid', '_w'],
    remove: pgc.pgRemoveCapture,
    position: pgc.PG_POSITION,
    after,
    since: after('_xid'),
    windowSummary: (source) => pgc.pgWindowSummary(source),
    windowRows: pgc.pgWindowRows,
    collectGarbage: pgc.pgCollectGarbage,
    reclaim: pgc.PG_RECLAIM,
    reinstall: {
      ...pgc.PG_REINSTALL_LOCK,
      lateCommits: pgc.PG_LATE_COMMITS,
      lockFirst: pgc.pgLockFirst,
    },
    intactSql: `SELECT count(*) > 0 AND dtlab.columns_of(to_regclass(quote_ident($1)), 0) =
            dtlab.columns_of(to_regclass('dtlab.' || quote_ident('chg_' || $1)), 2)
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relname = $1 AND c.relnamespace = CAST(current_schema() AS regnamespace) AND t.tgname = 'dtlab_capture_ins'`,
  },
  describeColumnsSql: `SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0
      AND NOT a.attisdropped
    ORDER BY a.attnum`,
  // A temporary view of the query: its columns are typed as a table's would be (typmods included).
  resultTypes: (select) => ({
    setup: [`CREATE TEMP VIEW dtlab_result_types AS ${select}`],
    read: `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
      WHERE attrelid = CAST('pg_temp.dtlab_result_types' AS regclass) AND attnum > 0 ORDER BY attnum`,
    cleanup: ['DROP VIEW pg_temp.dtlab_result_types'],
  }),
  sourceColumnsSql: (
    names,
  ) => `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relname IN (${names}) AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0
      AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`,
  viewDefinitionsSql: (names) => `SELECT c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c
    WHERE c.relkind = 'v' AND c.relname IN (${names}) AND c.relnamespace = current_schema()::regnamespace`,
  estimatedRowsSql: `SELECT CASE WHEN reltuples >= 0 THEN reltuples ELSE pg_relation_size(oid) / 64 END FROM pg_class
    WHERE relname = $1 AND relnamespace = CAST(current_schema() AS regnamespace)`,
  dtlabRelationSql:
    "SELECT count(*) FROM pg_class WHERE relname = $1 AND relnamespace = CAST('dtlab' AS regnamespace)",
  round6: (column) => `round(CAST(${column} AS NUMERIC), 6)`,
  refreshMetadataSql: ({ tables, dtlab, tracked }, common) =>
    `SELECT 'col', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), CAST(NOT a.attnotnull AS VARCHAR), a.attnum
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relname IN (${tables}) AND c.relnamespace = CAST(current_schema() AS regnamespace)
        AND a.attnum > 0 AND NOT a.attisdropped
     UNION ALL SELECT 'dcol', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NULL, a.attnum
       FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relname IN (${dtlab}) AND c.relnamespace = CAST('dtlab' AS regnamespace)
     UNION ALL SELECT 'trg', c.relname, NULL, NULL, NULL, 0 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE c.relname IN (${tracked}) AND c.relnamespace = CAST(current_schema() AS regnamespace)
        AND t.tgname = 'dtlab_capture_ins'
     UNION ALL SELECT 'est', relname, CAST(CASE WHEN reltuples >= 0 THEN reltuples ELSE pg_relation_size(oid) / 64 END AS TEXT), NULL, NULL, 0
       FROM pg_class WHERE relname IN (${tracked}) AND relnamespace = CAST(current_schema() AS regnamespace)
     UNION ALL SELECT 'snap', CAST(pg_current_snapshot() AS TEXT), NULL, NULL, NULL, 0${common}`,
  // The commit does not wait for its WAL flush: a crash in the next fraction of a second can only lose the
  // whole refresh (contents, state, positions and history row together), which the next refresh redoes.
  // LOCK … SHARE ROW EXCLUSIVE conflicts with itself, not with readers: one refresher per DT across engines.
  // No JIT: a refresh's statements read temporary tables without statistics, so the planner's estimates
  // pass jit_above_cost for a few thousand keys, and compiling costs 100–200 ms a statement at SF 1 — even
  // for one behind a false gate, compiled before it runs (customer_ltv after 100 000 new orders: 2.8 s with
  // JIT, 1.8 s without). The seeds' full queries at SF 1 ran as fast without it.
  noDataStatement: pgNoDataSql,
  refreshPreamble: (table, { timeoutMs, noWait }) => [
    'SET LOCAL synchronous_commit = off',
    'SET LOCAL jit = off',
    ...(timeoutMs !== undefined
      ? [`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`]
      : []),
    `LOCK TABLE ${quoteIdent(table)} IN SHARE ROW EXCLUSIVE MODE${noWait ? ' NOWAIT' : ''}`,
  ],
  timeoutAsTransactionOption: false,
  engineDdl: [...pgc.PG_CAPTURE_DDL, PG_PROBE_DDL, ...PG_MONITORING_DDL],
  installLock: ["SELECT pg_advisory_xact_lock(hashtext('dtlab engine install'))"],
  rowAddress: 'ctid',
  deleteByAddress: (table, select) => `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(${select}))`,
  // PostgreSQL's avg is a numeric division (a float for floats).
  avg: (sum, count) => `${sum} / CAST(${count} AS NUMERIC)`,
  // … whose scale follows the dividend's display scale (plan/avg-scale.ts).
  nullsFirst: (descending) => descending,
  avgFollowsScale: true,
  distinctInScan: false,
  keyFactsSql: `SELECT 'n', '', a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND a.attnum > 0
      AND NOT a.attisdropped AND a.attnotnull
    UNION ALL
    SELECT 'u', CAST(i.indexrelid AS TEXT), a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
      CROSS JOIN LATERAL unnest(CAST(i.indkey AS SMALLINT[])) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND i.indisunique
      AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL AND k.n <= i.indnkeyatts`,
  measurePreamble: ['SET LOCAL jit_inline_above_cost = -1'],
  reinstallLockTimeout: { set: "SET LOCAL lock_timeout = '2s'", reset: 'SET LOCAL lock_timeout TO DEFAULT' },
  flatten: postgresFlatten,
  functions: postgresFunctions,
  types: { decimal: 'NUMERIC', double: 'DOUBLE PRECISION', binary: 'BYTEA' },
  // SHARE ROW EXCLUSIVE waits for every writer holding ROW EXCLUSIVE, and lets readers on.
  awaitWriters: (tables) => [`LOCK TABLE ${tables.map(quoteIdent).join(', ')} IN SHARE ROW EXCLUSIVE MODE`],
  lockToDrop: (table) => [`LOCK TABLE ${quoteIdent(table)} IN ACCESS EXCLUSIVE MODE`],
  analyze: (table) => [`ANALYZE ${quoteIdent(table)}`],
  readsProbe: 'temporary-view',
};
