/**
 * Row shapes. Each row is a tuple in TPC-H column order: integers and keys are numbers, decimals are
 * numbers holding the exact cent value (e.g. 901.00 → 901, 0.04 → 0.04: the nearest double to the
 * decimal, so `toFixed(2)` round-trips), dates are 'YYYY-MM-DD' strings, and CHAR/VARCHAR are strings.
 */

export type TpchTable =
  | 'region'
  | 'nation'
  | 'customer'
  | 'orders'
  | 'lineitem'
  | 'part'
  | 'partsupp'
  | 'supplier';

export const TPCH_TABLES: readonly TpchTable[] = [
  'region',
  'nation',
  'customer',
  'orders',
  'lineitem',
  'part',
  'partsupp',
  'supplier',
];

export type RegionRow = [r_regionkey: number, r_name: string, r_comment: string];

export type NationRow = [n_nationkey: number, n_name: string, n_regionkey: number, n_comment: string];

export type CustomerRow = [
  c_custkey: number,
  c_name: string,
  c_address: string,
  c_nationkey: number,
  c_phone: string,
  c_acctbal: number,
  c_mktsegment: string,
  c_comment: string,
];

export type OrdersRow = [
  o_orderkey: number,
  o_custkey: number,
  o_orderstatus: string,
  o_totalprice: number,
  o_orderdate: string,
  o_orderpriority: string,
  o_clerk: string,
  o_shippriority: number,
  o_comment: string,
];

export type LineitemRow = [
  l_orderkey: number,
  l_partkey: number,
  l_suppkey: number,
  l_linenumber: number,
  l_quantity: number,
  l_extendedprice: number,
  l_discount: number,
  l_tax: number,
  l_returnflag: string,
  l_linestatus: string,
  l_shipdate: string,
  l_commitdate: string,
  l_receiptdate: string,
  l_shipinstruct: string,
  l_shipmode: string,
  l_comment: string,
];

export type PartRow = [
  p_partkey: number,
  p_name: string,
  p_mfgr: string,
  p_brand: string,
  p_type: string,
  p_size: number,
  p_container: string,
  p_retailprice: number,
  p_comment: string,
];

export type PartsuppRow = [
  ps_partkey: number,
  ps_suppkey: number,
  ps_availqty: number,
  ps_supplycost: number,
  ps_comment: string,
];

export type SupplierRow = [
  s_suppkey: number,
  s_name: string,
  s_address: string,
  s_nationkey: number,
  s_phone: string,
  s_acctbal: number,
  s_comment: string,
];

export interface TpchRowMap {
  region: RegionRow;
  nation: NationRow;
  customer: CustomerRow;
  orders: OrdersRow;
  lineitem: LineitemRow;
  part: PartRow;
  partsupp: PartsuppRow;
  supplier: SupplierRow;
}

export type TpchRow<T extends TpchTable = TpchTable> = TpchRowMap[T];

/** An order together with its line items (lineitem rows derive from their order). */
export interface OrderWithLineitems {
  order: OrdersRow;
  lineitems: LineitemRow[];
}

/** Which rows to generate: `start` is the 1-based row number within the table, `count` how many. */
export interface RowRange {
  start?: number;
  count?: number;
}
