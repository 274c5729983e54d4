/**
 * DuckDB: a refresh that knows what only DDL changes reads the rest in one statement, counting each source's
 * changes past the position the engine expects the DT to stand at — a constant, not a lookup per source
 * (catalog/moving-metadata.ts prefetchMovingMetadata). The statement reads the real positions too: where
 * they differ from the guess, the counts are taken again past the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { prefetchMovingMetadata } from '../src/catalog/moving-metadata.js';
import { prefetchRefreshMetadata, staticPart } from '../src/catalog/refresh-metadata.js';
import { Engine } from '../src/engine/engine.js';
import type { DynamicTable } from '../src/types.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

describe('changes counted past the expected position (DuckDB)', () => {
  let backend: Backend;
  let engine: Engine;
  let dt: DynamicTable;

  beforeAll(async () => {
    backend = await freshBackend('duckdb');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER, v INTEGER); INSERT INTO t VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE s TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, SUM(v) AS v FROM t GROUP BY k`);
    await engine.execute('INSERT INTO t VALUES (1, 5)');
    await engine.refresh('s');
    dt = (await engine.listDynamicTables()).find((d) => d.name === 's') as DynamicTable;
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('a refresh after one that read the database counts past a constant, and is right', async () => {
    const rec = recording(backend);
    await engine.execute('INSERT INTO t VALUES (2, 7), (3, 1)');
    rec.on = true;
    const record = await engine.refresh('s');
    rec.on = false;
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect(record.changesRead).toEqual({ t: 2 });
    const meta = rec.queries.find((s) => /'snap'/.test(s) && /'sum'/.test(s));
    expect(meta).toBeDefined();
    expect(meta).not.toMatch(/SELECT CAST\(position AS BIGINT\)/);
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('a wrong guess is found in the same statement, and the counts are taken past the real position', async () => {
    await engine.execute('INSERT INTO t VALUES (4, 4)');
    const read = (expected?: string) =>
      backend.transaction(async (tx) => {
        const statics = staticPart(await prefetchRefreshMetadata(tx, 'duckdb', dt));
        const meta = await prefetchMovingMetadata(tx, dt, statics, new Set(), false, expected);
        return [...meta.summaries];
      });
    const truth = await read();
    expect(truth).toHaveLength(1);
    expect(truth[0]?.[1]).toMatchObject({ inserted: 1, deleted: 0 });
    // Past position 0 every change row of t counts: the guess is found wrong, and not used.
    expect(await read('0')).toEqual(truth);
    expect(await read(truth[0]?.[0].split('@')[1])).toEqual(truth);
  });
});
