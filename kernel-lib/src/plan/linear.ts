/**
 * The linear (Z-set) strategy, as pure SQL builders: for a GROUP BY (or whole-table) query over inner joins
 * whose aggregates are COUNT, SUM and AVG, every change row carries a weight (+n inserted, −n deleted) and
 * a group's new aggregates are its old ones plus the weighted aggregates of the change. They are kept in a
 * state table beside the DT — per group: the row count `dtlab_n`, and per aggregate its sum `aJ_s` and count
 * of non-NULL arguments `aJ_c` — and the DT's rows of the groups a change touched are rewritten from it.
 * Cost follows the change, never the table.
 *
 * Joins follow the delta rule Δ(R⋈S) = ΔR⋈S_old + R_new⋈ΔS (plan/delta.ts).
 *
 * MIN and MAX (grouped queries only) are kept in the state as the current extreme, `aJ_m`: an insert raises
 * it (new = greatest(old, the change's maximum)). A group whose change has a row of negative weight (a
 * delete, an update's old half, or a join term's cancelling pair) with a value at or beyond its stored
 * extreme — or that is new or has a NULL key and has any such row — has its extremes recomputed from the
 * sources, restricted to those groups (refresh/merge-plan.ts). Every other group is only merged.
 *
 * A LEFT JOIN whose optional table comes last (plan/optional.ts) is two linear parts: the preserved rows
 * counted per group (`dtlab_n`, the LEFT JOIN clause left out) and the aggregates over the inner join.
 *
 * A whole-table aggregate filtered by subqueries correlated by equality (TPC-H Q17) keeps its state per value
 * of the correlated outer columns (hidden keys `h1…`): a change is applied by recomputing the state rows of
 * the hidden keys it touches (found as the affected-key strategy finds keys), and the one result row is
 * rolled up from the state. Work follows the touched keys.
 */

import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { deltaTerms } from './delta.js';
import { distinctAggregates, distinctState, transitionTerm, ungrouped } from './distinct.js';
import type { Aggregate, LinearPlan } from './linear-plan.js';
import type { QueryShape } from './shape.js';

export { type Aggregate, hiddenKeyShape, type LinearPlan, linearPlan } from './linear-plan.js';

/** The state table of a DT, in schema dtlab. */
export const stateTable = (dt: string) => `dtlab.${quoteIdent(`state_${dt}`)}`;
export const stateTableName = (dt: string) => `state_${dt}`;

const keyList = (shape: QueryShape) => shape.keys.map((k, i) => `(${shape.items[k]}) AS k${i + 1}`);
const isExtreme = (a: Aggregate) => a.fn === 'min' || a.fn === 'max';

/**
 * Which rows a select of state columns reads: all of the query's, only the preserved side's (counts only),
 * or the inner join's (aggregates only), for a LEFT JOIN.
 */
type Part = 'all' | 'preserved' | 'joined';

/**
 * Aggregate columns of the state: `dtlab_n`, then per aggregate `aJ_s, aJ_c` (sums, counts) or `aJ_m` (the
 * extreme). Weighted by `w`: sums of weight × value, and for an extreme, the maximum (minimum) of the rows
 * inserted, `aJ_m`, and of the rows deleted, `aJ_x`.
 */
function stateColumns(plan: LinearPlan, w?: string, part: Part = 'all'): string[] {
  const count = w ? `sum(${w})` : 'count(*)';
  const cols = [`${part === 'joined' ? '0' : count} AS dtlab_n`];
  const preserved = part === 'preserved';
  plan.aggregates.forEach((a, j) => {
    if (!a.arg) return;
    const name = `a${j + 1}`;
    if (isExtreme(a)) {
      const arg = (sign: string) => (w ? `CASE WHEN ${w} ${sign} 0 THEN (${a.arg}) END` : `(${a.arg})`);
      cols.push(`${preserved ? 'NULL' : `${a.fn}(${arg('>')})`} AS ${name}_m`);
      if (w) cols.push(`${preserved ? 'NULL' : `${a.fn}(${arg('<')})`} AS ${name}_x`);
      return;
    }
    // COUNT(DISTINCT): the change of its count comes from the counted values (plan/distinct.ts).
    if (a.fn === 'count_distinct') {
      cols.push(`${w ? '0' : `count(DISTINCT (${a.arg}))`} AS ${name}_c`);
      return;
    }
    // COUNT needs only the count (its argument may not be summable); SUM and AVG need both.
    const sum = w ? `sum(${w} * (${a.arg}))` : `sum(${a.arg})`;
    if (a.fn !== 'count') cols.push(`${preserved ? '0' : sum} AS ${name}_s`);
    const c = w ? `sum(CASE WHEN (${a.arg}) IS NULL THEN 0 ELSE ${w} END)` : `count(${a.arg})`;
    cols.push(`${preserved ? '0' : c} AS ${name}_c`);
  });
  return cols;
}

