/**
 * Where data metric functions live: custom functions, their associations with tables, each table's schedule,
 * every measured value (and the Snowflake-named view over them). The score history (`dtlab.quality_scores`)
 * and the DT expectations' `dtlab.expectation_results` that the score reads are views over
 * `dtlab.quality_score_rows` and the refresh history (catalog/refresh-quality.ts, installed with the catalog).
 * Every statement here is a plain builder or a small read/write; the engine installs the DDL.
 */
import { formatTimestamp, type Queryable, type Value } from '../backends/backend.js';
import type { DmfArg, Expectation } from '../sql/quality-ddl.js';

export const QUALITY_DDL = [
  `CREATE TABLE IF NOT EXISTS dtlab.dmf_functions (
     name VARCHAR PRIMARY KEY, args VARCHAR NOT NULL, returns VARCHAR NOT NULL, body VARCHAR NOT NULL,
     comment VARCHAR, created_on TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dtlab.dmf_associations (
     reference_id VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, metric_name VARCHAR NOT NULL,
     metric_schema VARCHAR NOT NULL, args VARCHAR NOT NULL, expectation VARCHAR, created_on TIMESTAMP NOT NULL,
     ordinal INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dtlab.dmf_schedules (
     table_name VARCHAR PRIMARY KEY, schedule VARCHAR NOT NULL, last_scheduled TIMESTAMP, set_on TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dtlab.dmf_results (
     scheduled_time TIMESTAMP, change_commit_time TIMESTAMP, measurement_time TIMESTAMP NOT NULL,
     table_name VARCHAR NOT NULL, metric_name VARCHAR NOT NULL, metric_schema VARCHAR NOT NULL,
     argument_names VARCHAR NOT NULL, reference_id VARCHAR NOT NULL, value DOUBLE PRECISION,
     expectation_name VARCHAR, expectation_expression VARCHAR, expectation_violated BOOLEAN, failing_sample VARCHAR)`,
  `CREATE OR REPLACE VIEW dtlab.data_quality_monitoring_results AS
     SELECT scheduled_time, change_commit_time, measurement_time, table_name, current_schema() AS table_schema,
            metric_name, metric_schema, 'NUMBER' AS metric_return_type, argument_names, reference_id, value,
            expectation_name, expectation_expression, expectation_violated
       FROM dtlab.dmf_results`,
];

export interface Association {
  referenceId: string;
  table: string;
  metric: string;
  /** CORE (system) or PUBLIC (custom). */
  schema: 'CORE' | 'PUBLIC';
  args: DmfArg[];
  expectation?: Expectation;
}

export interface CustomDmf {
  name: string;
  args: { name: string; columns: { name: string; type: string }[] }[];
  returns: string;
  body: string;
  comment: string | null;
  createdOn: string;
}

export interface DmfScheduleRow {
  table: string;
  schedule: string;
  lastScheduled: string | null;
  setOn: string;
}

/** A stable id for the association of a metric with these arguments on a table (Snowflake's reference id). */
export function referenceId(table: string, metric: string, args: DmfArg[]): string {
  const a = args.map((x) =>
    x.kind === 'column'
      ? x.name
      : x.kind === 'table'
        ? `${x.table}(${x.columns.join(',')})`
        : `${x.param}->${x.body}`,
  );
  return `${table}:${metric}(${a.join(',')})`;
}

/** The argument names, as the results view shows them (a JSON array of column names). */
export function argumentNames(args: DmfArg[]): string {
  return JSON.stringify(
    args.flatMap((x) =>
      x.kind === 'column' ? [x.name] : x.kind === 'table' ? x.columns.map((c) => `${x.table}.${c}`) : [],
    ),
  );
}

const str = (v: Value | undefined) => (v === null || v === undefined ? null : String(v));

export async function listAssociations(db: Queryable, table?: string): Promise<Association[]> {
  const { rows } = await db.query(
    `SELECT reference_id, table_name, metric_name, metric_schema, args, expectation FROM dtlab.dmf_associations
      ${table === undefined ? '' : 'WHERE table_name = $1'} ORDER BY table_name, ordinal`,
    table === undefined ? [] : [table],
  );
  return rows.map((r) => {
    const e = str(r[5]);
    return {
      referenceId: String(r[0]),
      table: String(r[1]),
      metric: String(r[2]),
      schema: String(r[3]) as 'CORE' | 'PUBLIC',
      args: JSON.parse(String(r[4])),
      ...(e ? { expectation: JSON.parse(e) } : {}),
    };
  });
}

