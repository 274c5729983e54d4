/**
 * The settings a refresh's transaction runs under on the PostgreSQL family (dialect/postgres.ts
 * `refreshPreamble`), seen from inside: a DT whose query reads them shows what its refresh ran with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS.filter((k) => k !== 'duckdb'))('a refresh transaction on %s', (kind) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('runs without JIT (its statements read temporary tables without statistics)', async () => {
    await engine.execute(`
      CREATE TABLE s (g INTEGER);
      INSERT INTO s VALUES (1);
      CREATE DYNAMIC TABLE seen TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS
        SELECT g, current_setting('jit') AS jit, current_setting('synchronous_commit') AS sync FROM s`);
    // Outside a refresh the server's own setting holds (on by default).
    const outside = await engine.execute("SELECT current_setting('jit')");
    expect(outside[0]?.rows).toEqual([[expect.any(String)]]);
    await engine.execute('INSERT INTO s VALUES (2)');
    expect((await engine.refresh('seen')).refreshAction).toBe('FULL');
    expect((await engine.execute('SELECT g, jit, sync FROM seen ORDER BY g'))[0]?.rows).toEqual([
      [1, 'off', 'off'],
      [2, 'off', 'off'],
    ]);
  });
});
