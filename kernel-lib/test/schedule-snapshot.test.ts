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
    const until = Date.now() + 6000;
    // Each writer yields to the event loop between inserts (a loop of back-to-back PGlite transactions
    // would keep the scheduler's own queries waiting).
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const writers = [
      (async () => {
        while (Date.now() < until) {
          await engine.write([`INSERT INTO t VALUES (${id++}, 1)`]);
          await tick();
        }
      })(),
      (async () => {
        while (other && Date.now() < until) {
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
