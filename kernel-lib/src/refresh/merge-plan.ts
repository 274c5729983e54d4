/**
 * The plan merging a linear aggregate's delta (KEYS_TABLE: per group, weighted counts and sums, the extremes
 * inserted and deleted) into its state (plan/linear.ts), with the extremes (MIN/MAX) of the groups a delete
 * reached recomputed from the sources, restricted to those groups. Pure: refresh/executor.ts runs it.
 */
import type { SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
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
import type { QueryShape } from '../plan/shape.js';
import { translateSql } from '../sql/translate.js';
import { type NullKeys, nullKeysGate } from './replace.js';
import { ask, countOf, type RefreshPlan, type RefreshStep, run } from './steps.js';

/** The table of the groups whose extremes are recomputed. */
const REDO = 'dtlab_redo';

/** What merging a linear delta needs from the refresh. */
export interface MergeWork {
  dt: string;
  query: string;
  shape: QueryShape;
  linear: LinearPlan;
  family: SqlFamily;
  now: number;
  /** The query's sources (read when extremes are recomputed). */
  sources: string[];
  /**
   * Whether the delta may hold rows of negative weight: some change deletes, or a term reads the old state
   * of another changed reference. Without, no extreme can be reached and none is looked at.
   */
  mayDelete: boolean;
  /**
   * Whether the delta reads one changed table, once: each of its rows of positive weight is then a row of the
   * new result, and a delete replaced by a value at or beyond it needs no recompute (plan/linear.ts extremeHit).
   */
  exactDelta: boolean;
}

/** ` AND <gate>` for the statements of NULL-part keys when nobody looked whether there are any (replace.ts). */
const gateOf = (nulls: NullKeys, keyCount: number) =>
  nulls === 'gated' ? ` AND ${nullKeysGate(keyCount)}` : '';

/**
 * `UPDATE state AS dtlab_s SET … FROM <from> AS dtlab_d` matching keys by `=`, then NULL keys apart; `gate`
 * is added to every statement (those of a source restricted to NULL keys).
 */
function updateByKeys(
  label: string,
  state: string,
  set: string,
  from: { sql: string; reads: string[] },
  keys: string[],
  nulls: NullKeys,
  gate = '',
): RefreshStep[] {
  const equal = keys.map((k) => `dtlab_s.${k} = dtlab_d.${k}`).join(' AND ');
  const same = keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ');
  const reads = [...from.reads, state];
  const sql = `UPDATE ${state} AS dtlab_s SET ${set} FROM ${from.sql} AS dtlab_d`;
  if (nulls === 'matched') return [run(label, `${sql} WHERE ${same}${gate}`, reads, [state])];
  const steps = [run(label, `${sql} WHERE ${equal}${gate}`, reads, [state])];
  if (!nulls) return steps;
  const anyNull = keys.map((k) => `dtlab_d.${k} IS NULL`).join(' OR ');
  const nullGate = gate || gateOf(nulls, keys.length);
  return [
    ...steps,
    run(`${label} (NULL keys)`, `${sql} WHERE (${anyNull}) AND ${same}${nullGate}`, reads, [state]),
  ];
}

/**
 * Adds the delta to the state and drops groups whose count reached 0. Keys match with `=`, then (only when
 * the delta has some) NULL keys apart, so both backends can hash-join. The groups whose change deleted a
 * value at or beyond their MIN/MAX (or that are new and deleted anything) have their extremes recomputed
 * from the sources, restricted to those groups; no other group is read. `nullKeys` 'gated': the NULL-key
 * statements run behind `nullKeysGate` (refresh/replace.ts).
 */
export function* mergeDeltaPlan(work: MergeWork, nullKeys: NullKeys): RefreshPlan<void> {
  const { shape, linear } = work;
  const state = stateTable(work.dt);
  const set = mergeSet(linear);
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const hit = work.mayDelete ? extremeHit(linear, work.exactDelta) : undefined;
  const delta = { sql: KEYS_TABLE, reads: [KEYS_TABLE] };
  if (keys.length === 0) {
    // The one row of a whole-table aggregate: its extremes are recomputed, from every row, only when a
    // deleted value reached one of them.
    const look = `SELECT count(*) FROM ${KEYS_TABLE} AS dtlab_d, ${state} AS dtlab_s WHERE ${hit}`;
    const redo =
      hit !== undefined &&
      countOf((yield [ask('did a delete reach an extreme', look, [KEYS_TABLE, state])])[0]) > 0;
    const steps = [
      run(
        'merge the delta into the state',
        `UPDATE ${state} AS dtlab_s SET ${set} FROM ${KEYS_TABLE} AS dtlab_d`,
        [KEYS_TABLE, state],
        [state],
      ),
    ];
    yield redo ? [...steps, wholeExtremesStep(work)] : steps;
    return;
  }
  const equal = keys.map((k) => `dtlab_s.${k} = dtlab_d.${k}`).join(' AND ');
  const steps: RefreshStep[] = [];
  if (hit)
    // Before the merge: compared with the old extremes. A NULL key never matches here, so its group counts
    // as new (recomputed if it deleted anything): conservative, and rare.
    steps.push(
      run('drop the groups to recompute', `DROP TABLE IF EXISTS ${REDO}`, [], [REDO]),
      run(
        'find the groups whose extremes a delete reached',
        `CREATE TEMP TABLE ${REDO} AS SELECT ${keys.map((k) => `dtlab_d.${k}`).join(', ')} FROM ${KEYS_TABLE} AS dtlab_d LEFT JOIN ${state} AS dtlab_s ON ${equal} WHERE ${hit}`,
        [KEYS_TABLE, state],
        [REDO],
      ),
    );
  if (dialectOf(work.family).hashesNotDistinct) {
    const merge = mergeStateSql(state, KEYS_TABLE, linear, keys, work.mayDelete);
    steps.push(run('merge the delta into the state', merge, [KEYS_TABLE, state], [state]));
    yield steps;
    if (hit) yield* extremesPlan(work, nullKeys);
    return;
  }
  const [update, ...nullUpdate] = updateByKeys(
    'add the delta to existing groups',
    state,
    set,
    delta,
    keys,
    nullKeys,
  );
  const columns = [...keys, ...stateAggregateColumns(linear)].join(', ');
  const anyNull = keys.map((k) => `dtlab_d.${k} IS NULL`).join(' OR ');
  const insert = `INSERT INTO ${state} (${columns}) SELECT ${columns} FROM ${KEYS_TABLE} AS dtlab_d WHERE`;
  const fresh = `${insert} NOT (${anyNull}) AND NOT EXISTS`;
  if (dialectOf(work.family).modifyingCtes && update) {
    // The groups the update found, returned: the delta's other keys are the new groups (at SF 1, 60 950 keys:
    // 220–330 ms probing the state's index again for none, against a hashed anti-join of the update's keys).
    const returned = keys.map((k) => `dtlab_s.${k}`).join(', ');
    steps.push(
      run(
        'add the delta to existing groups, insert the new groups',
        `WITH dtlab_updated AS (${update.sql} RETURNING ${returned})
${fresh} (SELECT 1 FROM dtlab_updated AS dtlab_s WHERE ${equal})`,
        [KEYS_TABLE, state],
        [state],
      ),
      ...nullUpdate,
    );
  } else
    steps.push(
      ...(update ? [update] : []),
      ...nullUpdate,
      run(
        'insert the new groups',
        `${fresh} (SELECT 1 FROM ${state} AS dtlab_s WHERE ${equal})`,
        [KEYS_TABLE, state],
        [state],
      ),
    );
  const same = keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ');
  const gate = gateOf(nullKeys, keys.length);
  if (nullKeys)
    steps.push(
      run(
        'insert the new groups (NULL keys)',
        `${insert} (${anyNull}) AND NOT EXISTS (SELECT 1 FROM ${state} AS dtlab_s WHERE ${same})${gate}`,
        [KEYS_TABLE, state],
        [state],
      ),
    );
  // Only a group of the delta can have lost its last row, and only if the delta may delete.
  if (work.mayDelete) {
    const emptied = (match: string) =>
      `DELETE FROM ${state} AS dtlab_s USING ${KEYS_TABLE} AS dtlab_d WHERE ${match} AND dtlab_s.dtlab_n = 0`;
    steps.push(run('delete the emptied groups', emptied(equal), [KEYS_TABLE], [state]));
    if (nullKeys)
      steps.push(
        run('delete the emptied groups (NULL keys)', `${emptied(same)}${gate}`, [KEYS_TABLE], [state]),
      );
  }
  yield steps;
  if (hit) yield* extremesPlan(work, nullKeys);
}

const extremeColumns = (linear: LinearPlan) =>
  linear.aggregates.flatMap((a, j) => (a.fn === 'min' || a.fn === 'max' ? [`a${j + 1}_m`] : []));

/** The extremes of a whole-table aggregate's one state row, from the sources. */
function wholeExtremesStep(work: MergeWork): RefreshStep {
  const { query, shape, linear } = work;
  const sql = translateSql(extremesSql(query, shape, linear, joinedText(query, shape)), work.family, {
    now: work.now,
  }).text;
  const set = extremeColumns(linear)
    .map((c) => `${c} = dtlab_d.${c}`)
    .join(', ');
  const state = stateTable(work.dt);
  return run('recompute the extremes', `UPDATE ${state} SET ${set} FROM (${sql}) AS dtlab_d`, work.sources, [
    state,
  ]);
}

/** The extremes of the groups in dtlab_redo, from the sources (the inner join, restricted to them). */
function* extremesPlan(work: MergeWork, nullKeys: NullKeys): RefreshPlan<void> {
  const { query, shape, linear } = work;
  const state = stateTable(work.dt);
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const extremes = extremeColumns(linear);
  const drop = run('drop the groups to recompute', `DROP TABLE ${REDO}`, [], [REDO]);
  const [count] = yield [ask('count the groups to recompute', `SELECT count(*) FROM ${REDO}`, [REDO])];
  if (countOf(count) === 0) {
    yield [drop];
    return;
  }
  const redo = { sql: REDO, reads: [REDO] };
  const clear = extremes.map((c) => `${c} = NULL`).join(', ');
  const steps = updateByKeys('clear their extremes', state, clear, redo, keys, nullKeys);
  const variants: (boolean | 'all')[] = nullKeys === 'matched' ? ['all'] : nullKeys ? [false, true] : [false];
  for (const withNulls of variants) {
    const restricted = restrictedQuery(joinedText(query, shape), shape, withNulls, REDO);
    const sql = translateSql(extremesSql(query, shape, linear, restricted), work.family, {
      now: work.now,
    }).text;
    const set = extremes.map((c) => `${c} = dtlab_d.${c}`).join(', ');
    const from = { sql: `(${sql})`, reads: [...work.sources, REDO] };
    // The NULL keys' recompute reads the sources restricted to them: gated as a whole when not looked for.
    const gate = withNulls === true ? gateOf(nullKeys, keys.length) : '';
    const nulls = withNulls === 'all' ? 'matched' : withNulls;
    steps.push(...updateByKeys('recompute their extremes', state, set, from, keys, nulls, gate));
  }
  yield [...steps, drop];
}
