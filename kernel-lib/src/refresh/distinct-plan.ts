/**
 * The steps keeping a linear aggregate's COUNT(DISTINCT) counted states (plan/distinct.ts): built with the
 * state, their changes of multiplicity computed before the delta's groups (whose distinct counts move by the
 * values that reach or leave 0), and merged after. Pure: refresh/executor.ts runs them.
 */
import type { SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import {
  distinctAggregates,
  distinctDelta,
  distinctDeltaSql,
  distinctKeys,
  distinctState,
  distinctStateSql,
  FINE_DELTA,
} from '../plan/distinct.js';
import { KEYS_TABLE } from '../plan/incremental.js';
import { groupDeltaSql, type LinearPlan, mergeStateSql } from '../plan/linear.js';
import type { QueryShape } from '../plan/shape.js';
import { translateSql } from '../sql/translate.js';
import { type RefreshStep, run } from './steps.js';

/** The counted states built from scratch (after the DT's state, in the same snapshot). */
export function distinctBuildSteps(
  family: SqlFamily,
  dt: string,
  query: string,
  shape: QueryShape,
  plan: LinearPlan,
  context: { now: number; sources: string[] },
): RefreshStep[] {
  return distinctAggregates(plan).flatMap(({ a, j }) => {
    const state = distinctState(dt, j);
    const select = translateSql(distinctStateSql(query, shape, a), family, { now: context.now }).text;
    return [
      run('drop the counted values', `DROP TABLE IF EXISTS ${state}`, [], [state]),
      run('build the counted values', `CREATE TABLE ${state} AS ${select}`, context.sources, [state]),
      ...(dialectOf(family).indexesState
        ? [run('index the counted values', `CREATE INDEX ON ${state} (v)`, [state], [state])]
        : []),
    ];
  });
}

/**
 * With COUNT(DISTINCT), the delta's groups in KEYS_TABLE come in three steps: the finer delta (`fine`, the
 * change's weighted aggregates per group and values of the COUNT(DISTINCT) arguments, bound SQL), each
 * COUNT(DISTINCT)'s change of multiplicity per (group, value) from it, and the per-group delta rolled up from
 * the finer one with the changes of the distinct counts. Without COUNT(DISTINCT): none (the delta is direct).
 */
export function distinctDeltaSteps(
  shape: QueryShape,
  plan: LinearPlan,
  dt: string,
  fine: { sql: string; reads: string[] },
): RefreshStep[] {
  const found = distinctAggregates(plan);
  if (found.length === 0) return [];
  const values = found.flatMap(({ j }) => {
    const table = distinctDelta(j);
    return [
      run('drop the changed values', `DROP TABLE IF EXISTS ${table}`, [], [table]),
      run(
        'count the changed values',
        `CREATE TEMP TABLE ${table} AS ${distinctDeltaSql(shape, j)}`,
        [FINE_DELTA],
        [table],
      ),
    ];
  });
  const counted = found.flatMap(({ j }) => [distinctDelta(j), distinctState(dt, j)]);
  return [
    run('drop the finer delta', `DROP TABLE IF EXISTS ${FINE_DELTA}`, [], [FINE_DELTA]),
    run(
      'compute the delta per group and value',
      `CREATE TEMP TABLE ${FINE_DELTA} AS ${fine.sql}`,
      fine.reads,
      [FINE_DELTA],
    ),
    ...values,
    run('drop the affected keys', `DROP TABLE IF EXISTS ${KEYS_TABLE}`, [], [KEYS_TABLE]),
    run(
      "compute the delta's groups",
      `CREATE TEMP TABLE ${KEYS_TABLE} AS ${groupDeltaSql(shape, plan, FINE_DELTA, dt)}`,
      [FINE_DELTA, ...counted],
      [KEYS_TABLE],
    ),
    run('drop the finer delta', `DROP TABLE ${FINE_DELTA}`, [], [FINE_DELTA]),
  ];
}

/**
 * The changes of multiplicity merged into the counted states (after the delta's groups read the old ones):
 * added, a value reaching 0 dropped, a new one inserted. The value matches by `=`, the keys by IS NOT
 * DISTINCT FROM beside it; a family that hashes IS NOT DISTINCT FROM merges in one statement.
 */
export function distinctMergeSteps(
  family: SqlFamily,
  dt: string,
  shape: QueryShape,
  plan: LinearPlan,
): RefreshStep[] {
  const keys = distinctKeys(shape);
  const same = [
    'dtlab_s.v = dtlab_d.v',
    ...keys.filter((k) => k !== 'v').map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`),
  ].join(' AND ');
  const columns = [...keys, 'dtlab_n'].join(', ');
  return distinctAggregates(plan).flatMap(({ j }) => {
    const [state, delta] = [distinctState(dt, j), distinctDelta(j)];
    const reads = [delta, state];
    const merge = dialectOf(family).hashesNotDistinct
      ? [
          run(
            'merge the changed values',
            mergeStateSql(state, delta, { aggregates: [], hidden: [] }, keys, true),
            reads,
            [state],
          ),
        ]
      : [
          run(
            'add the changed values',
            `UPDATE ${state} AS dtlab_s SET dtlab_n = dtlab_s.dtlab_n + dtlab_d.dtlab_n FROM ${delta} AS dtlab_d WHERE ${same}`,
            reads,
            [state],
          ),
          run(
            'insert the new values',
            `INSERT INTO ${state} (${columns}) SELECT ${columns} FROM ${delta} AS dtlab_d WHERE dtlab_d.dtlab_n > 0 AND NOT EXISTS (SELECT 1 FROM ${state} AS dtlab_s WHERE ${same})`,
            reads,
            [state],
          ),
          run(
            'delete the values no row has',
            `DELETE FROM ${state} AS dtlab_s USING ${delta} AS dtlab_d WHERE ${same} AND dtlab_s.dtlab_n = 0`,
            reads,
            [state],
          ),
        ];
    return [...merge, run('drop the changed values', `DROP TABLE ${delta}`, [], [delta])];
  });
}
