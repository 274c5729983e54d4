/**
 * The incremental executor: an INCREMENTAL refresh's writes to the DT (and its state), inside the refresh's
 * transaction (REPEATABLE READ on Postgres), so the source rows read belong to the snapshot the changes were
 * read in.
 */
import { exec, type Queryable, quoteIdent, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import { duckdbCapturedSources, positionsOf } from '../capture/capture.js';
import { changeTable } from '../capture/duckdb.js';
import { dialectOf } from '../dialect/index.js';
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
  stateTable,
} from '../plan/linear.js';
import { innerKeysSql, type NestedPlan, STATE } from '../plan/nested.js';
import type { QueryShape } from '../plan/shape.js';
import type { UnionPlan } from '../plan/union.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import type { ActionDecision } from './decide.js';
import type { ExpectationRun } from './expectations.js';
import { applyRows, mergeDelta } from './linear-exec.js';
import { keysLookSql, replaceRowsSql } from './replace.js';
import { recomputeState, updateNestedState } from './state.js';

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
  const inner = nested ? innerKeysSql(nested, family, changed, stateTable(dt.name)) : undefined;
  const keysSql =
    linear && !hidden
      ? deltaSql(plannedQuery(dt.query), shape, linear, family, changed, decision.insertsOnly)
      : union
        ? union.branches
            .map((b) => affectedKeysSql(b.text, b.shape, family, changed))
            .filter((part) => part !== '')
            .join('\nUNION\n')
        : inner
          ? inner.sql
          : affectedKeysSql(plannedQuery(dt.query), hidden ?? shape, family, changed);
  await exec(tx, `CREATE TEMP TABLE ${KEYS_TABLE} AS ${bind(keysSql)}`);
  const keyColumns = shape.keys.map((k) => (output[k] as OutputColumn).name);
  const keyTypes = shape.keys.map((k) => output[k]?.type);
  // A whole-table aggregate has one row: it is replaced.
  const condition = (withNulls: boolean, table = quoteIdent(dt.name)) =>
    shape.global ? '1 = 1' : dtKeyCondition(keyColumns, keyTypes, withNulls, table);
  const anyNullKey = async (s: QueryShape) =>
    !s.global && Number((await tx.query(keysLookSql(s.keys.length))).rows[0]?.[0]) !== 0;
  if (nested)
    await updateNestedState(tx, family, work, nested, {
      nullKeys: await anyNullKey(nested.inner.shape),
      touched: inner?.touched ?? true,
      changed,
      bind,
    });
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
