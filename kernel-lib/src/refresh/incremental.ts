/**
 * Deciding a refresh's action from the captured changes, and the incremental executor. Both run inside the
 * refresh's transaction (REPEATABLE READ on Postgres), so the changes read, the source rows read and the
 * new position all belong to one snapshot.
 */
import {
  BackendError,
  exec,
  type Queryable,
  quoteIdent,
  type SqlFamily,
  sqlLiteral,
} from '../backends/backend.js';
import {
  captureIntact,
  changesSince,
  collectGarbage,
  currentPosition,
  duckdbCapturedSources,
  positionsOf,
  reinstallCapture,
  setPositions,
} from '../capture/capture.js';
import { changeTable } from '../capture/duckdb.js';
import { sourceColumnTypes } from '../catalog/catalog.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import { typeLookup } from '../plan/avg-scale.js';
import type { OutputColumn } from '../plan/full.js';
import { refreshSelect } from '../plan/full.js';
import {
  affectedKeysSql,
  dtKeyCondition,
  KEYS_TABLE,
  keyMatch,
  restrictedQuery,
} from '../plan/incremental.js';
import {
  deltaSql,
  hiddenKeyShape,
  type LinearPlan,
  outputFromStateSql,
  rolledUpState,
  stateSelectSql,
  stateTable,
  stateTableName,
} from '../plan/linear.js';
import { innerKeyColumns, type NestedPlan, outerKeysSql, STATE, stateSql } from '../plan/nested.js';
import type { QueryShape } from '../plan/shape.js';
import { chooseStrategy, keepsState, type Strategy } from '../plan/strategy.js';
import type { UnionPlan } from '../plan/union.js';
import { analyzeQuery } from '../sql/analyze.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import {
  type ActionDecision,
  type ChangeFacts,
  COST_RULE_MIN_ROWS,
  decideAction,
  type SourceChanges,
} from './decide.js';
import type { ExpectationRun } from './expectations.js';
import type { RefreshWork } from './full.js';
import { applyRows, mergeDelta } from './linear-exec.js';
import { planningQuery } from './planning.js';
import { keysLookSql, replaceRowsSql } from './replace.js';

/**
 * What capture says of each source since the DT's position (the I/O behind the pure `decideAction`,
 * refresh/decide.ts): whether it still stands, the changes' counts, and the source's size estimate where the
 * cost rule may need it.
 */
export async function gatherChanges(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
): Promise<ChangeFacts> {
  const position = await currentPosition(tx, family);
  const positions = await positionsOf(tx, dt.name);
  const sources: SourceChanges[] = [];
  for (const s of dt.sources.filter((x) => x.kind !== 'VIEW')) {
    const since = positions.get(s.name);
    if (since === undefined) sources.push({ source: s.name, kind: 'no-position' });
    else if (!(await captureIntact(tx, family, s.name))) sources.push({ source: s.name, kind: 'lost' });
    else {
      const summary = await changesSince(tx, family, s.name, since);
      const n = summary.inserted + summary.deleted;
      sources.push({
        source: s.name,
        kind: 'read',
        ...summary,
        ...(n >= COST_RULE_MIN_ROWS && dt.refreshMode === 'AUTO'
          ? { estimatedRows: await estimatedRows(tx, family, s.name) }
          : {}),
      });
    }
  }
  return { position, sources };
}

/**
 * Reinstalls a source's capture. A cycle of the scheduler may hold a share lock on the table (engine/fence.ts),
 * which the trigger's reinstall waits for: after 2 s this refresh fails, saying why, instead of waiting
 * forever (the next cycle, finding capture broken, runs without that lock).
 */
