/**
 * The scheduler on the PostgreSQL server only: two engines on one database with a writer (no DT refreshed
 * concurrently, none lost, the survivor keeps scheduling when the other dies) and a refresh timeout that
 * really stops the server's query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { AcceleratedClock, ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { parseTimestamp } from '../src/schedule/record.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import type { RefreshRecord } from '../src/types.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { expectEqualsQuery, PIPELINE_QUERIES, pipelineSql, rows } from './helpers/pipeline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler on the PostgreSQL server', () => {
  let backend: Backend;
  let url: string;
  const extra: Backend[] = [];
  const connect = async () => {
    const b = await openBackend(url);
    extra.push(b);
    return b;
  };
  beforeAll(async () => {
    backend = await freshBackend('postgres');
    url = serverUrlOf(backend) as string;
  });
  afterAll(async () => {
    for (const b of extra) await b.close().catch(() => {});
    await backend?.close();
  });

  it('two engines and a writer: no DT refreshed twice at once, none lost, the survivor carries on', async () => {
    // 20 real seconds at ×30 are 10 clock minutes: twenty 30-second cycles of the 1-minute tier.
    const clock = new AcceleratedClock(30);
    const setup = await Engine.open(backend, { clock });
    await setup.execute(pipelineSql('m'));
    await setup.execute(pipelineSql('n'));
    const engines = [
      await Engine.open(await connect(), { clock }),
      await Engine.open(await connect(), { clock }),
    ];
    const ran: RefreshRecord[][] = [[], []];
    const schedulers = engines.map((e, i) => {
      const s = new Scheduler(e, { pollMs: 200 });
      s.events$.subscribe((ev) => {
        if (ev.type === 'refresh' && ev.record.refreshTrigger === 'SCHEDULED') ran[i]?.push(ev.record);
      });
      s.start();
      return s;
    });
    const writer = await connect();
    let id = 1000;
    const started = Date.now();
    let killedAt = 0;
    while (Date.now() - started < 20_000) {
      await writer.query(`INSERT INTO m_src VALUES (${id}, ${id % 9}, ${id % 13}), (${id + 1}, 2, 3)`);
      await writer.query(`INSERT INTO n_src VALUES (${id}, ${id % 5}, 1)`);
      id += 2;
      if (killedAt === 0 && Date.now() - started > 10_000) {
        // Engine 0 dies: its scheduler stops and its connections go.
        await schedulers[0]?.stop();
        killedAt = clock.now();
      }
      await sleep(25);
    }
    const writesEnded = clock.now();
    // Let the survivor run a cycle past the last write, then stop it.
    while (
      !ran[1]?.some(
        (r) =>
          r.name === 'm_weekly' &&
          r.state === 'SUCCEEDED' &&
          parseTimestamp(String(r.dataTimestamp)) > writesEnded,
      )
    )
      await sleep(100);
    await schedulers[1]?.stop();

    const history = await rows(
      setup,
      `SELECT name, state, data_timestamp, refresh_start_time, refresh_end_time FROM dtlab.refresh_history
        WHERE refresh_trigger = 'SCHEDULED' ORDER BY name, refresh_start_time`,
    );
    expect(history.filter((r) => r[1] !== 'SUCCEEDED')).toEqual([]);
    for (const name of ['m_base', 'm_daily', 'm_weekly', 'n_base', 'n_daily', 'n_weekly']) {
      const mine = history.filter((r) => r[0] === name);
      expect(mine.length).toBeGreaterThan(2);
      // Never two refreshes of one DT at the same time, never one data timestamp refreshed twice.
      for (let i = 1; i < mine.length; i++) {
        expect(
          String(mine[i]?.[3]) >= String(mine[i - 1]?.[4]),
          `${name} overlaps: ${mine.slice(i - 1, i + 1)}`,
        ).toBe(true);
        expect(String(mine[i]?.[2]) > String(mine[i - 1]?.[2]), `${name} data timestamps`).toBe(true);
      }
    }
    expect(ran[0]?.length).toBeGreaterThan(0);
    expect(ran[1]?.filter((r) => parseTimestamp(r.refreshStartTime) > killedAt).length).toBeGreaterThan(0);
    for (const p of ['m', 'n'])
      for (const [dt, q] of Object.entries(PIPELINE_QUERIES(p))) await expectEqualsQuery(setup, dt, q);
  });

  it('cancels a refresh that exceeds the timeout, and the server stops the query', async () => {
    const clock = new ManualClock(Date.UTC(2026, 1, 1));
    const engine = await Engine.open(backend, { clock });
    await engine.execute(
      `CREATE DYNAMIC TABLE slow TARGET_LAG = '1 minute' INITIALIZE = ON_SCHEDULE
         AS SELECT 1 AS x FROM (SELECT pg_sleep(30)) AS s`,
    );
    const scheduler = new Scheduler(engine, { refreshTimeoutMs: 300 });
    const t = Date.now();
    await scheduler.advanceToNextRefresh();
    expect(Date.now() - t).toBeLessThan(20_000);
    const [last] = await engine.history('slow');
    expect(last).toMatchObject({ state: 'CANCELLED', refreshTrigger: 'SCHEDULED', dataTimestamp: null });
    expect(last?.stateMessage).toMatch(/timeout/);
    const running = await rows(
      engine,
      "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = 'active' AND pid <> pg_backend_pid()",
    );
    expect(running).toEqual([[0]]);
  });
});
