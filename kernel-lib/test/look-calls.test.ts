/**
 * What a scheduler look costs (issue 13): at an instant with nothing due it sends no statement on DuckDB and
 * PGlite, and one on a PostgreSQL server (the stamps of what other processes may have changed,
 * catalog/stamps.ts) — not the DMF schedules, alerts, incidents, warehouses, dynamic tables and lag samples
 * it used to read or write at every look; and a manual move sends that one once, not at every instant. What
 * it holds instead must stay exact: DMF schedules, alerts and lag samples still fire and show after changes
 * made through the engine, and (server) by another engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, formatTimestamp } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { lagPoints } from '../src/magics/commands.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 0, 5);

const rowsOf = async (engine: Engine, sql: string) =>
  ((await engine.execute(sql)).at(-1)?.rows ?? []).map((r) =>
    r.map((v) => (typeof v === 'bigint' ? Number(v) : v)),
  );

/** What a look used to read or write at every instant. */
const HELD =
  /dmf_schedules|dtlab\.alerts|dtlab\.incidents|FROM dtlab\.warehouses|FROM dtlab\.dynamic_tables t\b|lag_samples/;

describe.each(BACKEND_KINDS)('a scheduler look on %s', (kind) => {
  let backend: Backend;
  let rec: ReturnType<typeof recording>;
  let clock: ManualClock;
  let engine: Engine;
  let scheduler: Scheduler;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    rec = recording(backend, { direct: true });
    clock = new ManualClock(T0);
    engine = await Engine.open(backend, { clock });
    await engine.execute(`CREATE TABLE src (v INTEGER); INSERT INTO src VALUES (1), (2);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT v FROM src`);
    scheduler = new Scheduler(engine);
    await scheduler.advance(2 * MIN);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('with nothing due: no statement (a PostgreSQL server: the one that reads the stamps)', async () => {
    let samples = 0;
    const sub = scheduler.events$.subscribe((e) => {
      if (e.type === 'lag') samples++;
    });
    clock.advance(20 * S); // d refreshed at T0 + 2 min: next due at T0 + 3 min
    rec.queries.length = 0;
    rec.on = true;
    await scheduler.tick();
    rec.on = false;
    sub.unsubscribe();
    const stamps = rec.queries.filter((q) => /md5\(/.test(q));
    expect(rec.queries.filter((q) => HELD.test(q) && !stamps.includes(q))).toEqual([]);
    if (kind === 'postgres') expect(rec.queries).toEqual([stamps[0]]);
    else expect(rec.queries).toEqual([]);
    // The look took its lag sample (published at once); whatever reads the table sees it too.
    expect(samples).toBe(1);
    const now = formatTimestamp(clock.now());
    const seen = await rowsOf(
      engine,
      `SELECT count(*) FROM dtlab.lag_samples WHERE name = 'd' AND kind = 'CYCLE' AND sample_time = CAST('${now}' AS TIMESTAMP)`,
    );
    expect(seen).toEqual([[1]]);
  });

  it('DMF schedules, alerts and lag samples still fire and show after changes through the engine', async () => {
    await engine.execute(`ALTER TABLE src SET DATA_METRIC_SCHEDULE = '5 MINUTE';
      ALTER TABLE src ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ();
      CREATE TABLE al_log (seen VARCHAR);
      CREATE ALERT al SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1))
        THEN INSERT INTO al_log SELECT CAST(max(sample_time) AS VARCHAR) FROM dtlab.lag_samples WHERE kind = 'CYCLE';
      ALTER ALERT al RESUME`);
    const from = clock.now();
    await scheduler.advance(10 * MIN);
    const dmf = await rowsOf(
      engine,
      `SELECT value, CAST(measurement_time AS VARCHAR) FROM dtlab.data_quality_monitoring_results
        WHERE table_name = 'src' ORDER BY measurement_time`,
    );
    expect(dmf.map((r) => [r[0], String(r[1]).slice(11, 16)])).toEqual([
      [2, '00:05'],
      [2, '00:10'],
    ]);
    // Each run of the alert saw the lag sample its own instant took (written before the condition ran).
    const runs = await rowsOf(
      engine,
      `SELECT CAST(scheduled_time AS VARCHAR) FROM dtlab.alert_history WHERE name = 'al' AND state = 'TRIGGERED' ORDER BY scheduled_time`,
    );
    expect(runs.length).toBe(10);
    const seen = await rowsOf(engine, 'SELECT seen FROM al_log ORDER BY seen');
    expect(seen.map((r) => String(r[0]).slice(0, 19))).toEqual(runs.map((r) => String(r[0]).slice(0, 19)));
    // %dt lag: every CYCLE sample of the move, up to its last instant.
    const points = (await lagPoints(engine, ['d'])).filter(
      (p) => p.kind === 'CYCLE' && Date.parse(`${p.sampleTime.replace(' ', 'T')}Z`) > from,
    );
    expect(points.at(-1)?.sampleTime.slice(0, 19)).toBe(formatTimestamp(clock.now()).slice(0, 19));
    expect(points.length).toBeGreaterThanOrEqual(10);
    await engine.execute('ALTER ALERT al SUSPEND');
  });

  it("a manual move looks for other processes' changes once, at its first instant, whatever it steps through", async () => {
    // Nothing else writes while a move runs (schedule/cycle.ts): one stamps statement on a server, not one per
    // instant (a simulated lesson hour steps through hundreds: refresh ends, cycles, warehouse suspensions).
    await engine.execute('INSERT INTO src VALUES (3)');
    let refreshes = 0;
    const sub = scheduler.events$.subscribe((e) => {
      if (e.type === 'refresh') refreshes++;
    });
    rec.queries.length = 0;
    rec.on = true;
    await scheduler.advance(10 * MIN);
    rec.on = false;
    sub.unsubscribe();
    expect(refreshes).toBeGreaterThanOrEqual(10);
    expect(rec.queries.filter((q) => /md5\(/.test(q))).toHaveLength(kind === 'postgres' ? 1 : 0);
  });
});

describe('scheduler looks on a shared PostgreSQL server', () => {
  it("see another engine's DMF schedules, alerts, warehouses, DTs and refreshes", async () => {
    const backend = await freshBackend('postgres');
    const clock = new ManualClock(T0);
    const a = await Engine.open(backend, { clock });
    const b = await Engine.open(await openBackend(serverUrlOf(backend) as string), { clock });
    try {
      await a.execute(`CREATE TABLE src (v INTEGER); INSERT INTO src VALUES (1), (2);
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT v FROM src`);
      const scheduler = new Scheduler(a);
      await scheduler.advance(2 * MIN); // a holds what it read
      await b.execute(`ALTER TABLE src SET DATA_METRIC_SCHEDULE = '5 MINUTE';
        ALTER TABLE src ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ();
        CREATE TABLE al_log (at VARCHAR);
        CREATE ALERT al SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1)) THEN INSERT INTO al_log VALUES ('run');
        ALTER ALERT al RESUME;
        CREATE WAREHOUSE wh2 WAREHOUSE_SIZE = SMALL;
        CREATE DYNAMIC TABLE d2 TARGET_LAG = '1 minute' WAREHOUSE = wh2 AS SELECT v * 2 AS w FROM src`);
      await scheduler.advance(10 * MIN);
      const count = async (sql: string) => Number((await rowsOf(a, sql))[0]?.[0]);
      // a's scheduler measured the schedule b set, ran the alert b made, and refreshed the DT b created.
      expect(
        await count("SELECT count(*) FROM dtlab.data_quality_monitoring_results WHERE table_name = 'src'"),
      ).toBe(2);
      expect(
        await count("SELECT count(*) FROM dtlab.alert_history WHERE name = 'al' AND state = 'TRIGGERED'"),
      ).toBe(10);
      expect(
        await count(
          "SELECT count(*) FROM dtlab.refresh_history WHERE name = 'd2' AND refresh_trigger = 'SCHEDULED' AND state = 'SUCCEEDED'",
        ),
      ).toBeGreaterThanOrEqual(10);
      expect((await a.listWarehouses({ fresh: false })).map((w) => w.name)).toContain('wh2');
      // b's lag readers see a's samples of the whole move.
      const last = (await lagPoints(b, ['d2'])).filter((p) => p.kind === 'CYCLE').at(-1);
      expect(last?.sampleTime.slice(0, 19)).toBe(formatTimestamp(clock.now()).slice(0, 19));
      // A refresh by b moves the data timestamp a's next look plans from, without a's reading the catalog.
      await b.execute('INSERT INTO src VALUES (3)');
      clock.advance(30 * S);
      await b.refresh('d');
      await a.lookForChanges();
      const known = (await a.listDynamicTables({ fresh: false })).find((d) => d.name === 'd');
      expect(known?.dataTimestamp?.slice(0, 19)).toBe(formatTimestamp(clock.now()).slice(0, 19));
      // And a change b makes to what a holds (suspending the alert) stops a's runs.
      await b.execute('ALTER ALERT al SUSPEND');
      const before = await count('SELECT count(*) FROM al_log');
      await scheduler.advance(3 * MIN);
      expect(await count('SELECT count(*) FROM al_log')).toBe(before);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
