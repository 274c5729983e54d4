/**
 * How a defining query is maintained, decided once from its text (the same answer at CREATE and at every
 * refresh): linear deltas (cheapest: the work follows the change), affected-key recompute, or full refresh
 * with the reason. Pure.
 */
import { callName, isAggregateCall, walkNodes } from '../sql/ast-walk.js';
import { significant, tokenize } from '../sql/lexer.js';
import { avgScaleReason, type TypeOf } from './avg-scale.js';
import { readsWholeRows } from './columns-read.js';
import { flattenCalls, flattenShapeReason } from './flatten.js';
import { type LinearPlan, linearPlan } from './linear.js';
import { describeNested, type NestedPlan } from './nested.js';
import { type ColumnsOf, describeQuery, type QueryShape, WINDOW_OVER_GROUPS } from './shape.js';
import { describeUnion, type UnionPlan, unionShape } from './union.js';
import { describeWindow } from './window.js';

export type Strategy =
  | { kind: 'linear'; shape: QueryShape; plan: LinearPlan; reason: string }
  | { kind: 'keys'; shape: QueryShape; reason: string; union?: UnionPlan; nested?: NestedPlan }
  | { kind: 'full'; reason: string };

/** A strategy that keeps a table beside the DT (`dtlab.state_<dt>`), built anew when it is missing. */
export const keepsState = (s: Strategy) =>
  (s.kind === 'linear' && !s.plan.rows) || (s.kind === 'keys' && s.nested !== undefined);

/** What `refresh_mode_reason` says of a linear strategy. */
function linearReason(shape: QueryShape, plan: LinearPlan): string {
  if (plan.rows)
    return 'changed rows are applied as weighted inserts and deletes of result rows (linear delta over the joins): work follows the change';
  if (plan.hidden.length > 0)
    return `counts and sums are kept per ${plan.hidden.join(', ')} (what the subqueries are correlated by); a change recomputes the values it touches and the total is rolled up from them`;
  const extremes = plan.aggregates.some((a) => a.fn === 'min' || a.fn === 'max')
    ? '; MIN/MAX grow with inserts, and a group whose delete reaches its extreme has the extreme recomputed'
    : '';
  const distinct = plan.aggregates.some((a) => a.fn === 'count_distinct')
    ? '; COUNT(DISTINCT) keeps per group each value with its count of rows, and moves only where a value appears or goes'
    : '';
  const left = shape.optional
    ? ", over the LEFT JOIN's matched rows, with the preserved side's rows counted per group"
    : '';
  return `changes are merged into per-group counts and sums (linear delta${left}): work follows the change${extremes}${distinct}`;
}

/** The MIN_BY / MAX_BY calls of a select list, as their names (`MIN_BY`), each once. */
function byAggregates(columns: unknown): string[] {
  const names = new Set<string>();
  walkNodes(columns, (n) => {
    const name = callName(n);
    if (isAggregateCall(n) && (name === 'min_by' || name === 'max_by')) names.add(name.toUpperCase());
  });
  return [...names].sort().reverse();
}

/**
 * `typeOf` is given on a family whose AVG's scale follows its values' (PostgreSQL, plan/avg-scale.ts): the
 * linear strategy then keeps AVG only over arguments of one scale.
 */
