/**
 * A delta consolidates change rows by the columns its query reads (plan/columns-read.ts): an update of a
 * column the DT does not read cancels before any group is touched, while one of a column it reads, a
 * whole-row read and the LEFT JOIN shape still change what they must. On the three backends, each checked
 * by VERIFY (the DT equals its query).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('deltas read only the columns their query reads, on %s', (kind) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`
      CREATE TABLE cust (ck INTEGER, nm VARCHAR(10));
      CREATE TABLE ords (ok INTEGER, ck INTEGER, price INTEGER, day INTEGER, status VARCHAR(1), note VARCHAR(20));
      INSERT INTO cust VALUES (1, 'a'), (2, 'b'), (3, 'c');
      INSERT INTO ords VALUES (1, 1, 10, 5, 'O', 'x'), (2, 2, 20, 6, 'O', 'y'), (3, 2, 20, 6, 'O', NULL),
        (4, 3, 30, 8, 'F', 'z');
      CREATE DYNAMIC TABLE daily TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT day, COUNT(*) AS n, SUM(price) AS revenue, AVG(price) AS mean FROM ords GROUP BY day;
      CREATE DYNAMIC TABLE ltv TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.ck, c.nm, COUNT(o.ok) AS n, SUM(o.price) AS total, MAX(o.day) AS last
        FROM cust c LEFT JOIN ords o ON c.ck = o.ck GROUP BY c.ck, c.nm`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const refresh = async (name: string) => {
    const record = await engine.refresh(name);
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify(name)).equal).toBe(true);
    return [record.rowsDeleted, record.rowsInserted];
  };

  it('an update of columns the DT does not read touches no group', async () => {
    await engine.execute("UPDATE ords SET status = 'F', note = 'changed' WHERE ok IN (1, 2, 3)");
    expect(await refresh('daily')).toEqual([0, 0]);
    expect(await refresh('ltv')).toEqual([0, 0]);
  });

  it('an update of a column it reads, with one it does not, changes the groups it touches', async () => {
    await engine.execute("UPDATE ords SET price = price + 1, note = 'again' WHERE ok = 2");
    expect(await refresh('daily')).toEqual([1, 1]);
    expect(await refresh('ltv')).toEqual([1, 1]);
  });

  it('a row inserted and deleted again within the window changes nothing', async () => {
    await engine.execute("INSERT INTO ords VALUES (9, 1, 5, 5, 'O', 'gone'); DELETE FROM ords WHERE ok = 9");
    expect(await refresh('daily')).toEqual([0, 0]);
  });

  it('a DT that reads whole rows sees an update of any column', async () => {
    const cast = kind === 'duckdb' ? 'CAST(o AS VARCHAR)' : 'CAST(o AS TEXT)';
    await engine.execute(`CREATE DYNAMIC TABLE rowtext TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
      SELECT o.day, COUNT(*) AS n, MAX(${cast}) AS biggest FROM ords o GROUP BY o.day`);
    await engine.execute("UPDATE ords SET note = 'zzz' WHERE ok = 4");
    const record = await engine.refresh('rowtext');
    expect((await engine.verify('rowtext')).equal).toBe(true);
    expect(record.rowsInserted).toBeGreaterThan(0);
  });
});
