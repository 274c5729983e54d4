/** Result sets of SHOW DYNAMIC TABLES, SHOW WAREHOUSES and DESCRIBE DYNAMIC TABLE (Snowflake's column names). */
import { type Backend, quoteIdent, type ResultColumn, type Value } from '../backends/backend.js';
import { DtError } from '../errors.js';
import type { ShowFilters } from '../sql/ddl.js';
import type { Expectation } from '../sql/expectations.js';
import { formatLag } from '../sql/lag.js';
import { positionAt } from '../sql/position.js';
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

/** The objects SHOW lists: LIKE, STARTS WITH (case-sensitive, as Snowflake's) and LIMIT, in name order. */
export function shown<T extends { name: string }>(objects: T[], filters: ShowFilters): T[] {
  const matches = likeMatcher(filters.like);
  const picked = objects
    .filter((o) => matches(o.name) && o.name.startsWith(filters.startsWith ?? ''))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return picked.slice(0, filters.limit ?? picked.length);
}

/**
 * SHOW's IN clause: every object here lives in the backend's current database and schema, so a named database
 * or schema must be that one (case-insensitive); another name is an unknown object, positioned at the name.
 */
export async function checkShowScope(backend: Backend, filters: ShowFilters, sql: string): Promise<void> {
  const scope = filters.scope;
  if (!scope || (scope.database === undefined && scope.schema === undefined)) return;
  const { rows } = await backend.query('SELECT current_database(), current_schema()');
  const [database, schema] = (rows[0] ?? []).map((v) => String(v).toLowerCase());
  const wrong =
    scope.database !== undefined && scope.database.toLowerCase() !== database
      ? `database ${scope.database} does not exist here: everything lives in database ${database}`
      : scope.schema !== undefined && scope.schema.toLowerCase() !== schema
        ? `schema ${scope.schema} does not exist here: dynamic tables live in schema ${schema}`
        : undefined;
  if (wrong) throw new DtError('DT_ERR_UNKNOWN_OBJECT', wrong, { position: positionAt(sql, scope.at), sql });
}

export async function showDynamicTablesResult(
  backend: Backend,
  dts: DynamicTable[],
  filters: ShowFilters,
): Promise<{ columns: ResultColumn[]; rows: Value[][] }> {
  const rows: Value[][] = [];
  for (const dt of shown(dts, filters)) {
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
      dt.immutableWhere ?? null,
      dt.initializationWarehouse ?? null,
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
      col('immutable_where'),
      col('initialization_warehouse'),
    ],
    rows,
  };
}

export function showWarehousesResult(
  warehouses: Warehouse[],
  filters: ShowFilters,
): { columns: ResultColumn[]; rows: Value[][] } {
  return {
    columns: [
      col('name'),
      col('size'),
      col('max_concurrency_level', 'integer'),
      col('auto_suspend', 'integer'),
      col('comment'),
      col('created_on', 'timestamp'),
    ],
    rows: shown(warehouses, filters).map((w) => [
      w.name,
      w.size,
      w.maxConcurrency,
      w.autoSuspendSeconds,
      w.comment ?? null,
      w.createdOn,
    ]),
  };
}

export function describeResult(
  columns: { name: string; type: string; nullable: boolean }[],
  expectations: Expectation[] = [],
  props: {
    immutableWhere?: string;
    backfillFrom?: string;
    warehouse?: string;
    initializationWarehouse?: string;
  } = {},
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
      // IMMUTABLE WHERE: the predicate, and the table the immutable region was backfilled from.
      ...(props.immutableWhere !== undefined
        ? [
            [
              'immutable region',
              props.immutableWhere,
              'IMMUTABLE WHERE',
              props.backfillFrom !== undefined ? `BACKFILL FROM ${props.backfillFrom}` : null,
            ],
          ]
        : []),
      // INITIALIZATION_WAREHOUSE: the warehouse of initializations, and the one of every other refresh.
      ...(props.initializationWarehouse !== undefined
        ? [
            [
              'initialization warehouse',
              props.initializationWarehouse,
              'INITIALIZATION_WAREHOUSE',
              props.warehouse !== undefined ? `other refreshes on ${props.warehouse}` : null,
            ],
          ]
        : []),
    ],
  };
}
