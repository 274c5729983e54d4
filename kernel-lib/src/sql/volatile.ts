/**
 * Expressions whose value is not a function of the rows read: volatile functions (sequences, random
 * values, the wall clock), session state, system columns (a row's `xmin` or `ctid` changes when the row is
 * rewritten), TABLESAMPLE. A DT reading one cannot be maintained incrementally (rows computed at different
 * refreshes would disagree with one run of the query): AUTO refreshes it in full, INCREMENTAL refuses it.
 * CURRENT_DATE / CURRENT_TIMESTAMP / NOW() are not here: the engine's clock pins them (plan/shape.ts).
 * Pure: the database's judgement (engine/dependencies.ts) is passed in.
 */
import type { RelationWalk } from './relations.js';

/** Built-in functions whose result changes between calls or sessions (by name, both families). */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'nextval',
  'currval',
  'lastval',
  'setval',
  'random',
  'random_normal',
  'setseed',
  'gen_random_uuid',
  'uuid',
  'uuid_generate_v4',
  'uuid_string',
  'clock_timestamp',
  'statement_timestamp',
  'transaction_timestamp',
  'timeofday',
  'txid_current',
  'pg_current_xact_id',
  'current_setting',
  'pg_backend_pid',
]);

/** System columns: PostgreSQL's, and DuckDB's rowid. */
const SYSTEM_COLUMNS = new Set(['xmin', 'xmax', 'cmin', 'cmax', 'ctid', 'tableoid', 'rowid']);

export interface VolatileFinding {
  /** The identifier to point at in the query. */
  name: string;
  /** Why the query's result is not a function of the rows it reads. */
  reason: string;
}

export function volatileFinding(
  walk: RelationWalk | undefined,
  db: { volatile: { name: string; volatility: string }[]; systemColumn: boolean } | undefined,
  sourceColumns: ReadonlySet<string>,
): VolatileFinding | undefined {
  const fn =
    walk?.functions.find((f) => VOLATILE_FUNCTIONS.has(f)) ??
    db?.volatile.find((v) => v.volatility === 'volatile')?.name;
  if (fn) {
    return {
      name: fn,
      reason: `it calls ${fn}(), which is volatile (its value changes from call to call), so rows maintained incrementally would disagree with the query`,
    };
  }
  const stable = db?.volatile.find((v) => v.volatility === 'stable');
  if (stable) {
    return {
      name: stable.name,
      reason: `it calls ${stable.name}(), a user-defined function that is not IMMUTABLE (it may read tables or session state that no change capture sees)`,
    };
  }
  const column = walk?.columns.find((c) => SYSTEM_COLUMNS.has(c) && !sourceColumns.has(c));
  if (column || db?.systemColumn) {
    return {
      name: column ?? 'xmin',
      reason: `it reads the system column ${column ?? '(xmin, ctid, …)'}, which changes when a row is rewritten, not only when its values change`,
    };
  }
  if (walk?.sampled) return { name: 'tablesample', reason: 'TABLESAMPLE picks rows at random at every run' };
  return undefined;
}
