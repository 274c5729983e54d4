/** UNDROP DYNAMIC TABLE: the last dropped version comes back with its rows, definition, history and state. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('UNDROP DYNAMIC TABLE on %s', (kind) => {
  let engine: Engine;
  const one = async (sql: string) => (await engine.execute(sql)).at(-1);
  const fails = async (sql: string) => {
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    return err as DtError;
  };
  const history = async (name: string) =>
    Number((await one(`SELECT count(*) FROM dtlab.refresh_history WHERE name = '${name}'`))?.rows[0]?.[0]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 20), (1, 5);
      CREATE DYNAMIC TABLE sums TARGET_LAG = '5 minutes' COMMENT = 'per key'
        AS SELECT k, SUM(v) AS s, COUNT(*) AS n FROM src GROUP BY k`);
    await engine.execute('INSERT INTO src VALUES (3, 1)');
    await engine.refresh('sums');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('restores rows, definition, history and scheduling state; the next refresh reinitializes', async () => {
    await engine.execute('ALTER DYNAMIC TABLE sums SUSPEND');
    const before = await engine.listDynamicTables();
    const rows = (await one('SELECT k, s, n FROM sums ORDER BY k'))?.rows;
    const refreshes = await history('sums');
    expect((await one('DROP DYNAMIC TABLE sums'))?.message).toMatch(/dropped/);
    expect(await engine.listDynamicTables()).toEqual([]);
    await engine.execute('INSERT INTO src VALUES (2, 100); DELETE FROM src WHERE k = 3');
    expect((await one('UNDROP DYNAMIC TABLE sums'))?.message).toMatch(/restored/);
    const after = (await engine.listDynamicTables())[0];
    const { pendingRecompute, ...restored } = after ?? ({} as NonNullable<typeof after>);
    expect(restored).toEqual(before[0]);
    expect(pendingRecompute).toMatch(/undropped/);
    expect(after?.schedulingState).toBe('SUSPENDED');
    expect((await one('SELECT k, s, n FROM sums ORDER BY k'))?.rows).toEqual(rows);
    expect(await history('sums')).toBe(refreshes);
    await engine.execute('ALTER DYNAMIC TABLE sums RESUME');
    const record = await engine.refresh('sums');
    expect(record.refreshAction).toBe('REINITIALIZE');
    expect((await engine.verify('sums')).equal).toBe(true);
    for (const change of ['INSERT INTO src VALUES (4, 4), (1, 1)', 'UPDATE src SET v = v + 1 WHERE k = 2']) {
      await engine.execute(change);
      await engine.refresh('sums');
      expect((await engine.verify('sums')).equal, change).toBe(true);
    }
  });

  it('refuses when nothing is kept, or the name is taken, changing nothing', async () => {
    expect((await fails('UNDROP DYNAMIC TABLE sums')).code).toBe('DT_ERR_UNKNOWN_OBJECT'); // it exists, none kept
    await engine.execute('DROP DYNAMIC TABLE sums; CREATE TABLE sums (x INTEGER)');
    expect((await fails('UNDROP DYNAMIC TABLE sums')).code).toBe('DT_ERR_EXISTS');
    expect((await one('SELECT count(*) FROM sums'))?.rows[0]?.[0]).toEqual(expect.anything());
    expect(await engine.listDynamicTables()).toEqual([]);
    await engine.execute('DROP TABLE sums');
    expect((await one('UNDROP DYNAMIC TABLE sums'))?.message).toMatch(/restored/);
    await engine.refresh('sums');
    expect((await engine.verify('sums')).equal).toBe(true);
    expect((await fails('UNDROP DYNAMIC TABLE nothing_here')).code).toBe('DT_ERR_UNKNOWN_OBJECT');
  });

  it('keeps the last dropped version of a name', async () => {
    await engine.execute(`DROP DYNAMIC TABLE sums;
      CREATE DYNAMIC TABLE sums TARGET_LAG = '1 hour' AS SELECT k FROM src WHERE k = 1;
      DROP TABLE sums`);
    await engine.execute('UNDROP DYNAMIC TABLE sums');
    expect((await engine.listDynamicTables())[0]?.query).toBe('SELECT k FROM src WHERE k = 1');
    await engine.refresh('sums');
    expect((await engine.verify('sums')).equal).toBe(true);
  });
});
