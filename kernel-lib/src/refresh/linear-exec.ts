/**
 * The executor's linear parts: a projection's weighted rows applied to the DT (plan/rows.ts), and a linear
 * aggregate's delta merged into its state (plan/linear.ts), with the extremes (MIN/MAX) of the groups a
 * delete reached recomputed from the sources, restricted to those groups. Runs inside the refresh's
 * transaction; statements whose results are not read are deferred (`exec`).
 */

import { exec, type Queryable, quoteIdent, type SqlFamily } from '../backends/backend.js';
import { duckdbCapturedSources } from '../capture/capture.js';
import { changeTable } from '../capture/duckdb.js';
import { dialectOf } from '../dialect/index.js';
import type { OutputColumn } from '../plan/full.js';
import { KEYS_TABLE, restrictedQuery } from '../plan/incremental.js';
import {
  extremeHit,
  extremesSql,
  joinedText,
  type LinearPlan,
  mergeSet,
  mergeStateSql,
  stateAggregateColumns,
  stateTable,
} from '../plan/linear.js';
import { deleteRowsSql, expandedRowsSql, ROWS_TABLE, rowsDeltaSql, rowsSummarySql } from '../plan/rows.js';
import type { QueryShape } from '../plan/shape.js';
import { translateSql } from '../sql/translate.js';
import type { ExpectationRun } from './expectations.js';

/** What the rows strategy needs from the refresh. */
export interface RowsWork {
  dt: string;
  query: string;
  shape: QueryShape;
  changed: Map<string, string[]>;
  insertsOnly: ReadonlySet<string>;
  output: OutputColumn[];
  /** Makes a statement of the plan ready to send: translated, the position bound. */
  bind: (sql: string) => string;
  /** The DT's expectations: the change's rows are judged, and those not in the DT leave the change. */
  expectations?: ExpectationRun;
}

/**
 * Applies a projection's change to the DT: k copies deleted per row of weight −k, k inserted per row of
 * weight +k. On DuckDB, a DT that others read records the same rows as its own change.
 */
export async function applyRows(
  tx: Queryable,
  family: SqlFamily,
  work: RowsWork,
): Promise<{ rowsInserted: number; rowsDeleted: number }> {
  const { dt, output } = work;
  const input = { family, changed: work.changed, insertsOnly: work.insertsOnly };
  await exec(tx, `DROP TABLE IF EXISTS ${ROWS_TABLE}`);
  await exec(
    tx,
    `CREATE TEMP TABLE ${ROWS_TABLE} AS ${work.bind(rowsDeltaSql(work.query, work.shape, input, output))}`,
  );
  // With expectations, the statement judging the change answers its summary too (refresh/expectations.ts).
  const summary = work.expectations?.active
    ? await work.expectations.judgeDelta(tx, output)
    : ((await tx.query(rowsSummarySql(output.length))).rows[0] ?? []).map(Number);
  const [withNulls, rowsDeleted, rowsInserted] = summary as [number, number, number];
  const emits = dialectOf(family).engineCaptures && (await duckdbCapturedSources(tx)).has(dt);
  const seq = emits ? Number((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]) : 0;
  const record = async (sign: 1 | -1) => {
    const rows = expandedRowsSql(output.length, sign).replace('SELECT ', `SELECT ${seq}, ${sign}, `);
    if (emits) await exec(tx, `INSERT INTO ${changeTable(dt)} ${rows}`);
  };
  if (rowsDeleted > 0) {
    await record(-1);
    await exec(tx, deleteRowsSql(dt, family, output, false));
    if (withNulls > 0) await exec(tx, deleteRowsSql(dt, family, output, true));
  }
  if (rowsInserted > 0) {
    const columns = output.map((c) => quoteIdent(c.name)).join(', ');
    await exec(tx, `INSERT INTO ${quoteIdent(dt)} (${columns}) ${expandedRowsSql(output.length, 1)}`);
    await record(1);
  }
  await exec(tx, `DROP TABLE IF EXISTS ${ROWS_TABLE}`);
  return { rowsInserted, rowsDeleted };
}

/** `UPDATE state AS dtlab_s SET … FROM <from> AS dtlab_d` matching keys by `=`, then NULL keys apart. */
async function updateByKeys(
  tx: Queryable,
  state: string,
  set: string,
  from: string,
  keys: string[],
  nulls: boolean,
) {
  const equal = keys.map((k) => `dtlab_s.${k} = dtlab_d.${k}`).join(' AND ');
  await exec(tx, `UPDATE ${state} AS dtlab_s SET ${set} FROM ${from} AS dtlab_d WHERE ${equal}`);
  if (!nulls) return;
  const same = keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ');
  const anyNull = keys.map((k) => `dtlab_d.${k} IS NULL`).join(' OR ');
  await exec(
    tx,
    `UPDATE ${state} AS dtlab_s SET ${set} FROM ${from} AS dtlab_d WHERE (${anyNull}) AND ${same}`,
  );
}

/** What merging a linear delta needs from the refresh. */
export interface MergeWork {
  dt: string;
  query: string;
  shape: QueryShape;
  plan: LinearPlan;
  family: SqlFamily;
  now: number;
  /**
   * Whether the delta may hold rows of negative weight: some change deletes, or a term reads the old state
   * of another changed reference. Without, no extreme can be reached and none is looked at.
   */
  mayDelete: boolean;
}

/**
 * Adds the delta in KEYS_TABLE (per group: weighted counts and sums, the extremes inserted and deleted) to
 * the state and drops groups whose count reached 0. Keys match with `=`, then (only when the delta has some)
 * NULL keys apart, so both backends can hash-join. The groups whose change deleted a value at or beyond
 * their MIN/MAX (or that are new and deleted anything) have their extremes recomputed from the sources,
 * restricted to those groups; no other group is read.
 */