export function chooseStrategy(
  query: string,
  ast: unknown,
  columnsOf?: ColumnsOf,
  typeOf?: TypeOf,
): Strategy {
  const root = (Array.isArray(ast) ? ast[0] : ast) as Record<string, unknown> | undefined;
  // FLATTEN is maintained by the linear and affected-key strategies over one SELECT (plan/flatten.ts).
  const tokens = significant(tokenize(query));
  const flatten = flattenCalls(tokens) > 0;
  if (root?.type === 'select' && root._next) {
    if (flatten) return { kind: 'full', reason: flattenShapeReason('under UNION') };
    const union = describeUnion(query, root, columnsOf);
    if ('reason' in union) return { kind: 'full', reason: union.reason };
    return {
      kind: 'keys',
      shape: unionShape(union),
      union,
      reason: `changes are applied by recomputing, in every ${union.distinct ? 'UNION' : 'UNION ALL'} branch, only the rows of the keys they touch`,
    };
  }
  const shape = describeQuery(query, ast, columnsOf);
  if ('reason' in shape && shape.reason === WINDOW_OVER_GROUPS && root) {
    if (flatten) return { kind: 'full', reason: flattenShapeReason('under a window over groups') };
    const window = describeWindow(query, root, columnsOf);
    if ('reason' in window) return { kind: 'full', reason: window.reason };
    return {
      kind: 'keys',
      // The DT is replaced whole (one row per group): no keys of its own.
      shape: { ...window.inner.shape, keys: [], global: true, window: true },
      nested: window,
      reason: `the aggregate under the window is kept beside the DT and maintained by affected keys; the window step${root.qualify ? ' and its QUALIFY are' : ' is'} recomputed over the kept groups, never over the sources`,
    };
  }
  if ('reason' in shape) {
    const nested = root ? describeNested(query, root, columnsOf) : undefined;
    if (!nested) return { kind: 'full', reason: shape.reason };
    if (flatten) return { kind: 'full', reason: flattenShapeReason('with an aggregating subquery in FROM') };
    if ('reason' in nested) return { kind: 'full', reason: nested.reason };
    const inner = nested.inner.shape;
    const outer = nested.outerShape;
    const readsCurrentDate = inner.readsCurrentDate || outer.readsCurrentDate;
    if (nested.whole)
      return {
        kind: 'keys',
        // The DT is replaced whole: no keys of its own; the other tables' changes only recompute it.
        shape: { ...outer, keys: [], global: true, subqueryTables: inner.subqueryTables, readsCurrentDate },
        nested,
        reason: outer.global
          ? "the subquery in FROM is kept beside the DT and maintained by affected keys; the aggregate of the whole is recomputed from the kept rows (and the tables joined to them), never from the subquery's sources"
          : "the subquery in FROM is kept beside the DT and maintained by affected keys; as the query reads it again in a subquery, the DT is recomputed whole from the kept rows (and the tables joined to them), never from the subquery's sources",
      };
    const joined = outer.tables.length > 1;
    return {
      kind: 'keys',
      shape: {
        ...outer,
        subqueryTables: [...new Set([...inner.subqueryTables, ...outer.subqueryTables])],
        readsCurrentDate,
      },
      nested,
      reason: nested.outerJoined
        ? "the subquery in FROM is kept beside the DT and maintained by affected keys; across the outer join, the DT's rows reached along the join keys from its changed rows (as they were and as they are) and from the changes of the tables joined to it, NULL-extended rows included, are recomputed from it and those tables"
        : joined
          ? "the subquery in FROM is kept beside the DT and maintained by affected keys; the DT's rows its changed rows join, before and after, and those the changes of the tables joined to it touch, are recomputed from it and those tables"
          : "the subquery in FROM is kept beside the DT and maintained by affected keys; the DT's groups its changed rows fall in, before and after, are recomputed from it",
    };
  }
  // The linear deltas read change rows in place of the tables: a whole row would carry their weight.
  const linear = readsWholeRows(tokens, shape.tables)
    ? { reason: 'a whole row of a table is read, and a delta reads weighted change rows in its place' }
    : linearPlan(shape);
  const scale =
    'reason' in linear || !typeOf ? undefined : avgScaleReason(linear.aggregates, shape.tables, typeOf);
  if (!('reason' in linear) && !scale)
    return { kind: 'linear', shape, plan: linear, reason: linearReason(shape, linear) };
  const byNames = byAggregates(root?.columns);
  const by = byNames.join(' and ');
  const keep = byNames.length > 1 ? 'keep' : 'keeps';
  if (shape.global && by)
    return {
      kind: 'keys',
      shape,
      reason: `${by} over the whole table ${keep} no running state: the DT's one row is recomputed from the sources at a refresh whose sources changed`,
    };
  if (shape.global) {
    return {
      kind: 'full',
      reason: scale
        ? `an aggregate over the whole table is maintained only by counts and sums, and ${scale}`
        : `an aggregate over the whole table is maintained only with COUNT, SUM and AVG over inner joins (${'reason' in linear ? linear.reason : ''})`,
    };
  }
  if (shape.outer)
    return {
      kind: 'keys',
      shape,
      reason:
        'outer joins: changes are applied by recomputing only the groups of the rows that share a join key with a changed row, NULL-extended rows included (followed along the join keys)',
    };
  if (shape.orderTail) {
    const [side, first] = shape.orderTail.reversed ? ['after', 'last'] : ['before', 'first'];
    return {
      kind: 'keys',
      shape,
      reason: `every window reads only rows ordered ${side} its own: a change rewrites only the rows ordered at or ${side === 'before' ? 'after' : 'before'} the ${first} ORDER BY key it touches${root?.qualify ? ' (QUALIFY applied)' : ''}, their windows computed over the whole input; the rows ordered ${side} keep their values`,
    };
  }
  if (shape.window)
    return {
      kind: 'keys',
      shape,
      reason: `changes are applied by recomputing whole only the window partitions they touch${root?.qualify ? ', QUALIFY applied' : ''}`,
    };
  return {
    kind: 'keys',
    shape,
    reason: `changes are applied by recomputing only the groups they touch${scale ? ` (not by running sums: ${scale})` : by ? ` (${by} ${keep} no running state: a touched group is recomputed from its rows)` : ''}`,
  };
}
