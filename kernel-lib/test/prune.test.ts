/**
 * Change-row pruning (capture/marks.ts), on every backend: a DT refreshed in FULL mode with a long lag keeps
 * no change rows alive — the rows go as soon as the incrementally refreshed DTs have read them — and it still
 * tells NO_DATA from FULL by the source's pruning mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { reclaimChangeRows } from '../src/capture/capture.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('change-row pruning on %s', (kind) => {
  let engine: Engine;
  let backend: Backend;
  const rows = async (sql: string) => (await engine.execute(sql))[0]?.rows;
  const count = async (sql: string) => Number((await backend.query(sql)).rows[0]?.[0]);

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
  });
  afterAll(async () => {
    await engine?.close();
  });

  /**
   * Change rows of `src` the incremental DT `inc` has read. On a shared PostgreSQL server another session's
   * open transaction can hold the oldest xmin back (rows then stay, correctly): what must be gone is every
   * row committed before `inc`'s snapshot's xmin.
   */
  const consumedRows = async () =>
    count(
      kind === 'postgres'
        ? `SELECT count(*) FROM dtlab.chg_src WHERE _w <> 0 AND _xid < (SELECT pg_snapshot_xmin(CAST(position AS pg_snapshot))
             FROM dtlab.capture_positions WHERE dt_name = 'inc' AND source = 'src')`
        : kind === 'pglite'
          ? 'SELECT count(*) FROM dtlab.chg_src WHERE _w <> 0'
          : 'SELECT count(*) FROM dtlab.chg_src',
    );

  it('a FULL DT with a long lag keeps no change rows alive, and still tells NO_DATA from FULL', async () => {
    await engine.execute(`CREATE TABLE src (g INTEGER, v INTEGER); INSERT INTO src VALUES (1, 10), (2, 20);
      CREATE DYNAMIC TABLE inc TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT g, SUM(v) AS total FROM src GROUP BY g;
      CREATE DYNAMIC TABLE slow TARGET_LAG = '1 day' REFRESH_MODE = FULL
        AS SELECT g, COUNT(*) AS n, SUM(v) AS total FROM src GROUP BY g`);
    await engine.execute('INSERT INTO src VALUES (1, 5), (3, 30)');
    await engine.execute('UPDATE src SET v = v + 1 WHERE g = 2');
    expect((await engine.refresh('inc')).refreshAction).toBe('INCREMENTAL');
    // slow has not consumed them, yet they are gone: it needs no rows, only whether src changed.
    expect(await consumedRows()).toBe(0);
    const full = await engine.refresh('slow');
    expect(full.refreshAction).toBe('FULL');
    expect(await rows('SELECT g, n, total FROM slow ORDER BY g')).toEqual([
      [1, 2, 15],
      [2, 1, 21],
      [3, 1, 30],
    ]);
    expect((await engine.verify('slow')).equal).toBe(true);
    // Nothing changed since: NO_DATA, though a mark of pruned rows stands.
    expect((await engine.refresh('slow')).refreshAction).toBe('NO_DATA');

    // A change after slow's last refresh, read and pruned by inc first: slow refreshes in FULL with it.
    await engine.execute('DELETE FROM src WHERE g = 3');
    await engine.execute('INSERT INTO src VALUES (4, 40)');
    expect((await engine.refresh('inc')).refreshAction).toBe('INCREMENTAL');
    expect(await consumedRows()).toBe(0);
    expect((await engine.refresh('slow')).refreshAction).toBe('FULL');
    expect(await rows('SELECT g, n, total FROM slow ORDER BY g')).toEqual([
      [1, 2, 15],
      [2, 1, 21],
      [4, 1, 40],
    ]);
    expect((await engine.refresh('slow')).refreshAction).toBe('NO_DATA');
    expect((await engine.refresh('inc')).refreshAction).toBe('NO_DATA');
    expect((await engine.verify('inc')).equal).toBe(true);

    // slow refreshing first (its changes still there) prunes nothing inc has not read.
    await engine.execute('INSERT INTO src VALUES (2, 2)');
    expect((await engine.refresh('slow')).refreshAction).toBe('FULL');
    expect((await engine.refresh('inc')).refreshAction).toBe('INCREMENTAL');
    expect(await rows('SELECT g, total FROM inc ORDER BY g')).toEqual([
      [1, 15],
      [2, 23],
      [4, 40],
    ]);
    expect((await engine.verify('inc')).equal).toBe(true);
    expect((await engine.verify('slow')).equal).toBe(true);
  });

  it('a DT whose window was pruned (refreshed in FULL mode before) is recomputed, never refreshed from what is left', async () => {
    await engine.execute(`CREATE TABLE s2 (g INTEGER, v INTEGER); INSERT INTO s2 VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE i2 TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT g, SUM(v) AS total FROM s2 GROUP BY g;
      CREATE DYNAMIC TABLE f2 TARGET_LAG = '1 day' REFRESH_MODE = FULL
        AS SELECT g, v FROM s2 WHERE v > 0`);
    await engine.execute('INSERT INTO s2 VALUES (1, 10), (3, 3)');
    expect((await engine.refresh('i2')).refreshAction).toBe('INCREMENTAL');
    // f2 becomes incremental behind the engine's back (as another engine's catalog would have it): its
    // window's rows were pruned, so its next refresh recomputes instead of reading the rows left.
    await backend.query(
      "UPDATE dtlab.dynamic_tables SET refresh_mode = 'INCREMENTAL', effective_mode = 'INCREMENTAL' WHERE name = 'f2'",
    );
    // A new engine reads the catalog anew (the old one goes, leaving the database open).
    const close = backend.close.bind(backend);
    backend.close = async () => {};
    await engine.close();
    backend.close = close;
    engine = await Engine.open(backend);
    const reopened = engine;
    await reopened.execute('INSERT INTO s2 VALUES (2, 20)');
    const record = await reopened.refresh('f2');
    expect(record.refreshAction).toBe('FULL');
    expect(record.reason).toMatch(/pruned/);
    expect((await reopened.verify('f2')).equal).toBe(true);
    // Refreshed from the rows left, it would have missed (1, 10) and (3, 3).
    expect(await rows('SELECT g, v FROM f2 ORDER BY g, v')).toEqual([
      [1, 1],
      [1, 10],
      [2, 2],
      [2, 20],
      [3, 3],
    ]);
    await reopened.execute('DELETE FROM s2 WHERE g = 3');
    expect((await reopened.refresh('f2')).refreshAction).toBe('INCREMENTAL');
    expect((await reopened.verify('f2')).equal).toBe(true);
  });

  it('reclaims the space of pruned change rows where the database leaves it (PGlite: no autovacuum)', async () => {
    await engine.execute(`CREATE TABLE s3 (k INTEGER, v INTEGER);
      CREATE DYNAMIC TABLE i3 TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT k % 10 AS g, SUM(v) AS total FROM s3 GROUP BY k % 10`);
    await engine.execute('INSERT INTO s3 SELECT i, i FROM generate_series(1, 3000) AS t(i)');
    expect((await engine.refresh('i3')).refreshAction).toBe('INCREMENTAL');
    const vacuumed = await reclaimChangeRows(backend, backend.family);
    if (kind === 'duckdb') expect(vacuumed).toEqual([]);
    if (kind === 'pglite') {
      // 3000 rows pruned, none left: vacuumed, and nothing dead remains.
      expect(vacuumed).toContain('chg_s3');
      const dead =
        "SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'dtlab' AND relname = 'chg_s3'";
      expect(await count(dead)).toBe(0);
      expect(await reclaimChangeRows(backend, backend.family)).toEqual([]);
    }
    // (On the server autovacuum may have come first: then nothing qualifies.)
    expect((await engine.verify('i3')).equal).toBe(true);
  });
});
