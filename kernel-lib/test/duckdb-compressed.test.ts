/**
 * DuckDB in Node, compressed (backends/open.ts `compressed`, what the CLI opens for TPC-H from SF 0.1) and
 * not (everything else, as in the browser): the tables live in the database each kind says, and the engine
 * works the same on both — its transactions run on connections of their own, which must use that database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { Engine } from '../src/engine/engine.js';

describe.each([false, true])('DuckDB in memory, compressed: %s', (compressed) => {
  let engine: Engine | undefined;
  let backend: Backend | undefined;
  afterEach(async () => {
    await (engine ? engine.close() : backend?.close());
    engine = undefined;
  });

  it('keeps the tables where it says, and refreshes incrementally on transaction connections', async () => {
    backend = await openBackend('duckdb', { compressed });
    expect(backend.description).toBe(compressed ? 'duckdb (in memory, compressed)' : 'duckdb (in memory)');
    expect((await backend.query('SELECT current_database()')).rows).toEqual([
      [compressed ? 'dtlab_memory' : 'memory'],
    ]);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE s (g INTEGER, v INTEGER); INSERT INTO s VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT g, SUM(v) AS total FROM s GROUP BY g`);
    await engine.execute('INSERT INTO s VALUES (1, 10); UPDATE s SET v = 5 WHERE g = 2');
    expect((await engine.refresh('d')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.execute('SELECT g, total FROM d ORDER BY g'))[0]?.rows).toEqual([
      [1, 11],
      [2, 5],
    ]);
    expect((await engine.verify('d')).equal).toBe(true);
    const where = await backend.query(
      "SELECT database_name FROM duckdb_tables() WHERE table_name = 'd' AND schema_name = 'main'",
    );
    expect(where.rows).toEqual([[compressed ? 'dtlab_memory' : 'memory']]);
  });

  it('compresses what a bulk load copies, and nothing else by itself (no checkpoint in a refresh)', async () => {
    backend = await openBackend('duckdb', { compressed });
    const kinds = async (table: string) =>
      (
        await backend?.query(
          `SELECT DISTINCT compression FROM pragma_storage_info('${table}') WHERE segment_type <> 'VALIDITY'`,
        )
      )?.rows.map((r) => String(r[0])) ?? [];
    await backend.query('CREATE TABLE loaded (k INTEGER, v VARCHAR)');
    const rows = Array.from({ length: 150_000 }, (_v, i) => [i, `v${i % 10}`]);
    await backend.copyRows('loaded', ['k', 'v'], rows);
    // Past DuckDB's 16 MB checkpoint threshold: compressed by a checkpoint of its own at that commit, unless
    // the compressed database leaves checkpoints to bulk loads.
    await backend.query('CREATE TABLE written AS SELECT range AS k FROM range(3000000)');
    if (compressed) {
      expect(await kinds('loaded')).not.toContain('Uncompressed');
      expect(await kinds('written')).toEqual(['Uncompressed']);
    } else {
      expect(await kinds('loaded')).toEqual(['Uncompressed']);
      expect(await kinds('written')).toEqual(['Uncompressed']);
    }
  });

  it('copies while another transaction writes (its checkpoint waits for a later chunk)', async () => {
    const db = await openBackend('duckdb', { compressed });
    backend = db;
    await db.query('CREATE TABLE t (k INTEGER, v VARCHAR)');
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let writing = () => {};
    const started = new Promise<void>((r) => {
      writing = r;
    });
    const other = db.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (0, 'open')");
      writing();
      await held;
    });
    await started;
    const rows = Array.from({ length: 1000 }, (_v, i) => [i + 1, 'copied']);
    expect(await db.copyRows('t', ['k', 'v'], rows)).toBe(1000);
    release();
    await other;
    expect((await db.query('SELECT v, count(*) FROM t GROUP BY v ORDER BY v')).rows).toEqual([
      ['copied', 1000],
      ['open', 1],
    ]);
  });
});
