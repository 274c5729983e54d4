/**
 * FLATTEN, pure: its translation per family (sql/flatten.ts, dialect/flatten.ts), the refusals with their
 * line:column, the parse the planner reads (sql/analyze.ts), and which FLATTEN queries the planner maintains
 * (plan/flatten.ts) and which it refreshes in full, with the reason. What the translations return on each
 * backend, and the oracle, are in flatten-oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DtError } from '../src/errors.js';
import { chooseStrategy } from '../src/plan/strategy.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { parsePath } from '../src/sql/flatten.js';
import { translateSql } from '../src/sql/translate.js';

const FAMILIES = ['postgres', 'duckdb'] as const;

/** The DtError translateSql throws, with its position as "line:column". */
function refusal(sql: string, family: 'postgres' | 'duckdb') {
  try {
    translateSql(sql, family);
  } catch (e) {
    if (!(e instanceof DtError)) throw e;
    const p = e.details.position;
    return { code: e.code, message: e.message, at: p ? `${p.line}:${p.column}` : undefined };
  }
  throw new Error(`not refused: ${sql}`);
}

describe('FLATTEN translation', () => {
  it('becomes a lateral subquery over jsonb on PostgreSQL and over a LIST on DuckDB', () => {
    const sql = 'SELECT t.id, f.value, f.index FROM t, LATERAL FLATTEN(input => t.col) f';
    const pg = translateSql(sql, 'postgres').text;
    expect(pg).toMatch(
      /^SELECT t\.id, f\.value, f\.index FROM t, LATERAL \(SELECT .* AS "key", .* AS "path", /,
    );
    expect(pg).toContain('FROM (SELECT to_jsonb(t.col) AS x) AS dtlab_fx CROSS JOIN LATERAL (');
    expect(pg).toContain('jsonb_array_elements(');
    expect(pg).toContain('WITH ORDINALITY');
    expect(pg).toContain('jsonb_each(');
    expect(pg.endsWith(') AS dtlab_fe) f')).toBe(true);
    const duck = translateSql(sql, 'duckdb').text;
    expect(duck).toBe(
      'SELECT t.id, f.value, f.index FROM t, LATERAL (SELECT CAST(NULL AS VARCHAR) AS "key", \'[\' || CAST(dtlab_fe.i AS VARCHAR) || \']\' AS "path", dtlab_fe.i AS "index", dtlab_fe.v AS "value", dtlab_fx.x AS "this" FROM (SELECT t.col AS x) AS dtlab_fx CROSS JOIN LATERAL (SELECT unnest(dtlab_fx.x) AS v, generate_subscripts(dtlab_fx.x, 1) - 1 AS i) AS dtlab_fe) f',
    );
  });

  it.each(FAMILIES)('reads every spelling of the call on %s', (family) => {
    const body = (sql: string) => translateSql(sql, family).text;
    const named = body('SELECT f.value FROM t, LATERAL FLATTEN(input => t.col) AS f');
    // Positional INPUT, TABLE(…), LATERAL TABLE(…) and no LATERAL at all give the same FROM item.
    expect(body('SELECT f.value FROM t, LATERAL FLATTEN(t.col) AS f')).toBe(named);
    expect(body('SELECT f.value FROM t, TABLE(FLATTEN(INPUT => t.col)) AS f')).toBe(named);
    expect(body('SELECT f.value FROM t, LATERAL TABLE(FLATTEN(t.col)) AS f')).toBe(named);
    expect(body('SELECT f.value FROM t, flatten(input => t.col) AS f')).toBe(named);
    // After a join's ON, behind a comma, it is a FROM item; inside the ON condition it is not.
    expect(body('SELECT f.value FROM t JOIN u ON u.k = t.k, FLATTEN(t.col) AS f')).toBe(
      named.replace('FROM t, LATERAL', 'FROM t JOIN u ON u.k = t.k, LATERAL'),
    );
    expect(body('SELECT 1 FROM t JOIN u ON flatten(u.l) = t.l')).toBe(
      'SELECT 1 FROM t JOIN u ON flatten(u.l) = t.l',
    );
    // Without an alias the item is called flatten; OUTER => TRUE keeps input rows by a LEFT JOIN inside.
    expect(body('SELECT value FROM t, LATERAL FLATTEN(t.col)')).toMatch(/\) AS dtlab_fe\) AS flatten$/);
    const outer = body('SELECT f.value FROM t, LATERAL FLATTEN(input => t.col, outer => TRUE) f');
    expect(outer).toContain('LEFT JOIN LATERAL (');
    expect(outer).toContain(') AS dtlab_fe ON TRUE) f');
    expect(body('SELECT f.value FROM t, LATERAL FLATTEN(t.col, OUTER => FALSE) f')).not.toContain(
      'LEFT JOIN',
    );
    // The input is translated like any expression.
    expect(body('SELECT f.value FROM t, LATERAL FLATTEN(input => NVL(t.col, t.other)) f')).toContain(
      'COALESCE(t.col, t.other)',
    );
  });

  it('takes PATH and MODE on PostgreSQL', () => {
    const pg = translateSql(
      "SELECT f.key, f.path FROM t, LATERAL FLATTEN(input => t.j, path => 'a.b[0]', mode => 'object') f",
      'postgres',
    ).text;
    expect(pg).toContain("to_jsonb(t.j) #> CAST(ARRAY['a', 'b', '0'] AS TEXT[])");
    expect(pg).toContain("'a.b[0].' || dtlab_fe.k");
    expect(pg).toContain('jsonb_each(');
    expect(pg).not.toContain('jsonb_array_elements(');
    const arrays = translateSql("SELECT 1 FROM t, FLATTEN(t.j, MODE => 'ARRAY') f", 'postgres').text;
    expect(arrays).not.toContain('jsonb_each(');
  });

  it('reads Snowflake paths', () => {
    expect(parsePath('')).toEqual([]);
    expect(parsePath('b')).toEqual(['b']);
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parsePath(`"My Key"['x y'][2]`)).toEqual(['My Key', 'x y', 2]);
    expect(parsePath('[1]')).toEqual([1]);
    expect(parsePath('a..b')).toBeUndefined();
    expect(parsePath('a[x]')).toBeUndefined();
    expect(parsePath('a b')).toBeUndefined();
  });

  it('leaves FLATTEN outside FROM (DuckDB’s list function) and a qualified flatten as written', () => {
    for (const family of FAMILIES) {
      expect(translateSql('SELECT flatten(x), s.flatten(y) FROM t', family).text).toBe(
        'SELECT flatten(x), s.flatten(y) FROM t',
      );
      expect(translateSql('SELECT 1 FROM t, s.flatten(t.x) f', family).text).toBe(
        'SELECT 1 FROM t, s.flatten(t.x) f',
      );
    }
  });

  it('maps an error in the translated text back to the FLATTEN call', () => {
    const sql = 'SELECT f.value\nFROM t, LATERAL FLATTEN(input => t.col) f';
    for (const family of FAMILIES) {
      const t = translateSql(sql, family);
      expect(t.toSource(t.text.indexOf('dtlab_fx'))).toBe(sql.indexOf('FLATTEN'));
    }
  });
});

