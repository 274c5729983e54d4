/**
 * Core types of DT Lab.
 *
 * Terminology
 * - dynamic table (DT): a table defined by a query; the engine keeps its contents equal to the query's result
 *   as of its data timestamp. Users query it by name like any table.
 * - source: a table, view or dynamic table the defining query reads.
 * - refresh: bringing a DT up to date. FULL recomputes the query; INCREMENTAL applies the sources' changes;
 *   NO_DATA means nothing changed; REINITIALIZE is a full refresh forced by a change the engine could not track.
 * - data timestamp: the moment of the source snapshot a DT's contents reflect.
 * - lag: now − data timestamp. TARGET_LAG bounds it; DOWNSTREAM means "as fresh as my readers need".
 * - warehouse: the named compute pool refreshes run on; its size sets the credits a refresh costs.
 */
import type { ColumnSpec, InitializeMode, RefreshMode, SchedulerMode, WarehouseSize } from './sql/ddl.js';
import type { Expectation, ViolationAction } from './sql/expectations.js';
import type { TargetLag } from './sql/lag.js';

export type SourceKind = 'TABLE' | 'VIEW' | 'DYNAMIC TABLE';
export type EffectiveMode = 'FULL' | 'INCREMENTAL';
export type SchedulingState = 'ACTIVE' | 'SUSPENDED';
/**
 * Why a DT is suspended: by a user's ALTER … SUSPEND, by the scheduler after five consecutive failed scheduled
 * refreshes, or because a DT it reads was suspended (RESUME of that DT resumes it again).
 */
export type SuspendReason = 'USER_SUSPENDED' | 'SUSPENDED_DUE_TO_ERRORS' | 'UPSTREAM_SUSPENDED';

export interface DynamicTable {
  name: string;
  /** The defining query as the user wrote it (Snowflake flavour, untranslated). */
  query: string;
  columns?: ColumnSpec[];
  targetLag: TargetLag;
  warehouse: string;
  /** INITIALIZATION_WAREHOUSE: the warehouse the initial refresh is billed to (default: `warehouse`). */
  initializationWarehouse?: string;
  /** What the user asked for. */
  refreshMode: RefreshMode;
  /** What the engine does, and why. */
  effectiveMode: EffectiveMode;
  refreshModeReason: string;
  initialize: InitializeMode;
  scheduler: SchedulerMode;
  comment?: string;
  schedulingState: SchedulingState;
  /** Set while SUSPENDED. */
  suspendReason?: SuspendReason;
  createdOn: string;
  /** Null until the first successful refresh. */
  dataTimestamp: string | null;
  /** `definition`: a plain view's definition when the DT was created (plan/normalize.ts inlines it). */
  sources: { name: string; kind: SourceKind; definition?: string }[];
  /** Expectations on the DT's rows (CONSTRAINT … EXPECT …), in the order defined. */
  expectations?: Expectation[];
  /** Set by ADD / DROP CONSTRAINT: the next refresh recomputes everything, for this reason. */
  pendingRecompute?: string;
  /** IMMUTABLE WHERE's predicate as written: rows matching it are kept as they are (plan/immutable.ts). */
  immutableWhere?: string;
  /** BACKFILL FROM: the table the immutable region was copied from at CREATE. */
  backfillFrom?: string;
}

/** One expectation's count in one refresh (dtlab.expectation_results). */
export interface ExpectationCount {
  expectation: string;
  action: ViolationAction;
  rowsPassed: number;
  rowsFailed: number;
}

export interface Warehouse {
  name: string;
  size: WarehouseSize;
  maxConcurrency: number;
  autoSuspendSeconds: number;
  comment?: string;
  createdOn: string;
}

export type RefreshState =
  | 'SCHEDULED'
  | 'EXECUTING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLED'
  | 'UPSTREAM_FAILED'
  | 'SKIPPED';
export type RefreshAction = 'NO_DATA' | 'INCREMENTAL' | 'FULL' | 'REINITIALIZE';
export type RefreshTrigger = 'SCHEDULED' | 'MANUAL' | 'CREATION';

/** One row of refresh history (Snowflake's DYNAMIC_TABLE_REFRESH_HISTORY, with our statistics). */
export interface RefreshRecord {
  refreshId: number;
  name: string;
  state: RefreshState;
  stateMessage: string | null;
  refreshAction: RefreshAction | null;
  refreshTrigger: RefreshTrigger;
  dataTimestamp: string | null;
  refreshStartTime: string;
  refreshEndTime: string | null;
  completionTarget: string | null;
  rowsInserted: number;
  rowsDeleted: number;
  /**
   * Source rows the refresh read (schedule/cost.ts): every row of every source for FULL / REINITIALIZE, the
   * change rows for INCREMENTAL, 0 for NO_DATA.
   */
  rowsRead: number;
  /** Rows of change read, per source. */
  changesRead: Record<string, number>;
  planningMs: number;
  executionMs: number;
  queuedMs: number;
  reason: string | null;
  warehouse: string;
  creditsUsed: number;
  /** Per expectation of the DT: rows evaluated that passed and failed (absent: the DT has none). */
  expectations?: ExpectationCount[];
  /** The REFRESH quality score written with the history row (dtlab.quality_scores; absent: none then). */
  qualityScore?: RefreshScore;
}

/** A refresh's quality score from its expectations' counts (quality/score.ts), kept in its history row. */
export interface RefreshScore {
  /** Engine clock, ms. */
  measurementTime: number;
  score: number | null;
  state: string;
  checks: number;
  failing: number;
}

/** Snowflake's credits per hour for each warehouse size. */
export const CREDITS_PER_HOUR: Record<WarehouseSize, number> = {
  XSMALL: 1,
  SMALL: 2,
  MEDIUM: 4,
  LARGE: 8,
  XLARGE: 16,
  '2XLARGE': 32,
  '3XLARGE': 64,
  '4XLARGE': 128,
};

/** The warehouse a DT uses when its DDL names none (Snowflake requires one; lessons should not have to). */
export const DEFAULT_WAREHOUSE = 'compute_wh';
