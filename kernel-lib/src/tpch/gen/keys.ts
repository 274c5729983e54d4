/** Key arithmetic shared between tables. */

/**
 * dbgen's mk_sparse(): order keys are sparse — of every 32 keys only the first 8 are used by the
 * initial population. The order number's low 3 bits are kept, and 2 bits are inserted above them for
 * the "sequence": 0 for the initial data, 1 (+1 per 1000 refresh sets) for orders inserted by RF1.
 * Plain arithmetic instead of bit operations, because keys pass 2^31 from about SF 360.
 */
export function sparseOrderKey(index: number, sequence: number): number {
  const low = index % 8;
  return (((index - low) / 8) * 4 + sequence) * 8 + low;
}

/**
 * dbgen's PART_SUPP_BRIDGE: the supplier key of the i-th (0..3) supplier of a part, spreading each
 * part's suppliers a quarter of the supplier table apart.
 */
export function partSupplierKey(partKey: number, i: number, suppliers: number): number {
  return (
    ((partKey + i * (Math.floor(suppliers / 4) + Math.floor((partKey - 1) / suppliers))) % suppliers) + 1
  );
}

/**
 * Whether every part gets four different suppliers. dbgen's bridge repeats a supplier when a multiple (1–3) of
 * its step is a multiple of the supplier count, which happens for some counts up to 228 (10 suppliers,
 * SF 0.001, among them): partsupp then has duplicate primary keys. Above 228 suppliers the step (a quarter
 * of the count plus at most 19) can never wrap that way, so the scan stops there.
 */
export function distinctPartSuppliers(parts: number, suppliers: number): boolean {
  if (suppliers > 228) return true;
  for (let p = 1; p <= parts; p++) {
    const keys = new Set([0, 1, 2, 3].map((i) => partSupplierKey(p, i, suppliers)));
    if (keys.size < 4) return false;
  }
  return true;
}

/** dbgen's rpb_routine(): a part's retail price in cents, a pure function of its key. */
export function retailPriceCents(partKey: number): number {
  return 90_000 + (Math.floor(partKey / 10) % 20_001) + (partKey % 1000) * 100;
}
