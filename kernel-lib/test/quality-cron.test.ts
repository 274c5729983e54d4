/**
 * DMF schedules 'USING CRON <expr> <time zone>' (Snowflake's form, parsed by croner as alerts' schedules): they
 * fire at each instant of the expression on the lesson clock, once per instant; a bad expression or time zone
 * is DT_ERR_OPTION at the schedule and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { latestDue, scheduleTimes } from '../src/quality/service.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const MIN = 60_000;
const num = (v: Value | undefined) => (v === null || v === undefined ? null : Number(v));

describe('schedule instants', () => {
  it('steps a cron in its time zone and finds the latest instant passed', () => {
    const next = scheduleTimes('USING CRON 30 9 * * * America/New_York');
    expect(next).toBeDefined();
    const first = next?.(T0) as number;
    expect(new Date(first).toISOString()).toBe('2026-01-05T14:30:00.000Z'); // 09:30 EST
    const f = next as (a: number) => number | null;
    expect(latestDue(f, T0, T0 + 3 * 24 * 60 * MIN)).toBe(first + 2 * 24 * 60 * MIN);
    expect(latestDue(f, T0, first - 1)).toBeNull();
    expect(scheduleTimes('TRIGGER_ON_CHANGES')).toBeUndefined();
  });
});

describe.each(BACKEND_KINDS)('DMF cron schedules on %s', (kind) => {
  let engine: Engine;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(T0);
    engine = await Engine.open(await freshBackend(kind), { clock });
    await engine.execute(`CREATE TABLE c_orders (id INTEGER);
      INSERT INTO c_orders VALUES (1), (2);
      ALTER TABLE c_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ()`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("fires 'USING CRON */20 * * * * UTC' at each instant of the lesson clock", async () => {
    await engine.execute("ALTER TABLE c_orders SET DATA_METRIC_SCHEDULE = 'USING CRON */20 * * * * UTC'");
    const scheduler = new Scheduler(engine);
    await scheduler.advance(65 * MIN);
    const [r] = await engine.execute(
      `SELECT CAST(scheduled_time AS VARCHAR), value FROM dtlab.data_quality_monitoring_results
        WHERE table_name = 'c_orders' ORDER BY measurement_time`,
    );
    expect(r?.rows.map((x) => [String(x[0]).slice(11, 16), num(x[1])])).toEqual([
      ['00:20', 2],
      ['00:40', 2],
      ['01:00', 2],
    ]);
  });

  it('refuses a bad cron with a positioned DT_ERR_OPTION and keeps the schedule', async () => {
    for (const bad of [
      'USING CRON 61 * * * * UTC',
      'USING CRON 0 9 * * * Mars/Base',
      'USING CRON 0 9 * * *',
    ]) {
      const sql = `ALTER TABLE c_orders SET DATA_METRIC_SCHEDULE = '${bad}'`;
      const e = await engine.execute(sql).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(DtError);
      expect((e as DtError).code).toBe('DT_ERR_OPTION');
      expect((e as DtError).details.position?.column).toBe(sql.indexOf("'") + 1);
    }
    const [s] = await engine.execute(
      "SELECT schedule FROM dtlab.dmf_schedules WHERE table_name = 'c_orders'",
    );
    expect(s?.rows[0]?.[0]).toBe('USING CRON */20 * * * * UTC');
  });
});
