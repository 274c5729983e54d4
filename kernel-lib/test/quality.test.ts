/**
 * Data metric functions on all three backends: system and custom DMFs, schedules on the lesson clock
 * ('5 MINUTE') and on changes (TRIGGER_ON_CHANGES, also after a DT refresh), the results view, the score
 * history with DT expectations' results, and bad input refused with a positioned error and nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine, type EngineEvent } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { insertExpectationResults } from './helpers/expectation-results.js';

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

const num = (v: Value | undefined) => (v === null || v === undefined ? null : Number(v));

describe.each(BACKEND_KINDS)('data metric functions on %s', (kind) => {
  let backend: Awaited<ReturnType<typeof freshBackend>>;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  const open = async (prefix: string) => {
    const clock = new ManualClock(T0);
    const engine = await Engine.open(backend, { clock });
    const events: EngineEvent[] = [];
    engine.events$.subscribe((e) => events.push(e));
    await engine.execute(`
      CREATE TABLE ${prefix}_orders (id INTEGER, cust INTEGER, status VARCHAR(10), price DECIMAL(10,2), placed TIMESTAMP);
      INSERT INTO ${prefix}_orders VALUES
        (1, 10, 'O', 5.00, '2026-01-04 23:00:00'), (2, NULL, 'F', 7.50, '2026-01-04 23:30:00'),
        (2, 11, ' ', -1.00, '2026-01-04 23:50:00'), (3, 12, 'X', 2.50, NULL);
      CREATE TABLE ${prefix}_customers (id INTEGER);
      INSERT INTO ${prefix}_customers VALUES (10), (11);`);
    return { clock, engine, events };
  };
  const results = async (engine: Engine, table: string) =>
    (
      await engine.execute(
        `SELECT metric_name, argument_names, value, expectation_violated, CAST(measurement_time AS VARCHAR)
           FROM dtlab.data_quality_monitoring_results WHERE table_name = '${table}' ORDER BY measurement_time, reference_id`,
      )
    )[0]?.rows ?? [];

  it('measures every system metric in one evaluation, with expectations, samples and a score', async () => {
    const { engine, events } = await open('a');
    await engine.execute(`
      ALTER TABLE a_orders ADD
        DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (cust) EXPECTATION no_null_cust (VALUE = 0),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_PERCENT ON (cust),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (status),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_PERCENT ON (status),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (id) EXPECTATION unique_id (VALUE = 0),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.UNIQUE_COUNT ON (id),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON (),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.FRESHNESS ON (placed),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.ACCEPTED_VALUES ON (status, status -> status IN ('O', 'F', 'P')),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.AVG ON (price),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.MIN ON (price) EXPECTATION non_negative (VALUE >= 0),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.MAX ON (price),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.STDDEV ON (price),
        DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (id, cust)`);
    const ev = await engine.quality.measure('a_orders');
    const v = Object.fromEntries(
      ev.metrics.map((m) => [
        `${m.metric.replace('SNOWFLAKE.CORE.', '')}(${m.arguments[0] ?? ''}${m.arguments.length > 1 && !m.arguments[1]?.includes('->') ? `,${m.arguments[1]}` : ''})`,
        m.value,
      ]),
    );
    expect(v['NULL_COUNT(cust)']).toBe(1);
    expect(v['NULL_PERCENT(cust)']).toBe(25);
    expect(v['BLANK_COUNT(status)']).toBe(1);
    expect(v['BLANK_PERCENT(status)']).toBe(25);
    expect(v['DUPLICATE_COUNT(id)']).toBe(1);
    expect(v['DUPLICATE_COUNT(id,cust)']).toBe(0);
    expect(v['UNIQUE_COUNT(id)']).toBe(3);
    expect(v['ROW_COUNT()']).toBe(4);
    expect(v['FRESHNESS(placed)']).toBe(600); // 23:50 → midnight of the lesson clock
    expect(v['ACCEPTED_VALUES(status)']).toBe(2); // ' ' and 'X'
    expect(v['AVG(price)']).toBeCloseTo(3.5, 6);
    expect(v['MIN(price)']).toBe(-1);
    expect(v['MAX(price)']).toBe(7.5);
    expect(v['STDDEV(price)']).toBeCloseTo(Math.sqrt((1.5 ** 2 + 4 ** 2 + 4.5 ** 2 + 1 ** 2) / 3), 6);
    // Three expectations, all violated: score 0, ERROR; the null customer's row is sampled.
    expect(ev.score).toEqual({ score: 0, state: 'ERROR', checks: 3, failing: 3 });
    const nulls = ev.metrics.find((m) => m.expectation?.startsWith('no_null_cust'));
    expect(nulls?.sample?.map((r) => num(r.id))).toEqual([2]);
    expect((await results(engine, 'a_orders')).length).toBe(14);
    expect(events.some((e) => e.type === 'quality' && e.evaluation.table === 'a_orders')).toBe(true);
    // Fixed data: the score climbs to 100, HEALTHY, and the history keeps both.
    await engine.execute(
      `UPDATE a_orders SET cust = 13 WHERE cust IS NULL; DELETE FROM a_orders WHERE price < 0`,
    );
    expect((await engine.quality.measure('a_orders')).score).toEqual({
      score: 100,
      state: 'HEALTHY',
      checks: 3,
      failing: 0,
    });
    const [hist] = await engine.execute(
      `SELECT score, state FROM dtlab.quality_scores WHERE table_name = 'a_orders' ORDER BY measurement_time, score`,
    );
    expect(hist?.rows.map((r) => [num(r[0]), r[1]])).toEqual([
      [0, 'ERROR'],
      [100, 'HEALTHY'],
    ]);
  });

  it("fires a '5 MINUTE' schedule on the lesson clock, and TRIGGER_ON_CHANGES after writes and DT refreshes", async () => {
    const { clock, engine } = await open('b');
    await engine.execute(`ALTER TABLE b_orders SET DATA_METRIC_SCHEDULE = '5 MINUTE';
      ALTER TABLE b_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ()`);
    const scheduler = new Scheduler(engine);
    await scheduler.advance(12 * MIN);
    const r = await results(engine, 'b_orders');
    expect(r.map((x) => String(x[4]).slice(11, 16))).toEqual(['00:05', '00:10']);
    expect(r.map((x) => num(x[2]))).toEqual([4, 4]);
    // Nothing fires on a write under a minute schedule; under TRIGGER_ON_CHANGES each write measures.
    await engine.execute(`INSERT INTO b_orders VALUES (9, 10, 'O', 1, NULL)`);
    expect((await results(engine, 'b_orders')).length).toBe(2);
    await engine.execute(`ALTER TABLE b_orders SET DATA_METRIC_SCHEDULE = 'TRIGGER_ON_CHANGES'`);
    await engine.execute(`INSERT INTO b_orders VALUES (10, 10, 'O', 1, NULL)`);
    await engine.write([`DELETE FROM b_orders WHERE id = 9`]);
    await scheduler.advance(20 * MIN); // no minute schedule any more
    expect((await results(engine, 'b_orders')).map((x) => num(x[2]))).toEqual([4, 4, 6, 5]);
    // A DT with TRIGGER_ON_CHANGES is measured after a refresh that changed it, not after one that did not.
    await engine.execute(`CREATE DYNAMIC TABLE b_open TARGET_LAG = '1 minute' AS SELECT id, cust FROM b_orders WHERE status = 'O';
      ALTER DYNAMIC TABLE b_open SET DATA_METRIC_SCHEDULE = 'TRIGGER_ON_CHANGES';
      ALTER DYNAMIC TABLE b_open ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ()`);
    await engine.refresh('b_open');
    expect((await results(engine, 'b_open')).length).toBe(0);
    await engine.execute(`INSERT INTO b_orders VALUES (11, 10, 'O', 1, NULL)`);
    clock.advance(MIN);
    await engine.refresh('b_open');
    expect((await results(engine, 'b_open')).map((x) => num(x[2]))).toEqual([3]);
    await scheduler.stop();
  });

  it('custom DMFs: range, regular-expression format and referential integrity, as documented', async () => {
    const { engine } = await open('c');
    await engine.execute(`
      CREATE DATA METRIC FUNCTION c_out_of_range(arg_t TABLE(arg_c NUMBER))
        RETURNS NUMBER AS 'SELECT COUNT(*) FROM arg_t WHERE arg_c < 0 OR arg_c > 6';
      CREATE DATA METRIC FUNCTION c_bad_format(arg_t TABLE(arg_c VARCHAR))
        RETURNS NUMBER AS 'SELECT COUNT(*) FROM arg_t WHERE NOT REGEXP_LIKE(arg_c, ''[OFP]'')';
      CREATE DATA METRIC FUNCTION c_orphans(arg_t TABLE(arg_c NUMBER), arg_t2 TABLE(arg_c2 NUMBER))
        RETURNS NUMBER AS 'SELECT COUNT(*) FROM arg_t WHERE arg_c IS NOT NULL AND arg_c NOT IN (SELECT arg_c2 FROM arg_t2)';
      ALTER TABLE c_orders ADD DATA METRIC FUNCTION c_out_of_range ON (price) EXPECTATION in_range (VALUE = 0),
        DATA METRIC FUNCTION c_bad_format ON (status),
        DATA METRIC FUNCTION c_orphans ON (cust, TABLE(c_customers(id))) EXPECTATION no_orphans (VALUE = 0)`);
    const ev = await engine.quality.measure('c_orders');
    expect(ev.metrics.map((m) => [m.metric, m.value])).toEqual([
      ['c_out_of_range', 2],
      ['c_bad_format', 2],
      ['c_orphans', 1],
    ]);
    expect(ev.score.state).toBe('ERROR');
    const [show] = await engine.execute(`SHOW DATA METRIC FUNCTIONS LIKE 'c_%'`);
    expect(show?.rows.map((r) => r[1])).toEqual(['c_bad_format', 'c_orphans', 'c_out_of_range']);
    // In use: cannot be dropped; once dissociated, it can.
    await expect(engine.execute('DROP DATA METRIC FUNCTION c_bad_format')).rejects.toMatchObject({
      code: 'DT_ERR_METRIC',
    });
    await engine.execute(`ALTER TABLE c_orders DROP DATA METRIC FUNCTION c_bad_format ON (status);
      DROP DATA METRIC FUNCTION c_bad_format`);
    expect((await engine.quality.measure('c_orders')).metrics.length).toBe(2);
  });

  it('scores a DT with its expectations (dtlab.expectation_results) together with its metrics', async () => {
    const { engine } = await open('d');
    await engine.execute(
      'ALTER TABLE d_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION some (VALUE > 0)',
    );
    const count = (rowsPassed: number, rowsFailed: number) => [
      { expectation: 'valid_price', action: 'DROP ROW' as const, rowsPassed, rowsFailed },
    ];
    // Two refreshes' results, the later one last.
    await insertExpectationResults(engine, 'd_orders', '2026-01-04 00:00:00', count(0, 100));
    await insertExpectationResults(engine, 'd_orders', '2026-01-05 00:00:00', count(90, 10));
    const ev = await engine.quality.measure('d_orders');
    // (1 + 0.9) / 2 = 95 %: HEALTHY at the threshold; only the latest refresh's results count.
    expect(ev.score).toEqual({ score: 95, state: 'HEALTHY', checks: 2, failing: 1 });
    expect(ev.expectations).toEqual([
      { name: 'valid_price', action: 'DROP ROW', rowsPassed: 90, rowsFailed: 10 },
    ]);
  });

  it('records a REFRESH score for a DT whose expectations wrote results at that refresh', async () => {
    const { clock, engine, events } = await open('f');
    const query = "TARGET_LAG = '1 minute' AS SELECT id FROM f_orders WHERE id > 1";
    await engine.execute(`CREATE DYNAMIC TABLE f_dt (CONSTRAINT id_small EXPECT (id < 3)) ${query};
      CREATE DYNAMIC TABLE f_plain ${query}`);
    await engine.quality.tick(clock.now()); // the scheduler's look: the service knows the schedules
    const refreshScores = async (table: string) =>
      (
        await engine.execute(
          `SELECT score, state, checks, failing FROM dtlab.quality_scores WHERE table_name = '${table}' AND trigger = 'REFRESH' ORDER BY measurement_time`,
        )
      )[0]?.rows.map((r) => [num(r[0]), r[1], num(r[2]), num(r[3])]) ?? [];
    const before = (await refreshScores('f_dt')).length;
    clock.advance(MIN);
    await engine.execute('INSERT INTO f_orders VALUES (21, 10, NULL, 1, NULL)');
    const record = await engine.refresh('f_dt');
    const [own] = record.expectations ?? [];
    const [passed, failed] = [own?.rowsPassed ?? 0, own?.rowsFailed ?? 0];
    expect(failed).toBeGreaterThan(0);
    // Its counts, read back by the view over the history (as the refresh's record has them).
    const [results] = await engine.execute(
      `SELECT expectation, action, rows_passed, rows_failed FROM dtlab.expectation_results WHERE refresh_id = ${record.refreshId}`,
    );
    expect(results?.rows.map((r) => [r[0], r[1], num(r[2]), num(r[3])])).toEqual([
      ['id_small', 'WARN', passed, failed],
    ]);
    const share = Math.round((10_000 * passed) / (passed + failed)) / 100;
    const scores = await refreshScores('f_dt');
    expect(scores.length).toBe(before + 1);
    expect(scores.at(-1)).toEqual([share, share >= 95 ? 'HEALTHY' : share >= 80 ? 'WARNING' : 'ERROR', 1, 1]);
    expect(events.some((e) => e.type === 'quality' && e.evaluation.trigger === 'REFRESH')).toBe(true);
    // A refresh without results of its own records nothing.
    await engine.refresh('f_plain');
    expect(await refreshScores('f_plain')).toEqual([]);
  });

  it('refuses bad input with a positioned error and changes nothing', async () => {
    const { engine } = await open('e');
    /** Refused at the first occurrence of `at` in the statement. */
    const refused = async (sql: string, code: string, at: string, text: RegExp) => {
      const offset = sql.indexOf(at);
      const line = sql.slice(0, offset).split('\n').length;
      const column = offset - sql.lastIndexOf('\n', offset - 1);
      const before = await engine.execute(
        'SELECT (SELECT count(*) FROM dtlab.dmf_associations) + (SELECT count(*) FROM dtlab.dmf_schedules) + (SELECT count(*) FROM dtlab.dmf_functions)',
      );
      const err = await engine.execute(sql).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DtError);
      expect(err).toMatchObject({ code, details: { position: { line, column } } });
      expect((err as Error).message).toMatch(text);
      const after = await engine.execute(
        'SELECT (SELECT count(*) FROM dtlab.dmf_associations) + (SELECT count(*) FROM dtlab.dmf_schedules) + (SELECT count(*) FROM dtlab.dmf_functions)',
      );
      expect(num(after[0]?.rows[0]?.[0])).toBe(num(before[0]?.rows[0]?.[0]));
    };
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON (),\n  DATA METRIC FUNCTION SNOWFLAKE.CORE.AVG ON (status)',
      'DT_ERR_METRIC',
      'status)',
      /AVG does not take column status of type (VARCHAR|CHARACTER VARYING)/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (price)',
      'DT_ERR_METRIC',
      'price',
      /BLANK_COUNT does not take column price/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNTS ON (id)',
      'DT_ERR_METRIC',
      'SNOWFLAKE',
      /unknown system data metric function SNOWFLAKE.CORE.NULL_COUNTS \(did you mean NULL_COUNT\?\)/,
    );
    await refused(
      "ALTER TABLE e_orders SET DATA_METRIC_SCHEDULE = '0 MINUTE'",
      'DT_ERR_OPTION',
      "'0",
      /one of 5, 15, 30, 60, 720, 1440 minutes/,
    );
    await refused(
      "ALTER TABLE e_orders SET DATA_METRIC_SCHEDULE = 'often'",
      'DT_ERR_OPTION',
      "'often",
      /invalid DATA_METRIC_SCHEDULE/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (nope)',
      'DT_ERR_UNKNOWN_OBJECT',
      'nope',
      /column nope does not exist/,
    );
    await refused(
      'ALTER TABLE e_nothing ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ()',
      'DT_ERR_UNKNOWN_OBJECT',
      'e_nothing',
      /table e_nothing does not exist/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON (id)',
      'DT_ERR_METRIC',
      'SNOWFLAKE',
      /takes no arguments/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.FRESHNESS ON (id)',
      'DT_ERR_METRIC',
      'id)',
      /FRESHNESS does not take column id/,
    );
    await refused(
      "CREATE DATA METRIC FUNCTION e_f(arg_t TABLE(arg_c NUMBER)) RETURNS NUMBER AS 'SELECT COUNT(*) FROM nowhere_table'",
      'DT_ERR_QUERY',
      "'SELECT",
      /does not run/,
    );
    await engine.execute(
      "CREATE DATA METRIC FUNCTION e_g(arg_t TABLE(arg_c NUMBER)) RETURNS NUMBER AS 'SELECT COUNT(*) FROM arg_t WHERE arg_c < 0'",
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION e_g ON (status)',
      'DT_ERR_METRIC',
      'status',
      /e_g takes a NUMBER column here, but status is/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION e_g ON (id, cust)',
      'DT_ERR_METRIC',
      'e_g',
      /e_g takes 1 column/,
    );
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (id) EXPECTATION x (VALUE ~ 1)',
      'DT_ERR_SYNTAX',
      '~',
      /expected a comparison/,
    );
    await engine.execute('ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (id)');
    await refused(
      'ALTER TABLE e_orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (id)',
      'DT_ERR_EXISTS',
      'SNOWFLAKE',
      /already associated/,
    );
  });
});