/** How a column of the state (or of a delta) rolls up: extremes by MAX/MIN, the rest by SUM. */
function rollUp(plan: LinearPlan, column: string): string {
  const j = Number(column.match(/^a(\d+)_[mx]$/)?.[1] ?? 0);
  return j ? (plan.aggregates[j - 1]?.fn as string) : 'sum';
}

/** The query's text as the inner join (LEFT made inner), positions unchanged. */
export function joinedText(query: string, shape: QueryShape): string {
  const span = shape.tables[shape.optional?.table ?? -1]?.joinSpan;
  if (!span) return query;
  return query.slice(0, span[0]) + 'JOIN'.padEnd(span[1] - span[0]) + query.slice(span[1]);
}

/** The query's text without its LEFT JOIN clause (blanked), positions unchanged. */
function preservedText(query: string, shape: QueryShape): string {
  const [start, end] = shape.optional?.clause ?? [0, 0];
  return query.slice(0, start) + ' '.repeat(end - start) + query.slice(end);
}

/**
 * The state computed from scratch: one row per group (exactly one for a whole-table aggregate, one per
 * hidden key with hidden keys). `text` is the query with its WHERE clause edited (restricted to keys).
 */
export function stateSelectSql(query: string, shape: QueryShape, plan: LinearPlan, text = query): string {
  const hidden = plan.hidden.map((h, i) => `(${h}) AS h${i + 1}`);
  const part = (t: string, p: Part) => {
    const select = [...keyList(shape), ...hidden, ...stateColumns(plan, undefined, p)].join(', ');
    const body = t.slice(shape.fromStart, shape.tailStart + t.length - query.length);
    return `SELECT ${select} FROM ${body}${hidden.length ? ` GROUP BY ${plan.hidden.join(', ')}` : ''}`;
  };
  if (!shape.optional) return part(text, 'all');
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const cols = stateAggregateColumns(plan).map((c) => `${rollUp(plan, c)}(${c}) AS ${c}`);
  const parts = `${part(joinedText(query, shape), 'joined')}\nUNION ALL\n${part(preservedText(query, shape), 'preserved')}`;
  return `SELECT ${[...keys, ...cols].join(', ')} FROM (\n${parts}\n) AS dtlab_p GROUP BY ${keys.join(', ')}`;
}

/** The extremes (MIN/MAX) of the groups whose keys `text` (the query restricted to them) selects. */
export function extremesSql(query: string, shape: QueryShape, plan: LinearPlan, text: string): string {
  const cols = plan.aggregates.flatMap((a, j) => (isExtreme(a) ? [`${a.fn}(${a.arg}) AS a${j + 1}_m`] : []));
  const body = text.slice(shape.fromStart, shape.tailStart + text.length - query.length);
  return `SELECT ${[...keyList(shape), ...cols].join(', ')} FROM ${body}`;
}

/**
 * The state rows to recompute the extremes of (alias `dtlab_d` the delta, `dtlab_s` the old state): a delete
 * reached the group's MAX (MIN). With `exactDelta` (the delta reads one changed table once, so each of its rows
 * of positive weight is a row of the new result), a group whose delta also inserted a value at or beyond the
 * largest (smallest) one it deleted is not recomputed: its new extreme is that inserted value, which the merge
 * keeps (`greatest`/`least`). That is an update that keeps the value, e.g. an order's status changing.
 */
export function extremeHit(plan: LinearPlan, exactDelta = false): string | undefined {
  const hits = plan.aggregates.flatMap((a, j) => {
    if (!isExtreme(a)) return [];
    const [x, m, i] = [`dtlab_d.a${j + 1}_x`, `dtlab_s.a${j + 1}_m`, `dtlab_d.a${j + 1}_m`];
    const beyond = a.fn === 'max' ? '>=' : '<=';
    const replaced = exactDelta ? ` AND NOT (${i} IS NOT NULL AND ${i} ${beyond} ${x})` : '';
    return [`(${x} IS NOT NULL AND (${m} IS NULL OR ${x} ${beyond} ${m})${replaced})`];
  });
  return hits.length ? hits.join(' OR ') : undefined;
}

