/**
 * Refresh timeouts on DuckDB: the refresh's statements run as pending queries, and the one running when the
 * deadline passes is cancelled in the worker (see backends/duckdb.ts). (The PostgreSQL server's test is in
 * schedule-server.test.ts; PGlite cannot interrupt a statement, see docs/scheduler.md.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { freshBackend } from './helpers/backends.js';
import { expectEqualsQuery, PIPELINE_QUERIES, pipelineSql, rows } from './helpers/pipeline.js';

describe('refresh timeout on DuckDB', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend('duckdb');
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('cancels a refresh that exceeds the timeout, and the worker really stops the query', async () => {
    const clock = new ManualClock(Date.UTC(2026, 1, 1));
    const engine = await Engine.open(backend, { clock });
    // 3·10⁹ × 10 rows through a join filter: minutes of work for the single DuckDB-WASM worker (3·10⁸ × 10
    // takes about 15 s here), in pipeline tasks of ~10⁵ rows, so a cancel takes effect within milliseconds.
    await engine.execute(`
      CREATE VIEW big_v AS SELECT range AS x FROM range(3000000000);
      CREATE TABLE small (y BIGINT);
      INSERT INTO small SELECT range FROM range(10);
      CREATE DYNAMIC TABLE slow TARGET_LAG = '1 minute' INITIALIZE = ON_SCHEDULE
        AS SELECT count(*) AS n FROM big_v a, small b WHERE a.x + b.y = 7`);
    const scheduler = new Scheduler(engine, { refreshTimeoutMs: 300 });
    const t = Date.now();
    await scheduler.advanceToNextRefresh();
    const took = Date.now() - t;
    expect(took).toBeLessThan(10_000);

    const [last] = await engine.history('slow');
    expect(last).toMatchObject({ state: 'CANCELLED', refreshTrigger: 'SCHEDULED', dataTimestamp: null });
    expect(last?.stateMessage).toMatch(/timeout of 300 ms/);
    // The worker runs every connection's queries on one thread: had the query gone on, this would wait
    // minutes for it.
    const t2 = Date.now();
    expect(await rows(engine, 'SELECT count(*) FROM small')).toEqual([[10]]);
    expect(Date.now() - t2).toBeLessThan(1_000);
    // The DT kept its (empty) contents; the transaction was rolled back.
    expect(await rows(engine, 'SELECT count(*) FROM slow')).toEqual([[0]]);
    await engine.execute('DROP DYNAMIC TABLE slow');
  });

  it('with a timeout set, refreshes within it run to the end (full and incremental)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 1, 2));
    const engine = await Engine.open(backend, { clock });
    await engine.execute(pipelineSql('to'));
    await engine.execute(
      `CREATE DYNAMIC TABLE to_inc TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
         AS SELECT day, COUNT(*) AS n, SUM(amount) AS s FROM to_src GROUP BY day`,
    );
    const scheduler = new Scheduler(engine, { refreshTimeoutMs: 30_000 });
    for (let k = 1; k <= 6; k++) {
      await engine.execute(`INSERT INTO to_src VALUES (${100 + k}, ${k % 3}, ${k})`);
      if (k % 2 === 0) await engine.execute(`DELETE FROM to_src WHERE id = ${99 + k}`);
      await scheduler.advance(30_000);
    }
    const states = await rows(
      engine,
      `SELECT state, refresh_action, count(*) FROM dtlab.refresh_history
        WHERE name LIKE 'to\\_%' ESCAPE '\\' AND refresh_trigger = 'SCHEDULED' GROUP BY ALL ORDER BY ALL`,
    );
    expect(states.filter((r) => r[0] !== 'SUCCEEDED')).toEqual([]);
    expect(states.map((r) => r[1])).toContain('INCREMENTAL');
    // (to_weekly, 10 minutes, is legitimately behind after three minutes.)
    const queries = PIPELINE_QUERIES('to');
    for (const dt of ['to_base', 'to_daily']) await expectEqualsQuery(engine, dt, queries[dt] as string);
    await expectEqualsQuery(
      engine,
      'to_inc',
      'SELECT day, COUNT(*) AS n, SUM(amount) AS s FROM to_src GROUP BY day',
    );
  });
});
