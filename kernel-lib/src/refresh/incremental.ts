/**
 * The plan of an INCREMENTAL refresh (refresh/steps.ts): the affected keys (of the query, of a UNION ALL's
 * branches, of a nested aggregate's subquery, or a linear delta's groups), the state they move, and the DT's
 * rows of those keys replaced. Pure; `runIncremental` reads what the plan needs to know first and runs it
 * (refresh/executor.ts) inside the refresh's transaction (REPEATABLE READ on Postgres), so the source rows
 * read belong to the snapshot the changes were read in.
 */
import { type Queryable, quoteIdent, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import { duckdbCapturedSources, positionsOf } from '../capture/capture.js';
import { changeTable, drawnSeq } from '../capture/duckdb.js';
import { dialectOf } from '../dialect/index.js';
import { columnsRead } from '../plan/columns-read.js';
import { quarantineTable } from '../plan/expectations.js';
import type { OutputColumn } from '../plan/full.js';
import { refreshSelect } from '../plan/full.js';
import { deleteKeysSql, dtKeyCondition, KEYS_TABLE, keyMatch, restrictedQuery } from '../plan/incremental.js';
import { outputFromStateSql, rolledUpState, stateTable } from '../plan/linear.js';
import { executable } from '../plan/nested.js';
import type { QueryShape } from '../plan/shape.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import { translateSql } from '../sql/translate.js';
import { distinctMergeSteps } from './distinct-plan.js';
import { runPlan, type StepLog } from './executor.js';
import type { IncrementalFacts, IncrementalWork } from './incremental-work.js';
import { keysPhase } from './keys-steps.js';
import { mergeDeltaPlan } from './merge-plan.js';
import { keysLookSql, type NullKeys, nullKeysGate, replaceRowsSql } from './replace.js';
import { rowsPlan } from './rows-plan.js';
import { nestedStateSteps, recomputeStateSteps } from './state.js';
import { ask, countOf, type RefreshPlan, type RefreshStep, type RowCounts, renamed, run } from './steps.js';

/** Reads the facts the plan needs and runs it, each step recorded in `log`. */
export async function runIncremental(
  tx: Queryable,
  family: SqlFamily,
  work: IncrementalWork,
  log?: StepLog,
): Promise<RowCounts> {
  const previous = (await positionsOf(tx, work.dt.name)).values().next().value as string;
  const emits = dialectOf(family).engineCaptures && (await duckdbCapturedSources(tx)).has(work.dt.name);
  return runPlan(tx, incrementalPlan(family, work, { previous, emits }), log);
}

/**
 * Deletes the DT rows of the affected keys and recomputes them. On DuckDB, a DT that others read records its
 * own changes (Postgres triggers do that by themselves).
 */
export function* incrementalPlan(
  family: SqlFamily,
  work: IncrementalWork,
  facts: IncrementalFacts,
): RefreshPlan<RowCounts> {
  const { dt, shape, decision, output, linear, union, nested } = work;
  const { emits } = facts;
  const dtName = dt.name;
  // The text plans are built from: the DT's query with its lateral aliases expanded.
  const query = plannedQuery(dt.query);
  const changed = new Map<string, string[]>();
  for (const s of decision.changed) changed.set(s, work.columns.get(s) ?? []);
  const sources = dt.sources.map((s) => s.name);
  // Every text is built from `query`, whose lateral aliases are expanded: translated, they are not looked for.
  const planned = { now: work.now, aliasesExpanded: true };
  // Utility statements take no bind parameters: the position goes in as a literal.
  const bind = (sql: string) =>
    translateSql(sql, family, planned).text.replaceAll('$1', sqlLiteral(facts.previous));
  // A projection without aggregates: its weighted rows are applied to the DT as they are (no keys, no state).
  if (linear?.rows) {
    const rows = {
      dt: dtName,
      family,
      query,
      shape,
      // Consolidated by the columns the query reads (plan/columns-read.ts).
      changed: columnsRead(query, shape.tables, changed),
      output,
      bind,
      emits,
    };
    const judged = work.expectations ? { expectations: work.expectations } : {};
    return yield* rowsPlan({ ...rows, insertsOnly: decision.insertsOnly, rows: decision.changes, ...judged });
  }
  const keys = keysPhase(family, work, changed, bind, query);
  const { steps, inner, hidden } = keys;
  const tail = shape.orderTail;
  const keyColumns = shape.keys.map((k) => (output[k] as OutputColumn).name);
  // The declared types of the key columns: the DT's rows of a key are matched cast to them (keyMatch).
  const typesOf = (s: QueryShape) => s.keys.map((k) => output[k]?.type);
  const keyTypes = typesOf(shape);
  // A whole-table aggregate has one row: it is replaced.
  const condition = (withNulls: boolean | 'all', table = quoteIdent(dtName)) =>
    shape.global ? '1 = 1' : dtKeyCondition(keyColumns, keyTypes, withNulls, table);
  const nullCheck = (s: QueryShape) =>
    ask('check the keys for NULLs', keysLookSql(s.keys.length), [KEYS_TABLE]);
  // Where the family counts the rows to delete ahead (refresh/replace.ts), the keys' NULL check counts them
  // too, and the DELETE then goes to the backend with the INSERT.
  const replace = dialectOf(family).replaceRows;
  const countAhead = !shape.global && replace === 'counted-ahead';
  const judged = work.expectations?.active ? work.expectations : undefined;
  // Where nothing else is to be read ahead (one-statement replace, no expectations), keys with a NULL part are
  // not looked for: their statements go gated (refresh/replace.ts nullKeysGate), saving a round trip.
  const gated = !shape.global && replace === 'one-statement' && !judged && !emits;
  // Where the backend hashes IS NOT DISTINCT FROM (DuckDB), keys with a NULL part need no statements apart:
  // one statement matches every key null-safely. Nothing is then looked at first unless expectations need
  // their counts (the DELETE answers its own: one statement fewer, in as many calls).
  const matched = !shape.global && !gated && dialectOf(family).hashesNotDistinct;
  // Where the family keeps the keys table (refresh/keys-steps.ts `keptKeys`), the table kept stands for it.
  return keys.kept ? yield* renamed(keyed(), KEYS_TABLE, keys.kept) : yield* keyed();

  function* keyed(): RefreshPlan<RowCounts> {
    if (nested) {
      const s = nested.inner.shape;
      const nullKeys = !s.global && countOf((yield [...steps.splice(0), nullCheck(s)]).at(-1)) !== 0;
      const touched = inner?.touched ?? true;
      steps.push(...nestedStateSteps(family, work, nested, { nullKeys, touched, changed, bind }));
    }
    let hasNullKeys: NullKeys = gated ? 'gated' : matched ? 'matched' : false;
    let rowsToDelete: number | undefined;
    if (!shape.global && !gated && (!matched || judged)) {
      // Every affected key's rows (of `table`), NULL-part keys included.
      const anyKey = (table: string) =>
        dialectOf(family).hashesNotDistinct
          ? dtKeyCondition(keyColumns, keyTypes, 'all', table)
          : `${condition(false, table)} OR ${condition(true, table)}`;
      const rowsOf = { table: dtName, condition: anyKey(quoteIdent(dtName)) };
      // With expectations, the same look counts the keys and the DT's quarantined and discarded rows.
      const extra = judged ? [`(SELECT count(*) FROM ${KEYS_TABLE})`, ...judged.lookSql()] : [];
      const sql = keysLookSql(shape.keys.length, countAhead ? rowsOf : undefined, extra);
      const label = countAhead
        ? "check the keys for NULLs, count the DT's rows of them"
        : 'check the keys for NULLs';
      const reads = countAhead || judged ? [KEYS_TABLE, dtName] : [KEYS_TABLE];
      const look = (yield [...steps.splice(0), ask(label, sql, reads)]).at(-1)?.rows[0] ?? [];
      if (!matched) hasNullKeys = Number(look[0]) !== 0;
      if (countAhead) rowsToDelete = Number(look[1]);
      judged?.saw(look.slice(countAhead ? 2 : 1));
    }
    if (linear && hidden) {
      const nulls = !hidden.global && countOf((yield [...steps.splice(0), nullCheck(hidden)]).at(-1)) !== 0;
      steps.push(...recomputeStateSteps(family, work, linear, hidden, nulls));
    } else if (linear) {
      if (steps.length > 0) yield steps.splice(0);
      const changedRefs = shape.tables.filter((t) => changed.has(t.name)).length;
      const mayDelete = decision.changed.some((s) => !decision.insertsOnly.has(s)) || changedRefs > 1;
      const merge = { dt: dtName, query, shape, linear, family, now: work.now };
      yield* mergeDeltaPlan({ ...merge, sources, mayDelete, exactDelta: changedRefs === 1 }, hasNullKeys);
      steps.push(...distinctMergeSteps(family, dtName, shape, linear));
    }
    return yield* replacePlan(steps, hasNullKeys, rowsToDelete);
  }

  /** The DT's new rows for the affected keys: from the state, or the query restricted to the keys. */
  function rowsFor(withNulls: boolean | 'all') {
    if (nested) {
      const outer = nested.whole
        ? nested.outer
        : restrictedQuery(nested.outer, nested.outerShape, withNulls, KEYS_TABLE, typesOf(nested.outerShape));
      const sql = executable(nested, outer, stateTable(dtName));
      return translateSql(sql, family, planned).text;
    }
    if (union) {
      const branches = union.branches.map((b) =>
        restrictedQuery(b.text, b.shape, withNulls, KEYS_TABLE, typesOf(b.shape)),
      );
      const op = union.distinct ? '\nUNION\n' : '\nUNION ALL\n';
      return translateSql(branches.join(op), family, planned).text;
    }
    // The tail: the query's rows whose keys, as stored (cast to the declared types), are the tail's.
    if (tail) {
      const rows = refreshSelect(translateSql(query, family, planned).text, output);
      return `SELECT * FROM (${rows}) AS dtlab_t WHERE ${condition(withNulls, 'dtlab_t')}`;
    }
    if (!linear)
      return translateSql(restrictedQuery(query, shape, withNulls, KEYS_TABLE, keyTypes), family, planned)
        .text;
    const keys = shape.keys.map((_k, i) => `dtlab_s.k${i + 1}`);
    const where = shape.global ? '' : keyMatch(keys, withNulls, KEYS_TABLE, keyTypes);
    // A rolled-up state is a query over the table: its sums are typed by DuckDB anew, so not given.
    const state = hidden ? rolledUpState(linear, stateTable(dtName)) : stateTable(dtName);
    const types = hidden ? undefined : work.stateTypes;
    return translateSql(outputFromStateSql(shape, linear, family, state, where, types), family, planned).text;
  }

  /** The DT's rows of the affected keys replaced by their new rows, after `before`. */
  function* replacePlan(
    before: RefreshStep[],
    nulls: NullKeys,
    counted: number | undefined,
  ): RefreshPlan<RowCounts> {
    const rowsReads = linear || nested ? [stateTable(dtName), KEYS_TABLE] : [...sources, KEYS_TABLE];
    const dropKeys = keys.drop;
    const drawn = drawnSeq('dtlab_emit_seq');
    if (emits) before.push(run('draw a change sequence number', drawn.draw, [], []));
    const seq = drawn.seq;
    const variants: (boolean | 'all')[] = nulls === 'matched' ? ['all'] : nulls ? [false, true] : [false];
    const note = (withNulls: boolean | 'all') => (withNulls === true ? ' (NULL keys)' : '');
    if (replace === 'one-statement' && !shape.global && nulls !== true && !emits) {
      // One statement deletes the keys' rows and inserts their new ones, answering both counts (with
      // expectations: judging the new ones as it writes them, refresh/expectations.ts); NULL-part keys,
      // when not looked for, in the same statement behind their gate.
      const rows = refreshSelect(rowsFor(false), output);
      const withNulls =
        nulls === 'gated'
          ? {
              condition: condition(true),
              rows: refreshSelect(rowsFor(true), output),
              gate: nullKeysGate(shape.keys.length),
            }
          : undefined;
      const part = (table: string) => condition(false, table);
      const quarantined = judged?.deleteQuarantinedSql(part);
      if (quarantined)
        before.push(run("delete the keys' quarantined rows", quarantined, [], [quarantineTable(dtName)]));
      const replaceStep: RefreshStep = judged
        ? {
            label: "replace the keys' rows, judged (expectations)",
            sql: `-- refresh/expectations.ts write with DELETE: ${rows}`,
            reads: rowsReads,
            writes: [dtName],
            call: async (tx) => {
              const c = await judged.write(tx, rows, part, true);
              return [c.deleted, c.inserted];
            },
          }
        : ask(
            "replace the keys' rows",
            replaceRowsSql(dtName, condition(false), rows, withNulls),
            rowsReads,
            [dtName],
          );
      const r = (yield [...before.splice(0), replaceStep]).at(-1)?.rows[0];
      yield dropKeys;
      return { rowsDeleted: Number(r?.[0]), rowsInserted: Number(r?.[1]) };
    }
    const record = (sign: 1 | -1, withNulls: boolean | 'all') =>
      run(
        `record the DT's own change (${sign})${note(withNulls)}`,
        `INSERT INTO ${changeTable(dtName)} SELECT ${seq}, ${sign}, * FROM ${quoteIdent(dtName)} WHERE ${condition(withNulls)}`,
        [dtName, KEYS_TABLE],
        [changeTable(dtName)],
      );
    let rowsDeleted = counted ?? 0;
    for (const withNulls of variants) {
      if (emits) before.push(record(-1, withNulls));
      const remove = shape.global
        ? `DELETE FROM ${quoteIdent(dtName)}`
        : deleteKeysSql(dtName, keyColumns, keyTypes, withNulls, dialectOf(family).deletesByJoin);
      const label = shape.global ? "delete the DT's row" : `delete the keys' rows${note(withNulls)}`;
      if (counted !== undefined) before.push(run(label, remove, [KEYS_TABLE], [dtName]));
      else
        rowsDeleted +=
          (yield [...before.splice(0), ask(label, remove, [KEYS_TABLE], [dtName])]).at(-1)?.rowCount ?? 0;
      const quarantined = work.expectations?.deleteQuarantinedSql((table) => condition(withNulls, table));
      if (quarantined)
        before.push(
          run(
            `delete the keys' quarantined rows${note(withNulls)}`,
            quarantined,
            [],
            [quarantineTable(dtName)],
          ),
        );
    }
    let rowsInserted = 0;
    for (const withNulls of variants) {
      const rows = refreshSelect(rowsFor(withNulls), output);
      const label = shape.global ? "insert the DT's new row" : `insert the keys' new rows${note(withNulls)}`;
      const insert: RefreshStep = judged
        ? {
            label: `${label}, judged (expectations)`,
            sql: `-- refresh/expectations.ts write: ${rows}`,
            reads: rowsReads,
            writes: [dtName],
            call: async (tx) => [
              (await judged.write(tx, rows, (table) => condition(withNulls, table))).inserted,
            ],
          }
        : ask(label, `INSERT INTO ${quoteIdent(dtName)} ${rows}`, rowsReads, [dtName]);
      const answer = (yield [...before.splice(0), insert]).at(-1);
      rowsInserted += judged ? Number(answer?.rows[0]?.[0]) : (answer?.rowCount ?? 0);
    }
    if (emits) for (const withNulls of variants) before.push(record(1, withNulls));
    yield [...before, ...dropKeys];
    return { rowsInserted, rowsDeleted };
  }
}
