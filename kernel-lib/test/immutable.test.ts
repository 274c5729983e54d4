/**
 * IMMUTABLE WHERE and BACKFILL FROM (docs/incremental.md, "Immutable regions") on DuckDB, PGlite, PostgreSQL:
 * the documentation's examples on our own tables, the immutable region surviving source updates, deletes and
 * FULL refreshes, BACKFILL (and its refusal on a schema mismatch), bad predicates refused with line:column and
 * nothing created, ALTER … SET / UNSET IMMUTABLE WHERE, SHOW / DESCRIBE / EXPLAIN, VERIFY comparing only the
 * mutable region (and still catching a wrong one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const T0 = Date.UTC(2030, 0, 10, 12, 0, 0);
const DAY = 86_400_000;

describe.each(BACKEND_KINDS)('IMMUTABLE WHERE on %s', (kind) => {
  let engine: Engine;
  const clock = new ManualClock(T0);
  const rows = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const fails = async (sql: string) => {
    try {
      await engine.execute(sql);
    } catch (e) {
      if (e instanceof DtError) return e;
      throw e;
    }
    throw new Error(`accepted: ${sql}`);
  };
  const names = async () => (await engine.listDynamicTables()).map((d) => d.name).sort();

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind), { clock });
    await engine.execute(`CREATE WAREHOUSE mywh WAREHOUSE_SIZE = XSMALL;
      CREATE TABLE fact_table (primary_key INTEGER, timestamp_col TIMESTAMP, amount INTEGER);
      CREATE TABLE dimension_table (primary_key INTEGER, value VARCHAR(20));
      INSERT INTO fact_table VALUES (1, TIMESTAMP '2030-01-01 00:00:00', 10), (2, TIMESTAMP '2030-01-05 00:00:00', 20),
        (3, TIMESTAMP '2030-01-10 06:00:00', 30), (4, TIMESTAMP '2030-01-10 11:00:00', 40);
      INSERT INTO dimension_table VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("runs the documentation's dimension example: a dimension update reaches only the mutable period", async () => {
    await engine.execute(`CREATE DYNAMIC TABLE joined_data
      TARGET_LAG = '1 minute'
      WAREHOUSE = mywh
      IMMUTABLE WHERE (timestamp_col < CURRENT_TIMESTAMP() - INTERVAL '1 day')
    AS
      SELECT F.primary_key primary_key, F.timestamp_col timestamp_col, D.value dim_value
      FROM fact_table F
      LEFT OUTER JOIN dimension_table D USING (primary_key)`);
    // The first refresh computed everything.
    expect(await rows('SELECT primary_key, dim_value FROM joined_data ORDER BY 1')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
    ]);
    await engine.execute("UPDATE dimension_table SET value = upper(value) || '2'");
    clock.advance(60_000);
    const r = await engine.refresh('joined_data');
    expect(r.refreshAction).toBe('FULL');
    // Rows 1 and 2 are older than a day: immutable, they keep the old dimension value.
    expect(await rows('SELECT primary_key, dim_value FROM joined_data ORDER BY 1')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'C2'],
      [4, 'D2'],
    ]);
    const v = await engine.verify('joined_data');
    expect(v.equal).toBe(true);
    expect(v.immutableRows).toBe(2);
    const said = await engine.execute('ALTER DYNAMIC TABLE joined_data VERIFY');
    expect(said.at(-1)?.message ?? JSON.stringify(said.at(-1))).toMatch(
      /outside its immutable region \(2 rows/,
    );
    // A day later rows 3 and 4 are immutable too: the next dimension change reaches nothing.
    clock.advance(DAY);
    await engine.execute("UPDATE dimension_table SET value = 'z'");
    await engine.refresh('joined_data');
    expect(await rows('SELECT primary_key, dim_value FROM joined_data ORDER BY 1')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'C2'],
      [4, 'D2'],
    ]);
    expect((await engine.verify('joined_data')).immutableRows).toBe(4);
  });

  it("runs the documentation's retention example: rows outlive the source's deletes and FULL refreshes", async () => {
    await engine.execute(`CREATE TABLE staging_data (raw VARCHAR(20), region VARCHAR(5), ts TIMESTAMP);
      INSERT INTO staging_data VALUES ('e1', 'US', TIMESTAMP '2030-01-02 00:00:00'), ('e2', 'US', TIMESTAMP '2030-01-11 00:00:00'),
        ('e3', 'EU', TIMESTAMP '2030-01-02 00:00:00')`);
    await engine.execute(`CREATE DYNAMIC TABLE parsed_data
      TARGET_LAG = '1 minute'
      WAREHOUSE = mywh
      REFRESH_MODE = FULL
      IMMUTABLE WHERE (ts < CURRENT_TIMESTAMP() - INTERVAL '7 days')
    AS
      SELECT raw AS event_id, region, ts FROM staging_data WHERE region = 'US'`);
    // The task of the docs: delete old staging data. The DT keeps it.
    await engine.execute("DELETE FROM staging_data WHERE ts < TIMESTAMP '2030-01-05 00:00:00'");
    await engine.execute("UPDATE staging_data SET raw = 'e2b'");
    await engine.refresh('parsed_data');
    expect(await rows('SELECT event_id FROM parsed_data ORDER BY 1')).toEqual([['e1'], ['e2b']]);
    // A refresh forced to reinitialize (the source truncated: untracked) keeps the immutable region too.
    await engine.execute('TRUNCATE staging_data');
    const r = await engine.refresh('parsed_data');
    expect(['FULL', 'REINITIALIZE']).toContain(r.refreshAction);
    expect(await rows('SELECT event_id FROM parsed_data ORDER BY 1')).toEqual([['e1']]);
    expect((await engine.verify('parsed_data')).equal).toBe(true);
  });

  it('VERIFY compares the mutable region and catches a wrong one', async () => {
    await engine.execute(`CREATE TABLE ev (k INTEGER, day INTEGER, v INTEGER);
      INSERT INTO ev VALUES (1, 1, 10), (2, 5, 20);
      CREATE DYNAMIC TABLE ev_dt TARGET_LAG = '1 minute' IMMUTABLE WHERE (day < 3) AS SELECT k, day, v FROM ev`);
    await engine.execute('UPDATE ev SET v = v + 1');
    await engine.refresh('ev_dt');
    expect(await rows('SELECT k, v FROM ev_dt ORDER BY k')).toEqual([
      [1, 10],
      [2, 21],
    ]);
    expect((await engine.verify('ev_dt')).equal).toBe(true);
    // Corrupt the mutable region behind the engine's back (the write guard refuses it through the engine).
    await engine.backend.query('UPDATE ev_dt SET v = 99 WHERE k = 2');
    const v = await engine.verify('ev_dt');
    expect(v.equal).toBe(false);
    expect(v.rows.map((r) => r.map(String))).toEqual(
      expect.arrayContaining([
        ['+', '2', '5', '99'],
        ['-', '2', '5', '21'],
      ]),
    );
    await engine.execute('DROP DYNAMIC TABLE ev_dt');
  });

  it('BACKFILL FROM copies the immutable region; the query fills the rest', async () => {
    await engine.execute(`CREATE TABLE hist (k INTEGER, day INTEGER, v INTEGER);
      INSERT INTO hist VALUES (100, 1, 7), (101, 2, 8), (102, 9, 9)`);
    const out = await engine.execute(`EXPLAIN CREATE DYNAMIC TABLE ev_bf TARGET_LAG = '1 minute'
      IMMUTABLE WHERE (day < 3) BACKFILL FROM hist AS SELECT k, day, v FROM ev`);
    const explained = Object.fromEntries((out.at(-1)?.rows ?? []).map((r) => [r[0], r[1]]));
    expect(explained.immutable_where).toMatch(/^day < 3/);
    expect(explained['first refresh reads']).toMatch(/hist's rows in the immutable region/);
    expect(await names()).not.toContain('ev_bf');
    await engine.execute(`CREATE DYNAMIC TABLE ev_bf TARGET_LAG = '1 minute'
      IMMUTABLE WHERE (day < 3) BACKFILL FROM hist AS SELECT k, day, v FROM ev`);
    // hist's rows with day < 3, then ev's rows with day >= 3 (ev's day-1 row is not the DT's).
    expect(await rows('SELECT k, day, v FROM ev_bf ORDER BY k')).toEqual([
      [2, 5, 21],
      [100, 1, 7],
      [101, 2, 8],
    ]);
    expect((await engine.verify('ev_bf')).equal).toBe(true);
    await engine.execute('DELETE FROM ev');
    await engine.refresh('ev_bf');
    expect(await rows('SELECT k FROM ev_bf ORDER BY k')).toEqual([[100], [101]]);
    const desc = await rows('DESCRIBE DYNAMIC TABLE ev_bf');
    expect(desc.at(-1)).toEqual(['immutable region', 'day < 3', 'IMMUTABLE WHERE', 'BACKFILL FROM hist']);
    const show = (await engine.execute("SHOW DYNAMIC TABLES LIKE 'ev_bf'")).at(-1);
    const at = show?.columns.findIndex((c) => c.name === 'immutable_where') ?? -1;
    expect(show?.rows[0]?.[at]).toBe('day < 3');
  });

  it("runs the documentation's downstream example: an INCREMENTAL DT reads a FULL DT with an immutable region", async () => {
    await engine.execute(`CREATE TABLE raw_events (k INTEGER, day INTEGER, v INTEGER);
      INSERT INTO raw_events VALUES (1, 1, 5), (2, 4, 6), (3, 5, 7);
      CREATE DYNAMIC TABLE full_events TARGET_LAG = '1 minute' REFRESH_MODE = FULL IMMUTABLE WHERE (day < 3)
        AS SELECT k, day, v FROM raw_events;
      CREATE DYNAMIC TABLE events_by_day TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
        AS SELECT day, SUM(v) AS total FROM full_events GROUP BY day`);
    await engine.execute(
      'UPDATE raw_events SET v = v + 100; INSERT INTO raw_events VALUES (4, 2, 1), (5, 4, 1)',
    );
    await engine.refresh('full_events');
    const r = await engine.refresh('events_by_day');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect(await rows('SELECT day, total FROM events_by_day ORDER BY day')).toEqual([
      [1, 5],
      [4, 107],
      [5, 107],
    ]);
    expect((await engine.verify('events_by_day')).equal).toBe(true);
    expect((await engine.verify('full_events')).equal).toBe(true);
  });

  it("runs the documentation's recovery workaround: copy, correct, recreate with BACKFILL FROM the copy", async () => {
    await engine.execute(`CREATE TABLE events_fixed AS SELECT k, day, v FROM full_events;
      UPDATE events_fixed SET v = 0 WHERE k = 1;
      CREATE OR REPLACE DYNAMIC TABLE full_events TARGET_LAG = '1 minute' REFRESH_MODE = FULL IMMUTABLE WHERE (day < 3)
        BACKFILL FROM events_fixed AS SELECT k, day, v FROM raw_events`);
    expect(await rows('SELECT k, v FROM full_events ORDER BY k')).toEqual([
      [1, 0],
      [2, 106],
      [3, 107],
      [5, 1],
    ]);
    // A DT can be the backfill table too.
    await engine.execute(`CREATE DYNAMIC TABLE events_copy TARGET_LAG = '1 minute' IMMUTABLE WHERE (day < 2)
      BACKFILL FROM full_events AS SELECT k, day, v FROM raw_events`);
    // k 4 (day 2) is immutable in full_events and never entered it; here it is mutable, from the query.
    expect(await rows('SELECT k, v FROM events_copy ORDER BY k')).toEqual([
      [1, 0],
      [2, 106],
      [3, 107],
      [4, 1],
      [5, 1],
    ]);
    await engine.execute('DROP DYNAMIC TABLE events_copy');
  });

  it('keeps expectations on the mutable region (DROP ROW) beside an immutable region', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE checked_events (CONSTRAINT pos EXPECT (v > 0) ON VIOLATION DROP ROW)
      TARGET_LAG = '1 minute' IMMUTABLE WHERE (day < 3) AS SELECT k, day, v FROM raw_events`);
    await engine.execute('UPDATE raw_events SET v = -1 WHERE k IN (1, 2)');
    await engine.refresh('checked_events');
    expect(await rows('SELECT k, v FROM checked_events ORDER BY k')).toEqual([
      [1, 105],
      [3, 107],
      [4, 1],
      [5, 1],
    ]);
    expect((await engine.verify('checked_events')).equal).toBe(true);
  });

  it('with INITIALIZE = ON_SCHEDULE holds the backfilled region until its first refresh fills the rest', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE later_events TARGET_LAG = '1 minute' INITIALIZE = ON_SCHEDULE
      IMMUTABLE WHERE (day < 3) BACKFILL FROM events_fixed AS SELECT k, day, v FROM raw_events`);
    expect(await rows('SELECT k, v FROM later_events ORDER BY k')).toEqual([[1, 0]]);
    await engine.refresh('later_events');
    expect(await rows('SELECT k, v FROM later_events ORDER BY k')).toEqual([
      [1, 0],
      [2, -1],
      [3, 107],
      [5, 1],
    ]);
    expect((await engine.verify('later_events')).equal).toBe(true);
  });

  it('refuses a BACKFILL table whose columns do not match, creating nothing', async () => {
    await engine.execute(
      'CREATE TABLE hist_bad (k INTEGER, v INTEGER); CREATE TABLE hist_typ (k INTEGER, day VARCHAR(5), v INTEGER)',
    );
    const e = await fails(`CREATE DYNAMIC TABLE ev_x TARGET_LAG = '1 minute'
      IMMUTABLE WHERE (day < 3) BACKFILL FROM hist_bad AS SELECT k, day, v FROM ev`);
    expect(e.code).toBe('DT_ERR_COLUMNS');
    expect(e.message).toMatch(/BACKFILL FROM hist_bad: .*2 columns, the dynamic table 3/);
    expect(e.details.position).toMatchObject({ line: 2, column: 47 });
    const t = await fails(`CREATE DYNAMIC TABLE ev_x TARGET_LAG = '1 minute'
      IMMUTABLE WHERE (day < 3) BACKFILL FROM hist_typ AS SELECT k, day, v FROM ev`);
    expect(t.code).toBe('DT_ERR_COLUMNS');
    expect(t.message).toMatch(/column day .* is day .*there/i);
    const missing = await fails(`CREATE DYNAMIC TABLE ev_x TARGET_LAG = '1 minute'
      IMMUTABLE WHERE (day < 3) BACKFILL FROM nowhere AS SELECT k, day, v FROM ev`);
    expect(missing.code).toBe('DT_ERR_UNKNOWN_OBJECT');
    const alone = await fails(
      `CREATE DYNAMIC TABLE ev_x TARGET_LAG = '1 minute' BACKFILL FROM hist AS SELECT k, day, v FROM ev`,
    );
    expect(alone.code).toBe('DT_ERR_OPTION');
    expect(await names()).not.toContain('ev_x');
  });

  it.each([
    [
      'a volatile function',
      '(random() < 0.5)',
      'DT_ERR_UNSUPPORTED',
      20,
      /random\(\): it is not deterministic/,
    ],
    ['a subquery', '(day IN (SELECT day FROM ev))', 'DT_ERR_UNSUPPORTED', 28, /subquery/],
    ['an unknown column', '(days < 3)', 'DT_ERR_QUERY', 20, /IMMUTABLE WHERE/],
    ['a source column the DT does not have', '(v < 3)', 'DT_ERR_QUERY', 20, /IMMUTABLE WHERE/],
    ['an aggregate', '(max(day) < 3)', 'DT_ERR_QUERY', 20, /IMMUTABLE WHERE/],
  ])('refuses a predicate with %s at its line:column', async (_what, predicate, code, column, message) => {
    const e = await fails(`CREATE DYNAMIC TABLE ev_p TARGET_LAG = '1 minute'
  IMMUTABLE WHERE ${predicate} AS SELECT k, day FROM ev`);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.details.position).toMatchObject({ line: 2, column });
    expect(await names()).not.toContain('ev_p');
  });

  it('refuses REFRESH_MODE = INCREMENTAL with IMMUTABLE WHERE, and a non-boolean predicate', async () => {
    const e = await fails(`CREATE DYNAMIC TABLE ev_p TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
      IMMUTABLE WHERE (day < 3) AS SELECT k, day FROM ev`);
    expect(e.code).toBe('DT_ERR_UNSUPPORTED');
    expect(e.details.position).toMatchObject({ line: 2, column: 24 });
    const b = await fails(
      `CREATE DYNAMIC TABLE ev_p TARGET_LAG = '1 minute' IMMUTABLE WHERE (day + 1) AS SELECT k, day FROM ev`,
    );
    expect(b.code).toBe('DT_ERR_QUERY');
    expect(await names()).not.toContain('ev_p');
  });

  it('ALTER … SET / UNSET IMMUTABLE WHERE moves the region; UNSET recomputes everything', async () => {
    await engine.execute(`INSERT INTO ev VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3);
      CREATE DYNAMIC TABLE ev_a TARGET_LAG = '1 minute' AS SELECT k, day, v FROM ev`);
    expect((await engine.listDynamicTables()).find((d) => d.name === 'ev_a')?.effectiveMode).toBe(
      'INCREMENTAL',
    );
    const inc = await fails('ALTER DYNAMIC TABLE ev_a SET IMMUTABLE WHERE (day < 2)');
    expect(inc.code).toBe('DT_ERR_UNSUPPORTED');
    await engine.execute(`CREATE OR REPLACE DYNAMIC TABLE ev_a TARGET_LAG = '1 minute' REFRESH_MODE = FULL
      AS SELECT k, day, v FROM ev`);
    await engine.execute('ALTER DYNAMIC TABLE ev_a SET IMMUTABLE WHERE (day < 3)');
    await engine.execute('UPDATE ev SET v = v * 10');
    await engine.refresh('ev_a');
    expect(await rows('SELECT k, v FROM ev_a ORDER BY k')).toEqual([
      [1, 1],
      [2, 2],
      [3, 30],
    ]);
    const bad = await fails('ALTER DYNAMIC TABLE ev_a SET IMMUTABLE WHERE (nope = 1)');
    expect(bad.code).toBe('DT_ERR_QUERY');
    expect(bad.details.position).toMatchObject({ line: 1, column: 47 });
    await engine.execute('ALTER DYNAMIC TABLE ev_a UNSET IMMUTABLE WHERE');
    await engine.refresh('ev_a');
    expect(await rows('SELECT k, v FROM ev_a ORDER BY k')).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    const v = await engine.verify('ev_a');
    expect(v.equal).toBe(true);
    expect(v.immutableRows).toBeUndefined();
  });
});