/** Associates; `ordinal` orders a table's metrics as they were added. */
export async function insertAssociation(
  db: Queryable,
  a: Association,
  at: number,
  ordinal: number,
): Promise<void> {
  await db.query(
    `INSERT INTO dtlab.dmf_associations (reference_id, table_name, metric_name, metric_schema, args, expectation, created_on, ordinal)
     VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TIMESTAMP), $8)`,
    [
      a.referenceId,
      a.table,
      a.metric,
      a.schema,
      JSON.stringify(a.args),
      a.expectation ? JSON.stringify(a.expectation) : null,
      formatTimestamp(at),
      ordinal,
    ],
  );
}

export async function listCustomDmfs(db: Queryable): Promise<CustomDmf[]> {
  const { rows } = await db.query(
    'SELECT name, args, returns, body, comment, CAST(created_on AS VARCHAR) FROM dtlab.dmf_functions ORDER BY name',
  );
  return rows.map((r) => ({
    name: String(r[0]),
    args: JSON.parse(String(r[1])),
    returns: String(r[2]),
    body: String(r[3]),
    comment: str(r[4]),
    createdOn: String(r[5]),
  }));
}

export async function listSchedules(db: Queryable): Promise<DmfScheduleRow[]> {
  const { rows } = await db.query(
    `SELECT table_name, schedule, CAST(last_scheduled AS VARCHAR), CAST(set_on AS VARCHAR) FROM dtlab.dmf_schedules
      ORDER BY table_name`,
  );
  return rows.map((r) => ({
    table: String(r[0]),
    schedule: String(r[1]),
    lastScheduled: str(r[2]),
    setOn: String(r[3]),
  }));
}

export async function setSchedule(db: Queryable, table: string, schedule: string, at: number): Promise<void> {
  await db.query('DELETE FROM dtlab.dmf_schedules WHERE table_name = $1', [table]);
  await db.query(
    'INSERT INTO dtlab.dmf_schedules (table_name, schedule, last_scheduled, set_on) VALUES ($1, $2, NULL, CAST($3 AS TIMESTAMP))',
    [table, schedule, formatTimestamp(at)],
  );
}

/** One measured value, as it is stored (and shown by the results view). */
export interface ResultRow {
  scheduledTime: number | null;
  changeCommitTime: number | null;
  measurementTime: number;
  association: Association;
  value: number | null;
  violated: boolean | null;
  failingSample: string | null;
}

export async function insertResults(db: Queryable, rows: ResultRow[]): Promise<void> {
  const ts = (ms: number | null) => (ms === null ? null : formatTimestamp(ms));
  // One statement for the evaluation's rows (a round trip per row cost more than the metrics on small tables).
  for (let from = 0; from < rows.length; from += 50) {
    const chunk = rows.slice(from, from + 50);
    const params: Value[] = [];
    const tuples = chunk.map((r) => {
      const values: Value[] = [
        ts(r.scheduledTime),
        ts(r.changeCommitTime),
        ts(r.measurementTime),
        r.association.table,
        r.association.metric,
        r.association.schema,
        argumentNames(r.association.args),
        r.association.referenceId,
        r.value,
        r.association.expectation?.name ?? null,
        r.association.expectation?.text ?? null,
        r.violated,
        r.failingSample,
      ];
      const at = params.length;
      params.push(...values);
      const p = (i: number) => `$${at + i + 1}`;
      return `(CAST(${p(0)} AS TIMESTAMP), CAST(${p(1)} AS TIMESTAMP), CAST(${p(2)} AS TIMESTAMP), ${values
        .slice(3)
        .map((_, i) =>
          i === 5
            ? `CAST(${p(i + 3)} AS DOUBLE PRECISION)`
            : i === 8
              ? `CAST(${p(i + 3)} AS BOOLEAN)`
              : p(i + 3),
        )
        .join(', ')})`;
    });
    await db.query(`INSERT INTO dtlab.dmf_results VALUES ${tuples.join(', ')}`, params);
  }
}
