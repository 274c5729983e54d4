/**
 * The first phase of an incremental refresh's plan (refresh/incremental.ts): the keys a change touches,
 * computed into KEYS_TABLE — a linear delta's groups (its change rows consolidated by the columns the query
 * reads: plan/columns-read.ts), the affected keys of the query or of each UNION branch, a nested aggregate's
 * inner keys, or the ORDER BY keys at or after the first a change touches (a window without PARTITION BY).
 * Pure.
 */
import type { SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { columnsRead } from '../plan/columns-read.js';
import { affectedKeysSql, KEYS_TABLE } from '../plan/incremental.js';
import { deltaSql, hiddenKeyShape, stateTable } from '../plan/linear.js';
import { innerKeysSql } from '../plan/nested.js';
import { TOUCHED_TABLE, tailKeysSql } from '../plan/order-tail.js';
import { distinctDeltaSteps } from './distinct-plan.js';
import type { IncrementalWork } from './incremental-work.js';
import { dropTempTable, LARGE_CHANGE, type RefreshStep, run, tempTableSteps } from './steps.js';

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
  /** The last steps: KEYS_TABLE dropped, or emptied where it is kept; none where it is left (`dropTempTable`). */
  drop: RefreshStep[];
  /** Where KEYS_TABLE is kept (`keptKeys`): the table that stands for it in every step of the plan. */
  kept?: string;
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
  const replaces = dialectOf(family).replacesTables;
  const keysStep = (label: string, table: string, sql: string, reads = [...changed.keys()]) =>
    tempTableSteps(
      replaces,
      { drop: `drop the ${table === KEYS_TABLE ? 'affected keys' : label}`, create: `compute the ${label}` },
      table,
      bind(sql),
      reads,
    );
  // COUNT(DISTINCT) in a linear delta: the delta per group and value first (refresh/distinct-plan.ts).
  const linearDistinct =
    linear && !hidden && linear.aggregates.some((a) => a.fn === 'count_distinct')
      ? distinctDeltaSteps(shape, linear, dtName, { sql: bind(keysSql), reads: [...changed.keys()] })
      : [];
  // Windows without PARTITION BY (plan/order-tail.ts): the ORDER BY keys a change touches, then every key
  // of the input at or after the first of them.
  const tail = shape.orderTail;
  const steps: RefreshStep[] | undefined = tail
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
      : undefined;
  const label = linear && !hidden ? "delta's groups" : 'affected keys';
  const rows = Object.values(decision.changes).reduce((a, b) => a + b, 0);
  // Kept where the family keeps it, every later step is SQL the plan builds (expectations run their own) and
  // none replaces the table (a nested aggregate's outer keys do: refresh/state.ts).
  if (!steps && !nested && dialectOf(family).keepsKeys && !work.expectations) {
    const kept = keptKeys(`${keysSql}\n${work.sourceTypes ?? ''}`, bind(keysSql), label, changed, rows);
    return { steps: kept.steps, inner, hidden, drop: [kept.drop], kept: kept.table };
  }
  const drop = dropTempTable(replaces, 'drop the affected keys', KEYS_TABLE, rows);
  return { steps: steps ?? keysStep(label, KEYS_TABLE, keysSql), inner, hidden, drop };
}

/**
 * The affected keys in a temporary table kept for the connection (dialect `keepsKeys`). The plan names it
 * KEYS_TABLE; the table that stands for it (`table`) is named by the shape of the keys' query (`sql`: its
 * text and the types of the columns it reads) with literals and LIMIT bounds blanked, which change from
 * refresh to refresh without changing a column's type — so a table is only ever filled by the query that
 * created it, over the column types it was created from, and no value is cast on the way in.
 * Emptied before it is filled (a kept table holds nothing at a transaction's start, unless a refresh failed
 * to empty it) and after: by DELETE, whose dead rows the next refresh's reads prune, or after a large change
 * by TRUNCATE, so that a batch of many keys does not leave every later refresh scanning its empty pages.
 */
function keptKeys(
  sql: string,
  bound: string,
  label: string,
  changed: ReadonlyMap<string, string[]>,
  changes: number,
): { table: string; steps: RefreshStep[]; drop: RefreshStep } {
  const table = `${KEYS_TABLE}_${shapeHash(sql)}`;
  const empty = `DELETE FROM ${KEYS_TABLE}`;
  const large = changes > LARGE_CHANGE;
  return {
    table,
    steps: [
      run(
        `keep a table for the ${label}`,
        `CREATE TEMP TABLE IF NOT EXISTS ${KEYS_TABLE} AS ${bound} WITH NO DATA`,
        [],
        [KEYS_TABLE],
      ),
      run(`empty the kept ${label}`, empty, [], [KEYS_TABLE]),
      run(`compute the ${label}`, `INSERT INTO ${KEYS_TABLE} ${bound}`, [...changed.keys()], [KEYS_TABLE]),
    ],
    drop: large
      ? run('truncate the kept affected keys', `TRUNCATE ${KEYS_TABLE}`, [], [KEYS_TABLE])
      : run('empty the kept affected keys', empty, [], [KEYS_TABLE]),
  };
}

/** A short name for the shape of `sql`: its text with string literals and LIMIT bounds blanked, hashed. */
function shapeHash(sql: string): string {
  const shape = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/\bLIMIT\s+\d+/gi, 'LIMIT');
  // 53 bits of two 32-bit multiplicative hashes (a collision would need two shapes of one connection).
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < shape.length; i++) {
    const c = shape.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
