/**
 * The state kept beside a DT that an incremental refresh maintains (plan/linear.ts per-group counts and sums,
 * plan/nested.ts a subquery's result): built at CREATE and after a full refresh, partly recomputed during an
 * incremental one (hidden keys, nested subqueries), dropped with the DT.
 */
import type { Queryable, SqlFamily } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import { allDistinctStates } from '../plan/distinct.js';
import { dtKeyCondition, KEYS_TABLE, restrictedQuery } from '../plan/incremental.js';
import { type LinearPlan, stateSelectSql, stateTable, stateTableName } from '../plan/linear.js';
import { executable, innerKeyColumns, type NestedPlan, outerKeysSql, stateSql } from '../plan/nested.js';
import { OLD_ROWS, outerJoinKeysSql } from '../plan/nested-outer.js';
import type { QueryShape } from '../plan/shape.js';
import type { Strategy } from '../plan/strategy.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import { distinctBuildSteps } from './distinct-plan.js';
import { runPlan } from './executor.js';
import type { IncrementalWork } from './incremental-work.js';
import { strategyOf } from './planning.js';
import { keyIndex, keyIndexSteps } from './state-index.js';
import { onePhase, type RefreshStep, run } from './steps.js';

/**
 * A DT with hidden keys (plan/linear.ts): the state rows of the hidden keys in KEYS_TABLE are deleted and
 * recomputed from the query restricted to those keys.
 */
export function recomputeStateSteps(
  family: SqlFamily,
  work: IncrementalWork,
  plan: LinearPlan,
  hidden: QueryShape,
  nullKeys: boolean,
): RefreshStep[] {
  const state = stateTable(work.dt.name);
  const columns = plan.hidden.map((_h, i) => `h${i + 1}`);
  const sources = work.dt.sources.map((s) => s.name);
  return (nullKeys ? [false, true] : [false]).flatMap((withNulls) => {
    const condition = dtKeyCondition(columns, [], withNulls);
    const select = stateSelectSql(
      plannedQuery(work.dt.query),
      work.shape,
      plan,
      restrictedQuery(plannedQuery(work.dt.query), hidden, withNulls),
    );
    const text = translateSql(select, family, { now: work.now }).text;
    const note = withNulls ? ' (NULL keys)' : '';
    return [
      run(
        `delete the affected groups' state${note}`,
        `DELETE FROM ${state} WHERE ${condition}`,
        [KEYS_TABLE],
        [state],
      ),
      run(`recompute their state${note}`, `INSERT INTO ${state} ${text}`, [...sources, KEYS_TABLE], [state]),
    ];
  });
}

/**
 * An aggregate or join over an aggregating subquery (plan/nested.ts): KEYS_TABLE holds the subquery's keys a
 * change touched. Their state rows are recomputed, and KEYS_TABLE is replaced by the outer keys the change
 * touched, found before and after (plan/nested.ts `outerKeysSql`), or around an outer join once, from the
 * kept rows as they were and as they are (plan/nested-outer.ts) — the DT's groups to recompute. `bind`
 * translates a statement and binds the position the changes are read after.
 */
