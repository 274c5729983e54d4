/**
 * DuckDB: the statement of what moves (catalog/moving-metadata.ts) reads the position with `currval` and
 * looks at capture events only for a DT in FULL mode. That holds because a write that could not be captured
 * starts a new ledger epoch (engine/writes.ts), which sends the next refresh the long way, and because a
 * collection's PRUNED mark never passes an incremental consumer's position. Each case below fails if its half
 * of that is missing: the DT would stay as it was after a TRUNCATE, with a successful refresh.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

describe('capture events on the known path (DuckDB)', () => {
  let backend: Backend;
  let engine: Engine;

  beforeEach(async () => {
    backend = await freshBackend('duckdb');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER, v INTEGER); INSERT INTO t VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE s TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, SUM(v) AS v FROM t GROUP BY k;
      CREATE DYNAMIC TABLE f TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT k, v FROM t`);
    // One refresh that read the database: the engine now knows the DTs' statics (capture/ledger.ts).
    await engine.execute('INSERT INTO t VALUES (1, 5)');
    await engine.refresh('s');
    await engine.refresh('f');
  });
  afterEach(async () => {
    await engine?.close();
  });

  /** `name`'s refresh after an insert into t, and its statement of what moves. */
  const afterAnInsert = async (name: string) => {
    const rec = recording(backend);
    await engine.execute('INSERT INTO t VALUES (2, 7)');
    rec.on = true;
    const record = await engine.refresh(name);
    rec.on = false;
    return { record, meta: rec.queries.find((q) => /'snap'/.test(q)) };
  };

  it("an incremental DT's statement reads no capture event and no sequence catalog, and is right", async () => {
    const { record, meta } = await afterAnInsert('s');
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect(meta).toMatch(/currval\('dtlab\.capture_seq'\)/);
    expect(meta).not.toMatch(/capture_events|duckdb_sequences/);
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it("a DT in FULL mode still looks at the events (a collection's mark can pass its position)", async () => {
    const { record, meta } = await afterAnInsert('f');
    expect(record.refreshAction).toBe('FULL');
    expect(meta).toMatch(/capture_events/);
  });

  for (const [how, truncate] of [
    ['a statement (%%sql)', (e: Engine) => e.execute('TRUNCATE t')],
    ["the engine's own write", (e: Engine) => e.write(['TRUNCATE t'])],
  ] as const)
    it(`a TRUNCATE through ${how} makes the next refresh REINITIALIZE, saying why`, async () => {
      await engine.execute('INSERT INTO t VALUES (3, 3)');
      await engine.refresh('s');
      await truncate(engine);
      await engine.execute('INSERT INTO t VALUES (4, 4)');
      const record = await engine.refresh('s');
      expect(record.refreshAction).toBe('REINITIALIZE');
      expect(record.reason).toMatch(/could not be captured/);
      expect((await engine.verify('s')).equal).toBe(true);
      expect((await backend.query('SELECT k, v FROM s')).rows).toEqual([[4, 4]]);
    });

  it('a database whose engine opened and saw no write answers the position (currval needs a draw)', async () => {
    const fresh = await freshBackend('duckdb');
    const other = await Engine.open(fresh);
    try {
      await other.execute(`CREATE TABLE u (k INTEGER); CREATE VIEW w AS SELECT k FROM u;
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT k FROM w`);
      expect((await other.refresh('d')).state).toBe('SUCCEEDED');
      expect((await other.refresh('d')).state).toBe('SUCCEEDED');
    } finally {
      await other.close();
    }
  });
});
