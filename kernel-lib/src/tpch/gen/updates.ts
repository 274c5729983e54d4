/**
 * dbgen's refresh sets (dbgen -U n). Set k inserts new orders (RF1: orders.tbl.uk, lineitem.tbl.uk)
 * and deletes old ones (RF2: delete.k), 0.1% of the order count each.
 *
 * The new orders continue the random streams where the initial population stopped (dbgen positions
 * the streams past all SF orders, then set after set), and reuse the order numbers of the orders that
 * set k deletes, with sequence bits set in the sparse key so the keys do not collide.
 */

import { sparseOrderKey } from './keys.js';
import { type OrderBatch, orderBatches } from './orders.js';
import { scaleInfo } from './scale.js';
import type { LineitemRow, OrdersRow, OrderWithLineitems } from './types.js';

export interface UpdateSet {
  /** RF1 rows for orders (orders.tbl.uK). */
  orders: Generator<OrdersRow>;
  /** RF1 rows for lineitem (lineitem.tbl.uK). */
  lineitems: Generator<LineitemRow>;
  /** RF2: order keys to delete (delete.K), with their line items. */
  readonly deletes: number[];
}

function validateSetNumber(k: number): void {
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new Error(`TPC-H refresh set number must be an integer ≥ 1, got ${String(k)}`);
  }
}

/** Orders inserted (and deleted) by each refresh set. */
export function updateOrderCount(sf: number): number {
  return scaleInfo(sf).ordersPerUpdate;
}

function* updateBatches(sf: number, k: number, orders: boolean, lineitems: boolean): Generator<OrderBatch> {
  validateSetNumber(k);
  const info = scaleInfo(sf);
  const perSet = info.ordersPerUpdate;
  const before = (k - 1) * perSet;
  yield* orderBatches(info, {
    first: before + 1,
    count: perSet,
    updateSet: k,
    skipOrderRows: info.orders + before,
    // dbgen skips the initial population in 100 equal steps and moves only the order streams on by
    // the remainder; the remainder is always 0 for valid scale factors, but keep dbgen's arithmetic.
    skipLineRows: Math.floor(info.orders / 100) * 100 + before,
    orders,
    lineitems,
  });
}

/** The orders of refresh set k together with their line items. */
export function* updateOrdersWithLineitems(sf: number, k: number): Generator<OrderWithLineitems> {
  for (const batch of updateBatches(sf, k, true, true)) {
    yield { order: batch.order as OrdersRow, lineitems: batch.lineitems };
  }
}

/** The order keys refresh set k deletes (dbgen's delete.k). */
export function updateDeletes(sf: number, k: number): number[] {
  validateSetNumber(k);
  const perSet = scaleInfo(sf).ordersPerUpdate;
  // dbgen's MK_SPARSE macro here: only two sequence bits, from the set number / 1000.
  const sequence = Math.floor(k / 1000) % 4;
  const keys: number[] = [];
  for (let index = (k - 1) * perSet + 1; index <= k * perSet; index++)
    keys.push(sparseOrderKey(index, sequence));
  return keys;
}

/**
 * Refresh set k: its inserted orders and line items (generated lazily) and its deleted order keys
 * (computed on first access: 0.1% of the orders, i.e. 1,500 keys per unit of scale factor).
 */
export function updateSet(sf: number, k: number): UpdateSet {
  validateSetNumber(k);
  scaleInfo(sf);
  let deletes: number[] | undefined;
  return {
    orders: (function* () {
      for (const batch of updateBatches(sf, k, true, false)) yield batch.order as OrdersRow;
    })(),
    lineitems: (function* () {
      for (const batch of updateBatches(sf, k, false, true)) yield* batch.lineitems;
    })(),
    get deletes() {
      deletes ??= updateDeletes(sf, k);
      return deletes;
    },
  };
}
