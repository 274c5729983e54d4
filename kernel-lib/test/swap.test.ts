/** ALTER DYNAMIC TABLE … SWAP WITH: names, contents, definitions and capture move together; readers refuse it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('SWAP WITH on %s', (kind) => {
  let engine: Engine;
  const one = async (sql: string) => (await engine.execute(sql)).at(-1);
  const fails = async (sql: string) => {
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    return err as DtError;
  };

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 20);
      CREATE DYNAMIC TABLE live TARGET_LAG = '1 hour' AS SELECT k, v FROM src;
      CREATE DYNAMIC TABLE staged TARGET_LAG = '1 hour' AS SELECT k, v * 100 AS v FROM src WHERE k > 1`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('swaps contents and definitions, and both keep refreshing from where they were', async () => {
    expect((await one('ALTER DYNAMIC TABLE live SWAP WITH staged'))?.message).toMatch(/swapped/);
    expect((await one('SELECT k, v FROM live ORDER BY k'))?.rows).toEqual([[2, 2000]]);
    expect((await one('SELECT count(*) FROM staged'))?.rows[0]?.[0]).toEqual(expect.anything());
    const defs = Object.fromEntries((await engine.listDynamicTables()).map((d) => [d.name, d.query]));
    expect(defs.live).toMatch(/v \* 100/);
    expect(defs.staged).not.toMatch(/v \* 100/);
    await engine.execute('INSERT INTO src VALUES (3, 30)');
    for (const name of ['live', 'staged']) {
      await engine.refresh(name);
      expect((await engine.verify(name)).equal).toBe(true);
    }
    expect((await one('SELECT k, v FROM live ORDER BY k'))?.rows).toEqual([
      [2, 2000],
      [3, 3000],
    ]);
    expect((await engine.listDynamicTables()).map((d) => d.name).sort()).toEqual(['live', 'staged']);
  });

  it('refuses a DT read by another, a missing one, and itself, changing nothing', async () => {
    await engine.execute(
      "CREATE DYNAMIC TABLE reader TARGET_LAG = '1 hour' AS SELECT count(*) AS n FROM live",
    );
    expect((await fails('ALTER DYNAMIC TABLE staged SWAP WITH live')).code).toBe('DT_ERR_HAS_DEPENDENTS');
    expect((await fails('ALTER DYNAMIC TABLE staged SWAP WITH nowhere')).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((await fails('ALTER DYNAMIC TABLE staged SWAP WITH staged')).code).toBe('DT_ERR_OPTION');
    expect((await one('SELECT k, v FROM live ORDER BY k'))?.rows).toEqual([
      [2, 2000],
      [3, 3000],
    ]);
  });
});
