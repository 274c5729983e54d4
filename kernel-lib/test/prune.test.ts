/**
 * Change-row pruning (capture/marks.ts), on every backend: a DT refreshed in FULL mode with a long lag keeps
 * no change rows alive — the rows go as soon as the incrementally refreshed DTs have read them — and it still
 * tells NO_DATA from FULL by the source's pruning mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { reclaimChangeRows } from '../src/capture/capture.js';
import { GarbageSchedule } from '../src/capture/garbage.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const EVERY_REFRESH = { collectAfterRows: 0 };

describe.each(BACKEND_KINDS)('change-row pruning on %s', (kind) => {
  let engine: Engine;
  let backend: Backend;
  const rows = async (sql: string) => (await engine.execute(sql))[0]?.rows;
  const count = async (sql: string) => Number((await backend.query(sql)).rows[0]?.[0]);

  beforeAll(async () => {
    backend = await freshBackend(kind);
    // Every refresh collects here; the schedule that spaces collections out is tested below.
    engine = await Engine.open(backend, EVERY_REFRESH);
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
    // i2's refresh pruned the rows it read. On a shared PostgreSQL server another database's open transaction
    // can hold the snapshot xmin that collection goes by back (pgCollectGarbage): the rows then stay, the
    // window is whole and f2 may rightly refresh from it. So i2 refreshes again, on writes f2 filters out
    // (v > 0), until a pruning mark says its window was cut.
    const marks = () =>
      count("SELECT count(*) FROM dtlab.capture_events WHERE source = 's2' AND kind = 'PRUNED'");
    for (let i = 0; (await marks()) === 0; i++) {
      if (i === 120) throw new Error('no change row of s2 was pruned in 30 s');
      await new Promise((r) => setTimeout(r, 250));
      await engine.execute('INSERT INTO s2 VALUES (9, 0)');
      await engine.refresh('i2');
    }
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
    engine = await Engine.open(backend, EVERY_REFRESH);
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

describe('the garbage schedule (capture/garbage.ts)', () => {
  it('collects a source first after opening, then once its refreshes read afterRows change rows', () => {
    const schedule = new GarbageSchedule(10);
    expect(schedule.due(['a', 'b'], { a: 1, b: 1 })).toEqual(['a', 'b']);
    expect(schedule.due(['a'], { a: 4 })).toEqual([]);
    expect(schedule.due(['a', 'b'], { a: 5, b: 12 })).toEqual(['b']);
    expect(schedule.due(['a'], { a: 1 })).toEqual(['a']);
    expect(schedule.due(['a'], { a: 9 })).toEqual([]);
    expect(new GarbageSchedule(0).due(['a'], { a: 0 })).toEqual(['a']);
  });

  it('says a reclaim is due once after opening, then once after each collection', () => {
    const schedule = new GarbageSchedule(10);
    expect(schedule.reclaimDue()).toBe(true);
    expect(schedule.reclaimDue()).toBe(false);
    schedule.due(['a'], { a: 1 }); // the first read of a since opening collects
    expect(schedule.reclaimDue()).toBe(true);
    schedule.due(['a'], { a: 4 }); // not yet
    expect(schedule.reclaimDue()).toBe(false);
    schedule.due(['a'], { a: 6 });
    expect(schedule.reclaimDue()).toBe(true);
    expect(schedule.reclaimDue()).toBe(false);
  });
});

describe.each(BACKEND_KINDS)('change-table collection spaced out on %s', (kind) => {
  let engine: Engine;
  let backend: Backend;
  const count = async (sql: string) => Number((await backend.query(sql)).rows[0]?.[0]);
  /** The change rows of `src` still stored (the PostgreSQL family keeps a sentinel row of weight 0). */
  const stored = () => count('SELECT count(*) FROM dtlab.chg_sp WHERE _w <> 0');

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend, { collectAfterRows: 6 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('small refreshes leave passed change rows until enough were read; results and NO_DATA are unchanged', async () => {
    await engine.execute(`CREATE TABLE sp (g INTEGER, v INTEGER); INSERT INTO sp VALUES (1, 1);
      CREATE DYNAMIC TABLE ip TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT g, SUM(v) AS total FROM sp GROUP BY g;
      CREATE DYNAMIC TABLE fp TARGET_LAG = '1 day' REFRESH_MODE = FULL AS SELECT g, v FROM sp`);
    await engine.execute('INSERT INTO sp VALUES (2, 2)');
    // The first refresh reading sp since the engine opened collects.
    expect((await engine.refresh('ip')).refreshAction).toBe('INCREMENTAL');
    if (kind !== 'postgres') expect(await stored()).toBe(0);
    const left: number[] = [];
    for (const v of [3, 4, 5]) {
      await engine.execute(`INSERT INTO sp VALUES (${v}, ${v})`);
      await engine.execute(`UPDATE sp SET v = v + 1 WHERE g = ${v}`);
      expect((await engine.refresh('ip')).refreshAction).toBe('INCREMENTAL');
      expect((await engine.verify('ip')).equal).toBe(true);
      left.push(await stored());
    }
    // Reads of 3 rows, then 6 (collected), then 3: the rows ip passed stay until the sixth row read.
    if (kind !== 'postgres') expect(left).toEqual([3, 0, 3]);
    // On a shared server another database's open transaction can hold back the horizon collection goes by
    // (CI runs other test files beside this one), so the first collection may have left sp's earlier row too.
    else expect(left[0]).toBeGreaterThanOrEqual(3);
    expect((await engine.refresh('ip')).refreshAction).toBe('NO_DATA');
    // The FULL consumer still sees that sp changed, from the rows left or the mark of those collected.
    expect((await engine.refresh('fp')).refreshAction).toBe('FULL');
    expect((await engine.verify('fp')).equal).toBe(true);
    expect((await engine.refresh('fp')).refreshAction).toBe('NO_DATA');
  });
});

describe.each(BACKEND_KINDS.filter((k) => k !== 'duckdb'))('reclaiming space after cycles on %s', (kind) => {
  it('looks for change tables to vacuum after a cycle only when a collection deleted rows since', async () => {
    const backend = await freshBackend(kind);
    const rec = recording(backend, { direct: true });
    const clock = new ManualClock(Date.UTC(2026, 0, 5));
    const engine = await Engine.open(backend, { clock, collectAfterRows: 1000 });
    const looks = () => rec.queries.filter((q) => /pg_stat_user_tables/.test(q)).length;
    try {
      await engine.execute(`CREATE TABLE rc (g INTEGER, v INTEGER); INSERT INTO rc VALUES (1, 1);
        CREATE DYNAMIC TABLE irc TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
          AS SELECT g, SUM(v) AS total FROM rc GROUP BY g`);
      const scheduler = new Scheduler(engine);
      const minute = async (sql: string) => {
        await engine.execute(sql);
        rec.queries.length = 0;
        rec.on = true;
        await scheduler.advance(60_000);
        rec.on = false;
        return looks();
      };
      // The first collection (the first read of rc since opening) is followed by a look; small reads are not.
      expect(await minute('INSERT INTO rc VALUES (2, 2)')).toBe(1);
      for (const v of [3, 4, 5]) expect(await minute(`INSERT INTO rc VALUES (${v}, ${v})`)).toBe(0);
      // 1000 change rows read: collected, then looked for.
      expect(await minute('INSERT INTO rc SELECT i % 7, i FROM generate_series(1, 1000) AS t(i)')).toBe(1);
      expect(await minute('INSERT INTO rc VALUES (6, 6)')).toBe(0);
      expect((await engine.verify('irc')).equal).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
