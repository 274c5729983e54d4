/** Result sets of SHOW DYNAMIC TABLES, SHOW WAREHOUSES and DESCRIBE DYNAMIC TABLE (Snowflake's column names). */
import { type Backend, quoteIdent, type ResultColumn, type Value } from '../backends/backend.js';
import type { Expectation } from '../sql/expectations.js';
import { formatLag } from '../sql/lag.js';
import type { DynamicTable, Warehouse } from '../types.js';

const col = (name: string, type = 'varchar'): ResultColumn => ({ name, type });

/** Snowflake's LIKE for SHOW: case-insensitive, % and _ wildcards. */
export function likeMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const re = new RegExp(
    `^${[...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    'is',
  );
  return (name) => re.test(name);
}

export async function showDynamicTablesResult(
  backend: Backend,
  dts: DynamicTable[],
  like?: string,
): Promise<{ columns: ResultColumn[]; rows: Value[][] }> {
  const matches = likeMatcher(like);
  const rows: Value[][] = [];
  for (const dt of dts.filter((d) => matches(d.name))) {
    const count = await backend.query(`SELECT count(*) FROM ${quoteIdent(dt.name)}`);
    rows.push([
      dt.createdOn,
      dt.name,
      formatLag(dt.targetLag),
      dt.effectiveMode,
      dt.refreshModeReason,
      dt.warehouse,
      dt.schedulingState,
      dt.dataTimestamp,
      Number(count.rows[0]?.[0] ?? 0),
      dt.comment ?? null,
      dt.query,
    ]);
  }
  return {
    columns: [
      col('created_on', 'timestamp'),
      col('name'),
      col('target_lag'),
      col('refresh_mode'),
      col('refresh_mode_reason'),
      col('warehouse'),
      col('scheduling_state'),
      col('data_timestamp', 'timestamp'),
      col('rows', 'bigint'),
      col('comment'),
      col('text'),
    ],
    rows,
  };
}

export function showWarehousesResult(
  warehouses: Warehouse[],
  like?: string,
): { columns: ResultColumn[]; rows: Value[][] } {
  const matches = likeMatcher(like);
  return {
    columns: [
      col('name'),
      col('size'),
      col('max_concurrency_level', 'integer'),
      col('auto_suspend', 'integer'),
      col('comment'),
      col('created_on', 'timestamp'),
    ],
    rows: warehouses
      .filter((w) => matches(w.name))
      .map((w) => [w.name, w.size, w.maxConcurrency, w.autoSuspendSeconds, w.comment ?? null, w.createdOn]),
  };
}

export function describeResult(
  columns: { name: string; type: string; nullable: boolean }[],
  expectations: Expectation[] = [],
): {
  columns: ResultColumn[];
  rows: Value[][];
} {
  // Expectations follow the columns: name, condition, EXPECTATION, the action on violation.
  return {
    columns: [col('name'), col('type'), col('kind'), col('null?')],
    rows: [
      ...columns.map((c) => [c.name, c.type, 'COLUMN', c.nullable ? 'Y' : 'N']),
      ...expectations.map((e) => [e.name, e.condition, 'EXPECTATION', `ON VIOLATION ${e.action}`]),
    ],
  };
}