describe('FLATTEN refusals, positioned', () => {
  const sql = (call: string) => `SELECT f.value\n  FROM t,\n       LATERAL ${call} f`;
  it.each([
    // What no family expresses.
    [
      sql('FLATTEN(input => t.c, recursive => TRUE)'),
      'both',
      'DT_ERR_UNSUPPORTED',
      /RECURSIVE => TRUE is not supported/,
      '3:16',
    ],
    // What DuckDB's LISTs cannot express.
    [
      sql("FLATTEN(input => t.c, path => 'a')"),
      'duckdb',
      'DT_ERR_UNSUPPORTED',
      /PATH is not supported on DuckDB/,
      '3:16',
    ],
    [
      sql("FLATTEN(input => t.c, mode => 'OBJECT')"),
      'duckdb',
      'DT_ERR_UNSUPPORTED',
      /MODE => 'OBJECT' is not supported on DuckDB/,
      '3:16',
    ],
    [
      sql('FLATTEN(input => PARSE_JSON(t.c))'),
      'duckdb',
      'DT_ERR_UNSUPPORTED',
      /PARSE_JSON is not supported on DuckDB/,
      '3:33',
    ],
    // SEQ is refused where it is read.
    [
      'SELECT f.seq, f.value FROM t, LATERAL FLATTEN(t.c) f',
      'both',
      'DT_ERR_UNSUPPORTED',
      /SEQ column is not supported/,
      '1:10',
    ],
    // Malformed calls.
    [sql("FLATTEN(path => 'a')"), 'both', 'DT_ERR_SYNTAX', /FLATTEN needs INPUT/, '3:16'],
    [
      sql('FLATTEN(input => t.c, depth => 2)'),
      'both',
      'DT_ERR_SYNTAX',
      /unknown argument depth of FLATTEN: it takes INPUT, PATH, OUTER, RECURSIVE, MODE/,
      '3:38',
    ],
    [sql('FLATTEN(input => t.c, input => t.d)'), 'both', 'DT_ERR_SYNTAX', /INPUT is given twice/, '3:38'],
    [
      sql('FLATTEN(input => t.c, outer => 1)'),
      'both',
      'DT_ERR_SYNTAX',
      /OUTER must be TRUE or FALSE/,
      '3:47',
    ],
    [
      sql('FLATTEN(input => t.c, outer => maybe)'),
      'both',
      'DT_ERR_SYNTAX',
      /OUTER must be TRUE or FALSE/,
      '3:47',
    ],
    [
      sql("FLATTEN(input => t.c, path => 'a..b')"),
      'postgres',
      'DT_ERR_SYNTAX',
      /PATH 'a\.\.b' is not a path/,
      '3:46',
    ],
    [
      sql('FLATTEN(input => t.c, path => t.p)'),
      'postgres',
      'DT_ERR_SYNTAX',
      /PATH must be a string constant/,
      '3:46',
    ],
    [
      sql("FLATTEN(input => t.c, mode => 'ALL')"),
      'postgres',
      'DT_ERR_SYNTAX',
      /MODE must be 'BOTH', 'ARRAY' or 'OBJECT'/,
      '3:46',
    ],
    [
      sql("FLATTEN(t.c, '', FALSE, FALSE, 'BOTH', 6)"),
      'both',
      'DT_ERR_SYNTAX',
      /too many arguments of FLATTEN/,
      '3:55',
    ],
  ] as const)('%s (%s)', (text, on, code, message, at) => {
    for (const family of on === 'both' ? FAMILIES : [on]) {
      expect(refusal(text, family)).toEqual({ code, message: expect.stringMatching(message), at });
    }
  });

  it('refuses nothing on PostgreSQL that DuckDB alone cannot express', () => {
    expect(
      translateSql(sql("FLATTEN(input => t.c, path => 'a', mode => 'OBJECT')"), 'postgres').text,
    ).toContain('jsonb_each(');
  });
});

