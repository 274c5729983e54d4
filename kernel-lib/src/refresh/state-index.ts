/**
 * The indexes a refresh finds its affected keys' rows by, where the family indexes (dialect `indexesState`):
 * on the DT's key columns and on the linear state's keys cast to their declared types. Built with the state
 * (refresh/state.ts rebuildStateSteps), dropped with it (dropState). Pure.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { stateTable } from '../plan/linear.js';
import type { Strategy } from '../plan/strategy.js';
import { translateType } from '../sql/column-types.js';
import type { DynamicTable } from '../types.js';
import { type RefreshStep, run } from './steps.js';

const MAX_INDEXED_KEYS = 3;
export const keyIndex = (dt: string) => quoteIdent(`dtlab_keys_${dt}`);
/** A btree entry must stay under ≈2.7 kB, or inserting a longer key fails: keys indexed only up to this. */
const MAX_KEY_BYTES = 2000;

/** The most bytes a value of a declared (translated) type takes, Infinity where it has no bound (TEXT). */
function maxKeyBytes(type: string): number {
  const t = type.trim().toUpperCase();
  if (
    /^(SMALLINT|INTEGER|INT|BIGINT|INT[248]|REAL|FLOAT[48]?|DOUBLE PRECISION|BOOL(EAN)?|DATE|TIME(STAMP)?(\s.*)?)$/.test(
      t,
    )
  )
    return 16;
  const numeric = /^(NUMERIC|DECIMAL)\s*\(\s*(\d+)/.exec(t);
  if (numeric) return Number(numeric[2]) / 2 + 8;
  const chars = /^(VARCHAR|CHARACTER VARYING|CHAR|CHARACTER|BPCHAR)\s*\(\s*(\d+)\s*\)$/.exec(t);
  return chars ? 4 * Number(chars[2]) + 4 : Number.POSITIVE_INFINITY;
}

/**
 * Indexes that let a refresh find the rows of its affected keys instead of scanning (where the family
 * indexes, `indexesState`): the DT's key columns (`columns`: the DT's column names), which the affected keys'
 * rows are deleted by; and the state's keys cast to the declared types, which the new rows are read by
 * (keyMatch compares the keys cast). Only where every key column is declared with a bounded type. Without
 * them a 1-row change of a 150 000-row DT scans both. IF NOT EXISTS: a recompute keeps the DT's index (RENAME
 * and REPLACE drop it with the state, dropState); a name another relation holds (two long names cut alike at
 * 63 bytes) only leaves the DT unindexed.
 */
export function keyIndexSteps(
  family: SqlFamily,
  dt: DynamicTable,
  strategy: Strategy,
  columns: readonly string[],
): RefreshStep[] {
  if (!dialectOf(family).indexesState || strategy.kind === 'full') return [];
  const { shape } = strategy;
  const names = shape.keys.map((k) => columns[k]);
  // A wide key (a projection's every column) would double the DT's writes for its index: left unindexed.
  if (
    shape.global ||
    names.length === 0 ||
    names.length > MAX_INDEXED_KEYS ||
    names.some((n) => n === undefined)
  )
    return [];
  const types = shape.keys.map((k) => {
    const declared = dt.columns?.[k]?.type;
    return declared ? translateType(declared, family) : undefined;
  });
  // Only keys of declared, bounded types (the DT stores them cast): a longer key would fail its INSERT.
  const bytes = types.reduce((sum, t) => sum + (t ? maxKeyBytes(t) : Number.POSITIVE_INFINITY), 0);
  if (bytes > MAX_KEY_BYTES) return [];
  const steps = [
    run(
      "index the DT's key columns",
      `CREATE INDEX IF NOT EXISTS ${keyIndex(dt.name)} ON ${quoteIdent(dt.name)} (${names.map((n) => quoteIdent(n as string)).join(', ')})`,
      [dt.name],
      [dt.name],
    ),
  ];
  if (strategy.kind !== 'linear' || strategy.plan.rows || strategy.plan.hidden.length > 0) return steps;
  const cast = types.map((t, i) => `(CAST((k${i + 1}) AS ${t}))`);
  const state = stateTable(dt.name);
  return [
    ...steps,
    run(
      'index the state by its cast keys',
      `CREATE INDEX ON ${state} (${cast.join(', ')})`,
      [state],
      [state],
    ),
  ];
}
