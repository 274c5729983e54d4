/**
 * One snapshot per cycle under a real (accelerated) clock, on every backend: a DT that reads a source both
 * directly and through a DOWNSTREAM DT refreshed in the same cycle must see the source in one state, while
 * writers insert as fast as they can — through the engine, and on the PostgreSQL server also from another
 * connection (engine/fence.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { AcceleratedClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { WriteFence } from '../src/engine/fence.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('one snapshot per cycle on %s', (kind) => {
  const opened: Backend[] = [];
  afterAll(async () => {
    for (const b of opened.reverse()) await b.close().catch(() => {});
  });

  it('a DT reading a source directly and through an upstream DT sees one state of it', async () => {
    const backend = await freshBackend(kind);
    opened.push(backend);
    // ×60: the 1-minute DT falls due every half real second.
    const engine = await Engine.open(backend, { clock: new AcceleratedClock(60) });
    await engine.execute(`CREATE TABLE t (id INTEGER, v INTEGER); INSERT INTO t VALUES (0, 0);
      CREATE DYNAMIC TABLE counted TARGET_LAG = DOWNSTREAM AS SELECT COUNT(*) AS n FROM t;
      CREATE DYNAMIC TABLE diff TARGET_LAG = '1 minute' AS
        SELECT counted.n - (SELECT COUNT(*) FROM t) AS d FROM counted`);
    const other = kind === 'postgres' ? await openBackend(serverUrlOf(backend) as string) : undefined;
    if (other) opened.push(other);

    const scheduler = new Scheduler(engine, { pollMs: 100 });
    const seen: number[] = [];
    let cycles = 0;
    const reads: Promise<void>[] = [];
    scheduler.events$.subscribe((ev) => {
      if (ev.type === 'refresh' && ev.record.name === 'diff' && ev.record.state === 'SUCCEEDED') {
        cycles++;
        reads.push(
          engine.execute('SELECT d FROM diff').then((r) => {
            seen.push(Number(r[0]?.rows[0]?.[0]));
          }),
        );
      }
    });
    scheduler.start();
    let id = 1;
    // Writers run until the scheduler has run five cycles of `diff` among 50 writes (not for a fixed time:
    // a loaded machine runs fewer of both in one); the deadline only bounds a hung scheduler.
    const deadline = Date.now() + 45_000;
    const writing = () => (cycles < 5 || id <= 50) && Date.now() < deadline;
    // Each writer yields to the event loop between inserts (a loop of back-to-back PGlite transactions
    // would keep the scheduler's own queries waiting).
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const writers = [
      (async () => {
        while (writing()) {
          await engine.write([`INSERT INTO t VALUES (${id++}, 1)`]);
          await tick();
        }
      })(),
      (async () => {
        while (other && writing()) {
          await other.query(`INSERT INTO t VALUES (${-id++}, 2)`);
          await tick();
        }
      })(),
    ];
    await Promise.all(writers);
    await scheduler.stop();
    await Promise.all(reads);
    expect(cycles).toBeGreaterThanOrEqual(5);
    expect(id).toBeGreaterThan(50);
    // Every refresh of `diff` saw the same rows of t as the refresh of `counted` in its cycle.
    expect(seen.filter((d) => d !== 0)).toEqual([]);
    // And the DTs agree with their queries once the writers stop.
    await engine.refresh('diff');
    expect((await engine.verify('diff')).equal).toBe(true);
    expect((await engine.verify('counted')).equal).toBe(true);
  }, 60_000);
});

describe('the write fence', () => {
  it('a waiting write goes before a cycle that has not started, even while others overlap', async () => {
    const fence = new WriteFence();
    const order: string[] = [];
    let endA = () => {};
    const a = fence.cycle(() => new Promise<void>((r) => (endA = r)).then(() => void order.push('A')));
    await Promise.resolve();
    const w = fence.write(async () => void order.push('write'));
    const b = fence.cycle(async () => void order.push('B'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // the write waits for A; B waits for the write
    endA();
    await Promise.all([a, w, b]);
    expect(order).toEqual(['A', 'write', 'B']);
  });
});

describe('a cycle on the PostgreSQL server reading a view', () => {
  it('locks the view (its tables) and stays fenced', async () => {
    const backend = await freshBackend('postgres');
    const engine = await Engine.open(backend, { clock: new AcceleratedClock(60) });
    await engine.execute(`CREATE TABLE vt (id INTEGER); INSERT INTO vt VALUES (1);
      CREATE VIEW vv AS SELECT id FROM vt;
      CREATE DYNAMIC TABLE from_view TARGET_LAG = '1 minute' AS SELECT COUNT(*) AS n FROM vv`);
    const scheduler = new Scheduler(engine, { pollMs: 100 });
    const kinds: string[] = [];
    scheduler.events$.subscribe((ev) => {
      if (ev.type === 'cycle-unfenced' || (ev.type === 'refresh' && ev.record.name === 'from_view'))
        kinds.push(ev.type);
    });
    scheduler.start();
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      await engine.write(['INSERT INTO vt VALUES (2)']);
      await new Promise((r) => setTimeout(r, 20));
    }
    await scheduler.stop();
    await engine.close();
    expect(kinds.filter((k) => k === 'refresh').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === 'cycle-unfenced')).toEqual([]);
  }, 30_000);
});

describe('the fence on the PostgreSQL server, when it cannot lock', () => {
  const opened: Backend[] = [];
  afterAll(async () => {
    for (const b of opened.reverse()) await b.close().catch(() => {});
  });

  it('a writer holding its transaction open: the cycle runs unfenced and says so', async () => {
    const backend = await freshBackend('postgres');
    opened.push(backend);
    const engine = await Engine.open(backend, { clock: new AcceleratedClock(60) });
    await engine.execute(`CREATE TABLE ut (id INTEGER); INSERT INTO ut VALUES (1);
      CREATE DYNAMIC TABLE unfenced TARGET_LAG = '1 minute' AS SELECT COUNT(*) AS n FROM ut`);
    const other = await openBackend(serverUrlOf(backend) as string);
    opened.push(other);
    let release = () => {};
    let inserted = () => {};
    const isInserted = new Promise<void>((r) => (inserted = r));
    const held = other.transaction(async (tx) => {
      await tx.query('INSERT INTO ut VALUES (2)'); // ROW EXCLUSIVE until the transaction ends
      inserted();
      await new Promise<void>((r) => (release = r));
    });
    await isInserted;
    const scheduler = new Scheduler(engine, { pollMs: 100, fenceLockTimeoutMs: 200 });
    const seen: string[] = [];
    scheduler.events$.subscribe((ev) => {
      if (ev.type === 'cycle-unfenced') seen.push(ev.reason);
      if (ev.type === 'refresh' && ev.record.name === 'unfenced') seen.push(`refresh ${ev.record.state}`);
    });
    scheduler.start();
    const until = Date.now() + 10_000;
    while (!seen.includes('refresh SUCCEEDED') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    await scheduler.stop();
    release();
    await held;
    expect(seen.find((s) => s.startsWith('the share lock on ut'))).toBeDefined();
    expect(seen).toContain('refresh SUCCEEDED');
  }, 30_000);

  it('a change table deleted during a fenced cycle: the refresh that must reinstall capture fails, saying why', async () => {
    const backend = await freshBackend('postgres');
    opened.push(backend);
    const engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE rt (id INTEGER); INSERT INTO rt VALUES (1);
      CREATE DYNAMIC TABLE reinstalled TARGET_LAG = '1 minute' AS SELECT COUNT(*) AS n FROM rt`);
    const other = await openBackend(serverUrlOf(backend) as string);
    opened.push(other);
    await backend.query('DROP TABLE dtlab.chg_rt');
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((r) => (locked = r));
    // What a fenced cycle holds on its sources (engine/fence.ts).
    const held = other.transaction(async (tx) => {
      await tx.query('LOCK TABLE rt IN SHARE MODE');
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    await expect(engine.refresh('reinstalled')).rejects.toThrow(
      /capture on rt must be reinstalled, and a lock on rt .* was not released within 0.6 s/,
    );
    release();
    await held;
    // The lock gone, the next refresh reinstalls capture and reinitializes.
    expect((await engine.refresh('reinstalled')).refreshAction).toBe('REINITIALIZE');
  }, 30_000);
});

describe.each(BACKEND_KINDS)('writes through the engine wait for a cycle on %s', (kind) => {
  it('WITH … INSERT and plain INSERT both wait; SELECT does not', async () => {
    const backend = await freshBackend(kind);
    const engine = await Engine.open(backend);
    await engine.execute('CREATE TABLE wt (id INTEGER)');
    let endCycle = () => {};
    const cycle = engine.fence.cycle(() => new Promise<void>((r) => (endCycle = r)));
    await Promise.resolve();
    const done: string[] = [];
    const writes = [
      engine
        .execute('WITH x AS (SELECT 1 AS id) INSERT INTO wt SELECT id FROM x')
        .then(() => done.push('with')),
      engine.execute('INSERT INTO wt VALUES (2)').then(() => done.push('insert')),
    ];
    await engine.execute('SELECT COUNT(*) FROM wt');
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toEqual([]);
    endCycle();
    await cycle;
    await Promise.all(writes);
    expect(done.sort()).toEqual(['insert', 'with']);
    await engine.close();
  }, 30_000);
});
