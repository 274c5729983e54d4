/**
 * A source column's type changes under a DT whose column types were not declared. The DT's storage keeps the
 * types the query had at CREATE; values of the new type cast into them would differ from the query (1.25
 * stored as 1) with every refresh reported successful. The refresh must instead fail, say which column and
 * which types, and keep the DT as it was; CREATE OR REPLACE then gives it the new types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const SHAPES = [
  ['an aggregate (AUTO)', 'REFRESH_MODE = AUTO', 'SELECT g, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY g'],
  ['a projection (AUTO)', 'REFRESH_MODE = AUTO', 'SELECT g, v FROM t WHERE g > 0'],
  ['an aggregate (FULL)', 'REFRESH_MODE = FULL', 'SELECT g, SUM(v) AS s FROM t GROUP BY g'],
] as const;

describe.each(BACKEND_KINDS)('a source column changes type on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows ?? [];

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
  });
  afterAll(async () => engine.close());

  it.each(SHAPES)('%s: the refresh fails, says why, and keeps the DT', async (_label, mode, query) => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 10), (2, 20);
      CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' ${mode} AS ${query}`);
    const before = await rows('SELECT * FROM d ORDER BY 1');
    await engine.execute('ALTER TABLE t ALTER COLUMN v TYPE NUMERIC(10, 2); INSERT INTO t VALUES (3, 1.25)');
    const error = await engine.refresh('d').then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).toMatch(/column "?(s|v)"? .*now .*numeric|decimal/i);
    expect(error).toMatch(/CREATE OR REPLACE/);
    expect(await rows('SELECT * FROM d ORDER BY 1')).toEqual(before);
    // Re-created, the DT has the new types and equals its query through later changes.
    await engine.execute(`CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' ${mode} AS ${query}`);
    await engine.execute('INSERT INTO t VALUES (3, 0.5), (4, 1.5)');
    await engine.refresh('d');
    expect((await engine.verify('d')).equal).toBe(true);
  });

  // PostgreSQL refuses to change a view column's type (CREATE OR REPLACE VIEW) or a column a view reads.
  it.runIf(kind === 'duckdb')('a view redefined with another result type: the refresh fails', async () => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 10), (2, 20);
      CREATE VIEW tv AS SELECT g, v FROM t;
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT g, v FROM tv;
      CREATE OR REPLACE VIEW tv AS SELECT g, v / 8 AS v FROM t`);
    await expect(engine.refresh('d')).rejects.toThrow(/column v .*now DOUBLE.* stores INTEGER/);
    expect(await rows('SELECT v FROM d ORDER BY 1')).toEqual([[10], [20]]);
  });

  it('an upstream DT replaced with another column type: the downstream refresh fails, then is re-created', async () => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 2);
      CREATE DYNAMIC TABLE up TARGET_LAG = '1 minute' AS SELECT g, v FROM t;
      CREATE DYNAMIC TABLE down TARGET_LAG = '1 minute' AS SELECT g, SUM(v) AS s FROM up GROUP BY g;
      CREATE OR REPLACE DYNAMIC TABLE up TARGET_LAG = '1 minute' AS SELECT g, v / 8.0 AS v FROM t`);
    await expect(engine.refresh('down')).rejects.toThrow(/down needs to be recreated .* column s is now/);
    expect(await rows('SELECT CAST(s AS VARCHAR) FROM down')).toEqual([['2']]);
    await engine.execute(
      `CREATE OR REPLACE DYNAMIC TABLE down TARGET_LAG = '1 minute' AS SELECT g, SUM(v) AS s FROM up GROUP BY g;
       INSERT INTO t VALUES (1, 3)`,
    );
    await engine.refresh('up');
    await engine.refresh('down');
    expect((await engine.verify('down')).equal).toBe(true);
    await engine.execute('DROP DYNAMIC TABLE down; DROP DYNAMIC TABLE up');
  });

  it('a REINITIALIZE for another reason finds columns of many types unchanged, and refreshes', async () => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v NUMERIC(12, 3), s VARCHAR(20), ts TIMESTAMP, b BOOLEAN);
      INSERT INTO t VALUES (1, 1.5, 'a', TIMESTAMP '2024-01-01 10:00:00', TRUE);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS
        SELECT g, v, s, ts, b, NULL AS n, 'x' AS lit, v * 2 AS v2, CAST(ts AS DATE) AS day, COUNT(*) OVER () AS c
        FROM t;
      TRUNCATE t;
      INSERT INTO t VALUES (2, 2.25, 'b', TIMESTAMP '2024-01-02 10:00:00', FALSE)`);
    expect((await engine.refresh('d')).refreshAction).toBe('REINITIALIZE');
    expect((await engine.verify('d')).equal).toBe(true);
  });

  it('a declared column type takes the new values as a cast, as declared, and the refresh succeeds', async () => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 10);
      CREATE OR REPLACE DYNAMIC TABLE d (g INTEGER, s NUMERIC(20, 2)) TARGET_LAG = '1 minute'
        AS SELECT g, SUM(v) AS s FROM t GROUP BY g;
      ALTER TABLE t ALTER COLUMN v TYPE NUMERIC(10, 2);
      INSERT INTO t VALUES (1, 0.25)`);
    await engine.refresh('d');
    expect((await engine.verify('d')).equal).toBe(true);
    expect(await rows('SELECT CAST(s AS VARCHAR) FROM d')).toEqual([['10.25']]);
  });

  it("a new type for a column the query does not read leaves the DT's types, and the refresh succeeds", async () => {
    await engine.execute(`
      DROP DYNAMIC TABLE IF EXISTS d; DROP VIEW IF EXISTS tv; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER, w INTEGER);
      INSERT INTO t VALUES (1, 10, 0);
      CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT g, v FROM t;
      ALTER TABLE t ALTER COLUMN w TYPE BIGINT;
      INSERT INTO t VALUES (2, 5, 1)`);
    expect((await engine.refresh('d')).refreshAction).toBe('REINITIALIZE');
    expect((await engine.verify('d')).equal).toBe(true);
  });
});
