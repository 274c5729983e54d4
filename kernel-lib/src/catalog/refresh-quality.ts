/**
 * What a refresh with expectations records (docs/quality.md), kept in its history row (`dtlab.refresh_history`)
 * so that it costs the refresh no statement of its own: per expectation, rows passed and failed (four arrays
 * in the DT's expectation order), and its REFRESH quality score. Two views read them back:
 * `dtlab.expectation_results` (one row per refresh and expectation) and `dtlab.quality_scores` (the scores of
 * DMF evaluations, `dtlab.quality_score_rows`, and the REFRESH scores of the history). A catalog made before,
 * where both were tables, is moved when the engine opens. Pure builders, and the install.
 */
import { formatTimestamp, type Queryable, sqlLiteral, type Value } from '../backends/backend.js';
import type { ExpectationCount, RefreshScore } from '../types.js';

/** The history's columns, after rows_read, in the table's order: name and type. */
const HISTORY_COLUMNS: [string, string][] = [
  ['expectation_names', 'VARCHAR[]'],
  ['expectation_actions', 'VARCHAR[]'],
  ['expectation_rows_passed', 'BIGINT[]'],
  ['expectation_rows_failed', 'BIGINT[]'],
  ['quality_time', 'TIMESTAMP'],
  ['quality_score', 'DOUBLE PRECISION'],
  ['quality_state', 'VARCHAR'],
  ['quality_checks', 'INTEGER'],
  ['quality_failing', 'INTEGER'],
];
const HISTORY_COLUMNS_DDL = HISTORY_COLUMNS.map(
  ([name, type]) => `ALTER TABLE dtlab.refresh_history ADD COLUMN IF NOT EXISTS ${name} ${type}`,
);

/** Their names, as `insertRefreshRecord` lists them. */
export const REFRESH_QUALITY_COLUMNS = HISTORY_COLUMNS.map(([name]) => name);

/** The arrays' values (SQL text: arrays are not parameters), then the score's (parameters). */
export function refreshQualityValues(
  counts: readonly ExpectationCount[] | undefined,
  score: RefreshScore | undefined,
): { sql: string[]; params: Value[] } {
  const array = (items: string[], type: string) => `CAST(ARRAY[${items.join(', ')}] AS ${type}[])`;
  const sql = counts?.length
    ? [
        array(
          counts.map((c) => sqlLiteral(c.expectation)),
          'VARCHAR',
        ),
        array(
          counts.map((c) => sqlLiteral(c.action)),
          'VARCHAR',
        ),
        array(
          counts.map((c) => String(Math.trunc(c.rowsPassed))),
          'BIGINT',
        ),
        array(
          counts.map((c) => String(Math.trunc(c.rowsFailed))),
          'BIGINT',
        ),
      ]
    : ['NULL', 'NULL', 'NULL', 'NULL'];
  const params: Value[] = score
    ? [formatTimestamp(score.measurementTime), score.score, score.state, score.checks, score.failing]
    : [null, null, null, null, null];
  return { sql, params };
}

/** One row per refresh and expectation: the four arrays unnested together (zipped, the same length). */
const EXPECTATION_RESULTS_VIEW = `CREATE OR REPLACE VIEW dtlab.expectation_results AS
  SELECT refresh_id, name, expectation, action, rows_passed, rows_failed, data_timestamp
    FROM (SELECT h.refresh_id AS refresh_id, h.name AS name, unnest(h.expectation_names) AS expectation,
                 unnest(h.expectation_actions) AS action, unnest(h.expectation_rows_passed) AS rows_passed,
                 unnest(h.expectation_rows_failed) AS rows_failed, h.data_timestamp AS data_timestamp
            FROM dtlab.refresh_history h WHERE h.expectation_names IS NOT NULL) AS r`;

const QUALITY_SCORE_ROWS = `CREATE TABLE IF NOT EXISTS dtlab.quality_score_rows (
  table_name VARCHAR NOT NULL, measurement_time TIMESTAMP NOT NULL, score DOUBLE PRECISION, state VARCHAR NOT NULL,
  checks INTEGER NOT NULL, failing INTEGER NOT NULL, trigger VARCHAR NOT NULL)`;

const QUALITY_SCORES_VIEW = `CREATE OR REPLACE VIEW dtlab.quality_scores AS
  SELECT table_name, measurement_time, score, state, checks, failing, trigger FROM dtlab.quality_score_rows
  UNION ALL
  SELECT name, quality_time, quality_score, quality_state, quality_checks, quality_failing, 'REFRESH'
    FROM dtlab.refresh_history WHERE quality_state IS NOT NULL`;

/** An earlier catalog's tables: the counts move into the history rows; the scores' table is renamed. */
const MOVE_RESULTS = [
  `UPDATE dtlab.refresh_history AS h
      SET expectation_names = r.names, expectation_actions = r.actions,
          expectation_rows_passed = r.passed, expectation_rows_failed = r.failed
     FROM (SELECT refresh_id, array_agg(expectation ORDER BY expectation) AS names,
                  array_agg(action ORDER BY expectation) AS actions,
                  array_agg(rows_passed ORDER BY expectation) AS passed,
                  array_agg(rows_failed ORDER BY expectation) AS failed
             FROM dtlab.expectation_results GROUP BY refresh_id) AS r
    WHERE h.refresh_id = r.refresh_id`,
  'DROP TABLE dtlab.expectation_results',
];
const MOVE_SCORES = ['ALTER TABLE dtlab.quality_scores RENAME TO quality_score_rows'];

/** After the catalog's tables: the history's columns, an earlier catalog's tables moved, the views. */
export async function installRefreshQuality(db: Queryable): Promise<void> {
  for (const ddl of HISTORY_COLUMNS_DDL) await db.query(ddl);
  const { rows } = await db.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'dtlab' AND table_name IN ('expectation_results', 'quality_scores')
        AND table_type = 'BASE TABLE'`,
  );
  const tables = new Set(rows.map((r) => String(r[0])));
  if (tables.has('expectation_results')) for (const sql of MOVE_RESULTS) await db.query(sql);
  if (tables.has('quality_scores')) for (const sql of MOVE_SCORES) await db.query(sql);
  for (const ddl of [QUALITY_SCORE_ROWS, EXPECTATION_RESULTS_VIEW, QUALITY_SCORES_VIEW]) await db.query(ddl);
}
