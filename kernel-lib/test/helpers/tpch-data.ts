/**
 * The small TPC-H of the generated oracle (test/helpers/tpch-queries.ts): the TPC-H tables' column names and
 * types (tpch/schema.ts) without keys or NOT NULL, so NULLs and duplicate keys happen; initial rows drawn from
 * small domains so joins match; and random change steps (inserts with NULLs, updates of keys, measures and
 * categories, also to NULL, deletes). Pure: the random source decides everything.
 */

import { tpchDdl } from '../../src/tpch/load.js';
import type { TpchTableName } from '../../src/tpch/schema.js';
import { random } from '../../src/tpch/simulator.js';

export type Kind = 'key' | 'int' | 'dec' | 'cat' | 'date' | 'text';
export interface Col {
  name: string;
  kind: Kind;
  /** Keys: values 0..n-1 (+ offset); categories: the values. */
  domain?: number | string[];
  offset?: number;
}

export const T: Partial<Record<TpchTableName, Col[]>> = {
  region: [
    { name: 'r_regionkey', kind: 'key', domain: 3 },
    { name: 'r_name', kind: 'cat', domain: ['AFRICA', 'AMERICA', 'ASIA'] },
    { name: 'r_comment', kind: 'text' },
  ],
  nation: [
    { name: 'n_nationkey', kind: 'key', domain: 6 },
    { name: 'n_name', kind: 'cat', domain: ['ALGERIA', 'BRAZIL', 'CHINA', 'EGYPT', 'FRANCE', 'INDIA'] },
    { name: 'n_regionkey', kind: 'key', domain: 3 },
    { name: 'n_comment', kind: 'text' },
  ],
  supplier: [
    { name: 's_suppkey', kind: 'key', domain: 4, offset: 1 },
    { name: 's_name', kind: 'cat', domain: ['Supplier#1', 'Supplier#2', 'Supplier#3'] },
    { name: 's_address', kind: 'text' },
    { name: 's_nationkey', kind: 'key', domain: 6 },
    { name: 's_phone', kind: 'text' },
    { name: 's_acctbal', kind: 'dec' },
    { name: 's_comment', kind: 'text' },
  ],
  customer: [
    { name: 'c_custkey', kind: 'key', domain: 8, offset: 1 },
    { name: 'c_name', kind: 'cat', domain: ['Customer#1', 'Customer#2', 'Customer#3', 'Customer#4'] },
    { name: 'c_address', kind: 'text' },
    { name: 'c_nationkey', kind: 'key', domain: 6 },
    { name: 'c_phone', kind: 'text' },
    { name: 'c_acctbal', kind: 'dec' },
    { name: 'c_mktsegment', kind: 'cat', domain: ['BUILDING', 'MACHINERY', 'HOUSEHOLD'] },
    { name: 'c_comment', kind: 'text' },
  ],
  orders: [
    { name: 'o_orderkey', kind: 'key', domain: 15, offset: 1 },
    { name: 'o_custkey', kind: 'key', domain: 9, offset: 1 },
    { name: 'o_orderstatus', kind: 'cat', domain: ['F', 'O', 'P'] },
    { name: 'o_totalprice', kind: 'dec' },
    { name: 'o_orderdate', kind: 'date' },
    { name: 'o_orderpriority', kind: 'cat', domain: ['1-URGENT', '2-HIGH', '5-LOW'] },
    { name: 'o_clerk', kind: 'text' },
    { name: 'o_shippriority', kind: 'int' },
    { name: 'o_comment', kind: 'text' },
  ],
  lineitem: [
    { name: 'l_orderkey', kind: 'key', domain: 16, offset: 1 },
    { name: 'l_partkey', kind: 'key', domain: 5, offset: 1 },
    { name: 'l_suppkey', kind: 'key', domain: 5, offset: 1 },
    { name: 'l_linenumber', kind: 'key', domain: 4, offset: 1 },
    { name: 'l_quantity', kind: 'dec' },
    { name: 'l_extendedprice', kind: 'dec' },
    { name: 'l_discount', kind: 'dec' },
    { name: 'l_tax', kind: 'dec' },
    { name: 'l_returnflag', kind: 'cat', domain: ['A', 'N', 'R'] },
    { name: 'l_linestatus', kind: 'cat', domain: ['F', 'O'] },
    { name: 'l_shipdate', kind: 'date' },
    { name: 'l_commitdate', kind: 'date' },
    { name: 'l_receiptdate', kind: 'date' },
    { name: 'l_shipinstruct', kind: 'text' },
    { name: 'l_shipmode', kind: 'cat', domain: ['AIR', 'MAIL', 'SHIP'] },
    { name: 'l_comment', kind: 'text' },
  ],
};
export const TABLES = Object.keys(T) as TpchTableName[];
const INITIAL: Record<string, number> = {
  region: 3,
  nation: 6,
  supplier: 4,
  customer: 8,
  orders: 15,
  lineitem: 36,
};

