/**
 * Alerts on the lesson clock, on all three backends: Snowflake's ALERT statements, the runs and their states
 * in dtlab.alert_history, incidents (de-duplication, rate limit, escalation, acknowledge, resolve), and bad
 * input refused with a positioned error and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { errorOf, MIN, openAlerting, rows, S } from './helpers/alerts.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const T0 = Date.UTC(2026, 0, 5);

describe.each(BACKEND_KINDS)('alerts on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  const open = () => openAlerting(backend, T0);

  it('creates, shows, describes, resumes, runs on schedule and records Snowflake states', async () => {
    const { engine, scheduler } = await open();
    await engine.execute('CREATE TABLE a1_src (v INTEGER)');
    await engine.execute(`CREATE ALERT a1 WAREHOUSE = compute_wh SCHEDULE = '5 MINUTE' COMMENT = 'big values'
      IF (EXISTS (SELECT v FROM a1_src WHERE v > 10)) THEN INSERT INTO a1_log SELECT max(v) FROM a1_src`);
    await engine.execute('CREATE TABLE a1_log (v INTEGER)');
    const shown = await rows(engine, "SHOW ALERTS LIKE 'a1'");
    expect(shown.map((r) => [r[1], r[3], r[4], r[5]])).toEqual([
      ['a1', '5 MINUTE', 'suspended', 'big values'],
    ]);
    // Suspended: nothing runs.
    await scheduler.advance(10 * MIN);
    expect(await rows(engine, "SELECT count(*) FROM dtlab.alert_history WHERE name = 'a1'")).toEqual([[0]]);
    await engine.execute('ALTER ALERT a1 RESUME');
    // As in Snowflake's ALERT_HISTORY, the next run shows as SCHEDULED.
    const scheduled =
      "SELECT CAST(scheduled_time AS VARCHAR) FROM dtlab.alert_history WHERE name = 'a1' AND state = 'SCHEDULED'";
    expect((await rows(engine, scheduled)).map((r) => String(r[0]).slice(0, 19))).toEqual([
      '2026-01-05 00:15:00',
    ]);
    const desc = await rows(engine, 'DESCRIBE ALERT a1');
    expect(desc.find((r) => r[0] === 'next_scheduled_time')?.[1]).toBe('2026-01-05 00:15:00');
    await scheduler.advance(4 * MIN + 59 * S);
    expect(
      await rows(
        engine,
        "SELECT count(*) FROM dtlab.alert_history WHERE name = 'a1' AND state <> 'SCHEDULED'",
      ),
    ).toEqual([[0]]);
    await scheduler.advance(1 * S);
    await engine.execute('INSERT INTO a1_src VALUES (3), (42)');
    await scheduler.advance(5 * MIN);
    const history = await rows(
      engine,
      "SELECT state, CAST(scheduled_time AS VARCHAR) FROM dtlab.alert_history WHERE name = 'a1' ORDER BY run_id",
    );
    expect(history.map((r) => [r[0], String(r[1]).slice(11, 19)])).toEqual([
      ['CONDITION_FALSE', '00:15:00'],
      ['TRIGGERED', '00:20:00'],
      ['SCHEDULED', '00:25:00'],
    ]);
    expect(await rows(engine, 'SELECT v FROM a1_log')).toEqual([[42]]);
    await engine.execute('ALTER ALERT a1 SUSPEND'); // no next run: the SCHEDULED row goes
    await scheduler.advance(30 * MIN);
    expect(await rows(engine, "SELECT count(*) FROM dtlab.alert_history WHERE name = 'a1'")).toEqual([[2]]);
    const exec = await engine.execute('EXECUTE ALERT a1');
    expect(exec[0]?.message).toBe('Alert a1 executed: TRIGGERED.');
    await engine.execute('DROP ALERT a1');
    expect(await rows(engine, "SHOW ALERTS LIKE 'a1'")).toEqual([]);
  });

  it('runs each scheduled instant once when two engines share the database', async () => {
    const one = await open();
    const two = await open();
    await one.engine.execute("CREATE ALERT twice SCHEDULE = '2 MINUTE' IF (EXISTS (SELECT 1)) THEN SELECT 1");
    await one.engine.execute('ALTER ALERT twice RESUME');
    for (let k = 0; k < 3; k++) {
      await one.scheduler.advance(2 * MIN);
      await two.scheduler.advance(2 * MIN);
    }
    const runs = await rows(
      one.engine,
      "SELECT count(*), count(DISTINCT scheduled_time) FROM dtlab.alert_history WHERE name = 'twice' AND state <> 'SCHEDULED'",
    );
    expect(runs.map((r) => r.map(Number))).toEqual([[3, 3]]);
    await one.engine.execute('DROP ALERT twice');
  });

  it('records CONDITION_FAILED and ACTION_FAILED with their messages', async () => {
    const { engine, scheduler } = await open();
    await engine.execute(`CREATE ALERT f1 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT * FROM no_such_table))
      THEN SELECT 1`);
    await engine.execute(`CREATE ALERT f2 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1))
      THEN INSERT INTO no_such_log VALUES (1)`);
    await engine.execute('ALTER ALERT f1 RESUME');
    await engine.execute('ALTER ALERT f2 RESUME');
    await scheduler.advance(MIN);
    const h = await rows(
      engine,
      "SELECT name, state, sql_error_code, sql_error_message FROM dtlab.alert_history WHERE name IN ('f1', 'f2') AND state <> 'SCHEDULED' ORDER BY name",
    );
    expect(h.map((r) => [r[0], r[1], r[2]])).toEqual([
      ['f1', 'CONDITION_FAILED', 'DT_ERR_QUERY'],
      ['f2', 'ACTION_FAILED', 'DT_ERR_QUERY'],
    ]);
    expect(String(h[0]?.[3])).toMatch(/no_such_table/);
    expect(String(h[1]?.[3])).toMatch(/no_such_log/);
  });

  it('refuses bad input with a positioned error and changes nothing', async () => {
    const { engine } = await open();
    const bad: [string, string, RegExp, number][] = [
      ["CREATE ALERT b1 SCHEDULE = '1 MINUTE' IF (SELECT 1) THEN SELECT 1", 'DT_ERR_SYNTAX', /EXISTS/, 43],
      [
        "CREATE ALERT b1 SCHEDULE = '0 MINUTE' IF (EXISTS (SELECT 1)) THEN SELECT 1",
        'DT_ERR_OPTION',
        /1 to 11520/,
        28,
      ],
      [
        "CREATE ALERT b1 SCHEDULE = 'USING CRON 61 * * * * UTC' IF (EXISTS (SELECT 1)) THEN SELECT 1",
        'DT_ERR_OPTION',
        /minute/,
        28,
      ],
      [
        "CREATE ALERT b1 SCHEDULE = 'USING CRON 0 9 * * * Mars/Base' IF (EXISTS (SELECT 1)) THEN SELECT 1",
        'DT_ERR_OPTION',
        /Mars/,
        28,
      ],
      [
        "CREATE ALERT b1 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1)) THEN CALL DTLAB$RAISE_INCIDENT('critical', 'x', 'nope')",
        'DT_ERR_UNKNOWN_OBJECT',
        /nope/,
        110,
      ],
      [
        "CREATE ALERT b1 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1)) THEN CALL SYSTEM$SEND_EMAIL('mail', 'a@b.c', 's', 'b')",
        'DT_ERR_UNKNOWN_OBJECT',
        /mail/,
        90,
      ],
      [
        `CREATE ALERT b1 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1)) THEN CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
           SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('x'), SNOWFLAKE.NOTIFICATION.INTEGRATION('hook'))`,
        'DT_ERR_UNKNOWN_OBJECT',
        /hook/,
        87,
      ],
      [
        "CREATE ALERT b1 SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1)) THEN CALL DTLAB$RAISE_INCIDENT('urgent', 'x', 'pager')",
        'DT_ERR_OPTION',
        /severity/,
        93,
      ],
    ];
    for (const [sql, code, message, column] of bad) {
      const e = await errorOf(engine.execute(sql));
      expect([e.code, e.details.position?.column], sql).toEqual([code, column]);
      expect(e.message).toMatch(message);
    }
    expect(await rows(engine, "SHOW ALERTS LIKE 'b1'")).toEqual([]);
  });
});
