/**
 * Reinstalling capture on the PostgreSQL server (capture/reinstall.ts) while other sessions read, write and
 * reinstall too, with two sessions of our own: `other` reinstalls capture on a source by hand (what another
 * engine's refresh does) or reads, `writer` writes the source.
 *
 * A reinstall drops triggers, which waited for each source's lock in turn while holding the ones before: a
 * session reading the second source and then the first deadlocked with it, and PostgreSQL aborted one of the
 * two (the refresh below, before the sources were locked first, all at once, in attempts that give way).
 *
 * The refresh's snapshot is taken before another session's reinstall commits, so it finds capture lost and
 * reinstalls again; a write captured into the other session's new change table and committed while the
 * refresh waits for the source's lock goes with the change table the refresh drops, and its recompute reads
 * the older snapshot. Before `late` (capture/postgres.ts pgReinstalledLate), the DT then stood without that
 * row, and its next refresh found nothing changed (NO_DATA) and stayed unequal. `late` then recorded an event
 * for any commit since the snapshot, in any database of the server, and every consumer reinitialized once
 * more; now the refresh runs again with the sources locked before its snapshot (refresh/run.ts `lockFirst`).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Queryable } from '../src/backends/backend.js';
import { pgConfig } from '../src/backends/postgres.js';
import { pgInstallCapture, pgRemoveCapture } from '../src/capture/postgres.js';
import { getDynamicTable } from '../src/catalog/catalog.js';
import { Engine } from '../src/engine/engine.js';
import { runRefresh } from '../src/refresh/run.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { untilLockWaiters } from './helpers/lock-waits.js';

describe('capture reinstalled while another session reinstalls and writes (PostgreSQL server)', () => {
  let backend: Backend;
  let engine: Engine;
  let other: pg.Client;
  let writer: pg.Client;

  beforeAll(async () => {
    backend = await freshBackend('postgres');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1);
      CREATE TABLE u (k INTEGER, v INTEGER); INSERT INTO u VALUES (1, 10), (2, 20);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT k FROM t;
      CREATE DYNAMIC TABLE j TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT t.k, u.v FROM t JOIN u ON t.k = u.k`);
    other = new pg.Client(pgConfig(serverUrlOf(backend) as string));
    writer = new pg.Client(pgConfig(serverUrlOf(backend) as string));
    await Promise.all([other.connect(), writer.connect()]);
  });
  afterAll(async () => {
    await Promise.all([other?.end(), writer?.end()]);
    await engine?.close();
  });

  it('keeps a write committed between its snapshot and its lock', async () => {
    await other.query('BEGIN');
    for (const sql of [...pgRemoveCapture('t'), ...pgInstallCapture('t')]) await other.query(sql);
    let refreshed = false;
    // Its snapshot is taken now; its first statement then waits for the other session's change table.
    const refreshing = engine.refresh('d').finally(() => {
      refreshed = true;
    });
    await untilLockWaiters(other, 1, () => refreshed);
    await writer.query('BEGIN');
    let wrote = false;
    // Waits for the other session's lock on t; written into its new change table once that commits.
    const writing = writer.query('INSERT INTO t VALUES (2)').finally(() => {
      wrote = true;
    });
    await untilLockWaiters(other, 2, () => wrote);
    await other.query('COMMIT');
    await writing;
    // The refresh, finding capture lost in its snapshot, now waits for the writer's lock to reinstall it.
    await untilLockWaiters(other, 1, () => refreshed);
    await writer.query('COMMIT');
    // It ran again, t locked before its snapshot (finding the other session's capture standing, it reads
    // the row from its change table): the row is in, and nothing is left for the next refresh.
    expect((await refreshing).state).toBe('SUCCEEDED');
    expect((await engine.verify('d')).equal).toBe(true);
    expect((await engine.execute('SELECT k FROM d ORDER BY k'))[0]?.rows).toEqual([[1], [2]]);
    expect((await engine.refresh('d')).refreshAction).toBe('NO_DATA');
  });

  it('gives way to a session that reads its sources in the other order, instead of deadlocking', async () => {
    // Both sources altered behind the engine's back: the next refresh of j reinstalls capture on both.
    await writer.query('ALTER TABLE t ADD COLUMN x INTEGER; ALTER TABLE u ADD COLUMN y INTEGER');
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM u');
    let refreshed = false;
    const refreshing = engine.refresh('j').finally(() => {
      refreshed = true;
    });
    // The refresh waits for u, which this session holds; reading t then waited for the refresh, which held t
    // (its triggers dropped first), until the server aborted the refresh.
    await untilLockWaiters(other, 1, () => refreshed);
    await other.query('SELECT count(*) FROM t');
    await other.query('COMMIT');
    expect((await refreshing).refreshAction).toBe('REINITIALIZE');
    await engine.execute('INSERT INTO u VALUES (3, 30, NULL); INSERT INTO t VALUES (3, NULL)');
    // INCREMENTAL, or REINITIALIZE once more where a transaction committed during the reinstall (`late`).
    expect(['INCREMENTAL', 'REINITIALIZE']).toContain((await engine.refresh('j')).refreshAction);
    expect((await engine.verify('j')).equal).toBe(true);
    expect((await engine.execute('SELECT v FROM j WHERE k = 3'))[0]?.rows).toEqual([[30]]);
  });

  it('a CREATE whose reinstall gives way to a slow reader tries again, whole, until it is done', async () => {
    // t altered behind the engine's back: a CREATE reading it reinstalls capture.
    await writer.query('ALTER TABLE t ADD COLUMN z INTEGER');
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM t');
    let created = false;
    const creating = engine
      .execute(`CREATE DYNAMIC TABLE late_reader TARGET_LAG = '1 minute' AS SELECT k FROM t`)
      .finally(() => {
        created = true;
      });
    // Longer than one transaction's 0.6 s of attempts: the CREATE has given way and started again meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    expect(created).toBe(false);
    await other.query('COMMIT');
    await creating;
    expect((await engine.verify('late_reader')).equal).toBe(true);
  });

  it('a CREATE whose reinstall keeps giving way fails after its 15 s, saying so, and changes nothing', async () => {
    await writer.query('CREATE TABLE held (k INTEGER); INSERT INTO held VALUES (1)');
    await engine.execute(`CREATE DYNAMIC TABLE held_first TARGET_LAG = '1 minute' AS SELECT k FROM held`);
    // held altered behind the engine's back: a CREATE reading it reinstalls capture; a reader never lets go.
    await writer.query('ALTER TABLE held ADD COLUMN z INTEGER');
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM held');
    try {
      await expect(
        engine.execute(`CREATE DYNAMIC TABLE held_second TARGET_LAG = '1 minute' AS SELECT k FROM held`),
      ).rejects.toThrow(/capture on held must be reinstalled.*tried again for 15 s/s);
    } finally {
      await other.query('COMMIT');
    }
    expect(await getDynamicTable(engine.backend, 'held_second')).toBeUndefined();
    await engine.execute(`CREATE DYNAMIC TABLE held_second TARGET_LAG = '1 minute' AS SELECT k FROM held`);
    expect((await engine.verify('held_second')).equal).toBe(true);
  }, 30_000);

  it('a commit elsewhere while it reinstalls costs no second REINITIALIZE', async () => {
    await engine.refresh('d');
    // t altered behind the engine's back, and written: capture on it must be reinstalled.
    await writer.query(`CREATE TABLE IF NOT EXISTS z (k INTEGER); ALTER TABLE t ADD COLUMN w INTEGER;
      INSERT INTO t (k) VALUES (8)`);
    await other.query('BEGIN');
    await other.query('SELECT count(*) FROM t');
    let refreshed = false;
    const refreshing = engine.refresh('d').finally(() => {
      refreshed = true;
    });
    // The refresh waits to reinstall capture on t; meanwhile a transaction that does not write t commits.
    await untilLockWaiters(other, 1, () => refreshed);
    await writer.query('INSERT INTO z VALUES (1)');
    await other.query('COMMIT');
    const first = await refreshing;
    expect([first.refreshAction, first.reason]).toEqual([
      'REINITIALIZE',
      expect.stringMatching(/capture on t/),
    ]);
    await engine.execute('INSERT INTO t (k) VALUES (9)');
    // Before: any commit after the snapshot left an event that made this one reinitialize again.
    const again = await engine.refresh('d');
    expect(again.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('d')).equal).toBe(true);
  });

  it('a second run whose sources stay locked fails saying so, not skipped as "another session is refreshing it"', async () => {
    await engine.execute('INSERT INTO t (k) VALUES (10)');
    // The second run of a refresh whose reinstall met late commits (above) locks t before its snapshot; here a
    // session holds t's row lock past the 2 s that lock may wait.
    await writer.query('BEGIN');
    await writer.query('INSERT INTO t (k) VALUES (11)');
    try {
      const dt = await getDynamicTable(engine.backend, 'd');
      if (!dt) throw new Error('d is missing');
      const outcome = await runRefresh(engine.backend, engine.clock, dt, {
        trigger: 'MANUAL',
        lockFirst: ['t'],
      });
      if (outcome.kind !== 'ran') throw new Error(`not run: ${JSON.stringify(outcome)}`);
      expect(outcome.record.state).toBe('FAILED');
      expect(outcome.record.stateMessage).toMatch(/capture on t was reinstalled.*not released within 2 s/);
    } finally {
      await writer.query('ROLLBACK');
    }
    // Nothing was changed: the next refresh reads the row committed before.
    expect((await engine.refresh('d')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('d')).equal).toBe(true);
  });

  it('a second run whose reinstall meets commits on a source it did not lock first runs a third, locking both', async () => {
    await engine.execute(`CREATE TABLE t2 (k INTEGER); INSERT INTO t2 VALUES (1);
      CREATE TABLE u2 (k INTEGER, v INTEGER); INSERT INTO u2 VALUES (1, 10);
      CREATE DYNAMIC TABLE j2 TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT t2.k, u2.v FROM t2 JOIN u2 ON t2.k = u2.k`);
    // t2 altered behind the engine's back: the next refresh of j2 reinstalls capture on it.
    await writer.query('ALTER TABLE t2 ADD COLUMN x INTEGER');
    // What other sessions do, each just before the refresh sends a statement (a real commit, no fake answer):
    // the first run's reinstall lock on t2 meets a write of t2 committed since its snapshot; the second run
    // (t2 locked first) finds u2 altered too, and its reinstall lock meets a write of u2 committed likewise.
    const before: [RegExp, string][] = [
      [/^DO \$dtlab\$.*LOCK TABLE "t2"/s, 'INSERT INTO t2 (k) VALUES (5)'],
      [/^LOCK TABLE "t2" IN/, 'ALTER TABLE u2 ADD COLUMN y INTEGER'],
      [/^DO \$dtlab\$.*LOCK TABLE "u2"/s, 'INSERT INTO u2 (k, v) VALUES (5, 50)'],
    ];
    const firstLocks: string[] = [];
    const backend = engine.backend;
    const original = backend.transaction;
    const transaction = original.bind(backend);
    const wrap = (tx: Queryable): Queryable => ({
      ...tx,
      query: async (sql, params) => {
        const next = before[0];
        if (next?.[0].test(sql)) {
          before.shift();
          await writer.query(next[1]);
        }
        if (/^LOCK TABLE /.test(sql)) firstLocks.push(sql);
        return tx.query(sql, params);
      },
      defer: tx.defer?.bind(tx),
      finish: tx.finish?.bind(tx),
    });
    backend.transaction = (fn, options) => transaction((tx) => fn(wrap(tx)), options);
    let record: Awaited<ReturnType<Engine['refresh']>>;
    try {
      record = await engine.refresh('j2');
    } finally {
      backend.transaction = original;
    }
    expect(before).toEqual([]);
    // The row written into u2 after the second run's snapshot, while capture on u2 was reinstalled: in.
    expect((await engine.verify('j2')).equal).toBe(true);
    expect((await engine.execute('SELECT k, v FROM j2 ORDER BY k'))[0]?.rows).toEqual([
      [1, 10],
      [5, 50],
    ]);
    expect([record.state, record.refreshAction]).toEqual(['SUCCEEDED', 'REINITIALIZE']);
    // Three runs: the second locked t2 first, the third t2 and u2 (the set only grows).
    expect(firstLocks).toEqual([
      'LOCK TABLE "t2" IN ACCESS EXCLUSIVE MODE',
      'LOCK TABLE "t2", "u2" IN ACCESS EXCLUSIVE MODE',
    ]);
    await engine.execute('INSERT INTO t2 (k) VALUES (1)');
    expect((await engine.refresh('j2')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('j2')).equal).toBe(true);
  });
});
