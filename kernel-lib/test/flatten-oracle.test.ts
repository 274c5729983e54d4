/**
 * FLATTEN on the three backends: what it returns (PostgreSQL and PGlite over jsonb, DuckDB over LISTs), that
 * refusals inside CREATE DYNAMIC TABLE point at the statement's line:column, and the oracle — dynamic tables
 * over `t, LATERAL FLATTEN(t.arr) f` (rows, OUTER rows, per-group aggregates, a join, DISTINCT, a group key from
 * the flattened values, on PostgreSQL an object's fields and a FLATTEN of FLATTEN's values) created with
 * REFRESH_MODE = INCREMENTAL, under random inserts, updates and deletes of rows holding arrays, empty arrays,
 * NULLs (and nested arrays, objects and scalars on PostgreSQL): every refresh must be INCREMENTAL (or NO_DATA
 * when nothing it reads changed) and VERIFY equal.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, type BackendKind, freshBackend } from './helpers/backends.js';

type Json = null | number | (number | null | number[])[] | Record<string, number | null>;

const rowsOf = async (engine: Engine, sql: string) => (await engine.execute(sql))[0]?.rows ?? [];
const plain = (rows: unknown[][]) => rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));

/** The backend's spelling of a FLATTEN input value and of a flattened number. */
function dialect(kind: BackendKind) {
  const pg = kind !== 'duckdb';
  return {
    arrType: pg ? 'JSONB' : 'INTEGER[]',
    lit: (v: Json) =>
      v === null
        ? 'NULL'
        : pg
          ? `'${JSON.stringify(v)}'`
          : `[${(v as (number | null)[]).map((x) => x ?? 'NULL').join(', ')}]`,
    num: pg ? "CASE WHEN jsonb_typeof(f.value) = 'number' THEN CAST(f.value AS INTEGER) END" : 'f.value',
    text: (col: string) => (pg ? `CAST(${col} AS TEXT)` : `CAST(${col} AS VARCHAR)`),
  };
}

