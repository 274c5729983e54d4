/**
 * The TPC-H refresh functions, applied through the engine (so change capture sees them, like any write):
 * RF1 inserts refresh set K's new orders with their line items, RF2 deletes set K's orders and line items.
 * Each group of orders is one transaction, as the spec allows (§2.5.2).
 */
import { formatTimestamp, type Value } from '../backends/backend.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { updateDeletes, updateOrdersWithLineitems } from './gen/index.js';
import { dateShifter, shiftRow, tpchInfo } from './load.js';

export type RefreshFunction = 'rf1' | 'rf2';

export interface RefreshFunctionResult {
  rf: RefreshFunction;
  set: number;
  orders: number;
  lineitems: number;
  ms: number;
}

/** Orders per transaction. */
export const ORDERS_PER_GROUP = 100;

async function checkSet(engine: Engine, rf: RefreshFunction, set: number) {
  const info = await tpchInfo(engine.backend);
  if (!info) throw new DtError('DT_ERR_UNKNOWN_OBJECT', 'no TPC-H data here: run dtlab tpch load first');
  if (!Number.isSafeInteger(set) || set < 1 || set > info.updates) {
    throw new DtError(
      'DT_ERR_USAGE',
      `update set ${set} was not generated: this database was loaded with ${info.updates} update sets (1..${info.updates})`,
      { hint: 'reload with dtlab tpch load --replace --updates N for more' },
    );
  }
  const done = await engine.backend.query('SELECT 1 FROM dtlab.tpch_refresh WHERE rf = $1 AND set_no = $2', [
    rf,
    set,
  ]);
  if (done.rows.length > 0) {
    throw new DtError(
      'DT_ERR_EXISTS',
      `${rf.toUpperCase()} of update set ${set} was already applied; nothing was changed`,
    );
  }
  return info;
}

async function markApplied(engine: Engine, rf: RefreshFunction, set: number) {
  await engine.backend.query('INSERT INTO dtlab.tpch_refresh VALUES ($1, $2, $3)', [
    rf,
    set,
    formatTimestamp(engine.clock.now()),
  ]);
}

export async function applyRf1(engine: Engine, set: number): Promise<RefreshFunctionResult> {
  const info = await checkSet(engine, 'rf1', set);
  const started = performance.now();
  const shift = dateShifter(info.shiftDays);
  let orders: Value[][] = [];
  let lineitems: Value[][] = [];
  let total = { orders: 0, lineitems: 0 };
  const flush = async () => {
    await engine.write([
      { insert: 'orders', rows: orders },
      { insert: 'lineitem', rows: lineitems },
    ]);
    total = { orders: total.orders + orders.length, lineitems: total.lineitems + lineitems.length };
    orders = [];
    lineitems = [];
  };
  for (const { order, lineitems: lines } of updateOrdersWithLineitems(info.sf, set)) {
    orders.push([...shiftRow('orders', order, shift)]);
    for (const l of lines) lineitems.push([...shiftRow('lineitem', l, shift)]);
    if (orders.length === ORDERS_PER_GROUP) await flush();
  }
  if (orders.length > 0) await flush();
  await markApplied(engine, 'rf1', set);
  return { rf: 'rf1', set, ...total, ms: performance.now() - started };
}

export async function applyRf2(engine: Engine, set: number): Promise<RefreshFunctionResult> {
  const info = await checkSet(engine, 'rf2', set);
  const started = performance.now();
  const keys = updateDeletes(info.sf, set);
  let total = { orders: 0, lineitems: 0 };
  for (let i = 0; i < keys.length; i += ORDERS_PER_GROUP) {
    const group = keys.slice(i, i + ORDERS_PER_GROUP).join(', ');
    const [lineitems = 0, orders = 0] = await engine.write([
      `DELETE FROM lineitem WHERE l_orderkey IN (${group})`,
      `DELETE FROM orders WHERE o_orderkey IN (${group})`,
    ]);
    total = { orders: total.orders + orders, lineitems: total.lineitems + lineitems };
  }
  await markApplied(engine, 'rf2', set);
  return { rf: 'rf2', set, ...total, ms: performance.now() - started };
}