describe('FLATTEN in the planner', () => {
  const strategy = (query: string, columns: Record<string, string[]> = {}) => {
    const analysis = analyzeQuery(query, () => false);
    expect(analysis.parseError).toBeUndefined();
    return chooseStrategy(query, analysis.ast, (t) => columns[t]);
  };

  it('parses named arguments and reads the table FLATTEN flattens as the only source', () => {
    const a = analyzeQuery(
      "SELECT t.id, f.value FROM t, LATERAL FLATTEN(input => t.c, path => 'a', outer => TRUE) f JOIN u ON u.k = f.index",
      () => false,
    );
    expect(a.parseError).toBeUndefined();
    expect(a.sources).toEqual(['t', 'u']);
    expect(
      analyzeQuery('SELECT f.value FROM t, TABLE(FLATTEN(input => t.c)) f', () => false).sources,
    ).toEqual(['t']);
  });

  it.each([
    ['SELECT t.id, f.value, f.index FROM t, LATERAL FLATTEN(input => t.c) f', 'linear', true],
    ['SELECT t.id, f.value FROM t, LATERAL FLATTEN(t.c) f WHERE f.index > 0 AND t.id < 9', 'linear', true],
    [
      'SELECT t.g, COUNT(*) AS n, SUM(f.index) AS s FROM t, TABLE(FLATTEN(t.c)) f GROUP BY t.g',
      'linear',
      false,
    ],
    [
      'SELECT u.name, f.value, COUNT(*) AS n FROM t, u, LATERAL FLATTEN(t.c) f WHERE u.k = t.k GROUP BY u.name, f.value',
      'linear',
      false,
    ],
    [
      'SELECT f.value, COUNT(DISTINCT t.id) AS n FROM t, LATERAL FLATTEN(t.c) f GROUP BY f.value',
      'linear',
      false,
    ],
    ['SELECT DISTINCT f.value FROM t, LATERAL FLATTEN(t.c, outer => TRUE) f', 'keys', false],
    // CROSS JOIN is the comma's join; a comma after a JOIN … ON condition too.
    ['SELECT t.id, f.value FROM t CROSS JOIN LATERAL FLATTEN(t.c) f', 'linear', true],
    ['SELECT t.id, u.w, f.value FROM t JOIN u ON u.k = t.k, LATERAL FLATTEN(input => t.c) f', 'linear', true],
    ['SELECT t.id, f.index FROM t JOIN u USING (k), TABLE(FLATTEN(t.c)) f WHERE f.index > 0', 'linear', true],
    [
      'SELECT u.name, f.value, COUNT(*) AS n FROM t JOIN u ON u.k = t.k CROSS JOIN TABLE(FLATTEN(t.c)) f GROUP BY u.name, f.value',
      'linear',
      false,
    ],
    // Two levels: the second FLATTEN expands the first one's values.
    ['SELECT t.id, g.value FROM t, LATERAL FLATTEN(t.c) f, LATERAL FLATTEN(f.value) g', 'linear', true],
  ])('maintains %s (%s)', (query, kind, rows) => {
    const s = strategy(query);
    expect(s.kind, s.reason).toBe(kind);
    if (s.kind === 'linear') expect(Boolean(s.plan.rows)).toBe(rows);
  });

  it.each([
    ['SELECT t.id, f.value FROM t JOIN LATERAL FLATTEN(t.c) f ON f.index > 0', /after a comma or CROSS JOIN/],
    ['SELECT f.value FROM TABLE(FLATTEN(input => t.c)) f, t', /following the table it flattens/],
    [
      'SELECT t.id, u.k FROM t, LATERAL FLATTEN(t.c) f LEFT JOIN u ON u.k = t.k',
      /FLATTEN beside an outer join/,
    ],
    [
      'SELECT x.id, x.value FROM (SELECT t.id, f.value FROM t, LATERAL FLATTEN(t.c) f) AS x',
      /FLATTEN anywhere but the query's own FROM clause/,
    ],
    [
      'SELECT t.id FROM t WHERE EXISTS (SELECT 1 FROM u, LATERAL FLATTEN(u.c) f WHERE f.value = t.k)',
      /FLATTEN anywhere but the query's own FROM clause/,
    ],
    [
      'SELECT t.id, f.value FROM t, LATERAL FLATTEN(t.c) f UNION ALL SELECT k, k FROM u',
      /FLATTEN under UNION/,
    ],
    [
      'SELECT t.g, SUM(f.index) AS s, RANK() OVER (ORDER BY SUM(f.index)) AS r FROM t, LATERAL FLATTEN(t.c) f GROUP BY t.g',
      /FLATTEN under a window over groups/,
    ],
    [
      'SELECT x.n, f.value FROM (SELECT g, COUNT(*) AS n FROM u GROUP BY g) AS x, t, LATERAL FLATTEN(t.c) f',
      /aggregating subquery in FROM/,
    ],
    [
      'SELECT n, COUNT(*) AS c FROM (SELECT t.g, COUNT(*) AS n FROM t, LATERAL FLATTEN(t.c) f GROUP BY t.g) AS x GROUP BY n',
      /FLATTEN with an aggregating subquery in FROM/,
    ],
    ['SELECT t.id, f.value FROM t, LATERAL FLATTEN(t.c) AS f (s, k, p, i, v, th)', /column list on FLATTEN/],
  ])('refreshes %s in full', (query, reason) => {
    const s = strategy(query);
    expect(s.kind).toBe('full');
    expect(s.reason).toMatch(reason);
  });
});