export async function mergeDelta(tx: Queryable, work: MergeWork, nullKeys: boolean) {
  const { shape, plan } = work;
  const state = stateTable(work.dt);
  const set = mergeSet(plan);
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const hit = work.mayDelete ? extremeHit(plan) : undefined;
  if (keys.length === 0) {
    // The one row of a whole-table aggregate: its extremes are recomputed, from every row, only when a
    // deleted value reached one of them.
    const redo =
      hit !== undefined &&
      Number(
        (await tx.query(`SELECT count(*) FROM ${KEYS_TABLE} AS dtlab_d, ${state} AS dtlab_s WHERE ${hit}`))
          .rows[0]?.[0],
      ) > 0;
    await exec(tx, `UPDATE ${state} AS dtlab_s SET ${set} FROM ${KEYS_TABLE} AS dtlab_d`);
    if (redo) await recomputeWholeExtremes(tx, work);
    return;
  }
  const equal = keys.map((k) => `dtlab_s.${k} = dtlab_d.${k}`).join(' AND ');
  if (hit) {
    // Before the merge: compared with the old extremes. A NULL key never matches here, so its group counts
    // as new (recomputed if it deleted anything): conservative, and rare.
    await exec(tx, 'DROP TABLE IF EXISTS dtlab_redo');
    await exec(
      tx,
      `CREATE TEMP TABLE dtlab_redo AS SELECT ${keys.map((k) => `dtlab_d.${k}`).join(', ')} FROM ${KEYS_TABLE} AS dtlab_d LEFT JOIN ${state} AS dtlab_s ON ${equal} WHERE ${hit}`,
    );
  }
  if (dialectOf(work.family).hashesNotDistinct) {
    await exec(tx, mergeStateSql(state, KEYS_TABLE, plan, keys, work.mayDelete));
    if (hit) await recomputeExtremes(tx, work, nullKeys);
    return;
  }
  await updateByKeys(tx, state, set, KEYS_TABLE, keys, nullKeys);
  const columns = [...keys, ...stateAggregateColumns(plan)].join(', ');
  await exec(
    tx,
    `INSERT INTO ${state} (${columns}) SELECT ${columns} FROM ${KEYS_TABLE} AS dtlab_d WHERE NOT (${keys.map((k) => `dtlab_d.${k} IS NULL`).join(' OR ')}) AND NOT EXISTS (SELECT 1 FROM ${state} AS dtlab_s WHERE ${equal})`,
  );
  if (nullKeys) {
    const same = keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ');
    await exec(
      tx,
      `INSERT INTO ${state} (${columns}) SELECT ${columns} FROM ${KEYS_TABLE} AS dtlab_d WHERE (${keys.map((k) => `dtlab_d.${k} IS NULL`).join(' OR ')}) AND NOT EXISTS (SELECT 1 FROM ${state} AS dtlab_s WHERE ${same})`,
    );
  }
  // Only a group of the delta can have lost its last row, and only if the delta may delete.
  if (work.mayDelete) {
    const emptied = (match: string) =>
      `DELETE FROM ${state} AS dtlab_s USING ${KEYS_TABLE} AS dtlab_d WHERE ${match} AND dtlab_s.dtlab_n = 0`;
    await exec(tx, emptied(equal));
    if (nullKeys)
      await exec(
        tx,
        emptied(keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ')),
      );
  }
  if (hit) await recomputeExtremes(tx, work, nullKeys);
}

/** The extremes of a whole-table aggregate's one state row, from the sources. */
async function recomputeWholeExtremes(tx: Queryable, work: MergeWork) {
  const { query, shape, plan } = work;
  const extremes = plan.aggregates.flatMap((a, j) =>
    a.fn === 'min' || a.fn === 'max' ? [`a${j + 1}_m`] : [],
  );
  const sql = translateSql(extremesSql(query, shape, plan, joinedText(query, shape)), work.family, {
    now: work.now,
  }).text;
  const set = extremes.map((c) => `${c} = dtlab_d.${c}`).join(', ');
  await exec(tx, `UPDATE ${stateTable(work.dt)} SET ${set} FROM (${sql}) AS dtlab_d`);
}

/** The extremes of the groups in dtlab_redo, from the sources (the inner join, restricted to them). */
async function recomputeExtremes(tx: Queryable, work: MergeWork, nullKeys: boolean) {
  const { query, shape, plan } = work;
  const state = stateTable(work.dt);
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const extremes = plan.aggregates.flatMap((a, j) =>
    a.fn === 'min' || a.fn === 'max' ? [`a${j + 1}_m`] : [],
  );
  if (Number((await tx.query('SELECT count(*) FROM dtlab_redo')).rows[0]?.[0]) === 0) {
    await exec(tx, 'DROP TABLE dtlab_redo');
    return;
  }
  await updateByKeys(tx, state, extremes.map((c) => `${c} = NULL`).join(', '), 'dtlab_redo', keys, nullKeys);
  for (const withNulls of nullKeys ? [false, true] : [false]) {
    const restricted = restrictedQuery(joinedText(query, shape), shape, withNulls, 'dtlab_redo');
    const sql = translateSql(extremesSql(query, shape, plan, restricted), work.family, {
      now: work.now,
    }).text;
    const set = extremes.map((c) => `${c} = dtlab_d.${c}`).join(', ');
    await updateByKeys(tx, state, set, `(${sql})`, keys, withNulls);
  }
  await exec(tx, 'DROP TABLE dtlab_redo');
}