async function reinstallWithin(tx: Queryable, family: SqlFamily, source: string, dt: string): Promise<void> {
  const timeout = dialectOf(family).reinstallLockTimeout;
  if (!timeout) return reinstallCapture(tx, family, source, dt);
  await tx.query(timeout.set);
  try {
    await reinstallCapture(tx, family, source, dt);
  } catch (e) {
    if (e instanceof BackendError && e.sqlState === '55P03')
      // A BackendError without the lock code: recorded as a FAILED refresh (not as 'skipped').
      throw new BackendError(
        `capture on ${source} must be reinstalled, and a lock on ${source} (a refresh cycle's, or another transaction's) was not released within 2 s; the next refresh tries again`,
      );
    throw e;
  }
  await tx.query(timeout.reset);
}

/**
 * A table's row count as the catalog estimates it (the cost rule needs a size, not an exact count, and
 * counting a large table would cost more than the refresh). On PostgreSQL, a table never analysed has no
 * estimate: its size on disk over 64 bytes a row stands in (an overestimate, which favours incremental).
 * Counted only when there is nothing to estimate from.
 */
async function estimatedRows(tx: Queryable, family: SqlFamily, table: string): Promise<number> {
  const known = refreshMetadata(tx)?.estimatedRows.get(table);
  if (known !== undefined && known >= 0) return known;
  const estimate = await tx.query(dialectOf(family).estimatedRowsSql, [table]);
  const n = Number(estimate.rows[0]?.[0] ?? -1);
  if (n >= 0) return n;
  return Number((await tx.query(`SELECT count(*) FROM ${quoteIdent(table)}`)).rows[0]?.[0]);
}

export interface IncrementalWork {
  dt: DynamicTable;
  shape: QueryShape;
  /** Column names of every source. */
  columns: ReadonlyMap<string, string[]>;
  /** Present when the DT is maintained by linear deltas (plan/linear.ts). */
  linear?: LinearPlan;
  /** Present for a UNION ALL (plan/union.ts): each branch is maintained by affected keys. */
  union?: UnionPlan;
  /** Present for an aggregate over an aggregating subquery in FROM (plan/nested.ts). */
  nested?: NestedPlan;
  decision: ActionDecision;
  /** Storage columns of the DT (names, declared backend types). */
  output: OutputColumn[];
  now: number;
  /** The DT's expectations (refresh/expectations.ts): the rows written are judged; absent: none. */
  expectations?: ExpectationRun;
}

/**
 * Deletes the DT rows of the affected keys and recomputes them. On DuckDB, a DT that others read records its
 * own changes (Postgres triggers do that by themselves).
 */
