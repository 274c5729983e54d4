/**
 * Snowflake's monitoring table functions, TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(…)) and
 * …DYNAMIC_TABLE_GRAPH_HISTORY(…), on the lesson clock, on every backend; and their refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { translateSql } from '../src/sql/translate.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1);

describe('the rewrite', () => {
  it('calls the engine function with the named arguments and the clock', () => {
    const out = translateSql(
      "SELECT * FROM TABLE(mydb.INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'x', RESULT_LIMIT => 5)) h",
      'postgres',
      { now: T0 },
    ).text;
    expect(out).toBe(
      "SELECT * FROM dtlab.dynamic_table_refresh_history(name => 'x', result_limit => 5, dtlab_now => TIMESTAMP '2030-01-01 00:00:00') h",
    );
    // Other TABLE(…) uses and other schemas' functions are left alone.
    expect(translateSql('SELECT * FROM TABLE(my_fn(1))', 'duckdb').text).toBe(
      'SELECT * FROM TABLE(my_fn(1))',
    );
  });

  it.each([
    [
      "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAMEX => 'x'))",
      'DT_ERR_SYNTAX',
      70,
      /unknown argument NAMEX/,
    ],
    [
      'SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 0))',
      'DT_ERR_OPTION',
      86,
      /1 to 10000/,
    ],
    [
      'SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 20000))',
      'DT_ERR_OPTION',
      86,
      /out of range/,
    ],
    [
      "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY('x'))",
      'DT_ERR_SYNTAX',
      70,
      /named argument/,
    ],
    [
      'SELECT * FROM TABLE(INFORMATION_SCHEMA.WAREHOUSE_LOAD_HISTORY())',
      'DT_ERR_UNKNOWN_OBJECT',
      40,
      /not available here/,
    ],
  ])('%s → %s at column %d', (sql, code, column, message) => {
    let err: unknown;
    try {
      translateSql(sql, 'duckdb');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe(code);
    expect((err as DtError).message).toMatch(message);
    expect((err as DtError).details.position?.column).toBe(column);
  });
});

describe.each(BACKEND_KINDS)('monitoring table functions on %s', (kind) => {
  let engine: Engine;
  const clock = new ManualClock(T0);
  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows ?? [];

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind), { clock });
    await engine.execute(`CREATE TABLE src (k INTEGER);
      CREATE DYNAMIC TABLE daily_a TARGET_LAG = '1 hour' AS SELECT k FROM src;
      CREATE DYNAMIC TABLE daily_b TARGET_LAG = '1 hour' AS SELECT count(*) AS n FROM daily_a`);
    for (let h = 1; h <= 30; h++) {
      clock.advance(HOUR);
      await engine.execute(`INSERT INTO src VALUES (${h})`);
      await engine.refresh('daily_b');
    }
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('defaults to the last day on the lesson clock, 100 rows, newest first', async () => {
    const all = await rows(
      'SELECT name, data_timestamp FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY())',
    );
    // A day back from hour 30 reaches hour 6: 25 cycles of two DTs.
    expect(all).toHaveLength(50);
    expect(String(all[0]?.[1])).toMatch(/^2030-01-02 06:00:00/);
    expect(String(all.at(-1)?.[1])).toMatch(/^2030-01-01 06:00:00/);
  });

  it('filters by NAME (qualified or not, any case), NAME_PREFIX, ERROR_ONLY, a range and RESULT_LIMIT', async () => {
    const n = async (args: string) =>
      Number(
        (
          await rows(`SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(${args}))`)
        )[0]?.[0],
      );
    expect(await n("NAME => 'daily_a'")).toBe(25);
    expect(await n("NAME => 'MYDB.PUBLIC.DAILY_A'")).toBe(25);
    expect(await n("NAME_PREFIX => 'DAILY'")).toBe(50);
    expect(await n('ERROR_ONLY => TRUE')).toBe(0);
    expect(await n('RESULT_LIMIT => 7')).toBe(7);
    expect(
      await n("DATA_TIMESTAMP_START => '2030-01-01 01:00:00', DATA_TIMESTAMP_END => '2030-01-01 03:00:00'"),
    ).toBe(6);
  });

  it('DYNAMIC_TABLE_GRAPH_HISTORY lists the graph now and as of a time', async () => {
    const names = async (args: string) =>
      (await rows(`SELECT name FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY(${args}))`)).map(
        (r) => r[0],
      );
    expect(await names('')).toEqual(['daily_a', 'daily_b']);
    expect(await names("AS_OF => '2029-12-31 00:00:00'")).toEqual([]);
  });

  it('a bad argument is refused at its position and nothing runs', async () => {
    const err = await engine
      .execute(
        'SELECT 1;\nSELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => -3))',
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).details.position?.line).toBe(2);
  });
});
