/**
 * The order simulator's SQL (tpch/simulator.ts): one tick's events, decided, as the statements that write them.
 * Pure.
 */
import type { Value } from '../backends/backend.js';
import type { WriteItem } from '../engine/bulk.js';

export interface TickEvents {
  /** New orders' and their line items' rows. */
  orders: Value[][];
  lineitems: Value[][];
  /** Orders corrected, with their price factors in turn. */
  corrections: Map<number, string[]>;
  /** Orders finished (status F), and cancelled (deleted with their line items). */
  finished: Set<number>;
  cancelled: Set<number>;
  /** Orders this tick inserts. */
  created: Set<number>;
}

export function tickStatements(events: TickEvents): WriteItem[] {
  const { orders, lineitems, finished, cancelled, created } = events;
  const statements: WriteItem[] = [];
  // New rows first, so an update or cancellation in the same tick can find an order created in it. Then one
  // statement per kind of change: an order's corrections come before its status change or cancellation (after
  // either it is no longer open), so one UPDATE and then the deletes end where the events in turn would.
  if (orders.length > 0) statements.push({ insert: 'orders', rows: orders });
  if (lineitems.length > 0) statements.push({ insert: 'lineitem', rows: lineitems });
  // An UPDATE touches each order once; orders created in this tick are updated apart from older ones
  // (DuckDB refuses, with a false duplicate-key error, an UPDATE of a keyed table that mixes rows inserted in
  // its own transaction with older rows). A cancelled order's corrections do not matter: it goes.
  const corrections = new Map([...events.corrections].filter(([key]) => !cancelled.has(key)));
  const touched = [...new Set([...corrections.keys(), ...finished])];
  for (const keys of [touched.filter((k) => created.has(k)), touched.filter((k) => !created.has(k))]) {
    if (keys.length === 0) continue;
    const corrected = keys.filter((k) => corrections.has(k));
    const done = keys.filter((k) => finished.has(k));
    const sets = [
      ...(corrected.length > 0 ? [`o_totalprice = ${correctedPrice(corrected, corrections)}`] : []),
      ...(done.length > 0
        ? [`o_orderstatus = CASE WHEN o_orderkey IN (${done.join(', ')}) THEN 'F' ELSE o_orderstatus END`]
        : []),
    ];
    statements.push(`UPDATE orders SET ${sets.join(', ')} WHERE o_orderkey IN (${keys.join(', ')})`);
  }
  if (cancelled.size > 0)
    statements.push(
      `DELETE FROM lineitem WHERE l_orderkey IN (${[...cancelled].join(', ')})`,
      `DELETE FROM orders WHERE o_orderkey IN (${[...cancelled].join(', ')})`,
    );
  return statements;
}

/**
 * The price of each of `keys` (and of any other order the UPDATE touches) after its corrections, in turn:
 * each rounds to cents, as dbgen's prices are. A factor is looked up by the order's place in an array of keys,
 * not picked by a CASE branch per order: DuckDB binds a CASE of 30 branches of DECIMAL arithmetic in ~5 ms
 * (the array form in under 2), and a tick corrects ~30 orders at rate 2. An order without an n-th correction
 * is multiplied by 1 (its price, exactly: the column has two decimals).
 */
function correctedPrice(keys: readonly number[], corrections: ReadonlyMap<number, string[]>): string {
  const rounds = Math.max(...keys.map((k) => corrections.get(k)?.length ?? 0));
  let price = 'o_totalprice';
  for (let n = 0; n < rounds; n++) {
    const hit = keys.filter((k) => (corrections.get(k)?.length ?? 0) > n);
    const factors = hit.map((k) => corrections.get(k)?.[n]);
    price = `round(${price} * coalesce((ARRAY[${factors.join(', ')}])[array_position(ARRAY[${hit.join(', ')}], o_orderkey)], 1), 2)`;
  }
  return price;
}
