/**
 * One evaluation of a table's data metric functions at one instant of the lesson clock: every system metric
 * in one statement (quality/plan.ts: the scan, with one hashed GROUP BY per distinct column set; after the
 * dialect's `measurePreamble`, in its transaction; what the table's enforced constraints settle — NULL counts
 * of NOT NULL columns, distinct counts of sets holding a key — is left out of it, quality/constraints.ts),
 * each custom one in its own query, failing-row samples
 * for violated expectations, then the results, the table's score (with its DT expectations' latest
 * results) and one `quality` event.
 */
import {
  type Backend,
  exec,
  formatTimestamp,
  type Queryable,
  quoteIdent,
  type Value,
} from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { expectationMet } from '../sql/quality-ddl.js';
import { translateSql } from '../sql/translate.js';
import {
  type Association,
  type CustomDmf,
  insertResults,
  listAssociations,
  listCustomDmfs,
  type ResultRow,
} from './catalog.js';
import { constrainedSql, keyFactsOf, NO_FACTS } from './constraints.js';
import { customSql, lambdaCondition, SYSTEM_METRICS } from './metrics.js';
import { planMeasure } from './plan.js';
import { type Check, expectationCheck, type Score, scoreOf } from './score.js';

/** Rows a failing-row sample keeps. */
export const SAMPLE_ROWS = 5;

export interface MetricValue {
  referenceId: string;
  metric: string;
  arguments: string[];
  value: number | null;
  expectation: string | null;
  violated: boolean | null;
  /** A few rows the violated expectation is about (JSON objects), when the metric counts rows. */
  sample: Record<string, Value>[] | null;
}

export interface QualityEvaluation {
  table: string;
  measurementTime: number;
  /** SCHEDULED, TRIGGER_ON_CHANGES, REFRESH (a DT's expectations only) or MANUAL. */
  trigger: string;
  rows: number | null;
  metrics: MetricValue[];
  expectations: { name: string; action: string; rowsPassed: number; rowsFailed: number }[];
  score: Score;
  /** Real ms the evaluation took. */
  elapsedMs: number;
}

const num = (v: Value | undefined): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v);

const columnNames = (a: Association) => a.args.flatMap((x) => (x.kind === 'column' ? [x.name] : []));
const quotedColumns = (a: Association) => columnNames(a).map(quoteIdent);

/** Snowflake SQL of one system association's aggregate. */
function systemExpr(a: Association): string {
  const m = SYSTEM_METRICS[a.metric] as (typeof SYSTEM_METRICS)[string];
  return m.sql(quotedColumns(a), lambdaOf(a));
}

/** ACCEPTED_VALUES' condition over the column. */
function lambdaOf(a: Association): string | undefined {
  let lambda: { param: string; body: string } | undefined;
  let col: string | undefined;
  for (const x of a.args) {
    if (x.kind === 'lambda') lambda = x;
    if (x.kind === 'column') col ??= x.name;
  }
  return lambda && col ? lambdaCondition(lambda.param, lambda.body, col) : undefined;
}

function failingCondition(a: Association): string | undefined {
  if (a.schema !== 'CORE') return undefined;
  const m = SYSTEM_METRICS[a.metric] as (typeof SYSTEM_METRICS)[string];
  return m.failing?.(quotedColumns(a), lambdaOf(a));
}

function customQuery(a: Association, f: CustomDmf): string {
  const [first, ...others] = f.args;
  const plain = a.args.filter((x) => x.kind === 'column');
  const tables = a.args.filter((x) => x.kind === 'table');
  return customSql(f.body, [
    {
      arg: first?.name ?? 'arg_t',
      table: a.table,
      columns: (first?.columns ?? []).map((c, i) => ({
        param: c.name,
        column: (plain[i] as { name: string }).name,
      })),
    },
    ...others.map((o, i) => {
      const t = tables[i] as Extract<(typeof a.args)[number], { kind: 'table' }>;
      return {
        arg: o.name,
        table: t.table,
        columns: o.columns.map((c, j) => ({ param: c.name, column: t.columns[j] as string })),
      };
    }),
  ]);
}

