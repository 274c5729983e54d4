/**
 * The cost model (schedule/cost.ts): a refresh's duration and credits follow the source rows it read and the
 * rows it wrote, scaled by the warehouse size; NO_DATA is free; the rows read are recorded and exposed in the
 * monitoring view. On all three backends, under a manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { ROWS_PER_SECOND_XSMALL, sourceRowsSql, workDurationMs } from '../src/schedule/cost.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { billedSeconds, creditsForRun } from '../src/schedule/warehouse.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { rows } from './helpers/pipeline.js';

const T0 = Date.UTC(2026, 0, 5);
const S = 1000;

describe('cost model (pure)', () => {
  it('derives the duration from rows read and written, scaled by size; same work, same credits', () => {
    const w = { rowsRead: 15_000, rowsInserted: 2_400, rowsDeleted: 2_400 };
    expect(workDurationMs('XSMALL', w)).toBe(Math.ceil((19_800 * 1000) / ROWS_PER_SECOND_XSMALL));
    expect(workDurationMs('MEDIUM', w)).toBe(Math.ceil(workDurationMs('XSMALL', w) / 4));
    expect(workDurationMs('XSMALL', { rowsRead: 0, rowsInserted: 0, rowsDeleted: 0 })).toBe(0);
    expect(workDurationMs('XSMALL', { rowsRead: 30, rowsInserted: 10, rowsDeleted: 10 })).toBe(5);
  });

  it('bills whole seconds, at least 60 per resume', () => {
    expect(billedSeconds(0, 1)).toBe(60);
    expect(billedSeconds(0, 60_000)).toBe(60);
    expect(billedSeconds(0, 60_001)).toBe(61);
    expect(creditsForRun('SMALL', 0, 3600_000)).toBe(2);
  });

  it('counts each source once', () => {
    expect(sourceRowsSql([])).toBeNull();
    expect(sourceRowsSql(['a', 'a', 'b'])).toBe(
      'SELECT (SELECT count(*) FROM "a") + (SELECT count(*) FROM "b")',
    );
  });
});

describe.each(BACKEND_KINDS)('cost model on %s', (kind) => {
  let backend: Awaited<ReturnType<typeof freshBackend>>;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('records rows read: all source rows for FULL, the changes for INCREMENTAL, none for NO_DATA (free)', async () => {
    const clock = new ManualClock(T0);
    const engine = await Engine.open(backend, { clock });
    await engine.execute(`
      CREATE WAREHOUSE cost_wh WAREHOUSE_SIZE = SMALL AUTO_SUSPEND = 60;
      CREATE TABLE cost_src (id INTEGER, day INTEGER, amount INTEGER);
      INSERT INTO cost_src SELECT i, i % 10, i FROM generate_series(1, 2000) AS g(i);
      CREATE DYNAMIC TABLE cost_inc TARGET_LAG = '1 minute' WAREHOUSE = cost_wh REFRESH_MODE = INCREMENTAL
        AS SELECT day, COUNT(*) AS n, SUM(amount) AS total FROM cost_src GROUP BY day;
      CREATE DYNAMIC TABLE cost_full TARGET_LAG = '1 minute' WAREHOUSE = cost_wh REFRESH_MODE = FULL
        AS SELECT day, COUNT(*) AS n, SUM(amount) AS total FROM cost_src GROUP BY day;`);
    const scheduler = new Scheduler(engine);
    await engine.execute('INSERT INTO cost_src VALUES (5001, 3, 7), (5002, 4, 8)');
    await scheduler.advance(30 * S);
    const [inc] = await engine.history('cost_inc');
    const [full] = await engine.history('cost_full');
    expect(inc).toMatchObject({ refreshAction: 'INCREMENTAL', rowsRead: 2 });
    expect(full).toMatchObject({ refreshAction: 'FULL', rowsRead: 2002, rowsInserted: 10, rowsDeleted: 10 });
    // SMALL: 20,000 rows per second; credits = duration × 2 credits/h.
    const fullMs = Math.ceil(((2002 + 20) * 1000) / 20_000);
    expect(full?.executionMs).toBe(fullMs);
    expect(full?.creditsUsed).toBeCloseTo((fullMs * 2) / 3_600_000, 12);
    expect(inc?.executionMs).toBe(workDurationMs('SMALL', inc as NonNullable<typeof inc>));
    expect(inc?.executionMs).toBeLessThan(fullMs);
    expect(inc?.creditsUsed).toBeLessThan((full?.creditsUsed ?? 0) / 10);
    const at = (r: typeof full) => Date.parse(`${r?.refreshEndTime?.replace(' ', 'T')}Z`);
    expect(at(full) - Date.parse(`${full?.refreshStartTime.replace(' ', 'T')}Z`)).toBe(fullMs);

    // Nothing changed: NO_DATA reads nothing, takes no time and costs nothing.
    await scheduler.advance(30 * S);
    const [quiet] = await engine.history('cost_inc');
    expect(quiet).toMatchObject({ refreshAction: 'NO_DATA', rowsRead: 0, executionMs: 0, creditsUsed: 0 });
    expect(quiet?.refreshStartTime).toBe(quiet?.refreshEndTime);

    // A manual refresh under the manual clock is timed by the model too, and the view shows rows_read.
    await engine.execute('INSERT INTO cost_src VALUES (5003, 1, 1)');
    await engine.execute('ALTER DYNAMIC TABLE cost_full REFRESH');
    const [manual] = await engine.history('cost_full');
    expect(manual).toMatchObject({ refreshTrigger: 'MANUAL', rowsRead: 2003 });
    expect(manual?.executionMs).toBe(workDurationMs('SMALL', manual as NonNullable<typeof manual>));
    const view = await rows(
      engine,
      `SELECT rows_read FROM dtlab.dynamic_table_refresh_history WHERE refresh_id = ${manual?.refreshId}`,
    );
    expect(view.map((r) => Number(r[0]))).toEqual([2003]);
  });
});
