/** QUALIFY and lateral column aliases: rewritten on the PostgreSQL family, native on DuckDB; in %%sql and in DTs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { translateSql } from '../src/sql/translate.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe('select rewrites (pure)', () => {
  it('keeps QUALIFY on DuckDB (native) and expands lateral aliases on every family', () => {
    const sql = 'SELECT a + 1 AS x, x * 2 AS y FROM t WHERE x > 3 QUALIFY row_number() OVER (ORDER BY a) = 1';
    expect(translateSql(sql, 'duckdb').text).toBe(
      'SELECT a + 1 AS x, (a + 1) * 2 AS y FROM t WHERE (a + 1) > 3 QUALIFY row_number() OVER (ORDER BY a) = 1',
    );
  });
  it("leaves the engine's own SQL (aliasesExpanded) unexpanded, and rewrites only a QUALIFY there", () => {
    const sql = 'SELECT a + 1 AS x, x * 2 AS y FROM t WHERE x > 3';
    for (const family of ['duckdb', 'postgres'] as const)
      expect(translateSql(sql, family, { aliasesExpanded: true }).text).toBe(sql);
    const qualify = 'SELECT a, b FROM t QUALIFY row_number() OVER (ORDER BY a) = 1';
    expect(translateSql(qualify, 'postgres', { aliasesExpanded: true }).text).toBe(
      translateSql(qualify, 'postgres').text,
    );
    expect(translateSql(qualify, 'postgres', { aliasesExpanded: true }).text).toMatch(/__dt_qualify/);
  });
  it('substitutes an earlier alias later in the list and in WHERE / GROUP BY, not qualified names or subqueries', () => {
    const t = translateSql(
      'SELECT a + 1 AS x, x * 2 AS y, t.x, (SELECT x FROM u) AS s FROM t WHERE x > 3 GROUP BY x, x % 2',
      'postgres',
    ).text;
    expect(t).toBe(
      'SELECT a + 1 AS x, (a + 1) * 2 AS y, t.x, (SELECT x FROM u) AS s FROM t WHERE (a + 1) > 3 GROUP BY (a + 1), (a + 1) % 2',
    );
  });
  it('keeps a name inside an aggregate, or in WHERE, as the source column when the alias is an aggregate', () => {
    const sql = 'SELECT SUM(v) AS s, COUNT(s) AS cs FROM a WHERE s > 0 GROUP BY g HAVING s > 1';
    expect(translateSql(sql, 'postgres').text).toBe(
      'SELECT SUM(v) AS s, COUNT(s) AS cs FROM a WHERE s > 0 GROUP BY g HAVING (SUM(v)) > 1',
    );
  });
  it('keeps a name that is also a source column (SUM(amount) AS amount) as the column', () => {
    const sql = 'SELECT sum(amount) AS amount, amount + 1 AS b FROM t GROUP BY amount';
    expect(translateSql(sql, 'postgres').text).toBe(sql);
  });
  it('wraps QUALIFY in a subquery and keeps ORDER BY / LIMIT outside', () => {
    const t = translateSql(
      'SELECT k, v AS val FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC) = 1 ORDER BY k LIMIT 5',
      'postgres',
    ).text;
    expect(t).toBe(
      'SELECT "k", "val" FROM (SELECT k, v AS val , ( row_number() OVER (PARTITION BY k ORDER BY v DESC) = 1 ) AS "__dt_qualify" FROM t ) AS "__dt_q" WHERE "__dt_qualify" ORDER BY k LIMIT 5',
    );
  });
  it('names the columns of * and t.* under QUALIFY from the catalog when it is given', () => {
    const columnsOf = (t: string) => ({ t: ['k', 'v'], u: ['k', 'w'] })[t];
    expect(
      translateSql('SELECT * FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY v) = 1', 'postgres', {
        columnsOf,
      }).text,
    ).toBe(
      'SELECT "k", "v" FROM (SELECT * , ( row_number() OVER (PARTITION BY k ORDER BY v) = 1) AS "__dt_qualify" FROM t ) AS "__dt_q" WHERE "__dt_qualify" ',
    );
    expect(
      translateSql(
        'SELECT u.*, t.v AS tv FROM t JOIN u ON u.k = t.k QUALIFY rank() OVER (PARTITION BY u.k ORDER BY t.v) = 1',
        'postgres',
        { columnsOf },
      ).text,
    ).toMatch(/^SELECT "k", "w", "tv" FROM \(SELECT u\.\*, t\.v AS tv ,/);
    // A star over a USING join has no columns the catalog can give: still refused at the item.
    expect(() =>
      translateSql('SELECT * FROM t JOIN u USING (k) QUALIFY rank() OVER (ORDER BY v) = 1', 'postgres', {
        columnsOf,
      }),
    ).toThrow(/columns of this \* could not be read from the catalog/);
  });
  it('refuses QUALIFY over * with the item position', () => {
    const sql = 'SELECT\n  *\nFROM t QUALIFY row_number() OVER (ORDER BY k) = 1';
    const err = (() => {
      try {
        translateSql(sql, 'postgres');
      } catch (e) {
        return e as DtError;
      }
    })();
    expect(err?.code).toBe('DT_ERR_UNSUPPORTED');
    expect(err?.details.position).toMatchObject({ line: 2, column: 3 });
  });
});

describe.each(BACKEND_KINDS)('QUALIFY and lateral aliases on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE ev (k INTEGER, v INTEGER, price INTEGER);
      INSERT INTO ev VALUES (1, 10, 5), (1, 30, 6), (2, 20, 7), (2, 5, 8), (3, 1, 9)`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('runs in %%sql', async () => {
    expect(
      await rows(
        'SELECT k, v AS best FROM ev QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC) = 1 ORDER BY k',
      ),
    ).toEqual([
      [1, 30],
      [2, 20],
      [3, 1],
    ]);
    expect(
      await rows(
        'SELECT k, v * price AS amount, amount * 2 AS twice FROM ev WHERE amount > 100 ORDER BY k, v',
      ),
    ).toEqual([
      [1, 180, 360],
      [2, 140, 280],
    ]);
  });

  it('maintains DTs defined with them (VERIFY after changes)', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE latest TARGET_LAG = '1 minute' AS
      SELECT k, v AS best FROM ev QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC) = 1;
      CREATE DYNAMIC TABLE amounts TARGET_LAG = '1 minute' AS
      SELECT k, v * price AS amount, amount * 2 AS twice FROM ev WHERE amount > 50;
      CREATE DYNAMIC TABLE per_k TARGET_LAG = '1 minute' AS
      SELECT k * 10 AS bucket, count(*) AS n, n * 2 AS n2 FROM ev GROUP BY bucket`);
    const modes = Object.fromEntries(
      (await engine.listDynamicTables()).map((d) => [d.name, d.effectiveMode]),
    );
    // Top-1 per k, ordered by v: recomputing the touched partitions with the QUALIFY applied (plan/row-windows.ts).
    expect(modes.latest).toBe('INCREMENTAL');
    expect(modes.amounts).toBe('INCREMENTAL');
    // GROUP BY an alias is expanded too, parenthesised (`GROUP BY (k * 10)`): the planner still finds the
    // result column the key is (it was FULL, "the group key … is not a column of the result").
    expect(modes.per_k).toBe('INCREMENTAL');
    const changes = [
      'INSERT INTO ev VALUES (1, 40, 1), (4, 7, 20)',
      'UPDATE ev SET v = v + 100 WHERE k = 2',
      'DELETE FROM ev WHERE k = 1 AND v = 40',
      'DELETE FROM ev WHERE k = 3',
    ];
    for (const change of changes) {
      await engine.execute(change);
      for (const name of ['latest', 'amounts', 'per_k']) {
        await engine.refresh(name);
        expect((await engine.verify(name)).equal, `${name} after ${change}`).toBe(true);
      }
    }
    expect(await rows('SELECT k, best FROM latest ORDER BY k')).toEqual([
      [1, 30],
      [2, 120],
      [4, 7],
    ]);
  });

  it('names * under QUALIFY from the catalog, in %%sql and in a DT', async () => {
    await engine.execute(`CREATE TABLE ew (k INTEGER, v INTEGER, price INTEGER);
      INSERT INTO ew VALUES (1, 10, 5), (1, 30, 6), (2, 20, 7), (2, 5, 8), (3, 1, 9)`);
    expect(
      await rows(
        'SELECT * FROM ew QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC, price) = 1 ORDER BY k',
      ),
    ).toEqual([
      [1, 30, 6],
      [2, 20, 7],
      [3, 1, 9],
    ]);
    await engine.execute(`CREATE DYNAMIC TABLE top_star TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
      SELECT ew.* FROM ew QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC, price) = 1`);
    await engine.execute('INSERT INTO ew VALUES (3, 50, 1)');
    expect((await engine.refresh('top_star')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('top_star')).equal).toBe(true);
    expect(await rows('SELECT k, v, price FROM top_star ORDER BY k')).toEqual([
      [1, 30, 6],
      [2, 20, 7],
      [3, 50, 1],
    ]);
  });

  it('positions a QUALIFY over a * it cannot name at the item in a DT definition (PostgreSQL family)', async () => {
    const sql =
      "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' AS\nSELECT *\nFROM ev JOIN ev AS e2 USING (k) QUALIFY row_number() OVER (ORDER BY k) = 1";
    const result = await engine.execute(sql).catch((e: unknown) => e);
    if (kind === 'duckdb') {
      expect(result).not.toBeInstanceOf(Error);
      return;
    }
    expect(result).toBeInstanceOf(DtError);
    expect((result as DtError).code).toBe('DT_ERR_UNSUPPORTED');
    expect((result as DtError).details.position).toMatchObject({ line: 2, column: 8 });
  });
});
