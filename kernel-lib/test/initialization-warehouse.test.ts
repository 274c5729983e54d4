/**
 * INITIALIZATION_WAREHOUSE: validated, stored, shown, set and unset by ALTER, and every initialization — the
 * initial refresh (at CREATE or the first scheduled one) and every REINITIALIZE, however triggered — runs on
 * it and is billed to it at its size; every other refresh runs on WAREHOUSE. On all three backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { creditsFor } from '../src/refresh/full.js';
import { workDurationMs } from '../src/schedule/cost.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import type { RefreshRecord } from '../src/types.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('INITIALIZATION_WAREHOUSE on %s', (kind) => {
  let engine: Engine;
  const one = async (sql: string) => (await engine.execute(sql)).at(-1);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 20);
      CREATE WAREHOUSE big_wh WAREHOUSE_SIZE = XLARGE`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('bills the initial refresh to it and later refreshes to WAREHOUSE', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE sums TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
      INITIALIZATION_WAREHOUSE = big_wh AS SELECT k, SUM(v) AS s FROM src GROUP BY k`);
    await engine.execute('INSERT INTO src VALUES (3, 30)');
    await engine.refresh('sums');
    const history = await one(
      "SELECT refresh_trigger, warehouse FROM dtlab.refresh_history WHERE name = 'sums' ORDER BY refresh_id",
    );
    expect(history?.rows).toEqual([
      ['CREATION', 'big_wh'],
      ['MANUAL', 'compute_wh'],
    ]);
    expect((await engine.verify('sums')).equal).toBe(true);
    const show = await one("SHOW DYNAMIC TABLES LIKE 'sums'");
    const at = show?.columns.findIndex((c) => c.name === 'initialization_warehouse') ?? -1;
    expect(show?.rows[0]?.[at]).toBe('big_wh');
  });

  it('CREATE OR ALTER changes it in place, keeping the data', async () => {
    const before = (await one('SELECT count(*) FROM dtlab.refresh_history'))?.rows[0]?.[0];
    expect(
      (
        await one(`CREATE OR ALTER DYNAMIC TABLE sums TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
      AS SELECT k, SUM(v) AS s FROM src GROUP BY k`)
      )?.message,
    ).toMatch(/INITIALIZATION_WAREHOUSE unset/);
    expect(
      (await engine.listDynamicTables()).find((d) => d.name === 'sums')?.initializationWarehouse,
    ).toBeUndefined();
    expect((await one('SELECT count(*) FROM dtlab.refresh_history'))?.rows[0]?.[0]).toEqual(before);
  });

  it('refuses an unknown warehouse at the option, creating nothing', async () => {
    const sql =
      "CREATE DYNAMIC TABLE nope TARGET_LAG = '1 hour'\n  INITIALIZATION_WAREHOUSE = ghost_wh AS SELECT k FROM src";
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((err as DtError).details.position).toMatchObject({ line: 2, column: 30 });
    expect((await engine.listDynamicTables()).map((d) => d.name)).toEqual(['sums']);
    const wh = await engine
      .execute("CREATE DYNAMIC TABLE nope TARGET_LAG = '1 hour' WAREHOUSE = ghost_wh AS SELECT k FROM src")
      .catch((e: unknown) => e);
    expect((wh as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((wh as DtError).details.position).toMatchObject({ line: 1, column: 61 });
  });

  it('ALTER … SET / UNSET INITIALIZATION_WAREHOUSE: stored, shown by SHOW and DESCRIBE', async () => {
    const dt = async () => (await engine.listDynamicTables()).find((d) => d.name === 'sums');
    // Snowflake's documentation writes the name as a string.
    expect((await one("ALTER DYNAMIC TABLE sums SET INITIALIZATION_WAREHOUSE = 'BIG_WH'"))?.message).toMatch(
      /INITIALIZATION_WAREHOUSE = big_wh/,
    );
    expect((await dt())?.initializationWarehouse).toBe('big_wh');
    const show = await one("SHOW DYNAMIC TABLES LIKE 'sums'");
    const at = show?.columns.findIndex((c) => c.name === 'initialization_warehouse') ?? -1;
    expect(show?.rows[0]?.[at]).toBe('big_wh');
    const described = (await one('DESCRIBE DYNAMIC TABLE sums'))?.rows ?? [];
    expect(described.find((r) => r[2] === 'INITIALIZATION_WAREHOUSE')).toEqual([
      'initialization warehouse',
      'big_wh',
      'INITIALIZATION_WAREHOUSE',
      'other refreshes on compute_wh',
    ]);
    // Used as one: not droppable.
    const drop = await engine.execute('DROP WAREHOUSE big_wh').catch((e: unknown) => e);
    expect((drop as DtError).code).toBe('DT_ERR_HAS_DEPENDENTS');
    expect((await one('ALTER DYNAMIC TABLE sums UNSET INITIALIZATION_WAREHOUSE'))?.message).toMatch(
      /INITIALIZATION_WAREHOUSE unset/,
    );
    expect((await dt())?.initializationWarehouse).toBeUndefined();
    const shownAfter = await one("SHOW DYNAMIC TABLES LIKE 'sums'");
    expect(shownAfter?.rows[0]?.[at]).toBeNull();
    const describedAfter = (await one('DESCRIBE DYNAMIC TABLE sums'))?.rows ?? [];
    expect(describedAfter.some((r) => r[2] === 'INITIALIZATION_WAREHOUSE')).toBe(false);
    // Both in one statement, comma-separated as Snowflake's syntax writes them.
    await engine.execute(
      "ALTER DYNAMIC TABLE sums SET TARGET_LAG = '2 hours', INITIALIZATION_WAREHOUSE = big_wh",
    );
    expect(await dt()).toMatchObject({ initializationWarehouse: 'big_wh', targetLag: { seconds: 7200 } });
    await engine.execute('ALTER DYNAMIC TABLE sums UNSET INITIALIZATION_WAREHOUSE, COMMENT');
    expect((await dt())?.initializationWarehouse).toBeUndefined();
  });

  it('ALTER refuses an unknown warehouse at its name, changing nothing', async () => {
    await engine.execute('ALTER DYNAMIC TABLE sums SET INITIALIZATION_WAREHOUSE = big_wh');
    for (const [sql, column] of [
      ['ALTER DYNAMIC TABLE sums\n  SET INITIALIZATION_WAREHOUSE = ghost_wh', 34],
      ["ALTER DYNAMIC TABLE sums\n  SET TARGET_LAG = '5 minutes' WAREHOUSE = ghost_wh", 44],
    ] as const) {
      const err = await engine.execute(sql).catch((e: unknown) => e);
      expect(err, sql).toBeInstanceOf(DtError);
      expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
      expect((err as DtError).message).toMatch(/warehouse ghost_wh does not exist/);
      expect((err as DtError).details.position).toMatchObject({ line: 2, column });
    }
    expect((await engine.listDynamicTables()).find((d) => d.name === 'sums')).toMatchObject({
      warehouse: 'compute_wh',
      initializationWarehouse: 'big_wh',
      targetLag: { seconds: 7200 },
    });
    for (const sql of [
      'ALTER DYNAMIC TABLE sums SET INITIALIZATION_WAREHOUSE',
      "ALTER DYNAMIC TABLE sums SET INITIALIZATION_WAREHOUSE = ''",
      'ALTER DYNAMIC TABLE sums SET INITIALIZATION_WAREHOUSE = big_wh INITIALIZATION_WAREHOUSE = big_wh',
      'ALTER DYNAMIC TABLE sums UNSET WAREHOUSE',
    ]) {
      const err = await engine.execute(sql).catch((e: unknown) => e);
      expect(err, sql).toBeInstanceOf(DtError);
      expect((err as DtError).details.position, sql).toMatchObject({ line: 1 });
    }
  });
});

/** Credits of a refresh on a warehouse of `size` under the manual clock's cost model (schedule/cost.ts). */
const modelled = (size: 'XSMALL' | 'XLARGE', r: RefreshRecord | undefined) =>
  creditsFor(size, workDurationMs(size, r as RefreshRecord));

