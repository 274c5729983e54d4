/** Column names and SQL types of the TPC-H schema (TPC-H specification, clause 1.4). */

import type { TpchTable } from './types.js';

export type TpchColumnType = 'int' | 'bigint' | 'decimal' | 'varchar' | 'char' | 'date';

export interface TpchColumn {
  name: string;
  type: TpchColumnType;
  /** Declared length of CHAR / VARCHAR columns. */
  length?: number;
  /** Precision and scale of DECIMAL columns (always 15, 2 in TPC-H). */
  precision?: number;
  scale?: number;
}

const int = (name: string): TpchColumn => ({ name, type: 'int' });
// Order keys outgrow 32 bits from about SF 360 (sparse keys: 4 × the order count).
const bigint = (name: string): TpchColumn => ({ name, type: 'bigint' });
const decimal = (name: string): TpchColumn => ({ name, type: 'decimal', precision: 15, scale: 2 });
const char = (name: string, length: number): TpchColumn => ({ name, type: 'char', length });
const varchar = (name: string, length: number): TpchColumn => ({ name, type: 'varchar', length });
const date = (name: string): TpchColumn => ({ name, type: 'date' });

export const TPCH_COLUMNS: Record<TpchTable, readonly TpchColumn[]> = {
  region: [int('r_regionkey'), char('r_name', 25), varchar('r_comment', 152)],
  nation: [int('n_nationkey'), char('n_name', 25), int('n_regionkey'), varchar('n_comment', 152)],
  customer: [
    int('c_custkey'),
    varchar('c_name', 25),
    varchar('c_address', 40),
    int('c_nationkey'),
    char('c_phone', 15),
    decimal('c_acctbal'),
    char('c_mktsegment', 10),
    varchar('c_comment', 117),
  ],
  orders: [
    bigint('o_orderkey'),
    int('o_custkey'),
    char('o_orderstatus', 1),
    decimal('o_totalprice'),
    date('o_orderdate'),
    char('o_orderpriority', 15),
    char('o_clerk', 15),
    int('o_shippriority'),
    varchar('o_comment', 79),
  ],
  lineitem: [
    bigint('l_orderkey'),
    int('l_partkey'),
    int('l_suppkey'),
    int('l_linenumber'),
    decimal('l_quantity'),
    decimal('l_extendedprice'),
    decimal('l_discount'),
    decimal('l_tax'),
    char('l_returnflag', 1),
    char('l_linestatus', 1),
    date('l_shipdate'),
    date('l_commitdate'),
    date('l_receiptdate'),
    char('l_shipinstruct', 25),
    char('l_shipmode', 10),
    varchar('l_comment', 44),
  ],
  part: [
    int('p_partkey'),
    varchar('p_name', 55),
    char('p_mfgr', 25),
    char('p_brand', 10),
    varchar('p_type', 25),
    int('p_size'),
    char('p_container', 10),
    decimal('p_retailprice'),
    varchar('p_comment', 23),
  ],
  partsupp: [
    int('ps_partkey'),
    int('ps_suppkey'),
    int('ps_availqty'),
    decimal('ps_supplycost'),
    varchar('ps_comment', 199),
  ],
  supplier: [
    int('s_suppkey'),
    char('s_name', 25),
    varchar('s_address', 40),
    int('s_nationkey'),
    char('s_phone', 15),
    decimal('s_acctbal'),
    varchar('s_comment', 101),
  ],
};
