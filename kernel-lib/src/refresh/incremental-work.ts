/**
 * What an incremental refresh's plan is given (refresh/incremental.ts): the DT, its strategy's shapes and
 * plans, the decision, the DT's columns; and what it reads before it starts (`IncrementalFacts`).
 */
import type { OutputColumn } from '../plan/full.js';
import type { LinearPlan } from '../plan/linear.js';
import type { NestedPlan } from '../plan/nested.js';
import type { QueryShape } from '../plan/shape.js';
import type { UnionPlan } from '../plan/union.js';
import type { DynamicTable } from '../types.js';
import type { ActionDecision } from './decide.js';
import type { ExpectationRun } from './expectations.js';

export interface IncrementalWork {
  dt: DynamicTable;
  shape: QueryShape;
  /** Column names of every source. */
  columns: ReadonlyMap<string, string[]>;
  /**
   * The sources' columns with their types, as one text (refresh/planning.ts `strategyOf`): what a kept keys
   * table's columns are typed from besides its query (refresh/keys-steps.ts `keptKeys`).
   */
  sourceTypes?: string;
  /** Present when the DT is maintained by linear deltas (plan/linear.ts). */
  linear?: LinearPlan;
  /** The linear state table's column types, as the refresh read them (catalog/refresh-metadata.ts). */
  stateTypes?: ReadonlyMap<string, string>;
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

/** What the plan needs to know before it starts: read by `runIncremental`, usually from what the refresh knows. */
export interface IncrementalFacts {
  /** The DT's position on its sources: the changes after it are read. */
  previous: string;
  /** Whether the DT records its own changes (DuckDB, read by other DTs). */
  emits: boolean;
}