export function nestedStateSteps(
  family: SqlFamily,
  work: IncrementalWork,
  plan: NestedPlan,
  nested: {
    nullKeys: boolean;
    /** Some table of the subquery changed (else only the tables joined to it did: the state stands). */
    touched: boolean;
    changed: ReadonlyMap<string, string[]>;
    bind: (sql: string) => string;
  },
): RefreshStep[] {
  const state = stateTable(work.dt.name);
  const sources = work.dt.sources.map((s) => s.name);
  const sql = (text: string) => nested.bind(executable(plan, text, state));
  const variants = nested.nullKeys ? [false, true] : [false];
  const recompute = (nested.touched ? variants : []).flatMap((withNulls) => {
    const rows = restrictedQuery(plan.inner.text, plan.inner.shape, withNulls);
    const note = withNulls ? ' (NULL keys)' : '';
    return [
      run(
        `delete the affected subquery rows${note}`,
        `DELETE FROM ${state} WHERE ${dtKeyCondition(innerKeyColumns(plan), [], withNulls)}`,
        [KEYS_TABLE],
        [state],
      ),
      run(
        `recompute the subquery rows${note}`,
        `INSERT INTO ${state} ${sql(stateSql(plan, rows))}`,
        [...sources, KEYS_TABLE],
        [state],
      ),
    ];
  });
  // A window over the kept groups (plan/window.ts), or a subquery reading the kept rows again: the DT is
  // recomputed whole from the state.
  if (plan.whole) return recompute;
  const outer = 'dtlab_outer_keys';
  const touched = variants.map((v) => `(${dtKeyCondition(innerKeyColumns(plan), [], v)})`).join(' OR ');
  // The outer keys read the kept rows and the changes of the tables joined to them.
  const joined = plan.outerShape.tables.map((t) => t.name).filter((t) => nested.changed.has(t));
  const reads = [state, KEYS_TABLE, ...new Set(joined)];
  const at = { state, touched, reads, outer };
  const collect = plan.outerJoined
    ? outerJoinedKeySteps(family, plan, nested, recompute, at)
    : beforeAndAfterKeySteps(family, plan, nested, recompute, at);
  return [
    ...collect,
    run('drop the subquery keys', `DROP TABLE ${KEYS_TABLE}`, [], [KEYS_TABLE]),
    run(
      'keep the outer keys as the affected keys',
      `CREATE TEMP TABLE ${KEYS_TABLE} AS SELECT DISTINCT * FROM ${outer}`,
      [outer],
      [KEYS_TABLE],
    ),
    run('drop the outer keys', `DROP TABLE ${outer}`, [], [outer]),
  ];
}

interface KeyStepsAt {
  state: string;
  /** Selects the kept rows of the touched subquery keys (over columns c1…cn). */
  touched: string;
  reads: string[];
  /** The table the outer keys are collected in. */
  outer: string;
}

type NestedChange = {
  touched: boolean;
  changed: ReadonlyMap<string, string[]>;
  bind: (sql: string) => string;
};

/** Joined by inner or comma joins: the outer keys collected before the kept rows are recomputed and after. */
function beforeAndAfterKeySteps(
  family: SqlFamily,
  plan: NestedPlan,
  nested: NestedChange,
  recompute: RefreshStep[],
  at: KeyStepsAt,
): RefreshStep[] {
  const { outer, reads } = at;
  const keys = nested.bind(
    executable(plan, outerKeysSql(plan, family, nested.changed, at.touched), at.state),
  );
  return [
    run('drop the outer keys', `DROP TABLE IF EXISTS ${outer}`, [], [outer]),
    run('collect the outer keys before', `CREATE TEMP TABLE ${outer} AS ${keys}`, reads, [outer]),
    ...recompute,
    run('collect the outer keys after', `INSERT INTO ${outer} ${keys}`, reads, [outer]),
  ];
}

/**
 * Around an outer join (plan/nested-outer.ts): the touched kept rows are set aside, recomputed, and the outer
 * keys collected once from them as they were and as they are.
 */
function outerJoinedKeySteps(
  family: SqlFamily,
  plan: NestedPlan,
  nested: NestedChange,
  recompute: RefreshStep[],
  at: KeyStepsAt,
): RefreshStep[] {
  const { state, touched, outer } = at;
  const moved = nested.touched ? { touched } : undefined;
  const keys = nested.bind(executable(plan, outerJoinKeysSql(plan, family, nested.changed, moved), state));
  const aside = nested.touched
    ? [
        run('drop the old subquery rows', `DROP TABLE IF EXISTS ${OLD_ROWS}`, [], [OLD_ROWS]),
        run(
          'set aside the subquery rows of the keys',
          `CREATE TEMP TABLE ${OLD_ROWS} AS SELECT * FROM ${state} WHERE ${touched}`,
          [state, KEYS_TABLE],
          [OLD_ROWS],
        ),
      ]
    : [];
  return [
    ...aside,
    ...recompute,
    run('drop the outer keys', `DROP TABLE IF EXISTS ${outer}`, [], [outer]),
    run(
      'collect the outer keys along the join keys, from the old and new subquery rows',
      `CREATE TEMP TABLE ${outer} AS ${keys}`,
      [...at.reads, ...(nested.touched ? [OLD_ROWS] : [])],
      [outer],
    ),
    ...(nested.touched ? [run('drop the old subquery rows', `DROP TABLE ${OLD_ROWS}`, [], [OLD_ROWS])] : []),
  ];
}