/** `column = new value` for each state column, merging the delta `dtlab_d` into the state `dtlab_s`. */
export function mergeSet(plan: LinearPlan): string {
  return stateAggregateColumns(plan)
    .map((c) => {
      const fn = rollUp(plan, c);
      if (fn !== 'sum') return `${c} = ${fn === 'max' ? 'greatest' : 'least'}(dtlab_s.${c}, dtlab_d.${c})`;
      return `${c} = coalesce(dtlab_s.${c}, 0) + coalesce(dtlab_d.${c}, 0)`;
    })
    .join(', ');
}

/**
 * The per-group delta in `delta` merged into `state` in one statement, keys matched by IS NOT DISTINCT FROM
 * (for a family that hashes it, dialect `hashesNotDistinct`): a group's counts and sums are added and its
 * extremes grown, a new group is inserted, and with `dropEmptied` a group whose row count reaches 0 is
 * deleted (a new one of count 0 is not inserted).
 */
export function mergeStateSql(
  state: string,
  delta: string,
  plan: LinearPlan,
  keys: string[],
  dropEmptied: boolean,
): string {
  const on = keys.map((k) => `dtlab_s.${k} IS NOT DISTINCT FROM dtlab_d.${k}`).join(' AND ');
  const columns = [...keys, ...stateAggregateColumns(plan)];
  const emptied = dropEmptied
    ? '\n  WHEN MATCHED AND coalesce(dtlab_s.dtlab_n, 0) + coalesce(dtlab_d.dtlab_n, 0) = 0 THEN DELETE'
    : '';
  return `MERGE INTO ${state} AS dtlab_s USING ${delta} AS dtlab_d ON ${on}${emptied}
  WHEN MATCHED THEN UPDATE SET ${mergeSet(plan)}
  WHEN NOT MATCHED${dropEmptied ? ' AND (dtlab_d.dtlab_n = 0) IS NOT TRUE' : ''} THEN INSERT (${columns.join(', ')})
    VALUES (${columns.map((c) => `dtlab_d.${c}`).join(', ')})`;
}

/** The state of a DT with hidden keys, rolled up to its one row (`state` for the output's FROM). */
export function rolledUpState(plan: LinearPlan, state: string): string {
  const cols = stateAggregateColumns(plan).map((c) => `coalesce(sum(${c}), 0) AS ${c}`);
  return `(SELECT ${cols.join(', ')} FROM ${state})`;
}

/**
 * The change to the state: per group, the weighted counts and sums (and the extremes of the rows inserted
 * and deleted) of every delta term (plan/delta.ts). For a LEFT JOIN, the inner join's terms give the
 * aggregates and the preserved side's terms the counts. Positions bind as `$1`.
 */
export function deltaSql(
  query: string,
  shape: QueryShape,
  plan: LinearPlan,
  family: SqlFamily,
  changed: Map<string, string[]>,
  insertsOnly: ReadonlySet<string> = new Set(),
  rows?: Readonly<Record<string, number>>,
): string {
  const input = { family, changed, insertsOnly, ...(rows ? { rows } : {}) };
  // With COUNT(DISTINCT), the delta is finer: per group and values of their arguments (plan/distinct.ts).
  const values = distinctAggregates(plan).map(({ a, j }) => ({
    arg: `(${a.arg})`,
    item: `(${a.arg}) AS v${j}`,
    column: `v${j}`,
  }));
  const select = (part: Part) => (w: string) =>
    [...keyList(shape), ...values.map((v) => v.item), ...stateColumns(plan, w, part)].join(', ');
  const optional = shape.optional;
  // The finer delta's terms group by the keys and the values (the query's GROUP BY left out).
  const by = [...shape.keys.map((k) => shape.items[k] as string), ...values.map((v) => v.arg)];
  const [body, regroup] = values.length ? [ungrouped(shape), ` GROUP BY ${by.join(', ')}`] : [shape, ''];
  const terms = (
    optional
      ? [
          ...deltaTerms(query, joinedText(query, shape), body, shape.tables, input, select('joined')),
          ...deltaTerms(
            query,
            preservedText(query, shape),
            body,
            shape.tables.filter((_t, i) => i !== optional.table),
            input,
            select('preserved'),
          ),
        ]
      : deltaTerms(query, query, body, shape.tables, input, select('all'))
  ).map((term) => term + regroup);
  const keys = [...shape.keys.map((_k, i) => `k${i + 1}`), ...values.map((v) => v.column)];
  const group = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  return `SELECT ${[...keys, ...rolledUp(plan)].join(', ')} FROM (\n${terms.join('\nUNION ALL\n')}\n) AS dtlab_d${group}`;
}

