/** DuckDB's dialect: see dialect/dialect.ts. */

import * as duck from '../capture/duckdb.js';
import { DUCKDB_MONITORING_DDL } from '../catalog/monitoring.js';
import { valuesInsertSql } from '../sql/rows-insert.js';
import type { Dialect } from './dialect.js';
import { duckdbFlatten } from './flatten.js';
import { duckdbFunctions } from './functions.js';

/** A relation's columns as one text (names and types), past the first `skip`. */
const columnsText = (schema: string, table: string, skip: number) =>
  `(SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) FROM duckdb_columns()
     WHERE schema_name = ${schema} AND table_name = ${table} AND column_index > ${skip})`;

export const duckdbDialect: Dialect = {
  family: 'duckdb',
  // DuckDB has QUALIFY; lateral aliases are expanded on every family so all backends agree on which name wins.
  selectRewrites: { qualify: false, lateralAliases: true },
  engineCaptures: true,
  indexesState: false,
  boundsChangeRows: false,
  hashesNotDistinct: true,
  deletesByJoin: true,
  stagesRows: true,
  rowsInsertSql: valuesInsertSql,
  modifyingCtes: false,
  replaceRows: 'counted-ahead',
  keepsKeys: false,
  replacesTables: true,
  capture: {
    changeTable: duck.changeTable,
    install: duck.duckdbInstallCapture,
    ownColumns: ['_seq', '_w'],
    remove: duck.duckdbRemoveCapture,
    position: duck.DUCKDB_POSITION,
    after: (column) => `${column} > CAST($1 AS BIGINT)`,
    since: '_seq > CAST($1 AS BIGINT)',
    windowSummary: duck.duckdbWindowSummary,
    windowRows: duck.duckdbWindowRows,
    collectGarbage: duck.duckdbCollectGarbage,
    // The change table's first two columns are _seq and _w.
    intactSql: `SELECT ${columnsText('current_schema()', '$1', 0)} = ${columnsText("'dtlab'", "'chg_' || $1", 2)}`,
  },
  describeColumnsSql: `SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
  resultTypes: (select) => ({
    setup: [],
    read: `SELECT column_type FROM (DESCRIBE ${select})`,
    cleanup: [],
  }),
  sourceColumnsSql: (names) => `SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name IN (${names}) ORDER BY table_name, ordinal_position`,
  viewDefinitionsSql: (names) => `SELECT view_name, sql FROM duckdb_views()
    WHERE NOT internal AND schema_name = current_schema() AND view_name IN (${names})`,
  estimatedRowsSql:
    'SELECT estimated_size FROM duckdb_tables() WHERE table_name = $1 AND schema_name = current_schema()',
  dtlabRelationSql: "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dtlab' AND table_name = $1",
  round6: (column) => `round(${column}, 6)`,
  refreshMetadataSql: ({ tables, dtlab }, common) =>
    `SELECT CASE WHEN schema_name = 'dtlab' THEN 'dcol' ELSE 'col' END, table_name, column_name, data_type,
            CAST(is_nullable AS VARCHAR), column_index
       FROM duckdb_columns()
      WHERE (schema_name = current_schema() AND table_name IN (${tables}))
         OR (schema_name = 'dtlab' AND (table_name IN (${dtlab}) OR table_name LIKE 'chg\\_%' ESCAPE '\\'))
     UNION ALL SELECT 'snap', CAST(coalesce(max(last_value), 0) AS VARCHAR), NULL, NULL, NULL, 0
       FROM duckdb_sequences() WHERE schema_name = 'dtlab' AND sequence_name = 'capture_seq'
     UNION ALL SELECT 'cap', source, NULL, NULL, NULL, 0 FROM dtlab.capture_sources${common}`,
  // One process: a refresh takes turns with captured writes (capture/lock.ts) and with refreshes of its DT
  // (refresh/run.ts DtMutex); the timeout is a deadline of the whole transaction.
  refreshPreamble: () => [],
  timeoutAsTransactionOption: true,
  engineDdl: [...DUCKDB_MONITORING_DDL, ...duck.DUCKDB_SEQUENCE_DRAWN],
  // One engine per in-process database.
  installLock: [],
  rowAddress: 'rowid',
  deleteByAddress: (table, select) => `DELETE FROM ${table} WHERE rowid IN (${select})`,
  // DuckDB's avg is a DOUBLE. Of a DECIMAL it divides the unscaled sum by count × 10^scale, once (so the result is
  // the quotient correctly rounded); converting the sum to DOUBLE first rounds twice and can differ in the last
  // bit — which a DECIMAL(…, 2) column then rounds to a different cent. The unscaled sum is the decimal's text
  // without its point (exact for any scale). Where the sum's type is known (the state's column), the scale is
  // written in; otherwise the statement finds it from the text, at a cost: DuckDB-WASM binds both branches
  // and their string functions, ~2 ms of a 1-row refresh's INSERT (docs/incremental.md).
  avg: (sum, count, sumType) => {
    const unscaled = `CAST(CAST(replace(CAST(${sum} AS VARCHAR), '.', '') AS HUGEINT) AS DOUBLE)`;
    const scale = sumType === undefined ? undefined : /^DECIMAL\(\d+,\s*(\d+)\)$/i.exec(sumType.trim());
    if (scale) return `(${unscaled} / (${count} * (10 ** ${scale[1]})))`;
    if (sumType !== undefined) return `(CAST(${sum} AS DOUBLE) / ${count})`;
    return `(CASE WHEN typeof(${sum}) LIKE 'DECIMAL%' THEN ${unscaled} / (${count} * (10 ** length(split_part(CAST(${sum} AS VARCHAR), '.', 2)))) ELSE CAST(${sum} AS DOUBLE) / ${count} END)`;
  },
  nullsFirst: () => false,
  avgFollowsScale: false,
  distinctInScan: false,
  keyFactsSql: `SELECT 'n', '', column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = $1 AND is_nullable = 'NO'
    UNION ALL
    SELECT 'u', CAST(constraint_index AS VARCHAR), unnest(constraint_column_names) FROM duckdb_constraints()
    WHERE schema_name = current_schema() AND table_name = $1 AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
  measurePreamble: [],
  flatten: duckdbFlatten,
  functions: duckdbFunctions,
  types: { decimal: 'DECIMAL', double: 'DOUBLE', binary: 'BLOB' },
  // Every write goes through the engine, which captures it (capture/ledger.ts).
  awaitWriters: () => [],
  lockToDrop: () => [],
  // DuckDB keeps its statistics as it writes.
  analyze: () => [],
  readsProbe: 'explain',
};
