/**
 * Table-level entry points: row counts and row generators for any slice of any table.
 *
 * Every table can start at any row without generating the rows before it, because dbgen's streams
 * advance by a fixed number of draws per row. Lineitem is the exception that proves the rule: its
 * rows are numbered by order, so finding its n-th row means reading the line counts of the orders
 * before it (one cheap draw per order).
 */

import { customerRows } from './customer.js';
import { NATION_COUNT, nationRows, REGION_COUNT, regionRows } from './nation.js';
import { lineCounts, orderBatches } from './orders.js';
import { partRows, partsuppRows, SUPPLIERS_PER_PART } from './part.js';
import { type ScaleInfo, scaleInfo } from './scale.js';
import { supplierRows } from './supplier.js';
import type {
  LineitemRow,
  OrdersRow,
  OrderWithLineitems,
  RowRange,
  TpchRow,
  TpchRowMap,
  TpchTable,
} from './types.js';

const lineitemTotals = new Map<number, number>();

function lineitemCount(info: ScaleInfo): number {
  let total = lineitemTotals.get(info.orders);
  if (total === undefined) {
    total = 0;
    let orders = 0;
    for (const lines of lineCounts()) {
      if (orders++ === info.orders) break;
      total += lines;
    }
    lineitemTotals.set(info.orders, total);
  }
  return total;
}

/**
 * Number of rows dbgen generates for the table at this scale factor. For lineitem this reads the line
 * count of every order (one random draw each, cached per scale factor): milliseconds at SF 1.
 */
export function rowCount(table: TpchTable, sf: number): number {
  const info = scaleInfo(sf);
  switch (table) {
    case 'region':
      return REGION_COUNT;
    case 'nation':
      return NATION_COUNT;
    case 'customer':
      return info.customers;
    case 'supplier':
      return info.suppliers;
    case 'part':
      return info.parts;
    case 'partsupp':
      return info.parts * SUPPLIERS_PER_PART;
    case 'orders':
      return info.orders;
    case 'lineitem':
      return lineitemCount(info);
    default:
      throw new Error(`Unknown TPC-H table: ${String(table)}`);
  }
}

/**
 * Resolve { start, count } against a table of `total` rows into a 1-based first row and a count.
 * `total` may be Infinity when it is not worth computing up front (lineitem).
 */
function resolveRange(total: number, range: RowRange | undefined): { first: number; count: number } {
  const first = range?.start ?? 1;
  if (!Number.isSafeInteger(first) || first < 1) {
    throw new Error(`Row range start must be an integer ≥ 1, got ${String(range?.start)}`);
  }
  const available = Math.max(0, total - first + 1);
  if (range?.count === undefined) return { first, count: available };
  if (!Number.isSafeInteger(range.count) || range.count < 0) {
    throw new Error(`Row range count must be an integer ≥ 0, got ${String(range.count)}`);
  }
  return { first, count: Math.min(range.count, available) };
}

function ordersFor(info: ScaleInfo, first: number, count: number, orders: boolean, lineitems: boolean) {
  return orderBatches(info, {
    first,
    count,
    updateSet: 0,
    skipOrderRows: first - 1,
    skipLineRows: first - 1,
    orders,
    lineitems,
  });
}

/** Orders (1-based order numbers `start` …) together with their line items. */
export function* generateOrdersWithLineitems(sf: number, range?: RowRange): Generator<OrderWithLineitems> {
  const info = scaleInfo(sf);
  const { first, count } = resolveRange(info.orders, range);
  for (const batch of ordersFor(info, first, count, true, true)) {
    yield { order: batch.order as OrdersRow, lineitems: batch.lineitems };
  }
}

function* orderRows(info: ScaleInfo, first: number, count: number): Generator<OrdersRow> {
  for (const batch of ordersFor(info, first, count, true, false)) yield batch.order as OrdersRow;
}

/** Line items from row `first` on (stopping at the last order even if `count` asks for more). */
function* lineitemRows(info: ScaleInfo, first: number, count: number): Generator<LineitemRow> {
  if (count === 0) return;
  // Find the order holding line item row `first`, and its position within that order.
  let order = 1;
  let before = 0;
  for (const lines of lineCounts()) {
    if (order > info.orders) return;
    if (before + lines >= first) break;
    before += lines;
    order++;
  }
  let skip = first - before - 1;
  let left = count;
  for (const batch of ordersFor(info, order, info.orders - order + 1, false, true)) {
    for (const line of batch.lineitems) {
      if (skip > 0) {
        skip--;
        continue;
      }
      yield line;
      if (--left === 0) return;
    }
  }
}

function* partsuppSlice(info: ScaleInfo, first: number, count: number): Generator<TpchRowMap['partsupp']> {
  if (count === 0) return;
  const firstPart = Math.floor((first - 1) / SUPPLIERS_PER_PART) + 1;
  const lastPart = Math.floor((first + count - 2) / SUPPLIERS_PER_PART) + 1;
  let skip = (first - 1) % SUPPLIERS_PER_PART;
  let left = count;
  for (const row of partsuppRows(info, firstPart, lastPart - firstPart + 1)) {
    if (skip > 0) {
      skip--;
      continue;
    }
    yield row;
    if (--left === 0) return;
  }
}

/**
 * dbgen's rows of one table, in `.tbl` order. `range.start` is the 1-based row number within the
 * table (for lineitem: counting line items, not orders) and `range.count` how many rows to produce.
 */
export function generateRows<T extends TpchTable>(
  table: T,
  sf: number,
  range?: RowRange,
): Generator<TpchRowMap[T]> {
  const info = scaleInfo(sf);
  // Counting line items costs a pass over all orders, so lineitem ranges are resolved as they run.
  const { first, count } = resolveRange(
    table === 'lineitem' ? Number.POSITIVE_INFINITY : rowCount(table, sf),
    range,
  );
  let rows: Generator<TpchRow>;
  switch (table) {
    case 'region':
      rows = regionRows(first, count);
      break;
    case 'nation':
      rows = nationRows(first, count);
      break;
    case 'customer':
      rows = customerRows(first, count);
      break;
    case 'supplier':
      rows = supplierRows(first, count);
      break;
    case 'part':
      rows = partRows(first, count);
      break;
    case 'partsupp':
      rows = partsuppSlice(info, first, count);
      break;
    case 'orders':
      rows = orderRows(info, first, count);
      break;
    case 'lineitem':
      rows = lineitemRows(info, first, count);
      break;
    default:
      throw new Error(`Unknown TPC-H table: ${String(table)}`);
  }
  return rows as Generator<TpchRowMap[T]>;
}
