/**
 * Which warehouse a refresh runs on and is billed to (Snowflake's dual warehouses): INITIALIZATION_WAREHOUSE,
 * when set, takes the initializations — a DT's initial refresh (it has no data timestamp yet: the refresh at
 * CREATE, or the first scheduled one with INITIALIZE = ON_SCHEDULE) and every REINITIALIZE — and WAREHOUSE
 * everything else (INCREMENTAL, FULL, NO_DATA), whatever triggered the refresh (creation, schedule, manual).
 * Pure.
 */
import type { DynamicTable, RefreshAction } from '../types.js';

/**
 * Whether a refresh of `dt` doing `action` (undefined: not known yet, as when the refresh failed before it
 * chose) initializes it.
 */
export function initializes(
  dt: Pick<DynamicTable, 'dataTimestamp'>,
  action: RefreshAction | null | undefined,
): boolean {
  if (action === 'REINITIALIZE') return true;
  return dt.dataTimestamp === null && action !== 'NO_DATA';
}

/** The warehouse a refresh of `dt` doing `action` runs on. */
export function refreshWarehouse(
  dt: Pick<DynamicTable, 'dataTimestamp' | 'warehouse' | 'initializationWarehouse'>,
  action: RefreshAction | null | undefined,
): string {
  return dt.initializationWarehouse !== undefined && initializes(dt, action)
    ? dt.initializationWarehouse
    : dt.warehouse;
}
