/**
 * COUNT(DISTINCT x) in a linear aggregate (plan/linear.ts), as pure SQL builders. Beside the DT's state, each
 * COUNT(DISTINCT) J keeps a counted state `dtlab."dstate<J>_<dt>"` of (k1…kn, v, dtlab_n): per group and
 * non-NULL value of x, the number of input rows carrying it (its multiplicity). A change's weighted rows give
 * each (group, value) a change of multiplicity (`dtlab_dv<J>`); the group's distinct count, kept in the
 * state as `aJ_c`, moves by +1 where a multiplicity goes from 0 to positive and by −1 where it goes back to
 * 0 — no other value is looked at. The counted state is then merged like a state of counts: multiplicities
 * added, values whose multiplicity reaches 0 dropped. NULLs are never kept (COUNT(DISTINCT) ignores them).
 */
import { quoteIdent } from '../backends/backend.js';
import type { Aggregate, LinearPlan } from './linear-plan.js';
import type { QueryShape } from './shape.js';

/** At most this many COUNT(DISTINCT) calls are kept by counted states (each is a table). */
export const MAX_DISTINCT = 8;

/** The counted state of the J-th aggregate (1-based, as `aJ_c`) of a DT. */
export const distinctStateName = (dt: string, j: number) => `dstate${j}_${dt}`;
export const distinctState = (dt: string, j: number) => `dtlab.${quoteIdent(distinctStateName(dt, j))}`;
/** Every counted state a DT may have, for DROP (the count of aggregates is not known there). */
export const allDistinctStates = (dt: string) =>
  Array.from({ length: MAX_DISTINCT }, (_v, i) => distinctState(dt, i + 1));

/** The per-refresh table of the J-th aggregate's changes of multiplicity. */
export const distinctDelta = (j: number) => `dtlab_dv${j}`;

/** The COUNT(DISTINCT) aggregates of a plan, with their 1-based positions J. */
export function distinctAggregates(plan: LinearPlan): { a: Aggregate; j: number }[] {
  return plan.aggregates.flatMap((a, i) => (a.fn === 'count_distinct' ? [{ a, j: i + 1 }] : []));
}

/** The key columns of a counted state (and of its delta). */
export const distinctKeys = (shape: QueryShape) => [...shape.keys.map((_k, i) => `k${i + 1}`), 'v'];

/** The query's text from FROM to the end of its WHERE (without GROUP BY), as a shape's tail. */
export function ungrouped(shape: QueryShape): QueryShape {
  const w = shape.where;
  return { ...shape, tailStart: 'insertAt' in w ? w.insertAt : w.end };
}

const keyItems = (shape: QueryShape) => shape.keys.map((k, i) => `(${shape.items[k]}) AS k${i + 1}`);

/** The counted state of `a` from scratch (CREATE TABLE … AS): per group and non-NULL value, its rows. */
export function distinctStateSql(query: string, shape: QueryShape, a: Aggregate): string {
  const s = ungrouped(shape);
  const body = query.slice(s.fromStart, s.tailStart);
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const group = [...keys, 'v'].join(', ');
  const select = [...keyItems(shape), `(${a.arg}) AS v`].join(', ');
  return `SELECT ${group}, count(*) AS dtlab_n FROM (SELECT ${select} FROM ${body}) AS dtlab_q WHERE v IS NOT NULL GROUP BY ${group}`;
}

/** The per-refresh table of the finer delta: per group and values of every COUNT(DISTINCT) argument. */
export const FINE_DELTA = 'dtlab_fine';

/** The J-th aggregate's change of multiplicity per (group, value), from the finer delta (`vJ`, `dtlab_n`). */
export function distinctDeltaSql(shape: QueryShape, j: number): string {
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const group = [...keys, `v${j}`].join(', ');
  return `SELECT ${[...keys, `v${j} AS v`].join(', ')}, sum(dtlab_n) AS dtlab_n FROM ${FINE_DELTA} WHERE v${j} IS NOT NULL GROUP BY ${group} HAVING sum(dtlab_n) <> 0`;
}

/**
 * The delta term giving `aJ_c` its change: +1 per value whose multiplicity goes from 0 to positive, −1 per
 * value whose goes to 0, per group. `columns` are the delta's columns in order (the other ones are 0, or
 * NULL for extremes). The value matches by `=` (never NULL), the keys by IS NOT DISTINCT FROM beside it.
 */
export function transitionTerm(shape: QueryShape, j: number, state: string, columns: string[]): string {
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const on = ['dtlab_v.v = dtlab_o.v', ...keys.map((k) => `dtlab_v.${k} IS NOT DISTINCT FROM dtlab_o.${k}`)];
  const old = 'coalesce(dtlab_o.dtlab_n, 0)';
  const moved = `(CASE WHEN ${old} + dtlab_v.dtlab_n > 0 THEN 1 ELSE 0 END) - (CASE WHEN ${old} > 0 THEN 1 ELSE 0 END)`;
  const cols = columns.map((c) =>
    c === `a${j}_c` ? `${moved} AS ${c}` : /_[mx]$/.test(c) ? `NULL AS ${c}` : `0 AS ${c}`,
  );
  return `SELECT ${[...keys.map((k) => `dtlab_v.${k}`), ...cols].join(', ')} FROM ${distinctDelta(j)} AS dtlab_v LEFT JOIN ${state} AS dtlab_o ON ${on.join(' AND ')}`;
}

/** Why a linear plan's COUNT(DISTINCT) calls cannot be kept by counted states, if so. */
export function distinctReason(plan: LinearPlan, shape: QueryShape): string | undefined {
  const found = distinctAggregates(plan);
  if (found.length === 0) return undefined;
  if (plan.hidden.length > 0) return 'COUNT(DISTINCT …) is not kept beside correlated subqueries';
  if (shape.optional) return 'COUNT(DISTINCT …) over a LEFT JOIN is not kept by counted values';
  if (found.length > MAX_DISTINCT)
    return `more than ${MAX_DISTINCT} COUNT(DISTINCT …) calls are not kept by counted values`;
  return undefined;
}