describe.each(BACKEND_KINDS)('initializations run on INITIALIZATION_WAREHOUSE on %s', (kind) => {
  const T0 = Date.UTC(2026, 0, 5);
  let engine: Engine;
  let scheduler: Scheduler;
  const history = async (name: string) => [...(await engine.history(name))].reverse();

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind), { clock: new ManualClock(T0) });
    scheduler = new Scheduler(engine);
    await engine.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src SELECT i % 7, i FROM generate_series(1, 500) AS g(i);
      CREATE WAREHOUSE small_wh WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60;
      CREATE WAREHOUSE big_wh WAREHOUSE_SIZE = XLARGE AUTO_SUSPEND = 60`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('a manual REINITIALIZE runs on it, billed at its size; INCREMENTAL on WAREHOUSE', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE manual_sums TARGET_LAG = '1 hour' WAREHOUSE = small_wh
      REFRESH_MODE = INCREMENTAL AS SELECT k, SUM(v) AS s, COUNT(*) AS n FROM src GROUP BY k`);
    await engine.execute('ALTER DYNAMIC TABLE manual_sums SET INITIALIZATION_WAREHOUSE = big_wh');
    await engine.execute('INSERT INTO src VALUES (1, 1000)');
    await engine.refresh('manual_sums');
    // A write that cannot be captured row by row: the next refresh reinitializes.
    await engine.execute('TRUNCATE src');
    await engine.execute('INSERT INTO src SELECT i % 5, i FROM generate_series(1, 300) AS g(i)');
    await engine.refresh('manual_sums');
    await engine.execute('INSERT INTO src VALUES (2, 2000)');
    await engine.execute('ALTER DYNAMIC TABLE manual_sums REFRESH');
    const h = await history('manual_sums');
    expect(h.map((r) => [r.refreshTrigger, r.refreshAction, r.warehouse])).toEqual([
      ['CREATION', 'FULL', 'small_wh'],
      ['MANUAL', 'INCREMENTAL', 'small_wh'],
      ['MANUAL', 'REINITIALIZE', 'big_wh'],
      ['MANUAL', 'INCREMENTAL', 'small_wh'],
    ]);
    expect(h[2]?.creditsUsed).toBeCloseTo(modelled('XLARGE', h[2]), 12);
    expect(h[3]?.creditsUsed).toBeCloseTo(modelled('XSMALL', h[3]), 12);
    expect((await engine.verify('manual_sums')).equal).toBe(true);
    // Unset, a reinitialization runs on WAREHOUSE.
    await engine.execute('ALTER DYNAMIC TABLE manual_sums UNSET INITIALIZATION_WAREHOUSE; TRUNCATE src');
    await engine.refresh('manual_sums');
    expect((await history('manual_sums')).at(-1)).toMatchObject({
      refreshAction: 'REINITIALIZE',
      warehouse: 'small_wh',
    });
    await engine.execute('DROP DYNAMIC TABLE manual_sums');
  });

  it('scheduled: the first refresh (INITIALIZE = ON_SCHEDULE) and a REINITIALIZE run on it and its meter', async () => {
    await engine.execute(`INSERT INTO src SELECT i % 7, i FROM generate_series(1, 400) AS g(i);
      CREATE DYNAMIC TABLE sched_sums TARGET_LAG = '1 minute' WAREHOUSE = small_wh
        INITIALIZATION_WAREHOUSE = big_wh INITIALIZE = ON_SCHEDULE
        AS SELECT k, SUM(v) AS s, COUNT(*) AS n FROM src GROUP BY k`);
    expect(await history('sched_sums')).toEqual([]);
    await scheduler.advance(60_000);
    await engine.execute('INSERT INTO src VALUES (3, 3000)');
    await scheduler.advance(60_000);
    await engine.execute('TRUNCATE src');
    await engine.execute('INSERT INTO src VALUES (4, 4000)');
    await scheduler.advance(60_000);
    await engine.execute('INSERT INTO src VALUES (5, 5000)');
    await scheduler.advance(60_000);
    // Long enough for both warehouses to suspend and be metered.
    await scheduler.advance(10 * 60_000);
    const h = (await history('sched_sums')).filter((r) => r.refreshAction !== 'NO_DATA');
    expect(h.map((r) => [r.refreshTrigger, r.refreshAction, r.warehouse])).toEqual([
      ['SCHEDULED', 'FULL', 'big_wh'],
      ['SCHEDULED', 'INCREMENTAL', 'small_wh'],
      ['SCHEDULED', 'REINITIALIZE', 'big_wh'],
      ['SCHEDULED', 'INCREMENTAL', 'small_wh'],
    ]);
    expect(h[0]?.creditsUsed).toBeCloseTo(modelled('XLARGE', h[0]), 12);
    expect(h[1]?.creditsUsed).toBeCloseTo(modelled('XSMALL', h[1]), 12);
    expect((await engine.verify('sched_sums')).equal).toBe(true);
    // The warehouses' bills: big_wh ran the two initializations, small_wh the two incremental refreshes.
    const { rows } = await engine.backend.query(
      'SELECT warehouse_name, sum(refreshes) FROM dtlab.warehouse_metering_history GROUP BY warehouse_name ORDER BY 1',
    );
    expect(rows.map((r) => [String(r[0]), Number(r[1])])).toEqual([
      ['big_wh', 2],
      ['small_wh', 2],
    ]);
  });
});