describe.each(BACKEND_KINDS)('FLATTEN on %s', (kind) => {
  const d = dialect(kind);
  const pg = kind !== 'duckdb';
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(
      `CREATE TABLE t (id INTEGER, g INTEGER, arr ${d.arrType}); CREATE TABLE u (g INTEGER, name VARCHAR)`,
    );
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('returns KEY, PATH, INDEX, VALUE, THIS per element; nothing for NULL and [] unless OUTER', async () => {
    await engine.execute(
      `INSERT INTO t VALUES (1, 1, ${d.lit([7, null, 9])}), (2, 1, ${d.lit([])}), (3, 2, NULL)`,
    );
    const q = (outer: string) =>
      `SELECT t.id, f.key, f.path, f.index, ${d.text('f.value')}, ${d.text('f.this')} FROM t, LATERAL FLATTEN(input => t.arr${outer}) f ORDER BY t.id, f.index`;
    const v = (x: string) => (pg ? x.replace(/,/g, ', ') : x);
    const elements = [
      [1, null, '[0]', 0, '7', v('[7,null,9]')],
      [1, null, '[1]', 1, pg ? 'null' : null, v('[7,null,9]')],
      [1, null, '[2]', 2, '9', v('[7,null,9]')],
    ];
    const rows = plain(await rowsOf(engine, q('')));
    expect(rows).toEqual(pg ? elements : elements.map((r) => [...r.slice(0, 5), '[7, NULL, 9]']));
    const outer = plain(await rowsOf(engine, q(', outer => TRUE')));
    expect(outer.slice(3)).toEqual([
      [2, null, null, null, null, '[]'],
      [3, null, null, null, null, null],
    ]);
    // Positional INPUT and TABLE(…) without LATERAL, as `%%sql` takes them.
    expect(
      plain(await rowsOf(engine, 'SELECT COUNT(*) FROM t, TABLE(FLATTEN(t.arr)) AS f WHERE t.id = 1')),
    ).toEqual([[3]]);
    await engine.execute('DELETE FROM t');
  });

  it.runIf(pg)(
    'flattens objects, PATH and MODE over jsonb; a scalar or a missing path gives no rows',
    async () => {
      await engine.execute(
        `INSERT INTO t VALUES (1, 0, '{"b": [77, 88], "a": 1, "my key": 2}'), (2, 0, '5'), (3, 0, '{"c": 1}')`,
      );
      const q = (args: string) =>
        `SELECT t.id, f.key, f.path, f.index, CAST(f.value AS TEXT) FROM t, LATERAL FLATTEN(input => t.arr${args}) f ORDER BY 1, 4, 2`;
      expect(plain(await rowsOf(engine, q('')))).toEqual([
        [1, 'a', 'a', null, '1'],
        [1, 'b', 'b', null, '[77, 88]'],
        [1, 'my key', "['my key']", null, '2'],
        [3, 'c', 'c', null, '1'],
      ]);
      expect(plain(await rowsOf(engine, q(", path => 'b'")))).toEqual([
        [1, null, 'b[0]', 0, '77'],
        [1, null, 'b[1]', 1, '88'],
      ]);
      expect(plain(await rowsOf(engine, q(", mode => 'ARRAY'")))).toEqual([]);
      const outer = await rowsOf(engine, q(", path => 'b', outer => TRUE"));
      expect(plain(outer).map((r) => r[0])).toEqual([1, 1, 2, 3]);
      // PARSE_JSON of text, and one FLATTEN over another's values.
      const nested = await rowsOf(
        engine,
        `SELECT CAST(g.value AS TEXT) FROM (SELECT '[[1, 2], [3]]' AS s) x, LATERAL FLATTEN(input => PARSE_JSON(x.s)) f, LATERAL FLATTEN(f.value) g ORDER BY 1`,
      );
      expect(plain(nested)).toEqual([['1'], ['2'], ['3']]);
      await engine.execute('DELETE FROM t');
    },
  );

  it('refuses inside CREATE DYNAMIC TABLE at the statement’s line:column, creating nothing', async () => {
    const refused = async (sql: string) => {
      try {
        await engine.execute(sql);
      } catch (e) {
        if (!(e instanceof DtError)) throw e;
        const p = e.details.position;
        return { code: e.code, message: e.message, at: p ? `${p.line}:${p.column}` : undefined };
      }
      throw new Error(`not refused: ${sql}`);
    };
    const create = (from: string) =>
      `CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute'\n  AS SELECT t.id, f.value\n     FROM t, ${from}`;
    expect(await refused(create('LATERAL FLATTEN(input => t.arr, recursive => TRUE) f'))).toEqual({
      code: 'DT_ERR_UNSUPPORTED',
      message: expect.stringContaining('RECURSIVE => TRUE is not supported'),
      at: '3:22',
    });
    expect(await refused(`${create('LATERAL FLATTEN(t.arr) f')} WHERE f.seq > 1`)).toEqual({
      code: 'DT_ERR_UNSUPPORTED',
      message: expect.stringContaining('SEQ column is not supported'),
      at: '3:47',
    });
    if (!pg)
      expect(await refused(create("TABLE(FLATTEN(input => t.arr, path => 'a')) f"))).toEqual({
        code: 'DT_ERR_UNSUPPORTED',
        message: expect.stringContaining('PATH is not supported on DuckDB'),
        at: '3:20',
      });
    // What the planner does not maintain is refused with REFRESH_MODE = INCREMENTAL, and AUTO says why.
    const union = 'SELECT t.id, f.index FROM t, LATERAL FLATTEN(t.arr) f UNION ALL SELECT g, g FROM u';
    expect(
      await refused(
        `CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${union}`,
      ),
    ).toMatchObject({
      code: 'DT_ERR_INCREMENTAL_UNSUPPORTED',
      message: expect.stringContaining('FLATTEN under UNION'),
    });
    expect((await engine.listDynamicTables()).map((x) => x.name)).toEqual([]);
    await engine.execute(`CREATE DYNAMIC TABLE full_union TARGET_LAG = '1 minute' AS ${union}`);
    const dt = (await engine.listDynamicTables())[0];
    expect([dt?.effectiveMode, dt?.refreshModeReason]).toEqual([
      'FULL',
      expect.stringContaining('FLATTEN under UNION'),
    ]);
    await engine.execute(`INSERT INTO t VALUES (1, 1, ${d.lit([1, 2])})`);
    expect((await engine.refresh('full_union')).refreshAction).toBe('FULL');
    expect((await engine.verify('full_union')).equal).toBe(true);
    await engine.execute('DROP DYNAMIC TABLE full_union; DELETE FROM t');
  });

  describe('oracle', () => {
    const n = d.num;
    const DTS: [string, string][] = [
      ['fl_rows', 'SELECT t.id, t.g, f.value, f.index FROM t, LATERAL FLATTEN(input => t.arr) f'],
      [
        'fl_outer',
        'SELECT t.id, f.index, f.value, f.this FROM t, TABLE(FLATTEN(input => t.arr, outer => TRUE)) f WHERE t.g IS NOT NULL',
      ],
      [
        'fl_per_g',
        `SELECT t.g, COUNT(*) AS n, SUM(${n}) AS s, COUNT(${n}) AS c, MAX(f.index) AS mi FROM t, LATERAL FLATTEN(t.arr) f GROUP BY t.g`,
      ],
      [
        'fl_joined',
        `SELECT u.name, f.index, COUNT(*) AS n, SUM(${n}) AS s FROM t, u, LATERAL FLATTEN(input => t.arr) f WHERE u.g = t.g AND f.index < 3 GROUP BY u.name, f.index`,
      ],
      ['fl_distinct', 'SELECT DISTINCT f.value FROM t, LATERAL FLATTEN(t.arr) f WHERE f.index < 2'],
      // CROSS JOIN is the comma's join: after a JOIN … ON too.
      ['fl_cross', 'SELECT t.id, f.value, f.index FROM t CROSS JOIN LATERAL FLATTEN(input => t.arr) f'],
      [
        'fl_cross_joined',
        `SELECT u.name, COUNT(*) AS n, SUM(${n}) AS s FROM t JOIN u ON u.g = t.g CROSS JOIN TABLE(FLATTEN(t.arr)) f GROUP BY u.name`,
      ],
      [
        'fl_on_comma',
        'SELECT t.id, u.name, f.index FROM t JOIN u ON u.g = t.g, LATERAL FLATTEN(input => t.arr) f',
      ],
      [
        'fl_by_value',
        `SELECT ${n} AS v, COUNT(DISTINCT t.id) AS ids, COUNT(*) AS n FROM t, LATERAL FLATTEN(t.arr) f GROUP BY ${n}`,
      ],
      ...(pg
        ? ([
            [
              'fl_nested',
              'SELECT t.id, f.index, g.index AS gi, g.value FROM t, LATERAL FLATTEN(t.arr) f, LATERAL FLATTEN(input => f.value, outer => TRUE) g',
            ],
            [
              'fl_fields',
              "SELECT t.id, f.key, f.path, f.value FROM t, LATERAL FLATTEN(input => t.arr, mode => 'OBJECT') f",
            ],
          ] as [string, string][])
        : []),
    ];

    const small = fc.option(fc.integer({ min: -2, max: 3 }), { nil: null, freq: 5 });
    const list = fc.array(small, { maxLength: 3 });
    const nested = fc.array(fc.oneof(small, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 })), {
      maxLength: 3,
    });
    const value: fc.Arbitrary<Json> = pg
      ? fc.oneof(
          { arbitrary: list, weight: 4 },
          { arbitrary: nested, weight: 2 },
          { arbitrary: fc.constant(null), weight: 1 },
          { arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'c'), small, { maxKeys: 2 }), weight: 2 },
          { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 1 },
        )
      : fc.oneof({ arbitrary: list, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 });
    const id = fc.integer({ min: 0, max: 4 });
    const g = fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 6 });
    const insert = fc
      .array(fc.tuple(id, g, value), { minLength: 1, maxLength: 3 })
      .map(
        (rows) => `INSERT INTO t VALUES ${rows.map(([i, gg, v]) => `(${i}, ${gg}, ${d.lit(v)})`).join(', ')}`,
      );
    const step = fc.oneof(
      { arbitrary: insert, weight: 4 },
      fc.tuple(id, value).map(([i, v]) => `UPDATE t SET arr = ${d.lit(v)} WHERE id = ${i}`),
      fc.tuple(id, g).map(([i, gg]) => `UPDATE t SET g = ${gg} WHERE id = ${i}`),
      id.map((i) => `DELETE FROM t WHERE id = ${i}`),
      fc.integer({ min: 0, max: 2 }).map((gg) => `DELETE FROM t WHERE g = ${gg}`),
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('p', 'q'))
        .map(([gg, name]) => `INSERT INTO u VALUES (${gg}, '${name}')`),
      fc.integer({ min: 0, max: 2 }).map((gg) => `UPDATE u SET name = 'r' WHERE g = ${gg}`),
      fc.integer({ min: 0, max: 2 }).map((gg) => `DELETE FROM u WHERE g = ${gg}`),
    );
    const actions = new Map<string, number>();

    beforeAll(async () => {
      for (const [name, query] of DTS)
        await engine.execute(
          `CREATE DYNAMIC TABLE ${name} TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${query}`,
        );
    });

    const refreshAndCheck = async (context: string) => {
      for (const [name] of DTS) {
        const action = (await engine.refresh(name)).refreshAction ?? 'none';
        actions.set(`${name} ${action}`, (actions.get(`${name} ${action}`) ?? 0) + 1);
        if (action !== 'INCREMENTAL' && action !== 'NO_DATA')
          throw new Error(`${name} refreshed ${action} after ${context}`);
        const v = await engine.verify(name);
        if (!v.equal)
          throw new Error(`${name} differs from its query after ${context}:\n${JSON.stringify(v.rows)}`);
      }
    };

    it('every DT stays incremental and equal to its query after every refresh', async () => {
      const property = fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
        async (batches) => {
          await engine.execute('DELETE FROM t; DELETE FROM u');
          await refreshAndCheck('reset');
          for (const [i, batch] of batches.entries()) {
            for (const sql of batch) await engine.execute(sql);
            await refreshAndCheck(`batch ${i + 1}: ${batch.join('; ')}`);
          }
        },
      );
      await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 12) });
      console.log(`${kind} FLATTEN refresh actions: ${JSON.stringify(Object.fromEntries(actions))}`);
      for (const [name] of DTS) expect(actions.get(`${name} INCREMENTAL`) ?? 0, name).toBeGreaterThan(0);
    }, 600_000);
  });
});
