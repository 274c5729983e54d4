/**
 * Writes through the engine that run while CREATE DYNAMIC TABLE installs capture on their table: each must end
 * up in the DT, either in its initial refresh or as a captured change for the next one. On DuckDB the engine
 * captures writes itself, so a write that looked for capture before CREATE installed it, and committed after
 * CREATE's snapshot, was in neither (10 runs in 10 unequal before the capture lock covered CREATE and the look).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('CREATE DYNAMIC TABLE among concurrent writes on %s', (kind) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
  });
  afterAll(async () => engine.close());

  it.each([
    ['engine writes', (e: Engine, i: number) => e.write([`INSERT INTO t VALUES (${i % 10}, ${i})`])],
    ['statements', (e: Engine, i: number) => e.execute(`INSERT INTO t VALUES (${i % 10}, ${i})`)],
  ] as const)('%s started before and after it are all in the DT', async (_label, write) => {
    await engine.execute(`DROP DYNAMIC TABLE IF EXISTS d; DROP TABLE IF EXISTS t;
      CREATE TABLE t (g INTEGER, v INTEGER); INSERT INTO t SELECT i % 10, i FROM generate_series(0, 999) AS r(i)`);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) writes.push(write(engine, 5000 + i));
    const create = engine.execute(
      `CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY g`,
    );
    for (let i = 20; i < 40; i++) writes.push(write(engine, 5000 + i));
    await Promise.all([...writes, create]);
    await engine.execute('INSERT INTO t VALUES (1, 1)');
    await engine.refresh('d');
    expect((await engine.verify('d')).equal).toBe(true);
  });
});
