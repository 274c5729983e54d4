/**
 * QUALIFY in planning, pure: sql/analyze.ts reads the outermost SELECT's QUALIFY (node-sql-parser does not
 * know it); plan/row-windows.ts recomputes the touched partitions with it applied; plan/window.ts carries it
 * into the window step over groups; plan/ties.ts keeps windows that depend on how ties are broken in full.
 */
import { describe, expect, it } from 'vitest';
import { restrictedQuery } from '../src/plan/incremental.js';
import { incrementalVerdict } from '../src/plan/mode.js';
import { normalizeQuery } from '../src/plan/normalize.js';
import { chooseStrategy, type Strategy } from '../src/plan/strategy.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { translateSql } from '../src/sql/translate.js';

const columns: Record<string, string[]> = { t: ['id', 'g', 'v'], u: ['k', 'w'] };
const columnsOf = (t: string) => columns[t];
const strategyOf = (q: string): Strategy => {
  const planned = normalizeQuery(q, analyzeQuery(q, () => false).ast, { columnsOf, viewOf: () => undefined });
  if ('reason' in planned) return { kind: 'full', reason: planned.reason };
  return chooseStrategy(planned.text, planned.ast, columnsOf);
};
/** What CREATE decides (plan/mode.ts): a query that does not parse is full with the parser's reason. */
const verdictOf = (q: string) =>
  incrementalVerdict(
    q,
    analyzeQuery(q, () => false),
    [
      { name: 't', kind: 'TABLE' },
      { name: 'u', kind: 'TABLE' },
    ],
    columnsOf,
  );

describe('QUALIFY parsed', () => {
  it('keeps the outermost QUALIFY on the tree, where the walks see what it reads', () => {
    const a = analyzeQuery(
      'SELECT g, v FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) = 1 AND v > (SELECT MAX(w) FROM u)',
      () => false,
    );
    expect(a.parseError).toBeUndefined();
    expect(a.sources).toEqual(['t', 'u']);
    expect((a.ast as { qualify?: { operator?: string } }).qualify?.operator).toBe('AND');
    expect(a.walk?.functions).toContain('max');
  });
  it('says why a QUALIFY elsewhere is not read', () => {
    for (const q of [
      'SELECT * FROM (SELECT g FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) = 1) s',
      'SELECT g FROM t QUALIFY RANK() OVER (PARTITION BY g ORDER BY v) = 1 UNION ALL SELECT k FROM u',
    ])
      expect(analyzeQuery(q, () => false).parseError, q).toMatch(
        /QUALIFY is read only in the outermost SELECT/,
      );
  });
});

