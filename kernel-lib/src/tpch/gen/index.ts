/**
 * A TypeScript port of TPC-H's dbgen (v2.17 data generation): the same rows, byte for byte, for all
 * eight tables at any scale factor, plus the refresh sets of `dbgen -U`. Pure computation with no Node
 * APIs, so it runs in the browser too. The first call builds dbgen's 300 MiB comment text pool (about
 * two seconds); `releaseTextPool()` frees it.
 */

export { TPCH_COLUMNS, type TpchColumn, type TpchColumnType } from './columns.js';
export { type FormatOptions, formatDeleteKey, formatMoney, formatTbl } from './format.js';
export { distinctPartSuppliers } from './keys.js';
export { generateOrdersWithLineitems, generateRows, rowCount } from './rows.js';
export { scaleInfo, validateScaleFactor } from './scale.js';
export { releaseTextPool } from './text.js';
export {
  type CustomerRow,
  type LineitemRow,
  type NationRow,
  type OrdersRow,
  type OrderWithLineitems,
  type PartRow,
  type PartsuppRow,
  type RegionRow,
  type RowRange,
  type SupplierRow,
  TPCH_TABLES,
  type TpchRow,
  type TpchRowMap,
  type TpchTable,
} from './types.js';
export {
  type UpdateSet,
  updateDeletes,
  updateOrderCount,
  updateOrdersWithLineitems,
  updateSet,
} from './updates.js';