export async function runIncremental(
  tx: Queryable,
  family: SqlFamily,
  work: IncrementalWork,
): Promise<{ rowsInserted: number; rowsDeleted: number }> {
  const { dt, shape, decision, output, linear, union, nested } = work;
  const previous = (await positionsOf(tx, dt.name)).values().next().value as string;
  const changed = new Map<string, string[]>();
  for (const s of decision.changed) changed.set(s, work.columns.get(s) ?? []);
  // Utility statements take no bind parameters: the position goes in as a literal.
  const bind = (sql: string) =>
    translateSql(sql, family, { now: work.now }).text.replaceAll('$1', sqlLiteral(previous));
  // A projection without aggregates: its weighted rows are applied to the DT as they are (no keys, no state).
  if (linear?.rows)
    return applyRows(tx, family, {
      dt: dt.name,
      query: plannedQuery(dt.query),
      shape,
      changed,
      insertsOnly: decision.insertsOnly,
      output,
      bind,
      ...(work.expectations ? { expectations: work.expectations } : {}),
    });
  // Statements whose results are not read go through `exec`: deferred into the next round trip (PostgreSQL
  // server, DuckDB), so a refresh costs fewer calls.
  await exec(tx, `DROP TABLE IF EXISTS ${KEYS_TABLE}`);
  const hidden = linear && linear.hidden.length > 0 ? hiddenKeyShape(shape, linear) : undefined;
  // The keys a change touches: the groups of the delta (linear), or those the change rows lead to.
  const keysSql =
    linear && !hidden
      ? deltaSql(plannedQuery(dt.query), shape, linear, family, changed, decision.insertsOnly)
      : union
        ? union.branches
            .map((b) => affectedKeysSql(b.text, b.shape, family, changed))
            .filter((part) => part !== '')
            .join('\nUNION\n')
        : nested
          ? affectedKeysSql(nested.inner.text, nested.inner.shape, family, changed)
          : affectedKeysSql(plannedQuery(dt.query), hidden ?? shape, family, changed);
  await exec(tx, `CREATE TEMP TABLE ${KEYS_TABLE} AS ${bind(keysSql)}`);
  const keyColumns = shape.keys.map((k) => (output[k] as OutputColumn).name);
  const keyTypes = shape.keys.map((k) => output[k]?.type);
  // A whole-table aggregate has one row: it is replaced.
  const condition = (withNulls: boolean, table = quoteIdent(dt.name)) =>
    shape.global ? '1 = 1' : dtKeyCondition(keyColumns, keyTypes, withNulls, table);
  const anyNullKey = async (s: QueryShape) =>
    !s.global && Number((await tx.query(keysLookSql(s.keys.length))).rows[0]?.[0]) !== 0;
  if (nested) await updateNestedState(tx, family, work, nested, await anyNullKey(nested.inner.shape));
  // Where the family counts the rows to delete ahead (refresh/replace.ts), the keys' NULL check counts them
  // too, and the DELETE then goes to the backend with the INSERT.
  const replace = dialectOf(family).replaceRows;
  const countAhead = !shape.global && replace === 'counted-ahead';
  const judged = work.expectations?.active ? work.expectations : undefined;
  let hasNullKeys = false;
  let rowsToDelete: number | undefined;
  if (!shape.global) {
    // Every affected key's rows (of `table`), NULL-part keys included.
    const anyKey = (table: string) =>
      dialectOf(family).hashesNotDistinct
        ? dtKeyCondition(keyColumns, keyTypes, 'all', table)
        : `${condition(false, table)} OR ${condition(true, table)}`;
    const rowsOf = { table: dt.name, condition: anyKey(quoteIdent(dt.name)) };
    // With expectations, the same look counts the keys and their quarantined and discarded rows.
    const extra = judged ? [`(SELECT count(*) FROM ${KEYS_TABLE})`, ...judged.lookSql(anyKey)] : [];
    const sql = keysLookSql(shape.keys.length, countAhead ? rowsOf : undefined, extra);
    const look = (await tx.query(sql)).rows[0] ?? [];
    hasNullKeys = Number(look[0]) !== 0;
    if (countAhead) rowsToDelete = Number(look[1]);
    judged?.saw(look.slice(countAhead ? 2 : 1));
  }
  if (linear && hidden) await recomputeState(tx, family, work, linear, hidden, await anyNullKey(hidden));
  else if (linear)
    await mergeDelta(
      tx,
      {
        dt: dt.name,
        query: plannedQuery(dt.query),
        shape,
        plan: linear,
        family,
        now: work.now,
        mayDelete:
          decision.changed.some((s) => !decision.insertsOnly.has(s)) ||
          shape.tables.filter((t) => changed.has(t.name)).length > 1,
      },
      hasNullKeys,
    );
  /** The DT's new rows for the affected keys: from the state, or the query restricted to the keys. */
  const rowsFor = (withNulls: boolean) => {
    if (nested) {
      const outer = nested.whole ? nested.outer : restrictedQuery(nested.outer, nested.outerShape, withNulls);
      const sql = outer.replaceAll(STATE, stateTable(dt.name));
      return translateSql(sql, family, { now: work.now }).text;
    }
    if (union) {
      const branches = union.branches.map((b) => restrictedQuery(b.text, b.shape, withNulls));
      const op = union.distinct ? '\nUNION\n' : '\nUNION ALL\n';
      return translateSql(branches.join(op), family, { now: work.now }).text;
    }
    if (!linear)
      return translateSql(restrictedQuery(plannedQuery(dt.query), shape, withNulls), family, {
        now: work.now,
      }).text;
    const keys = shape.keys.map((_k, i) => `dtlab_s.k${i + 1}`);
    const where = shape.global ? '' : keyMatch(keys, withNulls);
    const state = hidden ? rolledUpState(linear, stateTable(dt.name)) : stateTable(dt.name);
    return translateSql(outputFromStateSql(shape, linear, family, state, where), family).text;
  };
  const emits = dialectOf(family).engineCaptures && (await duckdbCapturedSources(tx)).has(dt.name);
  const seq = emits ? Number((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]) : 0;
  let rowsDeleted = 0;
  let rowsInserted = 0;
  if (replace === 'one-statement' && !shape.global && !hasNullKeys && !emits) {
    // One statement deletes the keys' rows and inserts their new ones, answering both counts (with
    // expectations: judging the new ones as it writes them, refresh/expectations.ts).
    const rows = refreshSelect(rowsFor(false), output);
    let counts: { deleted: number; inserted: number };
    if (judged) {
      await judged.deleteQuarantined(tx, (table) => condition(false, table));
      counts = await judged.write(tx, rows, (table) => condition(false, table), true);
    } else {
      const r = (await tx.query(replaceRowsSql(dt.name, condition(false), rows))).rows[0];
      counts = { deleted: Number(r?.[0]), inserted: Number(r?.[1]) };
    }
    await exec(tx, `DROP TABLE IF EXISTS ${KEYS_TABLE}`);
    return { rowsDeleted: counts.deleted, rowsInserted: counts.inserted };
  }
  for (const withNulls of hasNullKeys ? [false, true] : [false]) {
    if (emits)
      await exec(
        tx,
        `INSERT INTO ${changeTable(dt.name)} SELECT ${seq}, -1, * FROM ${quoteIdent(dt.name)} WHERE ${condition(withNulls)}`,
      );
    const remove = `DELETE FROM ${quoteIdent(dt.name)} WHERE ${condition(withNulls)}`;
    if (rowsToDelete !== undefined) await exec(tx, remove);
    else rowsDeleted += (await tx.query(remove)).rowCount;
    await work.expectations?.deleteQuarantined(tx, (table) => condition(withNulls, table));
  }
  if (rowsToDelete !== undefined) rowsDeleted = rowsToDelete;
  for (const withNulls of hasNullKeys ? [false, true] : [false]) {
    const rows = refreshSelect(rowsFor(withNulls), output);
    rowsInserted += judged
      ? (await judged.write(tx, rows, (table) => condition(withNulls, table))).inserted
      : (await tx.query(`INSERT INTO ${quoteIdent(dt.name)} ${rows}`)).rowCount;
  }
  if (emits) {
    for (const withNulls of hasNullKeys ? [false, true] : [false]) {
      await exec(
        tx,
        `INSERT INTO ${changeTable(dt.name)} SELECT ${seq}, 1, * FROM ${quoteIdent(dt.name)} WHERE ${condition(withNulls)}`,
      );
    }
  }
  await exec(tx, `DROP TABLE IF EXISTS ${KEYS_TABLE}`);
  return { rowsInserted, rowsDeleted };
}

