import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { deltaSql, extremeHit, linearPlan, mergeSet, stateSelectSql } from '../src/plan/linear.js';
import { deleteRowsSql, rowsDeltaSql } from '../src/plan/rows.js';
import { describeQuery, type QueryShape } from '../src/plan/shape.js';

const parser = new nodeSqlParser.Parser();
const shapeOf = (q: string) => describeQuery(q, parser.astify(q, { database: 'PostgresQL' })) as QueryShape;

describe('a LEFT JOIN aggregate as two linear parts', () => {
  const q =
    'SELECT c.k, COUNT(o.x) AS n, SUM(o.p) AS s, MAX(o.d) AS last FROM cust c JOIN nat n ON c.nk = n.k LEFT OUTER JOIN ords o ON o.ck = c.k GROUP BY c.k';
  const shape = shapeOf(q);
  const plan = linearPlan(shape);
  if ('reason' in plan) throw new Error(plan.reason);
  it('counts preserved rows without the LEFT JOIN clause, aggregates over the inner join', () => {
    const sql = stateSelectSql(q, shape, plan);
    expect(sql).toContain(
      'FROM cust c JOIN nat n ON c.nk = n.k JOIN            ords o ON o.ck = c.k GROUP BY c.k',
    );
    expect(sql).toMatch(
      /SELECT \(c\.k\) AS k1, count\(\*\) AS dtlab_n, 0 AS a1_c, 0 AS a2_s, 0 AS a2_c, NULL AS a3_m FROM cust c JOIN nat n ON c\.nk = n\.k {2,}GROUP BY c\.k/,
    );
    expect(sql).toMatch(
      /^SELECT k1, sum\(dtlab_n\) AS dtlab_n, sum\(a1_c\) AS a1_c, sum\(a2_s\) AS a2_s, sum\(a2_c\) AS a2_c, max\(a3_m\) AS a3_m FROM/,
    );
  });
  it("a change of the optional side has only inner-join terms; the extreme's inserted and deleted maxima", () => {
    const sql = deltaSql(q, shape, plan, 'duckdb', new Map([['ords', ['x', 'ck', 'p', 'd']]]));
    expect(sql.split('\nUNION ALL\n')).toHaveLength(1);
    expect(sql).toContain('0 AS dtlab_n');
    expect(sql).toContain(
      'max(CASE WHEN o.dtlab_w > 0 THEN (o.d) END) AS a3_m, max(CASE WHEN o.dtlab_w < 0 THEN (o.d) END) AS a3_x',
    );
    const both = deltaSql(
      q,
      shape,
      plan,
      'duckdb',
      new Map([
        ['ords', ['x', 'ck', 'p', 'd']],
        ['cust', ['k', 'nk']],
      ]),
    );
    expect(both.split('\nUNION ALL\n')).toHaveLength(4); // three inner-join terms (ords' old state in two), one preserved
    expect(mergeSet(plan)).toContain('a3_m = greatest(dtlab_s.a3_m, dtlab_d.a3_m)');
    expect(extremeHit(plan)).toBe(
      '(dtlab_d.a3_x IS NOT NULL AND (dtlab_s.a3_m IS NULL OR dtlab_d.a3_x >= dtlab_s.a3_m))',
    );
    // One changed table read once: a delete replaced at or beyond the extreme is not a hit.
    expect(extremeHit(plan, true)).toBe(
      '(dtlab_d.a3_x IS NOT NULL AND (dtlab_s.a3_m IS NULL OR dtlab_d.a3_x >= dtlab_s.a3_m) AND NOT (dtlab_d.a3_m IS NOT NULL AND dtlab_d.a3_m >= dtlab_d.a3_x))',
    );
  });
});

describe('a projection as weighted rows', () => {
  const q = 'SELECT a.x, b.y + 1 AS y FROM a JOIN b ON a.k = b.k WHERE a.x > 0 ORDER BY 1';
  const shape = shapeOf(q);
  it('consolidates the delta after casting to the declared types', () => {
    const sql = rowsDeltaSql(
      q,
      shape,
      { family: 'postgres', changed: new Map([['a', ['k', 'x']]]), insertsOnly: new Set() },
      [{ name: 'x', type: 'INTEGER' }, { name: 'y' }],
    );
    expect(sql).toContain(
      'SELECT (a.x) AS c1, (b.y + 1) AS c2, "a".dtlab_w AS dtlab_w FROM (SELECT "k", "x", sum(_w) AS dtlab_w',
    );
    expect(sql).toContain('JOIN b ON a.k = b.k WHERE a.x > 0 \n');
    expect(sql).toContain(') AS dtlab_d GROUP BY CAST(c1 AS INTEGER), c2 HAVING sum(dtlab_w) <> 0');
  });
  it('deletes k copies by row address, NULLs matched apart', () => {
    const out = [{ name: 'x' }, { name: 'y' }];
    expect(deleteRowsSql('t', 'postgres', out, false)).toMatch(
      /^DELETE FROM "t" WHERE ctid = ANY \(ARRAY\(SELECT dtlab_a FROM \(SELECT dtlab_t\.ctid AS dtlab_a, .* ON dtlab_t\."x" = dtlab_d\.k1 AND dtlab_t\."y" = dtlab_d\.k2 WHERE dtlab_d\.dtlab_w < 0 AND NOT \(.*\) AS dtlab_c WHERE dtlab_n <= -dtlab_w\)\)$/,
    );
    expect(deleteRowsSql('t', 'duckdb', out, true)).toContain('dtlab_t."x" IS NOT DISTINCT FROM dtlab_d.k1');
  });
});
