/**
 * What CREATE DYNAMIC TABLE decides from what it has read (engine/create-plan.ts reads it): whether the name is
 * free, which warehouses it runs on, the DT's columns, and the DT as it is catalogued. Pure.
 */
import type { Backend } from '../backends/backend.js';
import { DtError } from '../errors.js';
import type { OutputColumn } from '../plan/full.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import { stored } from '../sql/expectations.js';
import { positionAt } from '../sql/position.js';
import { translateType } from '../sql/translate.js';
import {
  DEFAULT_WAREHOUSE,
  type DynamicTable,
  type EffectiveMode,
  type RefreshRecord,
  type Warehouse,
} from '../types.js';

export interface CreateOutcome {
  message: string;
  created?: DynamicTable;
  initialRefresh?: RefreshRecord;
}

/**
 * Whether the name is free: the outcome when IF NOT EXISTS finds the DT; refused when the DT exists without OR
 * REPLACE, or a table or view has the name.
 */
export function checkName(
  stmt: CreateDynamicTable,
  existing: DynamicTable | undefined,
  relations: Map<string, 'TABLE' | 'VIEW'>,
): CreateOutcome | undefined {
  if (existing && stmt.ifNotExists)
    return { message: `Dynamic table ${stmt.name} already exists, statement succeeded.` };
  if (existing && !stmt.orReplace) {
    throw new DtError('DT_ERR_EXISTS', `dynamic table ${stmt.name} already exists`, {
      hint: 'use CREATE OR REPLACE DYNAMIC TABLE to redefine it',
    });
  }
  if (!existing && relations.has(stmt.name)) {
    throw new DtError(
      'DT_ERR_EXISTS',
      `a ${relations.get(stmt.name)?.toLowerCase()} named ${stmt.name} already exists`,
    );
  }
  return undefined;
}

/**
 * The DT's warehouse (the default when it names none) and the one its initial refresh runs on; both must
 * exist.
 */
export function createWarehouses(
  stmt: CreateDynamicTable,
  sql: string,
  warehouses: Warehouse[],
): { warehouse: string; initWh: Warehouse } {
  const warehouse = stmt.warehouse ?? DEFAULT_WAREHOUSE;
  const unknown = (name: string, offset: number | undefined, hint: string) =>
    new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${name} does not exist`, {
      ...(offset !== undefined ? { position: positionAt(sql, offset), sql } : {}),
      hint,
    });
  if (!warehouses.some((w) => w.name === warehouse)) {
    throw unknown(
      warehouse,
      stmt.warehouseAt?.warehouse,
      `create it first: CREATE WAREHOUSE ${warehouse} WAREHOUSE_SIZE = XSMALL`,
    );
  }
  // INITIALIZATION_WAREHOUSE: the initial refresh runs on it, at its size (refresh/billing.ts).
  const initWh = warehouses.find((w) => w.name === (stmt.initializationWarehouse ?? warehouse));
  if (!initWh) {
    throw unknown(
      stmt.initializationWarehouse as string,
      stmt.warehouseAt?.initializationWarehouse,
      `create it first, or leave INITIALIZATION_WAREHOUSE out (the initial refresh then runs on ${warehouse})`,
    );
  }
  return { warehouse, initWh };
}

/** The DT's columns: the column list (its types translated) or the query's result columns, named distinctly. */
export function outputColumns(
  stmt: CreateDynamicTable,
  result: { name: string }[],
  backend: Backend,
): OutputColumn[] {
  if (stmt.columns) {
    if (stmt.columns.length !== result.length) {
      throw new DtError(
        'DT_ERR_COLUMNS',
        `the column list of ${stmt.name} names ${stmt.columns.length} columns but the query returns ${result.length}`,
      );
    }
    return stmt.columns.map((c) =>
      c.type ? { name: c.name, type: translateType(c.type, backend.family) } : { name: c.name },
    );
  }
  const names = result.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new DtError('DT_ERR_COLUMNS', `the query of ${stmt.name} returns two columns named ${dup}`, {
      hint: 'give the columns distinct aliases, or add a column list after the name',
    });
  }
  return names.map((name) => ({ name }));
}

/** The DT as CREATE catalogues it: active, not yet refreshed. */
export function cataloguedDynamicTable(
  stmt: CreateDynamicTable,
  warehouse: string,
  decision: { mode: EffectiveMode; reason: string },
  sources: DynamicTable['sources'],
  createdOn: string,
): DynamicTable {
  return {
    name: stmt.name,
    query: stmt.query,
    ...(stmt.columns ? { columns: stmt.columns } : {}),
    targetLag: stmt.targetLag,
    warehouse,
    ...(stmt.initializationWarehouse ? { initializationWarehouse: stmt.initializationWarehouse } : {}),
    refreshMode: stmt.refreshMode,
    effectiveMode: decision.mode,
    refreshModeReason: decision.reason,
    initialize: stmt.initialize,
    scheduler: stmt.scheduler,
    ...(stmt.comment !== undefined ? { comment: stmt.comment } : {}),
    ...(stmt.expectations ? { expectations: stmt.expectations.map(stored) } : {}),
    ...(stmt.immutableWhere ? { immutableWhere: stmt.immutableWhere.text } : {}),
    ...(stmt.backfill ? { backfillFrom: stmt.backfill.table } : {}),
    schedulingState: 'ACTIVE',
    createdOn,
    dataTimestamp: null,
    sources,
  };
}
