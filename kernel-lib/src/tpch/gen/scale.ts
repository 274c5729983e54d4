/**
 * Scale factor handling, following dbgen's rules exactly.
 *
 * dbgen keeps an integer `scale` and per-table base row counts. Below SF 1 it sets scale = 1 and
 * shrinks the bases instead (base · ⌊1000·SF⌋ / 1000, at least 1 row); from SF 1 up the scale factor
 * is truncated to an integer (dbgen -s 1.5 generates SF 1). Both the row counts and the key ranges
 * that other tables draw from (o_custkey, l_partkey, the part→supplier bridge, clerks) derive from it.
 */

export interface ScaleInfo {
  /** The scale factor as requested. */
  readonly sf: number;
  /** dbgen's integer `scale` (1 for every SF below 1). */
  readonly scale: number;
  readonly parts: number;
  readonly suppliers: number;
  readonly customers: number;
  readonly orders: number;
  /** Orders per refresh set (dbgen -U): 0.1% of the orders, computed dbgen's way. */
  readonly ordersPerUpdate: number;
  /** Highest clerk number (Clerk#…) orders draw from. */
  readonly clerks: number;
  /** dbgen switches o_custkey and l_partkey to its 64-bit generator at SF ≥ 30000. */
  readonly wideKeys: boolean;
}

const BASE_PARTS = 200_000;
const BASE_SUPPLIERS = 10_000;
const BASE_CUSTOMERS = 150_000;
const BASE_ORDERS = 1_500_000;

/** Throws unless `sf` is a usable scale factor. */
export function validateScaleFactor(sf: number): void {
  if (typeof sf !== 'number' || !Number.isFinite(sf) || sf <= 0) {
    throw new Error(`TPC-H scale factor must be a finite number greater than 0, got ${String(sf)}`);
  }
}

const cache = new Map<number, ScaleInfo>();

export function scaleInfo(sf: number): ScaleInfo {
  validateScaleFactor(sf);
  let info = cache.get(sf);
  if (info) return info;
  let scale: number;
  let base: (rows: number) => number;
  if (sf < 1) {
    scale = 1;
    const thousandths = Math.trunc(1000 * sf);
    base = (rows) => Math.max(1, Math.trunc((thousandths * rows) / 1000));
  } else {
    scale = Math.trunc(sf);
    base = (rows) => rows;
  }
  const ordersBase = base(BASE_ORDERS);
  info = {
    sf,
    scale,
    parts: base(BASE_PARTS) * scale,
    suppliers: base(BASE_SUPPLIERS) * scale,
    customers: base(BASE_CUSTOMERS) * scale,
    orders: ordersBase * scale,
    ordersPerUpdate: Math.trunc(ordersBase / 10_000) * scale * 10,
    clerks: Math.max(scale * 1000, 1000),
    wideKeys: scale >= 30_000,
  };
  cache.set(sf, info);
  return info;
}
