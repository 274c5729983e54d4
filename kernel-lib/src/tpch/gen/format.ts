/**
 * dbgen's flat-file format: columns separated by '|', decimals with exactly two digits, keys and
 * integers plain; l_quantity is printed as an integer, as dbgen does.
 *
 * Whether the last column is followed by a '|' depends on how dbgen was compiled (its EOL_HANDLING
 * option). The reference kit's files (data/tpch-sf0.01) have no trailing separator, so that is the
 * default; pass `{ trailingSeparator: true }` for the classic "…|comment|" layout.
 */

import type {
  CustomerRow,
  LineitemRow,
  NationRow,
  OrdersRow,
  PartRow,
  PartsuppRow,
  RegionRow,
  SupplierRow,
  TpchRowMap,
  TpchTable,
} from './types.js';

/** A decimal with two places, printed from its exact cent value the way dbgen does ("-0.05"). */
export function formatMoney(value: number): string {
  const cents = Math.round(value * 100);
  const abs = cents < 0 ? -cents : cents;
  const fraction = abs % 100;
  return `${cents < 0 ? '-' : ''}${(abs - fraction) / 100}.${fraction < 10 ? '0' : ''}${fraction}`;
}

const m = formatMoney;

const FORMATTERS: { [T in TpchTable]: (row: TpchRowMap[T]) => string } = {
  region: (r: RegionRow) => `${r[0]}|${r[1]}|${r[2]}`,
  nation: (r: NationRow) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}`,
  customer: (r: CustomerRow) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}|${r[4]}|${m(r[5])}|${r[6]}|${r[7]}`,
  orders: (r: OrdersRow) => `${r[0]}|${r[1]}|${r[2]}|${m(r[3])}|${r[4]}|${r[5]}|${r[6]}|${r[7]}|${r[8]}`,
  lineitem: (r: LineitemRow) =>
    `${r[0]}|${r[1]}|${r[2]}|${r[3]}|${r[4]}|${m(r[5])}|${m(r[6])}|${m(r[7])}|${r[8]}|${r[9]}|${r[10]}|${r[11]}|${r[12]}|${r[13]}|${r[14]}|${r[15]}`,
  part: (r: PartRow) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}|${r[4]}|${r[5]}|${r[6]}|${m(r[7])}|${r[8]}`,
  partsupp: (r: PartsuppRow) => `${r[0]}|${r[1]}|${r[2]}|${m(r[3])}|${r[4]}`,
  supplier: (r: SupplierRow) => `${r[0]}|${r[1]}|${r[2]}|${r[3]}|${r[4]}|${m(r[5])}|${r[6]}`,
};

export interface FormatOptions {
  /** End the line with a '|' after the last column (default false, like the reference kit). */
  trailingSeparator?: boolean;
}

/** One row as dbgen writes it to `<table>.tbl`, without the newline. */
export function formatTbl<T extends TpchTable>(
  table: T,
  row: TpchRowMap[T],
  options?: FormatOptions,
): string {
  const format = FORMATTERS[table] as (row: TpchRowMap[T]) => string;
  if (!format) throw new Error(`Unknown TPC-H table: ${String(table)}`);
  return options?.trailingSeparator ? `${format(row)}|` : format(row);
}

/** One line of dbgen's delete.K refresh file (just the key: dbgen writes no separator there). */
export function formatDeleteKey(orderKey: number): string {
  return String(orderKey);
}