/** The delta's columns rolled up (sums, and the extremes inserted and deleted). */
function rolledUp(plan: LinearPlan): string[] {
  const deleted = plan.aggregates.flatMap((a, j) => (isExtreme(a) ? [`a${j + 1}_x`] : []));
  return [...stateAggregateColumns(plan), ...deleted].map((c) => `${rollUp(plan, c)}(${c}) AS ${c}`);
}

/**
 * With COUNT(DISTINCT): the per-group delta, from the finer one in `fine` (deltaSql) and, per COUNT(DISTINCT),
 * the change of its count (plan/distinct.ts `transitionTerm`, reading the counted values as they were).
 */
export function groupDeltaSql(shape: QueryShape, plan: LinearPlan, fine: string, dt: string): string {
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const names = stateColumns(plan, 'w').map((c) => c.slice(c.lastIndexOf(' AS ') + 4));
  const terms = [
    `SELECT ${[...keys, ...names].join(', ')} FROM ${fine}`,
    ...distinctAggregates(plan).map(({ j }) => transitionTerm(shape, j, distinctState(dt, j), names)),
  ];
  const group = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  return `SELECT ${[...keys, ...rolledUp(plan)].join(', ')} FROM (\n${terms.join('\nUNION ALL\n')}\n) AS dtlab_d${group}`;
}

/** The aggregate columns of the state (for merges). */
export function stateAggregateColumns(plan: LinearPlan): string[] {
  const cols = ['dtlab_n'];
  plan.aggregates.forEach((a, j) => {
    if (isExtreme(a)) cols.push(`a${j + 1}_m`);
    else if (a.fn === 'sum' || a.fn === 'avg') cols.push(`a${j + 1}_s`);
    if (a.arg && !isExtreme(a)) cols.push(`a${j + 1}_c`);
  });
  return cols;
}

/**
 * The DT's rows computed from the state (alias `dtlab_s`): keys as stored, aggregates from their parts.
 * `stateTypes`: the state table's column types where known (an AVG's sum then needs no look at its type).
 */
export function outputFromStateSql(
  shape: QueryShape,
  plan: LinearPlan,
  family: SqlFamily,
  state: string,
  where: string,
  stateTypes?: ReadonlyMap<string, string>,
): string {
  const items = shape.items.map((item, k) => {
    const key = shape.keys.indexOf(k);
    if (key >= 0) return `dtlab_s.k${key + 1}`;
    const start = shape.itemStarts[k] as number;
    let text = item;
    const inItem = plan.aggregates
      .map((a, j) => ({ a, j }))
      .filter(({ a }) => a.start >= start && a.end <= start + item.length);
    for (const { a, j } of inItem.reverse()) {
      const s = `dtlab_s.a${j + 1}_s`;
      const c = `dtlab_s.a${j + 1}_c`;
      // AVG typed as each family's own avg is.
      const avg = dialectOf(family).avg(s, c, stateTypes?.get(`a${j + 1}_s`));
      const value = {
        count_star: 'dtlab_s.dtlab_n',
        count: c,
        count_distinct: c,
        sum: `(CASE WHEN ${c} = 0 THEN NULL ELSE ${s} END)`,
        avg: `(CASE WHEN ${c} = 0 THEN NULL ELSE ${avg} END)`,
        min: `dtlab_s.a${j + 1}_m`,
        max: `dtlab_s.a${j + 1}_m`,
      }[a.fn];
      text = text.slice(0, a.start - start) + value + text.slice(a.end - start);
    }
    return text;
  });
  return `SELECT ${items.join(', ')} FROM ${state} AS dtlab_s${where ? ` WHERE ${where}` : ''}`;
}
