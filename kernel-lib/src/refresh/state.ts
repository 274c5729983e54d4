/**
 * The state kept beside a DT that an incremental refresh maintains (plan/linear.ts per-group counts and sums,
 * plan/nested.ts a subquery's result): built at CREATE and after a full refresh, partly recomputed during an
 * incremental one (hidden keys, nested subqueries), dropped with the DT.
 */
import { exec, type Queryable, type SqlFamily } from '../backends/backend.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import { dtKeyCondition, KEYS_TABLE, restrictedQuery } from '../plan/incremental.js';
import { type LinearPlan, stateSelectSql, stateTable, stateTableName } from '../plan/linear.js';
import { innerKeyColumns, type NestedPlan, outerKeysSql, STATE, stateSql } from '../plan/nested.js';
import type { QueryShape } from '../plan/shape.js';
import type { Strategy } from '../plan/strategy.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import type { IncrementalWork } from './incremental.js';
import { strategyOf } from './planning.js';

/**
 * A DT with hidden keys (plan/linear.ts): the state rows of the hidden keys in KEYS_TABLE are deleted and
 * recomputed from the query restricted to those keys.
 */
export async function recomputeState(
  tx: Queryable,
  family: SqlFamily,
  work: IncrementalWork,
  plan: LinearPlan,
  hidden: QueryShape,
  nullKeys: boolean,
) {
  const state = stateTable(work.dt.name);
  const columns = plan.hidden.map((_h, i) => `h${i + 1}`);
  for (const withNulls of nullKeys ? [false, true] : [false]) {
    const condition = dtKeyCondition(columns, [], withNulls);
    await tx.query(`DELETE FROM ${state} WHERE ${condition}`);
    const select = stateSelectSql(
      plannedQuery(work.dt.query),
      work.shape,
      plan,
      restrictedQuery(plannedQuery(work.dt.query), hidden, withNulls),
    );
    await tx.query(`INSERT INTO ${state} ${translateSql(select, family, { now: work.now }).text}`);
  }
}

/**
 * An aggregate or join over an aggregating subquery (plan/nested.ts): KEYS_TABLE holds the subquery's keys a
 * change touched. Their state rows are recomputed, and KEYS_TABLE is replaced by the outer keys the change
 * touched, found before and after (plan/nested.ts `outerKeysSql`) — the DT's groups to recompute. `bind`
 * translates a statement and binds the position the changes are read after.
 */
export async function updateNestedState(
  tx: Queryable,
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
) {
  const state = stateTable(work.dt.name);
  const sql = (text: string) => nested.bind(text.replaceAll(STATE, state));
  const variants = nested.nullKeys ? [false, true] : [false];
  const recompute = async () => {
    for (const withNulls of nested.touched ? variants : []) {
      await exec(tx, `DELETE FROM ${state} WHERE ${dtKeyCondition(innerKeyColumns(plan), [], withNulls)}`);
      const rows = restrictedQuery(plan.inner.text, plan.inner.shape, withNulls);
      await exec(tx, `INSERT INTO ${state} ${sql(stateSql(plan, rows))}`);
    }
  };
  // A window over the kept groups (plan/window.ts), or a subquery reading the kept rows again: the DT is
  // recomputed whole from the state.
  if (plan.whole) return recompute();
  const touched = variants.map((v) => `(${dtKeyCondition(innerKeyColumns(plan), [], v)})`).join(' OR ');
  const outerKeys = sql(outerKeysSql(plan, family, nested.changed, touched));
  await exec(tx, 'DROP TABLE IF EXISTS dtlab_outer_keys');
  await exec(tx, `CREATE TEMP TABLE dtlab_outer_keys AS ${outerKeys}`);
  await recompute();
  await exec(tx, `INSERT INTO dtlab_outer_keys ${outerKeys}`);
  await exec(tx, `DROP TABLE ${KEYS_TABLE}`);
  await exec(tx, `CREATE TEMP TABLE ${KEYS_TABLE} AS SELECT DISTINCT * FROM dtlab_outer_keys`);
  await exec(tx, 'DROP TABLE dtlab_outer_keys');
}

/** Builds a linear DT's state from scratch (with a full refresh, which reads the same snapshot). */
export async function rebuildState(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  strategy: Strategy,
  now: number,
) {
  const state = stateTable(dt.name);
  if (strategy.kind === 'keys' && strategy.nested) {
    const plan = strategy.nested;
    await exec(tx, `DROP TABLE IF EXISTS ${state}`);
    const select = translateSql(stateSql(plan), family, { now }).text;
    await exec(tx, `CREATE TABLE ${state} AS ${select}`);
    if (dialectOf(family).indexesState)
      await exec(tx, `CREATE INDEX ON ${state} (${innerKeyColumns(plan).join(', ')})`);
    return;
  }
  if (strategy.kind !== 'linear' || strategy.plan.rows) return;
  await tx.query(`DROP TABLE IF EXISTS ${state}`);
  const select = translateSql(stateSelectSql(plannedQuery(dt.query), strategy.shape, strategy.plan), family, {
    now,
  }).text;
  await tx.query(`CREATE TABLE ${state} AS ${select}`);
  const keys = [
    ...strategy.shape.keys.map((_k, i) => `k${i + 1}`),
    ...strategy.plan.hidden.map((_h, i) => `h${i + 1}`),
  ];
  if (keys.length > 0 && dialectOf(family).indexesState)
    await tx.query(`CREATE INDEX ON ${state} (${keys.join(', ')})`);
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
  await rebuildState(tx, family, { ...dt, query }, strategy, now);
}

/** Drops a DT's incremental state, if it has one (DROP, RENAME, CREATE OR REPLACE). */
export async function dropState(tx: Queryable, dt: string): Promise<void> {
  await tx.query(`DROP TABLE IF EXISTS ${stateTable(dt)}`);
}
