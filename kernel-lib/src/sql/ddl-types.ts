/**
 * The parsed forms of DT Lab's own statements (what `parseStatement` in sql/ddl.ts returns): CREATE / ALTER /
 * DROP / UNDROP / SHOW / DESCRIBE / EXPLAIN of dynamic tables, the warehouse, notification, alert, quarantine
 * and data-metric statements, and `passthrough` for everything the backend runs.
 */
import type { AlertStatement } from './alert-ddl.js';
import type { ParsedExpectation, ReviewAction, ReviewIds } from './expectations.js';
import type { Backfill, ImmutableWhere } from './immutable-ddl.js';
import type { NotificationStatement } from './integration-ddl.js';
import type { TargetLag } from './lag.js';
import type { QualityStatement } from './quality-ddl.js';
import type { CreateWarehouse, DropWarehouse } from './warehouse-ddl.js';

export type RefreshMode = 'AUTO' | 'FULL' | 'INCREMENTAL';
export type InitializeMode = 'ON_CREATE' | 'ON_SCHEDULE';
export type SchedulerMode = 'ENABLE' | 'DISABLE';

export interface ColumnSpec {
  name: string;
  /** The type as written (Snowflake spelling), if any. */
  type?: string;
}

export interface CreateDynamicTable {
  kind: 'create_dynamic_table';
  orReplace: boolean;
  /** CREATE OR ALTER: alter an existing DT to this definition (engine/create-or-alter.ts). */
  orAlter?: boolean;
  ifNotExists: boolean;
  name: string;
  columns?: ColumnSpec[];
  targetLag: TargetLag;
  warehouse?: string;
  /** INITIALIZATION_WAREHOUSE: the warehouse of the initial refresh and of every REINITIALIZE. */
  initializationWarehouse?: string;
  /** Where each warehouse name stands in the statement (for a positioned unknown-warehouse error). */
  warehouseAt?: WarehouseOffsets;
  refreshMode: RefreshMode;
  initialize: InitializeMode;
  scheduler: SchedulerMode;
  comment?: string;
  /** Expectations (CONSTRAINT … EXPECT …) from the column list: sql/expectations.ts. */
  expectations?: ParsedExpectation[];
  /** IMMUTABLE WHERE ( … ) and BACKFILL FROM … (sql/immutable-ddl.ts, engine/immutable.ts). */
  immutableWhere?: ImmutableWhere;
  backfill?: Backfill;
  /** The defining query, verbatim, and where it starts in the statement. */
  query: string;
  queryOffset: number;
}

/** Offsets of the warehouse names a statement gives. */
export interface WarehouseOffsets {
  warehouse?: number;
  initializationWarehouse?: number;
}

export type AlterAction =
  | { kind: 'suspend' }
  | { kind: 'resume' }
  | { kind: 'refresh' }
  | { kind: 'verify' }
  | {
      kind: 'set';
      targetLag?: TargetLag;
      warehouse?: string;
      comment?: string | null;
      /** Only through CREATE OR ALTER. */
      scheduler?: SchedulerMode;
      /** INITIALIZATION_WAREHOUSE (null: UNSET). */
      initializationWarehouse?: string | null;
      /** Where each warehouse name stands in the statement (for a positioned unknown-warehouse error). */
      warehouseAt?: WarehouseOffsets;
    }
  | { kind: 'rename'; newName: string }
  | { kind: 'swap'; other: string }
  /** SET IMMUTABLE WHERE ( … ); UNSET IMMUTABLE WHERE: `where` null. */
  | { kind: 'immutable'; where: ImmutableWhere | null }
  | { kind: 'add_constraint'; expectation: ParsedExpectation }
  | { kind: 'drop_constraint'; name: string; nameOffset: number }
  | ({ kind: 'review'; review: ReviewAction } & ReviewIds);

export interface AlterDynamicTable {
  kind: 'alter_dynamic_table';
  ifExists: boolean;
  name: string;
  action: AlterAction;
}

/** UNDROP DYNAMIC TABLE name: restores the last dropped DT of that name (engine/undrop.ts). */
export interface UndropDynamicTable {
  kind: 'undrop_dynamic_table';
  name: string;
}

export interface DropDynamicTable {
  kind: 'drop_dynamic_table';
  ifExists: boolean;
  name: string;
}

/** SHOW's filters: `[LIKE '<pattern>'] [IN ACCOUNT | DATABASE [db] | SCHEMA [[db.]schema] | [db.]schema]
 * [STARTS WITH '<prefix>'] [LIMIT n]`. Everything lives in one database and schema here; a named one is
 * checked against them (`at`: the name's offset in the statement). */
export interface ShowFilters {
  like?: string;
  scope?: { kind: 'ACCOUNT' | 'DATABASE' | 'SCHEMA'; database?: string; schema?: string; at: number };
  startsWith?: string;
  limit?: number;
}

export interface ShowDynamicTables extends ShowFilters {
  kind: 'show_dynamic_tables';
}

export interface DescribeDynamicTable {
  kind: 'describe_dynamic_table';
  name: string;
}

export interface ShowWarehouses extends ShowFilters {
  kind: 'show_warehouses';
}

/** EXPLAIN CREATE … DYNAMIC TABLE: what the CREATE would do, doing nothing (engine/explain.ts). */
export interface ExplainCreate {
  kind: 'explain_create_dynamic_table';
  create: CreateDynamicTable;
}

/** EXPLAIN REFRESH [DYNAMIC TABLE] name: the steps of the DT's last refresh in this session (refresh/executor.ts). */
export interface ExplainRefresh {
  kind: 'explain_refresh';
  name: string;
}

/** Notification integrations and sends (sql/integration-ddl.ts, run by delivery/statements.ts). */
export interface Notification {
  kind: 'notification';
  statement: NotificationStatement;
}

/** SHOW QUARANTINED ROWS IN [DYNAMIC TABLE] name [LIMIT n] [OFFSET n] (docs/quality.md). */
export interface ShowQuarantine {
  kind: 'show_quarantine';
  name: string;
  limit: number;
  offset: number;
}

export interface Passthrough {
  kind: 'passthrough';
}

export type Statement =
  | CreateDynamicTable
  | AlterDynamicTable
  | DropDynamicTable
  | UndropDynamicTable
  | ShowDynamicTables
  | DescribeDynamicTable
  | CreateWarehouse
  | DropWarehouse
  | ShowWarehouses
  | ExplainCreate
  | ExplainRefresh
  | Notification
  | AlertStatement
  | ShowQuarantine
  | QualityStatement
  | Passthrough;
