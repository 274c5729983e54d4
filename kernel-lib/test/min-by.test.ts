/**
 * MIN_BY / MAX_BY (Snowflake aggregates, docs/sql-dialect.md): translated on both families — the value of the
 * row with the smallest (largest) second argument, rows where it is NULL ignored, NULL when none is left, ties
 * broken by the smallest value (NULL last) so a DT equals its query — and maintained incrementally
 * (docs/incremental.md): grouped, the touched groups are recomputed; over the whole table, the one row is.
 * The oracle (as in normalize-oracle.test.ts) checks every DT against its query after every refresh of random
 * changes (NULLs, ties, duplicates, updates moving rows between groups), on DuckDB, PGlite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { chooseStrategy } from '../src/plan/strategy.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { translateSql } from '../src/sql/translate.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { AB_TABLES, AB_WRITES, incrementalOnly, Oracle } from './helpers/oracle.js';

export const MIN_BY_DTS: [string, string][] = [
  ['by_group', 'SELECT g, MIN_BY(s, v) AS sv, MAX_BY(k, v) AS kv, COUNT(*) AS n FROM a GROUP BY g'],
  ['by_whole', 'SELECT MIN_BY(k, v) AS kv, MAX_BY(s, v) AS sv FROM a'],
  ['by_whole_where', 'SELECT max_by(v, k) AS vk FROM a WHERE g IS NOT NULL'],
  [
    'by_join',
    'SELECT b.w, MIN_BY(a.v, a.k) AS vk, MAX_BY(a.g, a.v) AS gv FROM a JOIN b ON a.k = b.k GROUP BY b.w',
  ],
  ['by_whole_join', 'SELECT MAX_BY(b.w, a.v) AS wv, MIN_BY(a.s, b.w) AS sw FROM a JOIN b ON a.k = b.k'],
  ['by_left', 'SELECT a.g, MAX_BY(b.w, a.k) AS wk FROM a LEFT JOIN b ON a.k = b.k GROUP BY a.g'],
  ['by_expr', 'SELECT g, MIN_BY(v * 2, COALESCE(k, 0) - v) AS e, SUM(v) AS s FROM a GROUP BY g'],
  ['by_having', 'SELECT g, MAX_BY(s, v) AS m FROM a GROUP BY g HAVING COUNT(*) > 1'],
  [
    'by_nested',
    'SELECT m, COUNT(*) AS n FROM (SELECT g, MAX_BY(k, v) AS m FROM a GROUP BY g) AS x GROUP BY m',
  ],
  ['by_window', 'SELECT g, MIN_BY(k, v) AS m, RANK() OVER (ORDER BY g) AS r FROM a GROUP BY g'],
  // The window form over a whole partition: maintained like any partitioned window.
  [
    'by_over',
    'SELECT k, g, v, s, MIN_BY(s, v) OVER (PARTITION BY g) AS sv, MAX_BY(k, v) OVER (PARTITION BY g) AS kv FROM a',
  ],
];

const ROWS = `CREATE TABLE t (g INTEGER, x INTEGER, s VARCHAR(5), y INTEGER);
  INSERT INTO t VALUES
    (1, 10, 'p', 3), (1, 20, 'q', 1), (1, 30, 'r', NULL),
    (2, 7, 'b', 5), (2, 3, 'a', 5), (2, NULL, NULL, 5), (2, 9, 'z', 2),
    (3, 4, 'm', NULL), (3, 5, 'n', NULL),
    (4, NULL, NULL, 8), (4, 6, 'c', 8), (4, 1, 'd', 0)`;

describe.each(BACKEND_KINDS)('MIN_BY / MAX_BY on %s', (kind) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(ROWS);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows.map((r) => r.map(String));

  it('take the value at the extreme, NULL y ignored, ties by the smallest value (NULL last)', async () => {
    expect(
      await rows(
        'SELECT g, MIN_BY(x, y), MAX_BY(x, y), MIN_BY(s, y), MAX_BY(s, y) FROM t GROUP BY g ORDER BY g',
      ),
    ).toEqual([
      ['1', '20', '10', 'q', 'p'],
      // y = 5 ties three rows: the smallest x (3, not NULL) for both.
      ['2', '9', '3', 'z', 'a'],
      // Every y NULL: no row qualifies.
      ['3', 'null', 'null', 'null', 'null'],
      ['4', '1', '6', 'd', 'c'],
    ]);
    expect(await rows('SELECT MIN_BY(x, y), MAX_BY(s, y) FROM t')).toEqual([['1', 'c']]);
    expect(await rows('SELECT MIN_BY(x, y) FROM t WHERE g = 99')).toEqual([['null']]);
  });

  it('over a whole partition (OVER (PARTITION BY …) or OVER ()), answer as the aggregate does per group', async () => {
    const windowed = await rows(
      'SELECT DISTINCT g, MIN_BY(x, y) OVER (PARTITION BY g), MAX_BY(x, y) OVER (PARTITION BY g), min_by(s, y) over (partition by g), MAX_BY(s, y) OVER (PARTITION BY g) FROM t ORDER BY g',
    );
    const grouped = await rows(
      'SELECT g, MIN_BY(x, y), MAX_BY(x, y), MIN_BY(s, y), MAX_BY(s, y) FROM t GROUP BY g ORDER BY g',
    );
    expect(windowed).toEqual(grouped);
    expect(await rows('SELECT DISTINCT MIN_BY(x, y) OVER (), MAX_BY(s, y) OVER () FROM t')).toEqual([
      ['1', 'c'],
    ]);
  });

  it("keep the value's type", async () => {
    const [row] = (await engine.execute('SELECT MIN_BY(x, y) + 1, MAX_BY(s, y) FROM t WHERE g = 1')).at(-1)
      ?.rows ?? [[]];
    expect(Number(row?.[0])).toBe(21);
    expect(row?.[1]).toBe('p');
  });

  it('make an INCREMENTAL DT with the reason, grouped and over the whole table', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE tg TARGET_LAG = '1 minute' AS
      SELECT g, MAX_BY(s, y) AS top FROM t GROUP BY g;
      CREATE DYNAMIC TABLE tw TARGET_LAG = '1 minute' AS SELECT MIN_BY(x, y) AS low FROM t`);
    const dts = await engine.listDynamicTables();
    const tg = dts.find((d) => d.name === 'tg');
    const tw = dts.find((d) => d.name === 'tw');
    expect(tg?.effectiveMode).toBe('INCREMENTAL');
    expect(tg?.refreshModeReason).toMatch(/recomputing only the groups they touch \(MAX_BY keeps no running/);
    expect(tw?.effectiveMode).toBe('INCREMENTAL');
    expect(tw?.refreshModeReason).toMatch(/^MIN_BY over the whole table keeps no running state/);
    await engine.execute("INSERT INTO t VALUES (1, 0, 'zz', 9), (5, -1, 'e', -5); DELETE FROM t WHERE g = 4");
    for (const name of ['tg', 'tw']) {
      const record = await engine.refresh(name);
      expect(record.refreshAction).toBe('INCREMENTAL');
      expect((await engine.verify(name)).equal).toBe(true);
    }
    expect(await rows('SELECT low FROM tw')).toEqual([['-1']]);
    expect(await rows('SELECT top FROM tg WHERE g = 1')).toEqual([['zz']]);
  });
});

describe('MIN_BY / MAX_BY translation and planning', () => {
  it('refuses the three-argument form at the call, with a hint', () => {
    for (const family of ['duckdb', 'postgres'] as const) {
      let error: unknown;
      try {
        translateSql('SELECT g,\n  MAX_BY(x, y, 3) FROM t GROUP BY g', family);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DtError);
      const e = error as DtError;
      expect(e.code).toBe('DT_ERR_UNSUPPORTED');
      expect(e.message).toContain('MAX_BY(x, y, n)');
      expect(e.details.hint).toBeTruthy();
      expect(e.details.position).toEqual({ offset: 12, line: 2, column: 3 });
    }
  });

  it('refuses the window form with an ORDER BY, a frame or a named window at the call, with a hint; the aggregate next to a window passes', () => {
    for (const family of ['duckdb', 'postgres'] as const) {
      for (const over of ['(PARTITION BY g ORDER BY y)', '(ROWS UNBOUNDED PRECEDING)', 'w']) {
        let error: unknown;
        try {
          translateSql(`SELECT g,\n  min_by(x, y) /* c */ OVER ${over} FROM t`, family);
        } catch (e) {
          error = e;
        }
        expect(error, over).toBeInstanceOf(DtError);
        const e = error as DtError;
        expect(e.code).toBe('DT_ERR_UNSUPPORTED');
        expect(e.message).toContain('MIN_BY(x, y) OVER (…) with an ORDER BY');
        expect(e.details.hint).toContain('FIRST_VALUE');
        expect(e.details.position).toEqual({ offset: 12, line: 2, column: 3 });
      }
      const sum = translateSql('SELECT g, MIN_BY(x, y), SUM(1) OVER () FROM t GROUP BY g', family).text;
      expect(sum).toContain('SUM(1) OVER ()');
    }
  });

  it('leaves a qualified min_by alone', () => {
    expect(translateSql('SELECT s.min_by(x, y) FROM t', 'postgres').text).toBe(
      'SELECT s.min_by(x, y) FROM t',
    );
  });

  it('plans MIN_BY / MAX_BY as aggregates: affected groups, or the one row of a whole-table aggregate', () => {
    const plan = (q: string) =>
      chooseStrategy(q, analyzeQuery(q, () => false).ast, () => ['k', 'g', 'v', 's']);
    const grouped = plan('SELECT g, MIN_BY(s, v) AS m, COUNT(*) AS n FROM a GROUP BY g');
    expect(grouped.kind).toBe('keys');
    const whole = plan('SELECT MIN_BY(k, v) AS m FROM a');
    expect(whole.kind).toBe('keys');
    expect(whole.kind === 'keys' && whole.shape.global).toBe(true);
    // Read as a projection, a whole-table MIN_BY would have been kept row by row.
    expect(whole.reason).toContain('MIN_BY over the whole table');
    // In a subquery in FROM, it aggregates too (kept beside the DT, maintained by affected keys).
    const nested = plan(
      'SELECT m, COUNT(*) AS n FROM (SELECT g, MAX_BY(k, v) AS m FROM a GROUP BY g) AS x GROUP BY m',
    );
    expect(nested.kind).toBe('keys');
    expect(nested.kind === 'keys' && nested.nested).toBeTruthy();
    // A subquery in FROM that takes MIN_BY of its whole table has no key to follow: full, saying so.
    const wholeSub = plan('SELECT x.m FROM (SELECT MIN_BY(k, v) AS m FROM a) AS x');
    expect(wholeSub.kind).toBe('full');
    expect(wholeSub.reason).toContain('aggregates the whole table');
  });
});

const { insertA, insertB, moveGroup, bumpGroup, deleteA, deleteB, setW } = AB_WRITES;
const step = fc.oneof(insertA, insertB, moveGroup, bumpGroup, deleteA, deleteB, setW);

describe.each(BACKEND_KINDS)('MIN_BY / MAX_BY oracle on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [AB_TABLES],
      dts: MIN_BY_DTS,
      onRefresh: incrementalOnly,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT is INCREMENTAL and equals its query after every refresh, under random changes', async () => {
    const dts = await oracle.engine.listDynamicTables();
    for (const [name] of MIN_BY_DTS)
      expect(dts.find((d) => d.name === name)?.effectiveMode, name).toBe('INCREMENTAL');
    const property = oracle.batches(step, { writes: 3, batches: 4 }, 'DELETE FROM a; DELETE FROM b');
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 12) });
    console.log(`${kind} refresh actions: ${JSON.stringify(oracle.tally.perDt())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 600_000);
});
