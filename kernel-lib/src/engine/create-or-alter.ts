/**
 * CREATE OR ALTER DYNAMIC TABLE (Snowflake): creates the DT when it does not exist; otherwise brings it to the
 * statement's definition. TARGET_LAG, WAREHOUSE, INITIALIZATION_WAREHOUSE, COMMENT and SCHEDULER change in place and keep the data; a
 * different query, column list, REFRESH_MODE or INITIALIZE recreates it (reinitialization, as CREATE OR
 * REPLACE); a definition that already matches is a no-op. `alteration` is pure.
 */
import type { AlterAction, CreateDynamicTable } from '../sql/ddl.js';
import { stored } from '../sql/expectations.js';
import { formatLag } from '../sql/lag.js';
import type { DynamicTable } from '../types.js';

export type Alteration =
  | { kind: 'same' }
  | { kind: 'replace'; because: string }
  /** The ALTER … SET that makes the difference (SCHEDULER only settable this way). */
  | { kind: 'alter'; set: Extract<AlterAction, { kind: 'set' }> };

const sameColumns = (a: DynamicTable['columns'], b: CreateDynamicTable['columns']) =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/** What it takes to turn `existing` into what `stmt` defines (the default warehouse when it names none). */
export function alteration(
  existing: DynamicTable,
  stmt: CreateDynamicTable,
  defaultWarehouse: string,
): Alteration {
  if (existing.query.trim() !== stmt.query.trim()) return { kind: 'replace', because: 'the query changed' };
  if (!sameColumns(existing.columns, stmt.columns))
    return { kind: 'replace', because: 'the column list changed' };
  if (existing.refreshMode !== stmt.refreshMode) return { kind: 'replace', because: 'REFRESH_MODE changed' };
  if (existing.initialize !== stmt.initialize) return { kind: 'replace', because: 'INITIALIZE changed' };
  if (JSON.stringify(existing.expectations ?? []) !== JSON.stringify((stmt.expectations ?? []).map(stored)))
    return { kind: 'replace', because: 'the expectations changed' };
  if ((existing.immutableWhere ?? '') !== (stmt.immutableWhere?.text ?? ''))
    return { kind: 'replace', because: 'IMMUTABLE WHERE changed' };
  if (stmt.backfill) return { kind: 'replace', because: 'BACKFILL FROM fills a new dynamic table' };
  const set: Extract<AlterAction, { kind: 'set' }> = { kind: 'set' };
  if (formatLag(existing.targetLag) !== formatLag(stmt.targetLag)) set.targetLag = stmt.targetLag;
  const warehouse = stmt.warehouse ?? defaultWarehouse;
  if (existing.warehouse !== warehouse) set.warehouse = warehouse;
  if ((existing.comment ?? null) !== (stmt.comment ?? null)) set.comment = stmt.comment ?? null;
  if (existing.scheduler !== stmt.scheduler) set.scheduler = stmt.scheduler;
  if ((existing.initializationWarehouse ?? null) !== (stmt.initializationWarehouse ?? null))
    set.initializationWarehouse = stmt.initializationWarehouse ?? null;
  if (Object.keys(set).length === 1) return { kind: 'same' };
  return { kind: 'alter', set: stmt.warehouseAt ? { ...set, warehouseAt: stmt.warehouseAt } : set };
}
