import { describe, expect, it } from 'vitest';
import { cycleThrough, directDependents, topologicalOrder } from '../src/catalog/graph.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { translateSql, translateType } from '../src/sql/translate.js';

describe('Snowflake function translation', () => {
  it.each([
    ["SELECT IFF(a > 1, 'x', 'y') FROM t", "SELECT CASE WHEN a > 1 THEN 'x' ELSE 'y' END FROM t", undefined],
    [
      'SELECT NVL(a, 0), ZEROIFNULL(b), NULLIFZERO(c)',
      'SELECT COALESCE(a, 0), COALESCE(b, 0), NULLIF(c, 0)',
      undefined,
    ],
    ["SELECT TO_CHAR(d, 'YYYY-MM')", "SELECT strftime(d, '%Y-%m')", 'duckdb'],
    ["SELECT TO_CHAR(d, 'YYYY-MM')", "SELECT to_char(d, 'YYYY-MM')", 'postgres'],
    ["SELECT TO_CHAR(d, 'DD MON YYYY HH24:MI:SS')", "SELECT strftime(d, '%d %b %Y %H:%M:%S')", 'duckdb'],
    ['SELECT CURRENT_TIMESTAMP() AS ts', 'SELECT CURRENT_TIMESTAMP AS ts', undefined],
    ['SELECT DATEADD(day, 3, d)', "SELECT (d + (3) * INTERVAL '1 day')", undefined],
    ["SELECT DATEADD('quarter', n, d)", "SELECT (d + (n) * INTERVAL '3 month')", undefined],
    ['SELECT DATEDIFF(month, a, b)', "SELECT date_diff('month', a, b)", 'duckdb'],
    ['SELECT DIV0(a, b)', 'SELECT CASE WHEN (b) = 0 THEN 0 ELSE (a) / (b) END', undefined],
    [
      'SELECT NVL(IFF(x, NVL(a, 1), 2), 3)',
      'SELECT COALESCE(CASE WHEN x THEN COALESCE(a, 1) ELSE 2 END, 3)',
      undefined,
    ],
    ['SELECT \'NVL(a, b)\', s.nvl(a, b), "nvl"', 'SELECT \'NVL(a, b)\', s.nvl(a, b), "nvl"', undefined],
  ])('%s', (sql, expected, family) => {
    for (const f of family ? [family as 'duckdb' | 'postgres'] : (['duckdb', 'postgres'] as const)) {
      expect(translateSql(sql, f).text).toBe(expected);
    }
  });

  it('turns "now" into the engine clock when given one', () => {
    const now = Date.UTC(2024, 0, 31, 12, 30, 5);
    expect(translateSql('SELECT CURRENT_DATE - 30, CURRENT_TIMESTAMP(), now()', 'duckdb', { now }).text).toBe(
      "SELECT DATE '2024-01-31' - 30, TIMESTAMP '2024-01-31 12:30:05', TIMESTAMP '2024-01-31 12:30:05'",
    );
  });

  it('maps offsets in the output back to the input', () => {
    const sql = 'SELECT IFF(a, 1, 2), bad_column FROM t';
    const t = translateSql(sql, 'postgres');
    expect(t.toSource(t.text.indexOf('bad_column'))).toBe(sql.indexOf('bad_column'));
    expect(t.toSource(t.text.indexOf('CASE'))).toBe(sql.indexOf('IFF'));
  });

  it('maps Snowflake column types', () => {
    expect(translateType('NUMBER(10,2)', 'postgres')).toBe('NUMERIC(10,2)');
    expect(translateType('number', 'duckdb')).toBe('DECIMAL(38,0)');
    expect(translateType('STRING', 'postgres')).toBe('VARCHAR');
    expect(translateType('FLOAT', 'postgres')).toBe('DOUBLE PRECISION');
    expect(translateType('TIMESTAMP_NTZ', 'duckdb')).toBe('TIMESTAMP');
    expect(translateType('VARCHAR(7)', 'duckdb')).toBe('VARCHAR(7)');
  });
});

describe('query analysis', () => {
  it('finds sources and ignores CTE names', () => {
    const a = analyzeQuery(
      'WITH x AS (SELECT * FROM orders) SELECT * FROM x JOIN lineitem ON true',
      () => false,
    );
    expect(a.sources).toEqual(['lineitem', 'orders']);
    expect(a.parseError).toBeUndefined();
  });
  it('falls back to known relation names when the parser gives up, saying why', () => {
    const known = new Set(['customer', 'orders']);
    const a = analyzeQuery(
      "SELECT overlay(c_name placing 'x' from 1 for 2) FROM customer WHERE NOT EXISTS (SELECT 1 FROM orders)",
      (n) => known.has(n),
    );
    expect(a.sources).toEqual(['customer', 'orders']);
    expect(a.parseError).toBe(
      "line 1, column 23 (at `placing 'x' from 1 for 2`): this is not read by the planner's parser",
    );
    const distinct = analyzeQuery(
      'SELECT a.k FROM a\nJOIN b ON a.k IS NOT DISTINCT FROM b.k',
      (n) => n === 'a' || n === 'b',
    );
    expect(distinct.sources).toEqual(['a', 'b']);
    expect(distinct.parseError).toBe(
      "line 2, column 31 (at `FROM b.k`): IS [NOT] DISTINCT FROM is not read by the planner's parser",
    );
    // The phrase is named only where the parser stopped inside it, not wherever the query holds it.
    const elsewhere = analyzeQuery(
      "SELECT overlay(c_name placing 'x' from 1 for 2) FROM customer\nWHERE c_name IS DISTINCT FROM 'y'",
      (n) => known.has(n),
    );
    expect(elsewhere.parseError).toBe(
      "line 1, column 23 (at `placing 'x' from 1 for 2`): this is not read by the planner's parser",
    );
  });
});

describe('dependency graph', () => {
  const edges = new Map([
    ['b', ['a']],
    ['c', ['b', 'orders']],
    ['a', ['orders']],
  ]);
  it('finds the cycle a replacement would close', () => {
    expect(cycleThrough(edges, 'a', ['c'])).toEqual(['a', 'c', 'b', 'a']);
    expect(cycleThrough(edges, 'a', ['orders'])).toBeUndefined();
    expect(cycleThrough(edges, 'x', ['x'])).toEqual(['x', 'x']);
  });
  it('lists dependents and a dependency order', () => {
    expect(directDependents(edges, 'a')).toEqual(['b']);
    expect(topologicalOrder(edges)).toEqual(['a', 'b', 'c']);
  });
});
