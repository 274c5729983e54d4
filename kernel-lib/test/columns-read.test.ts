/**
 * The columns of a changed source a delta consolidates by (plan/columns-read.ts): those the query names,
 * and every column where it can read them without naming them. Pure; the refresh that relies on it is
 * checked in columns-read-refresh.test.ts.
 */
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { columnsRead, readsWholeRows } from '../src/plan/columns-read.js';
import type { TableRef } from '../src/plan/from.js';
import { describeQuery } from '../src/plan/shape.js';

const parser = new nodeSqlParser.Parser();
const ORDERS = ['o_orderkey', 'o_custkey', 'o_orderstatus', 'o_totalprice', 'o_orderdate', 'o_comment'];
const CUSTOMER = ['c_custkey', 'c_name', 'c_nationkey', 'c_comment'];

/** The references of a query the planner refreshes in full (SELECT *, NATURAL): found by their FROM / JOIN. */
function refsOf(q: string): TableRef[] {
  return [
    ...q.matchAll(/\b(?:FROM|JOIN)\s+(orders|customer)\b(?:\s+(?:AS\s+)?(?!NATURAL|WHERE|GROUP)(\w+))?/gi),
  ].map((m) => {
    const start = (m.index ?? 0) + m[0].indexOf(m[1] as string);
    const ref: TableRef = {
      name: m[1] as string,
      start,
      end: start + (m[1] as string).length,
      join: 'inner',
      scope: 0,
    };
    return m[2] ? { ...ref, alias: m[2] } : ref;
  });
}

/** The columns of orders (and customer, where it changed too) that `q` reads. */
function read(q: string, changed: string[] = ['orders']): Record<string, string[]> {
  const shape = describeQuery(q, parser.astify(q, { database: 'PostgresQL' }));
  const tables = 'tables' in shape ? shape.tables : refsOf(q);
  expect(tables.map((t) => t.name)).toContain('orders');
  const all = new Map(changed.map((t) => [t, t === 'orders' ? ORDERS : CUSTOMER]));
  return Object.fromEntries(columnsRead(q, tables, all));
}

describe('columns a query reads of a changed source', () => {
  it('names only the columns the query names, qualified or not, in any clause', () => {
    expect(
      read(`SELECT o_orderdate, COUNT(*), SUM(o_totalprice) FROM orders WHERE o_orderdate >= DATE '1998-01-01'
            GROUP BY o_orderdate`),
    ).toEqual({ orders: ['o_totalprice', 'o_orderdate'] });
    expect(
      read(
        `SELECT c.c_custkey, COUNT(o.o_orderkey), MAX(o.o_orderdate) FROM customer c
         LEFT JOIN orders o ON c.c_custkey = o.o_custkey GROUP BY c.c_custkey`,
        ['orders', 'customer'],
      ),
    ).toEqual({ orders: ['o_orderkey', 'o_custkey', 'o_orderdate'], customer: ['c_custkey'] });
  });

  it('keeps a multiplication and COUNT(*) narrow', () => {
    expect(read('SELECT o_custkey, SUM(o_totalprice * 2), COUNT(*) FROM orders GROUP BY o_custkey')).toEqual({
      orders: ['o_custkey', 'o_totalprice'],
    });
    expect(read('SELECT o_custkey, SUM((o_totalprice) * 2) FROM orders GROUP BY o_custkey')).toEqual({
      orders: ['o_custkey', 'o_totalprice'],
    });
  });

  it('reads every column where the query can read them without naming them', () => {
    for (const q of [
      'SELECT * FROM orders',
      'SELECT o.* FROM orders o',
      'SELECT DISTINCT * FROM orders',
      'SELECT o_custkey, COUNT(*) FROM (SELECT * FROM orders) AS x GROUP BY o_custkey',
      'SELECT o_custkey, to_json(o) FROM orders o',
      'SELECT o_custkey, md5(CAST(orders AS VARCHAR)) FROM orders',
      'SELECT o_custkey, COUNT(*) FROM orders NATURAL JOIN customer GROUP BY o_custkey',
    ])
      expect(read(q).orders, q).toEqual(ORDERS);
  });

  it('a query naming no column of the source keeps one, so that its rows still count', () => {
    expect(read('SELECT COUNT(*) FROM orders')).toEqual({ orders: ['o_orderkey'] });
  });

  it('tells a whole-row use from a table named in a FROM, a join or a qualified column', () => {
    const whole = (q: string) => {
      const shape = describeQuery(q, parser.astify(q, { database: 'PostgresQL' }));
      return readsWholeRows(q, 'tables' in shape ? shape.tables : refsOf(q));
    };
    for (const q of [
      `SELECT SUM(orders.o_totalprice) FROM orders, customer WHERE c_custkey = o_custkey
         AND o_totalprice < (SELECT AVG(o_totalprice) FROM orders AS o2 WHERE o2.o_custkey = c_custkey)`,
      'SELECT c.c_name, COUNT(o.o_orderkey) FROM customer c LEFT JOIN orders o ON c.c_custkey = o.o_custkey GROUP BY c.c_name',
      'SELECT o_custkey, SUM(x.o_totalprice) FROM (SELECT * FROM orders) AS x GROUP BY o_custkey',
      'SELECT o.o_custkey, COUNT(*) FROM (orders o JOIN customer c USING (o_custkey)) GROUP BY o.o_custkey',
      // A column alias, a type or an implicit alias named like the table declares a name; it reads no row.
      'SELECT o_orderdate, COUNT(*) AS orders, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderdate',
      'SELECT o_orderdate, COUNT(*) orders FROM orders GROUP BY o_orderdate',
      "SELECT o_orderdate, 'x' orders FROM orders",
    ])
      expect(whole(q), q).toBe(false);
    for (const q of [
      'SELECT o_custkey, to_json(o) FROM orders o',
      'SELECT o_custkey, COUNT(DISTINCT orders) FROM orders GROUP BY o_custkey',
      'SELECT c.c_name, COUNT(*) FROM customer c JOIN orders o ON o = o GROUP BY c.c_name',
      'SELECT o_custkey, CAST(orders AS VARCHAR) AS orders FROM orders',
      'SELECT o_custkey, (orders) IS NULL FROM orders',
    ])
      expect(whole(q), q).toBe(true);
  });
});