/** Foreign-key edges: [table, column, referenced table, referenced column]. */
export const EDGES: [string, string, string, string][] = [
  ['nation', 'n_regionkey', 'region', 'r_regionkey'],
  ['customer', 'c_nationkey', 'nation', 'n_nationkey'],
  ['supplier', 's_nationkey', 'nation', 'n_nationkey'],
  ['orders', 'o_custkey', 'customer', 'c_custkey'],
  ['lineitem', 'l_orderkey', 'orders', 'o_orderkey'],
  ['lineitem', 'l_suppkey', 'supplier', 's_suppkey'],
];

export type Rng = () => number;
export const pickOf =
  (rnd: Rng) =>
  <T>(xs: readonly T[]): T =>
    xs[Math.floor(rnd() * xs.length)] as T;

/** CREATE TABLE statements: the TPC-H tables used, without keys or NOT NULL. */
export function tpchSetup(): string[] {
  return [...TABLES.map((t) => tpchDdl(t, 'none').replace(/ NOT NULL/g, '')), ...tpchViews()];
}

/**
 * Views the generated queries read (plan/normalize.ts writes them out): per table `v_<t>`, its rows whose
 * first measure or category is not NULL, by `SELECT *`; and `v_order_lines`, a view over two views.
 */
export function tpchViews(): string[] {
  const views = TABLES.map((t) => {
    const c = (T[t] ?? []).find((x) => x.kind === 'dec' || x.kind === 'cat') as Col;
    return `CREATE VIEW v_${t} AS SELECT * FROM ${t} WHERE ${c.name} IS NOT NULL`;
  });
  views.push(
    'CREATE VIEW v_order_lines AS SELECT o.o_orderkey, o.o_custkey, o.o_orderstatus, l.l_quantity, l.l_extendedprice FROM v_orders o JOIN v_lineitem l ON l.l_orderkey = o.o_orderkey',
  );
  return views;
}

export function value(rnd: Rng, c: Col, nulls: number): string {
  if (rnd() < nulls) return 'NULL';
  const pick = pickOf(rnd);
  switch (c.kind) {
    case 'key':
      return String(Math.floor(rnd() * (c.domain as number)) + (c.offset ?? 0));
    case 'int':
      return String(Math.floor(rnd() * 5));
    case 'dec':
      // Two decimals; small values so sums stay exact and equal often.
      return (Math.floor(rnd() * 4000) / 100 - (rnd() < 0.1 ? 20 : 0)).toFixed(2);
    case 'cat':
      return `'${pick(c.domain as string[])}'`;
    case 'date':
      return `DATE '199${5 + Math.floor(rnd() * 3)}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}'`;
    case 'text':
      return `'t${Math.floor(rnd() * 3)}'`;
  }
}

const rowSql = (rnd: Rng, t: TpchTableName, nulls: number) =>
  `(${(T[t] as Col[]).map((c) => value(rnd, c, nulls)).join(', ')})`;

/** INSERT statements of the initial rows. */
export function tpchRows(seed: number): string[] {
  const rnd = random(seed ^ 0x5eed);
  return TABLES.map(
    (t) =>
      `INSERT INTO ${t} VALUES ${Array.from({ length: INITIAL[t] as number }, () => rowSql(rnd, t, 0.05)).join(', ')}`,
  );
}

/** One step of changes: 1–3 inserts, updates or deletes. */
export function changeStep(rnd: Rng): string[] {
  const pick = pickOf(rnd);
  const out: string[] = [];
  for (let i = 0, n = 1 + Math.floor(rnd() * 3); i < n; i++) {
    const t = pick(TABLES);
    const cols = T[t] as Col[];
    const key = cols.find((c) => c.kind === 'key') as Col;
    const where = `${key.name} = ${value(rnd, key, 0)}`;
    const r = rnd();
    if (r < 0.4) {
      const rows = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => rowSql(rnd, t, 0.15));
      out.push(`INSERT INTO ${t} VALUES ${rows.join(', ')}`);
    } else if (r < 0.75) {
      const c = pick(cols.filter((x) => x.kind !== 'text'));
      const v = c.kind === 'dec' && rnd() < 0.5 ? `${c.name} + 1.25` : value(rnd, c, 0.2);
      out.push(`UPDATE ${t} SET ${c.name} = ${v} WHERE ${where}`);
    } else {
      const dec = cols.find((x) => x.kind === 'dec');
      out.push(
        dec && rnd() < 0.3
          ? `DELETE FROM ${t} WHERE ${dec.name} > ${value(rnd, dec, 0)}`
          : `DELETE FROM ${t} WHERE ${where}`,
      );
    }
  }
  return out;
}

/** The columns of `table` of the given kinds. */
export const colsOfTable = (table: string, kinds: Kind[]) =>
  (T[table as TpchTableName] as Col[]).filter((c) => kinds.includes(c.kind));