/** Builds a DT's state from scratch (with a full refresh, which reads the same snapshot). */
export function rebuildStateSteps(
  family: SqlFamily,
  dt: DynamicTable,
  strategy: Strategy,
  now: number,
  columns: readonly string[] = [],
): RefreshStep[] {
  return [...stateSteps(family, dt, strategy, now), ...keyIndexSteps(family, dt, strategy, columns)];
}

function stateSteps(family: SqlFamily, dt: DynamicTable, strategy: Strategy, now: number): RefreshStep[] {
  const state = stateTable(dt.name);
  const sources = dt.sources.map((s) => s.name);
  const drop = run('drop the state', `DROP TABLE IF EXISTS ${state}`, [], [state]);
  const build = (select: string, keys: string[]) => [
    drop,
    run('build the state', `CREATE TABLE ${state} AS ${select}`, sources, [state]),
    ...(keys.length > 0 && dialectOf(family).indexesState
      ? [run('index the state', `CREATE INDEX ON ${state} (${keys.join(', ')})`, [state], [state])]
      : []),
  ];
  if (strategy.kind === 'keys' && strategy.nested) {
    const plan = strategy.nested;
    return build(translateSql(stateSql(plan), family, { now }).text, innerKeyColumns(plan));
  }
  if (strategy.kind !== 'linear' || strategy.plan.rows) return [];
  const select = translateSql(stateSelectSql(plannedQuery(dt.query), strategy.shape, strategy.plan), family, {
    now,
  }).text;
  const keys = [
    ...strategy.shape.keys.map((_k, i) => `k${i + 1}`),
    ...strategy.plan.hidden.map((_h, i) => `h${i + 1}`),
  ];
  const context = { now, sources };
  return [
    ...build(select, keys),
    ...distinctBuildSteps(family, dt.name, plannedQuery(dt.query), strategy.shape, strategy.plan, context),
  ];
}

export async function stateExists(tx: Queryable, family: SqlFamily, dt: string): Promise<boolean> {
  const known = refreshMetadata(tx)?.dtlabRelations;
  if (known) return known.has(stateTableName(dt));
  const { rows } = await tx.query(dialectOf(family).dtlabRelationSql, [stateTableName(dt)]);
  return Number(rows[0]?.[0]) > 0;
}

/** After the initial refresh at CREATE: builds the state a linear DT is maintained from. */
export async function buildIncrementalState(tx: Queryable, family: SqlFamily, dt: DynamicTable, now: number) {
  const { strategy, query } = await strategyOf(tx, family, dt);
  const columns = dialectOf(family).indexesState
    ? (await describeColumns(tx, family, dt.name)).map((c) => c.name)
    : [];
  await runPlan(tx, onePhase(rebuildStateSteps(family, { ...dt, query }, strategy, now, columns)));
}

/** Drops a DT's incremental state, if it has one (DROP, RENAME, CREATE OR REPLACE). */
export async function dropState(tx: Queryable, dt: string): Promise<void> {
  await tx.query(`DROP TABLE IF EXISTS ${stateTable(dt)}`);
  // The key index goes with the state (keyIndexSteps): a renamed DT's is made anew under its new name.
  await tx.query(`DROP INDEX IF EXISTS ${keyIndex(dt)}`);
  // COUNT(DISTINCT)'s counted values (plan/distinct.ts), however many the DT had.
  for (const table of allDistinctStates(dt)) await tx.query(`DROP TABLE IF EXISTS ${table}`);
}
