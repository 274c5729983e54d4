/**
 * Orders and their line items (dbgen's mk_order). An order's total price and status are computed from
 * its line items, and line items take their key and dates from their order, so both are generated
 * together. Each table only needs part of the other's columns, so callers say which rows they want and
 * the draws nobody needs are skipped (the end-of-row stream advance keeps every stream in step anyway).
 */

import { DATE_STRINGS, LAST_CURRENT_DAY, START_DATE, TOTAL_DAYS } from './calendar.js';
import { paddedName } from './contact.js';
import { ORDER_PRIORITIES, pickString, RETURN_FLAGS, SHIP_INSTRUCTIONS, SHIP_MODES } from './dists.js';
import { partSupplierKey, retailPriceCents, sparseOrderKey } from './keys.js';
import {
  L_CDTE_SD,
  L_CMNT_SD,
  L_DCNT_SD,
  L_PKEY_SD,
  L_QTY_SD,
  L_RDTE_SD,
  L_RFLG_SD,
  L_SDTE_SD,
  L_SHIP_SD,
  L_SKEY_SD,
  L_SMODE_SD,
  L_TAX_SD,
  LINEITEM_STREAMS,
  O_CKEY_SD,
  O_CLRK_SD,
  O_CMNT_SD,
  O_LCNT_SD,
  O_ODATE_SD,
  O_PRIO_SD,
  ORDER_STREAMS,
  RandomStreams,
} from './rng.js';
import type { ScaleInfo } from './scale.js';
import { CommentSource, textPool } from './text.js';
import type { LineitemRow, OrdersRow } from './types.js';

export const MAX_LINES_PER_ORDER = 7;
/** A customer key divisible by this never orders (a third of customers have no orders). */
const CUSTOMER_MORTALITY = 3;
/** Latest order date (as a day offset): leaves room for the longest ship + receipt delay. */
const LAST_ORDER_DAY = TOTAL_DAYS - (121 + 30) - 1;

export interface OrderRange {
  /** Order number of the first order: it determines the key. */
  first: number;
  count: number;
  /** 0 for the initial population, k for dbgen's refresh set k (only the key changes). */
  updateSet: number;
  /** Rows to skip on the order streams and on the line item streams before the first order. */
  skipOrderRows: number;
  skipLineRows: number;
  /** Build the order rows / the line item rows. */
  orders: boolean;
  lineitems: boolean;
}

/** One generated order; `order` is undefined when only line items were asked for. */
export interface OrderBatch {
  order: OrdersRow | undefined;
  lineitems: LineitemRow[];
}

export function* orderBatches(info: ScaleInfo, range: OrderRange): Generator<OrderBatch> {
  const rng = new RandomStreams();
  if (info.wideKeys) {
    rng.useWide(O_CKEY_SD);
    rng.useWide(L_PKEY_SD);
  }
  rng.skipRows(ORDER_STREAMS, range.skipOrderRows);
  rng.skipRows(LINEITEM_STREAMS, range.skipLineRows);
  const pool = textPool();
  const orderComments = new CommentSource(pool, 49);
  const lineComments = new CommentSource(pool, 27);
  const wantOrders = range.orders;
  const wantLines = range.lineitems;
  const upd = range.updateSet % 10_000;
  const sequence = upd === 0 ? 0 : 1 + Math.floor(upd / 1000);
  const customers = info.customers;
  const parts = info.parts;
  const suppliers = info.suppliers;

  for (let index = range.first; index < range.first + range.count; index++) {
    const key = sparseOrderKey(index, sequence);
    const orderDay = rng.unifInt(START_DATE, START_DATE + LAST_ORDER_DAY, O_ODATE_SD) - START_DATE;
    const lineCount = rng.unifInt(1, MAX_LINES_PER_ORDER, O_LCNT_SD);
    const lineitems: LineitemRow[] = [];
    let totalCents = 0;
    let filled = 0;

    for (let n = 1; n <= lineCount; n++) {
      const quantity = rng.unifInt(1, 50, L_QTY_SD);
      const discount = rng.unifInt(0, 10, L_DCNT_SD);
      const tax = rng.unifInt(0, 8, L_TAX_SD);
      const partKey = info.wideKeys ? rng.unifInt64(1, parts, L_PKEY_SD) : rng.unifInt(1, parts, L_PKEY_SD);
      const extendedCents = retailPriceCents(partKey) * quantity;
      // dbgen rounds down twice, in integer cents: after the discount and after the tax.
      totalCents += Math.floor((Math.floor((extendedCents * (100 - discount)) / 100) * (100 + tax)) / 100);
      const shipDay = orderDay + rng.unifInt(1, 121, L_SDTE_SD);
      if (shipDay <= LAST_CURRENT_DAY) filled++;
      if (!wantLines) continue;

      const instruction = pickString(rng, SHIP_INSTRUCTIONS, L_SHIP_SD);
      const mode = pickString(rng, SHIP_MODES, L_SMODE_SD);
      const comment = lineComments.draw(rng, L_CMNT_SD);
      const supplierKey = partSupplierKey(partKey, rng.unifInt(0, 3, L_SKEY_SD), suppliers);
      const commitDay = orderDay + rng.unifInt(30, 90, L_CDTE_SD);
      const receiptDay = shipDay + rng.unifInt(1, 30, L_RDTE_SD);
      const returnFlag = receiptDay <= LAST_CURRENT_DAY ? pickString(rng, RETURN_FLAGS, L_RFLG_SD) : 'N';
      lineitems.push([
        key,
        partKey,
        supplierKey,
        n,
        quantity,
        extendedCents / 100,
        discount / 100,
        tax / 100,
        returnFlag,
        shipDay <= LAST_CURRENT_DAY ? 'F' : 'O',
        DATE_STRINGS[shipDay] as string,
        DATE_STRINGS[commitDay] as string,
        DATE_STRINGS[receiptDay] as string,
        instruction,
        mode,
        comment,
      ]);
    }

    let order: OrdersRow | undefined;
    if (wantOrders) {
      let customer = info.wideKeys
        ? rng.unifInt64(1, customers, O_CKEY_SD)
        : rng.unifInt(1, customers, O_CKEY_SD);
      // Nudge the key off customers that never order, alternating up and down.
      let delta = 1;
      while (customer % CUSTOMER_MORTALITY === 0) {
        customer = Math.min(customer + delta, customers);
        delta = -delta;
      }
      const priority = pickString(rng, ORDER_PRIORITIES, O_PRIO_SD);
      const clerk = rng.unifInt(1, info.clerks, O_CLRK_SD);
      const comment = orderComments.draw(rng, O_CMNT_SD);
      const status = filled === lineCount ? 'F' : filled > 0 ? 'P' : 'O';
      order = [
        key,
        customer,
        status,
        totalCents / 100,
        DATE_STRINGS[orderDay] as string,
        priority,
        paddedName('Clerk#', clerk),
        0,
        comment,
      ];
    }
    rng.endRow(ORDER_STREAMS);
    rng.endRow(LINEITEM_STREAMS);
    yield { order, lineitems };
  }
}

/**
 * Line counts of orders 1, 2, … (they come from one stream with one draw per order), for sizing the
 * lineitem table and for locating its n-th row without generating everything before it.
 */
export function* lineCounts(): Generator<number> {
  const rng = new RandomStreams();
  for (;;) yield rng.unifInt(1, MAX_LINES_PER_ORDER, O_LCNT_SD);
}
