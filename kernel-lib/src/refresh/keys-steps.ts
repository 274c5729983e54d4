/**
 * The first phase of an incremental refresh's plan (refresh/incremental.ts): the keys a change touches,
 * computed into KEYS_TABLE — a linear delta's groups (its change rows consolidated by the columns the query
 * reads: plan/columns-read.ts), the affected keys of the query or of each UNION branch, a nested aggregate's
 * inner keys, or the ORDER BY keys at or after the first a change touches (a window without PARTITION BY).
 * Pure.
 */
import type { SqlFamily } from '../backends/backend.js';
import { columnsRead } from '../plan/columns-read.js';
import { affectedKeysSql, KEYS_TABLE } from '../plan/incremental.js';
import { deltaSql, hiddenKeyShape, stateTable } from '../plan/linear.js';
import { innerKeysSql } from '../plan/nested.js';
import { TOUCHED_TABLE, tailKeysSql } from '../plan/order-tail.js';
import { distinctDeltaSteps } from './distinct-plan.js';
import type { IncrementalWork } from './incremental-work.js';
import { type RefreshStep, run } from './steps.js';

/**
 * The keys' steps; a nested aggregate's inner keys (what its state steps read next); the shape a linear plan
 * with hidden keys is keyed by. `query`: the DT's query as plans are built from it (lateral aliases expanded).
 */
export function keysPhase(
  family: SqlFamily,
  work: IncrementalWork,
  changed: ReadonlyMap<string, string[]>,
  bind: (sql: string) => string,
  query: string,
): {
  steps: RefreshStep[];
  inner: ReturnType<typeof innerKeysSql> | undefined;
  hidden: ReturnType<typeof hiddenKeyShape> | undefined;
} {
  const { dt, shape, decision, linear, union, nested } = work;
  const dtName = dt.name;
  const sources = dt.sources.map((s) => s.name);
  const hidden = linear && linear.hidden.length > 0 ? hiddenKeyShape(shape, linear) : undefined;
  // The keys a change touches: the groups of the delta (linear), or those the change rows lead to.
  const inner = nested ? innerKeysSql(nested, family, changed, stateTable(dt.name)) : undefined;
  const keysSql =
    linear && !hidden
      ? deltaSql(
          query,
          shape,
          linear,
          family,
          columnsRead(query, shape.tables, changed),
          decision.insertsOnly,
          decision.changes,
        )
      : union
        ? union.branches
            .map((b) => affectedKeysSql(b.text, b.shape, family, changed))
            .filter((part) => part !== '')
            .join('\nUNION\n')
        : inner
          ? inner.sql
          : affectedKeysSql(query, hidden ?? shape, family, changed);
  const keysStep = (label: string, table: string, sql: string, reads = [...changed.keys()]) => [
    run(
      `drop the ${table === KEYS_TABLE ? 'affected keys' : label}`,
      `DROP TABLE IF EXISTS ${table}`,
      [],
      [table],
    ),
    run(`compute the ${label}`, `CREATE TEMP TABLE ${table} AS ${bind(sql)}`, reads, [table]),
  ];
  // COUNT(DISTINCT) in a linear delta: the delta per group and value first (refresh/distinct-plan.ts).
  const linearDistinct =
    linear && !hidden && linear.aggregates.some((a) => a.fn === 'count_distinct')
      ? distinctDeltaSteps(shape, linear, dtName, { sql: bind(keysSql), reads: [...changed.keys()] })
      : [];
  // Windows without PARTITION BY (plan/order-tail.ts): the ORDER BY keys a change touches, then every key
  // of the input at or after the first of them.
  const tail = shape.orderTail;
  const steps: RefreshStep[] = tail
    ? [
        ...keysStep('ORDER BY keys a change touches', TOUCHED_TABLE, keysSql),
        ...keysStep(
          'ORDER BY keys at or after the first touched',
          KEYS_TABLE,
          tailKeysSql(query, shape, tail, family),
          [...sources, TOUCHED_TABLE],
        ),
        run('drop the touched keys', `DROP TABLE ${TOUCHED_TABLE}`, [], [TOUCHED_TABLE]),
      ]
    : linearDistinct.length > 0
      ? linearDistinct
      : keysStep(linear && !hidden ? "delta's groups" : 'affected keys', KEYS_TABLE, keysSql);
  return { steps, inner, hidden };
}