describe('QUALIFY over a table’s rows (partition recompute)', () => {
  it('keys the DT by the partition and recomputes it with the QUALIFY applied, on both families', () => {
    const q =
      'SELECT g, id, v FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC, id) = 1 ORDER BY g';
    const s = strategyOf(q);
    if (s.kind !== 'keys') throw new Error(s.reason);
    expect(s.shape.keys).toEqual([0]);
    expect(s.reason).toMatch(/window partitions they touch, QUALIFY applied/);
    const restricted = restrictedQuery(q, s.shape, false);
    expect(restricted).toBe(
      'SELECT g, id, v FROM t WHERE EXISTS (SELECT 1 FROM dtlab_keys WHERE dtlab_keys.k1 = (g)) QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC, id) = 1 ORDER BY g',
    );
    expect(translateSql(restricted, 'duckdb').text).toBe(restricted);
    expect(translateSql(restricted, 'postgres').text).toBe(
      'SELECT "g", "id", "v" FROM (SELECT g, id, v , ( ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC, id) = 1 ) AS "__dt_qualify" FROM t WHERE EXISTS (SELECT 1 FROM dtlab_keys WHERE dtlab_keys.k1 = (g)) ) AS "__dt_q" WHERE "__dt_qualify" ORDER BY g',
    );
  });
  it.each([
    'SELECT g, id, v FROM t QUALIFY RANK() OVER (PARTITION BY g ORDER BY v DESC) <= 2',
    'SELECT g, v FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC) = 1',
    'SELECT * FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC, id) = 1',
    'SELECT t.g, u.w FROM t JOIN u ON u.k = t.id QUALIFY DENSE_RANK() OVER (PARTITION BY t.g ORDER BY u.w) = 1',
    'SELECT g, v, SUM(v) OVER (PARTITION BY g) AS s FROM t QUALIFY v * 2 >= SUM(v) OVER (PARTITION BY g)',
    'SELECT g, id, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v, id) AS rn FROM t',
  ])('%s → keys', (q) => {
    expect(strategyOf(q).kind).toBe('keys');
  });
  it.each([
    [
      'SELECT g, id, v FROM t QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY v DESC) = 1',
      /ROW_NUMBER depends on how rows that tie .*\(id is not\)/,
    ],
    [
      'SELECT g, id, v, LAG(v) OVER (PARTITION BY g ORDER BY v) AS prev FROM t',
      /LAG depends on how rows that tie .*\(id is not\)/,
    ],
    [
      'SELECT g, id FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY id) = 1',
      /ROW_NUMBER depends on how rows that tie .*\(g is not\)/,
    ],
    [
      'SELECT g, id FROM t QUALIFY NTILE(2) OVER (ORDER BY id, g) = 1',
      /NTILE reads the count of every row .*without PARTITION BY/,
    ],
    ['SELECT id, v FROM t QUALIFY RANK() OVER (PARTITION BY g ORDER BY v) = 1', /not a column of the result/],
    ['SELECT g, id FROM t QUALIFY id > 1', /QUALIFY without a window function/],
    [
      'SELECT g, v, SUM(v) OVER (PARTITION BY g) AS s, SUM(v) OVER w AS run FROM t WINDOW w AS (ORDER BY v)',
      /named window/,
    ],
    ['SELECT g, v FROM t QUALIFY RANK() OVER w = 1 WINDOW w AS (PARTITION BY g ORDER BY v)', /named window/],
    ['SELECT g, SUM(v) AS s FROM t GROUP BY g QUALIFY SUM(v) > 1', /QUALIFY without a window function/],
    ['SELECT g, v FROM t QUALIFY RANK() OVER (PARTITION BY g ORDER BY v) = 1 LIMIT 3', /LIMIT/],
    [
      'SELECT s.g FROM (SELECT g FROM t QUALIFY RANK() OVER (PARTITION BY g ORDER BY v) = 1) s',
      /could not be analysed \(QUALIFY is read only in the outermost SELECT/,
    ],
  ])('%s → full (%s)', (q, reason) => {
    const v = verdictOf(q);
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(reason);
  });
});

describe('QUALIFY over groups (the window step)', () => {
  it('filters the window step, its aggregates and group keys read from the kept result', () => {
    const s = strategyOf(
      'SELECT g, SUM(v) AS s FROM t WHERE v > 0 GROUP BY g HAVING COUNT(*) > 1 QUALIFY RANK() OVER (ORDER BY SUM(v) DESC, MAX(id)) <= 2 ORDER BY g',
    );
    if (s.kind !== 'keys' || !s.nested) throw new Error(s.reason);
    expect(s.nested.inner.text).toBe(
      'SELECT g, SUM(v), MAX(id) FROM t WHERE v > 0 GROUP BY g HAVING COUNT(*) > 1',
    );
    expect(s.nested.outer).toBe(
      'SELECT c1, c2 AS s FROM (SELECT c1, c2, c3 FROM dtlab_nested_state AS dtlab_st) AS dtlab_w QUALIFY RANK() OVER (ORDER BY c2 DESC, c3) <= 2',
    );
    expect(s.reason).toMatch(/window step and its QUALIFY are recomputed/);
    expect(translateSql(s.nested.outer, 'postgres').text).toContain('AS "__dt_q" WHERE "__dt_qualify"');
  });
  it.each([
    [
      'SELECT g, SUM(v) AS s FROM t GROUP BY g QUALIFY ROW_NUMBER() OVER (ORDER BY SUM(v)) = 1',
      /name every group key/,
    ],
    ['SELECT g, NTILE(2) OVER (ORDER BY SUM(v)) AS n FROM t GROUP BY g', /NTILE depends/],
    [
      'SELECT g, SUM(v) AS s FROM t GROUP BY g QUALIFY RANK() OVER (ORDER BY SUM(v)) <= (SELECT MAX(w) FROM u)',
      /a subquery in the select list or QUALIFY/,
    ],
    [
      'SELECT t.g, SUM(v) AS s FROM t GROUP BY t.g QUALIFY RANK() OVER (ORDER BY g) = 1',
      /reads g other than/,
    ],
  ])('%s → full (%s)', (q, reason) => {
    const s = strategyOf(q);
    expect(s.kind).toBe('full');
    expect(s.reason).toMatch(reason);
  });
  it('keeps ROW_NUMBER that names every group key', () => {
    expect(
      strategyOf(
        'SELECT g, id, MAX(v) AS hi FROM t GROUP BY g, id QUALIFY ROW_NUMBER() OVER (PARTITION BY g ORDER BY MAX(v) DESC, id) = 1',
      ).kind,
    ).toBe('keys');
  });
});
