/**
 * What a table's enforced constraints already say about some system metrics, so the one scan (quality/plan.ts)
 * need not compute it. Pure. Only facts the backend enforces on every committed row count (Dialect.keyFactsSql):
 * NOT NULL columns, and unique keys (PRIMARY KEY, UNIQUE: valid, not deferrable, no predicate or expression)
 * whose columns are all NOT NULL.
 * - NULL_COUNT / NULL_PERCENT of a NOT NULL column are 0 (PostgreSQL 18's planner likewise reads COUNT(c) of
 *   a NOT NULL column as COUNT(*)).
 * - Rows that hold a key are pairwise distinct on every column set that contains it: DUPLICATE_COUNT of such a
 *   set is 0, and UNIQUE_COUNT counts the rows none of whose columns is NULL — no GROUP BY of the set.
 * A table without such constraints is measured as before; the values are the same either way
 * (test/quality-reference.test.ts checks them against reference queries on tables with and without keys).
 */
import type { Value } from '../backends/backend.js';

/** Enforced facts of one table: its NOT NULL columns and its unique keys of NOT NULL columns (names as stored). */
export interface KeyFacts {
  notNull: ReadonlySet<string>;
  keys: readonly (readonly string[])[];
}

export const NO_FACTS: KeyFacts = { notNull: new Set(), keys: [] };

/** The facts from Dialect.keyFactsSql's rows: ('n', '', column) per NOT NULL column, ('u', key, column) per key column. */
export function keyFactsOf(rows: Value[][]): KeyFacts {
  const notNull = new Set<string>();
  const keys = new Map<string, string[]>();
  for (const [kind, key, column] of rows) {
    if (kind === 'n') notNull.add(String(column));
    else if (kind === 'u') {
      const k = String(key);
      keys.set(k, [...(keys.get(k) ?? []), String(column)]);
    }
  }
  // A UNIQUE key with a nullable column lets rows with a NULL there repeat: not a key here.
  return { notNull, keys: [...keys.values()].filter((k) => k.every((c) => notNull.has(c))) };
}

/**
 * The aggregate (Snowflake SQL, over `quoted` columns) that measures `metric` on `columns` given `facts`, where
 * the facts make it cheaper than the metric's own; undefined otherwise.
 */
export function constrainedSql(
  metric: string,
  columns: readonly string[],
  quoted: readonly string[],
  facts: KeyFacts,
): string | undefined {
  const [only] = columns;
  if ((metric === 'NULL_COUNT' || metric === 'NULL_PERCENT') && only !== undefined && facts.notNull.has(only))
    return '0';
  if (metric !== 'DUPLICATE_COUNT' && metric !== 'UNIQUE_COUNT') return undefined;
  if (!facts.keys.some((k) => k.every((c) => columns.includes(c)))) return undefined;
  if (metric === 'DUPLICATE_COUNT') return '0';
  const nullable = quoted.filter((_, i) => !facts.notNull.has(columns[i] as string));
  return nullable.length === 0
    ? 'COUNT(*)'
    : `COUNT(CASE WHEN ${nullable.map((c) => `${c} IS NOT NULL`).join(' AND ')} THEN 1 END)`;
}
