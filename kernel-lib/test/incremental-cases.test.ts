/**
 * Hand-picked change sequences that the random oracle (oracle.test.ts) reaches only rarely, on every
 * backend: each refresh must be INCREMENTAL and leave the DT equal to its query, with the rows stated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('incremental cases on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string) => (await engine.execute(sql))[0]?.rows;
  const refreshed = async (dt: string) => {
    const record = await engine.refresh(dt);
    expect(record.refreshAction, record.reason).toBe('INCREMENTAL');
    expect((await engine.verify(dt)).equal).toBe(true);
  };

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('a nested subquery: a change reaches the outer rows through the middle table (TPC-H Q20)', async () => {
    await engine.execute(`CREATE TABLE na (k INTEGER, g INTEGER, v INTEGER); CREATE TABLE nb (k INTEGER, w INTEGER);
      INSERT INTO na VALUES (2, 1, 1); INSERT INTO nb VALUES (2, 0);
      CREATE DYNAMIC TABLE nested TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT nb.k, nb.w FROM nb WHERE nb.k IN
          (SELECT na.k FROM na WHERE na.v > (SELECT COUNT(*) FROM nb AS b2 WHERE b2.k = na.g))`);
    expect(await rows('SELECT k, w FROM nested')).toEqual([[2, 0]]);
    // nb(1, …) raises the count for na.g = 1, which drops na.k = 2 from the IN list, and so nb(2, 0).
    await engine.execute('INSERT INTO nb VALUES (1, 5)');
    await refreshed('nested');
    expect(await rows('SELECT k, w FROM nested')).toEqual([]);
    await engine.execute('DELETE FROM nb WHERE k = 1');
    await refreshed('nested');
    expect(await rows('SELECT k, w FROM nested')).toEqual([[2, 0]]);
  });
});