/** Measures every DMF of `table` now; writes results and the score; returns what it measured. */
export async function evaluateTable(
  db: Backend,
  table: string,
  at: { now: number; scheduledTime: number | null; changeCommitTime: number | null; trigger: string },
): Promise<QualityEvaluation> {
  const started = performance.now();
  const dialect = dialectOf(db.family);
  const assocs = await listAssociations(db, table);
  const customs = new Map((await listCustomDmfs(db)).map((f) => [f.name, f]));
  const run = async (sql: string) =>
    (await db.query(translateSql(sql, db.family, { now: at.now }).text)).rows;

  const values = new Map<string, number | null>();
  const system = assocs.filter((a) => a.schema === 'CORE');
  // What the table's enforced constraints settle (NOT NULL columns, unique keys), in one dictionary query.
  const facts =
    system.length > 0 ? keyFactsOf((await db.query(dialect.keyFactsSql, [table])).rows) : NO_FACTS;
  const plan = planMeasure(
    table,
    system.map((a) => {
      const settled = constrainedSql(a.metric, columnNames(a), quotedColumns(a), facts);
      return {
        referenceId: a.referenceId,
        metric: SYSTEM_METRICS[a.metric] as (typeof SYSTEM_METRICS)[string],
        columns: quotedColumns(a),
        expr: settled ?? systemExpr(a),
        settled: settled !== undefined,
      };
    }),
    dialect.distinctInScan,
  );
  // The scan, after the dialect's settings for it (in one transaction where there are some).
  const preamble = dialect.measurePreamble;
  const scanText = translateSql(plan.sql, db.family, { now: at.now }).text;
  const [row] =
    preamble.length === 0
      ? (await db.query(scanText)).rows
      : await db.transaction(async (tx) => {
          for (const s of preamble) await exec(tx, s);
          return (await tx.query(scanText)).rows;
        });
  const rows = num(row?.[0]);
  for (const r of plan.reads) values.set(r.referenceId, num(row?.[r.column]));
  for (const a of assocs.filter((x) => x.schema === 'PUBLIC')) {
    const f = customs.get(a.metric);
    values.set(a.referenceId, f ? num((await run(customQuery(a, f)))[0]?.[0]) : null);
  }

  const metrics: MetricValue[] = [];
  const results: ResultRow[] = [];
  for (const a of assocs) {
    const value = values.get(a.referenceId) ?? null;
    const violated = a.expectation ? !expectationMet(a.expectation, value) : null;
    const cond = violated ? failingCondition(a) : undefined;
    let sample: Record<string, Value>[] | null = null;
    if (cond) {
      const r = await db.query(
        translateSql(`SELECT * FROM ${quoteIdent(table)} WHERE ${cond} LIMIT ${SAMPLE_ROWS}`, db.family, {
          now: at.now,
        }).text,
      );
      sample = r.rows.map((row) =>
        Object.fromEntries(r.columns.map((c, i) => [c.name, jsonSafe(row[i] ?? null)])),
      );
    }
    metrics.push({
      referenceId: a.referenceId,
      metric: a.schema === 'CORE' ? `SNOWFLAKE.CORE.${a.metric}` : a.metric,
      arguments: a.args.map((x) =>
        x.kind === 'column'
          ? x.name
          : x.kind === 'table'
            ? `TABLE(${x.table}(${x.columns.join(', ')}))`
            : `${x.param} -> ${x.body}`,
      ),
      value,
      expectation: a.expectation ? `${a.expectation.name} (${a.expectation.text})` : null,
      violated,
      sample,
    });
    results.push({
      scheduledTime: at.scheduledTime,
      changeCommitTime: at.changeCommitTime,
      measurementTime: at.now,
      association: a,
      value,
      violated,
      failingSample: sample ? JSON.stringify(sample) : null,
    });
  }
  const expectations = await latestExpectations(db, table);
  const score = scoreOf(checksOf(metrics, expectations));
  await db.transaction(async (tx) => {
    await insertResults(tx, results);
    await recordScore(tx, table, at.now, score, at.trigger);
  });
  return {
    table,
    measurementTime: at.now,
    trigger: at.trigger,
    rows,
    metrics,
    expectations,
    score,
    elapsedMs: performance.now() - started,
  };
}

export function checksOf(metrics: MetricValue[], expectations: QualityEvaluation['expectations']): Check[] {
  return [
    ...metrics
      .filter((m) => m.violated !== null)
      .map((m): Check => ({ source: 'metric', name: m.expectation ?? m.metric, score: m.violated ? 0 : 1 })),
    ...expectations.map((e) => expectationCheck(e.name, e.rowsPassed, e.rowsFailed)),
  ];
}

/** The expectations of a DT as its latest refresh with results saw them (dtlab.expectation_results). */
export async function latestExpectations(
  db: Backend,
  name: string,
): Promise<QualityEvaluation['expectations']> {
  const { rows } = await db.query(
    `SELECT expectation, action, rows_passed, rows_failed FROM dtlab.expectation_results
      WHERE name = $1 AND refresh_id = (SELECT max(refresh_id) FROM dtlab.expectation_results WHERE name = $1)
      ORDER BY expectation`,
    [name],
  );
  return rows.map((r) => ({
    name: String(r[0]),
    action: String(r[1]),
    rowsPassed: num(r[2]) ?? 0,
    rowsFailed: num(r[3]) ?? 0,
  }));
}

/** A score row; deferred into `db`'s next call where it defers (a refresh's transaction). */
export async function recordScore(
  db: Queryable,
  table: string,
  at: number,
  score: Score,
  trigger: string,
): Promise<void> {
  await exec(
    db,
    `INSERT INTO dtlab.quality_score_rows (table_name, measurement_time, score, state, checks, failing, trigger)
     VALUES ($1, CAST($2 AS TIMESTAMP), $3, $4, $5, $6, $7)`,
    [table, formatTimestamp(at), score.score, score.state, score.checks, score.failing, trigger],
  );
}

function jsonSafe(v: Value): Value {
  if (typeof v !== 'bigint') return v;
  return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
}