/**
 * A DT with hidden keys (plan/linear.ts): the state rows of the hidden keys in KEYS_TABLE are deleted and
 * recomputed from the query restricted to those keys.
 */
async function recomputeState(
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
 * An aggregate over an aggregating subquery (plan/nested.ts): KEYS_TABLE holds the subquery's keys a change
 * touched. Their state rows are recomputed, and KEYS_TABLE is replaced by the outer keys of those rows before
 * and after — the DT's groups to recompute.
 */
async function updateNestedState(
  tx: Queryable,
  family: SqlFamily,
  work: IncrementalWork,
  plan: NestedPlan,
  nullKeys: boolean,
) {
  const state = stateTable(work.dt.name);
  const sql = (text: string) => translateSql(text.replaceAll(STATE, state), family, { now: work.now }).text;
  const variants = nullKeys ? [false, true] : [false];
  if (plan.whole) {
    // A window over the kept groups (plan/window.ts): the DT is recomputed whole from the state.
    for (const withNulls of variants) {
      await exec(tx, `DELETE FROM ${state} WHERE ${dtKeyCondition(innerKeyColumns(plan), [], withNulls)}`);
      const rows = restrictedQuery(plan.inner.text, plan.inner.shape, withNulls);
      await exec(tx, `INSERT INTO ${state} ${sql(stateSql(plan, rows))}`);
    }
    return;
  }
  const outerKeys = (withNulls: boolean) =>
    sql(outerKeysSql(plan, dtKeyCondition(innerKeyColumns(plan), [], withNulls)));
  await exec(tx, 'DROP TABLE IF EXISTS dtlab_outer_keys');
  for (const [i, withNulls] of variants.entries())
    await exec(
      tx,
      i === 0
        ? `CREATE TEMP TABLE dtlab_outer_keys AS ${outerKeys(withNulls)}`
        : `INSERT INTO dtlab_outer_keys ${outerKeys(withNulls)}`,
    );
  for (const withNulls of variants) {
    await exec(tx, `DELETE FROM ${state} WHERE ${dtKeyCondition(innerKeyColumns(plan), [], withNulls)}`);
    const rows = restrictedQuery(plan.inner.text, plan.inner.shape, withNulls);
    await exec(tx, `INSERT INTO ${state} ${sql(stateSql(plan, rows))}`);
  }
  for (const withNulls of variants) await exec(tx, `INSERT INTO dtlab_outer_keys ${outerKeys(withNulls)}`);
  await exec(tx, `DROP TABLE ${KEYS_TABLE}`);
  await exec(tx, `CREATE TEMP TABLE ${KEYS_TABLE} AS SELECT DISTINCT * FROM dtlab_outer_keys`);
  await exec(tx, 'DROP TABLE dtlab_outer_keys');
}

/** Builds a linear DT's state from scratch (with a full refresh, which reads the same snapshot). */
async function rebuildState(
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

async function stateExists(tx: Queryable, family: SqlFamily, dt: string): Promise<boolean> {
  const known = refreshMetadata(tx)?.dtlabRelations;
  if (known) return known.has(stateTableName(dt));
  const { rows } = await tx.query(dialectOf(family).dtlabRelationSql, [stateTableName(dt)]);
  return Number(rows[0]?.[0]) > 0;
}

/**
 * The strategy a DT is maintained by (decided from its text, as at CREATE), and the text its plans are
 * built from (`query`: the DT's own, or with CTEs, views and `*` written out; `views`: the views inlined).
 */
async function strategyOf(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
): Promise<{ strategy: Strategy; columns: Map<string, string[]>; query: string; views: string[] }> {
  // Lateral column aliases expanded (sql/select-rewrite.ts), then CTEs, views and `*` written out.
  const text = plannedQuery(dt.query);
  const analysis = analyzeQuery(text, () => false);
  const typed = await sourceColumnTypes(tx, family, dt.sources);
  const columns = new Map([...typed].map(([t, cols]) => [t, cols.map((c) => c.name)]));
  const full = (reason: string) => ({
    strategy: { kind: 'full' as const, reason },
    columns,
    query: dt.query,
    views: [],
  });
  if (!analysis.ast || dt.effectiveMode !== 'INCREMENTAL') return full(dt.refreshModeReason);
  // The same inputs as at CREATE (engine/create.ts), so the same strategy.
  const typeOf = dialectOf(family).avgFollowsScale ? typeLookup(typed) : undefined;
  const planned = await planningQuery(tx, family, { ...dt, query: text }, analysis.ast, columns);
  if ('reason' in planned) return full(planned.reason);
  const strategy = chooseStrategy(planned.text, planned.ast, (t) => columns.get(t), typeOf);
  return { strategy, columns, query: planned.text, views: planned.views };
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

/** After any successful refresh: the DT has consumed its sources' changes up to `position`. */
export async function advancePositions(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  position: string,
  changed: readonly string[],
): Promise<void> {
  const sources = dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
  await setPositions(tx, dt.name, sources, position);
  // Change rows between the old position and the new one exist only for a source whose window had some, so
  // only such a source's change table can have rows nobody needs now.
  for (const s of sources) if (changed.includes(s)) await collectGarbage(tx, family, s);
}

/** DuckDB full refresh of a DT that others read: record all old rows out and all new rows in. */
export async function emitFullRefresh(
  tx: Queryable,
  family: SqlFamily,
  dt: string,
  phase: 'before' | 'after',
): Promise<void> {
  if (!dialectOf(family).engineCaptures || !(await duckdbCapturedSources(tx)).has(dt)) return;
  const seq = Number((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]);
  await tx.query(
    `INSERT INTO ${changeTable(dt)} SELECT ${seq}, ${phase === 'before' ? -1 : 1}, * FROM ${quoteIdent(dt)}`,
  );
}

/**
 * The refresh's work, decided inside its transaction: NO_DATA, INCREMENTAL (affected-key recompute), or a
 * FULL / REINITIALIZE recompute; afterwards the DT has consumed its sources' changes up to this snapshot.
 */
export async function chooseWork(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  dataTimestamp: number,
  output: OutputColumn[],
  full: (tx: Queryable) => Promise<{ rowsInserted: number; rowsDeleted: number }>,
  expectations?: ExpectationRun,
): Promise<RefreshWork> {
  const { strategy, columns, query, views } = await strategyOf(tx, family, dt);
  const shape = strategy.kind === 'full' ? undefined : strategy.shape;
  const previous = dt.dataTimestamp ? Date.parse(`${dt.dataTimestamp.replace(' ', 'T')}Z`) : undefined;
  let decision = decideAction(dt, shape, await gatherChanges(tx, family, dt), dataTimestamp, previous, {
    inlinedViews: views,
    ...(strategy.kind === 'full' && dt.effectiveMode === 'INCREMENTAL'
      ? { fullReason: strategy.reason }
      : {}),
  });
  // Plans are built from the planning text (plan/normalize.ts); the DT keeps its own.
  const planned = { ...dt, query };
  if (decision.action === 'INCREMENTAL' && keepsState(strategy) && !(await stateExists(tx, family, dt.name)))
    decision = {
      ...decision,
      action: 'FULL',
      reason:
        strategy.kind === 'linear'
          ? 'the per-group counts and sums are built anew'
          : "the subquery's result kept beside the DT is built anew",
    };
  if (decision.action === 'INCREMENTAL') decision = { ...decision, reason: strategy.reason };
  const finish = async <T>(result: T) => {
    await advancePositions(tx, family, dt, decision.position, decision.changed);
    return result;
  };
  const base = { action: decision.action, reason: decision.reason, changesRead: decision.changes };
  switch (decision.action) {
    case 'NO_DATA':
      return { ...base, run: () => finish({ rowsInserted: 0, rowsDeleted: 0 }) };
    case 'INCREMENTAL':
      return {
        ...base,
        run: async (t) =>
          finish(
            await runIncremental(t, family, {
              dt: planned,
              shape: shape as QueryShape,
              ...(strategy.kind === 'linear' ? { linear: strategy.plan } : {}),
              ...(strategy.kind === 'keys' && strategy.union ? { union: strategy.union } : {}),
              ...(strategy.kind === 'keys' && strategy.nested ? { nested: strategy.nested } : {}),
              columns,
              decision,
              output,
              now: dataTimestamp,
              ...(expectations ? { expectations } : {}),
            }),
          ),
      };
    default:
      return {
        ...base,
        run: async (t) => {
          for (const source of decision.reinstall) await reinstallWithin(t, family, source, dt.name);
          await emitFullRefresh(t, family, dt.name, 'before');
          const done = await full(t);
          await emitFullRefresh(t, family, dt.name, 'after');
          await rebuildState(t, family, planned, strategy, dataTimestamp);
          return finish(done);
        },
      };
  }
}
