/**
 * The engine suite: written once, run on DuckDB-WASM, PGlite and the PostgreSQL server, over TPC-H SF 0.01.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { loadTpchFiles } from '../src/tpch/load-files.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const DATA = new URL('../../data/', import.meta.url).pathname;
const SEEDS = readFileSync(`${DATA}pipelines/seed_pipelines.sql`, 'utf8');
const SEED_DTS = [
  'customer_ltv_incremental',
  'daily_order_base',
  'data_quality_dashboard',
  'monthly_sales_summary',
  'order_analytics_incremental',
  'product_performance_full',
  'weekly_trends',
];

/** Runs `sql` expecting a DtError; returns it. */
async function failure(engine: Engine, sql: string): Promise<DtError> {
  const err = await engine.execute(sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DtError);
  return err as DtError;
}

describe.each(BACKEND_KINDS)('engine on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  const q = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  /** Everything a failed statement must leave untouched. */
  const snapshot = async () => ({
    dts: await q('SHOW DYNAMIC TABLES'),
    history: await q('SELECT count(*) FROM dtlab.refresh_history'),
    relations: await q(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
    ),
  });

  beforeAll(async () => {
    backend = await freshBackend(kind);
    await loadTpchFiles(backend, `${DATA}tpch-sf0.01`);
    engine = await Engine.open(backend);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('an engine opened on a backend another engine owns closes without closing it', async () => {
    const guest = await Engine.open(backend);
    await guest.execute('CREATE TABLE guest_t (k INTEGER); INSERT INTO guest_t VALUES (1)');
    await guest.close({ keepBackend: true });
    expect(await q('SELECT k FROM guest_t')).toEqual([[1]]);
    await engine.execute('DROP TABLE guest_t');
  });

  it('creates the seven seed pipelines verbatim and lists them', async () => {
    await engine.execute(SEEDS);
    const show = (await engine.execute('SHOW DYNAMIC TABLES'))[0];
    expect(show?.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'name',
        'target_lag',
        'refresh_mode',
        'refresh_mode_reason',
        'scheduling_state',
        'data_timestamp',
        'rows',
      ]),
    );
    const col = (name: string) => show?.columns.findIndex((c) => c.name === name) ?? -1;
    const byName = new Map(show?.rows.map((r) => [r[col('name')], r]));
    expect([...byName.keys()]).toEqual(SEED_DTS);
    expect(byName.get('order_analytics_incremental')?.[col('target_lag')]).toBe('1 minute');
    expect(byName.get('monthly_sales_summary')?.[col('target_lag')]).toBe('1 day');
    expect(byName.get('monthly_sales_summary')?.[col('refresh_mode')]).toBe('FULL');
    expect(byName.get('monthly_sales_summary')?.[col('refresh_mode_reason')]).toMatch(/REFRESH_MODE = FULL/);
    for (const row of byName.values()) {
      expect(row[col('scheduling_state')]).toBe('ACTIVE');
      expect(row[col('data_timestamp')]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    }
    expect(byName.get('daily_order_base')?.[col('rows')]).toBe(2401);
    expect(byName.get('customer_ltv_incremental')?.[col('rows')]).toBe(1500);
    expect(byName.get('data_quality_dashboard')?.[col('rows')]).toBe(1);
  });

  it('applies the column list: names and types', async () => {
    const described = await q('DESCRIBE DYNAMIC TABLE monthly_sales_summary');
    expect(described.map((r) => r[0])).toEqual([
      'year_month',
      'region_name',
      'total_orders',
      'total_revenue',
      'unique_customers',
      'avg_order_size',
    ]);
    expect(String(described[3]?.[1])).toMatch(/^(DECIMAL|NUMERIC)\(15,\s?2\)$/);
    // TO_CHAR(d, 'YYYY-MM') is translated per backend: the same text everywhere.
    expect(
      await q("SELECT year_month FROM monthly_sales_summary WHERE year_month = '1995-03' LIMIT 1"),
    ).toEqual([['1995-03']]);
    expect(await q('SELECT status, total_records FROM data_quality_dashboard')).toEqual([['HEALTHY', 15000]]);
  });

  it('keeps each DT equal to its query (full refresh)', async () => {
    const diff = await q(`
      SELECT count(*) FROM (
        (SELECT order_date, order_count, revenue FROM daily_order_base
         EXCEPT ALL SELECT o_orderdate, COUNT(*), SUM(o_totalprice) FROM orders GROUP BY o_orderdate)
        UNION ALL
        (SELECT o_orderdate, COUNT(*), SUM(o_totalprice) FROM orders GROUP BY o_orderdate
         EXCEPT ALL SELECT order_date, order_count, revenue FROM daily_order_base)) d`);
    expect(diff).toEqual([[0]]);
  });

  it('VERIFY compares a DT with its query and shows the rows that differ', async () => {
    expect((await engine.execute('ALTER DYNAMIC TABLE monthly_sales_summary VERIFY'))[0]?.message).toBe(
      'Dynamic table monthly_sales_summary equals its query.',
    );
    // Only a write behind the engine's back can make a DT differ (the engine refuses DML on DTs).
    await backend.query(
      "UPDATE daily_order_base SET order_count = order_count + 1 WHERE order_date = DATE '1995-03-05'",
    );
    const diff = (await engine.execute('ALTER DYNAMIC TABLE daily_order_base VERIFY'))[0];
    expect(diff?.columns.map((c) => c.name)).toEqual(['diff', 'order_date', 'order_count', 'revenue']);
    expect(diff?.rows.map((r) => [r[0], r[1]]).sort()).toEqual([
      ['+', '1995-03-05'],
      ['-', '1995-03-05'],
    ]);
    // No source changed: the refresh does no work, and the difference stays.
    expect((await engine.refresh('daily_order_base')).refreshAction).toBe('NO_DATA');
    expect((await engine.verify('daily_order_base')).equal).toBe(false);
    // A change to what the DT reads of that day's orders rewrites the day's row: equal again. (A change of a
    // column it does not read, o_comment, cancels in the delta and touches no row: plan/columns-read.ts.)
    await engine.execute("UPDATE orders SET o_comment = 'v' WHERE o_orderdate = DATE '1995-03-05'");
    expect((await engine.refresh('daily_order_base')).rowsInserted).toBe(0);
    await engine.execute(
      "UPDATE orders SET o_totalprice = o_totalprice + 1 WHERE o_orderdate = DATE '1995-03-05'",
    );
    expect((await engine.refresh('daily_order_base')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('daily_order_base')).equal).toBe(true);
  });

  it('refreshes on ALTER … REFRESH and writes a history row', async () => {
    await engine.execute(
      "INSERT INTO orders VALUES (9999991, 1, 'O', 100.00, DATE '1998-08-03', '1-URGENT', 'Clerk#1', 0, 'x')",
    );
    await engine.execute('ALTER DYNAMIC TABLE daily_order_base REFRESH');
    expect(await q("SELECT order_count FROM daily_order_base WHERE order_date = DATE '1998-08-03'")).toEqual([
      [1],
    ]);
    const [last] = await engine.history('daily_order_base');
    expect(last).toMatchObject({
      name: 'daily_order_base',
      state: 'SUCCEEDED',
      refreshAction: 'INCREMENTAL',
      refreshTrigger: 'MANUAL',
      // One new day: only its group is recomputed.
      rowsDeleted: 0,
      rowsInserted: 1,
      changesRead: { orders: 1 },
      warehouse: 'compute_wh',
    });
    expect(last?.creditsUsed).toBeGreaterThan(0);
    const creation = (await engine.history('daily_order_base')).at(-1);
    expect(creation?.refreshTrigger).toBe('CREATION');
  });

  it('lets readers see the old contents or the new, never a partial table', async () => {
    const before = Number((await q('SELECT count(*) FROM customer_ltv_incremental'))[0]?.[0]);
    await engine.execute("INSERT INTO customer VALUES (99999, 'c', 'a', 1, '1', 0.00, 'BUILDING', 'x')");
    const seen = new Set<number>();
    let done = false;
    const reader = (async () => {
      while (!done)
        seen.add(Number((await backend.query('SELECT count(*) FROM customer_ltv_incremental')).rows[0]?.[0]));
    })();
    await engine.refresh('customer_ltv_incremental');
    done = true;
    await reader;
    seen.add(Number((await backend.query('SELECT count(*) FROM customer_ltv_incremental')).rows[0]?.[0]));
    expect([...seen].every((n) => n === before || n === before + 1)).toBe(true);
    expect(seen.has(before + 1)).toBe(true);
  });

  it('suspends, resumes, changes lag and warehouse, renames', async () => {
    await engine.execute('CREATE WAREHOUSE small_wh WAREHOUSE_SIZE = SMALL');
    await engine.execute(
      'CREATE DYNAMIC TABLE regions_dt TARGET_LAG = DOWNSTREAM AS SELECT r_name FROM region',
    );
    await engine.execute('ALTER DYNAMIC TABLE regions_dt SUSPEND');
    await engine.execute("ALTER DYNAMIC TABLE regions_dt SET TARGET_LAG = '2 hours' WAREHOUSE = small_wh");
    let row = (await q("SHOW DYNAMIC TABLES LIKE 'REGIONS%'"))[0];
    expect(row?.slice(1, 7)).toEqual([
      'regions_dt',
      '2 hours',
      'INCREMENTAL',
      expect.any(String),
      'small_wh',
      'SUSPENDED',
    ]);
    await engine.execute('ALTER DYNAMIC TABLE regions_dt RESUME');
    await engine.execute('ALTER DYNAMIC TABLE regions_dt RENAME TO region_names');
    row = (await q("SHOW DYNAMIC TABLES LIKE 'region%'"))[0];
    expect(row?.slice(1, 7)).toEqual([
      'region_names',
      '2 hours',
      'INCREMENTAL',
      expect.any(String),
      'small_wh',
      'ACTIVE',
    ]);
    expect(await q('SELECT count(*) FROM region_names')).toEqual([[5]]);
    await engine.execute('DROP DYNAMIC TABLE region_names');
    expect(await q("SHOW DYNAMIC TABLES LIKE 'region%'")).toEqual([]);
  });

  it('translates Snowflake functions in pass-through statements', async () => {
    expect(
      await q(
        "SELECT IFF(1 > 0, 'yes', 'no'), NVL(NULL, 7), TO_CHAR(DATE '1996-02-29', 'YYYY/MM/DD'), DATEDIFF(day, DATE '1996-02-27', DATE '1996-03-01')",
      ),
    ).toEqual([['yes', 7, '1996/02/29', 3]]);
  });

  describe('bad input: a clear error, nothing changed', () => {
    const cases: [string, string, DtError['code'], RegExp, { line: number; column: number }?][] = [
      [
        'invalid SQL in the query',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute'\nAS SELECT o_orderkey\nFROM orders WHERE WHERE o_orderkey > 1",
        'DT_ERR_QUERY',
        /syntax error/i,
        { line: 3, column: 19 },
      ],
      [
        'invalid DDL',
        "CREATE DYNAMIC TABLE bad TARGET_LAG '1 minute' AS SELECT 1",
        'DT_ERR_SYNTAX',
        /expected '='/,
        { line: 1, column: 37 },
      ],
      [
        'an unknown source table',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' AS\nSELECT * FROM nosuch_table",
        'DT_ERR_UNKNOWN_OBJECT',
        /nosuch_table does not exist/,
        { line: 2, column: 15 },
      ],
      [
        'a zero lag',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '0 minutes' AS SELECT 1 AS x",
        'DT_ERR_OPTION',
        /minimum is 1 minute/,
      ],
      [
        'a lag in words',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = 'ten minutes' AS SELECT 1 AS x",
        'DT_ERR_OPTION',
        /invalid target lag 'ten minutes'/,
      ],
      [
        'a missing lag',
        'CREATE DYNAMIC TABLE bad WAREHOUSE = compute_wh AS SELECT 1 AS x',
        'DT_ERR_OPTION',
        /TARGET_LAG is required/,
      ],
      [
        'an unknown refresh mode',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' REFRESH_MODE = SOMETIMES AS SELECT 1 AS x",
        'DT_ERR_OPTION',
        /invalid REFRESH_MODE SOMETIMES: expected AUTO, FULL, INCREMENTAL/,
        { line: 1, column: 65 },
      ],
      [
        'a DT reading itself',
        "CREATE DYNAMIC TABLE selfish TARGET_LAG = '1 minute' AS SELECT * FROM selfish",
        'DT_ERR_CYCLE',
        /cannot read itself/,
      ],
      [
        'a cycle through CREATE OR REPLACE',
        "CREATE OR REPLACE DYNAMIC TABLE daily_order_base (order_date DATE, order_count INTEGER, revenue DECIMAL(15,2)) TARGET_LAG = '1 minute' AS SELECT week_start, 1, 1 FROM weekly_trends",
        'DT_ERR_CYCLE',
        /daily_order_base → weekly_trends → daily_order_base/,
      ],
      [
        'DROP of a DT with dependents',
        'DROP DYNAMIC TABLE daily_order_base',
        'DT_ERR_HAS_DEPENDENTS',
        /weekly_trends depends on it/,
      ],
      [
        'DML on a dynamic table',
        "SELECT 1;\nDELETE FROM daily_order_base WHERE order_date < DATE '1993-01-01'",
        'DT_ERR_READ_ONLY',
        /daily_order_base is a dynamic table: its contents come from its query/,
        { line: 2, column: 13 },
      ],
      [
        'DROP TABLE of a dynamic table among other tables',
        'DROP TABLE customer, weekly_trends',
        'DT_ERR_READ_ONLY',
        /DROP DYNAMIC TABLE removes it/,
        { line: 1, column: 22 },
      ],
      [
        'CREATE of an existing name',
        "CREATE DYNAMIC TABLE daily_order_base TARGET_LAG = '1 minute' AS SELECT 1 AS x",
        'DT_ERR_EXISTS',
        /already exists/,
      ],
      [
        'a column list of the wrong length',
        "CREATE DYNAMIC TABLE bad (a INTEGER) TARGET_LAG = '1 minute' AS SELECT 1 AS x, 2 AS y",
        'DT_ERR_COLUMNS',
        /names 1 columns but the query returns 2/,
      ],
      [
        'REFRESH_MODE = INCREMENTAL on a query this engine cannot maintain',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT o_orderkey, row_number() OVER (ORDER BY o_totalprice) AS r FROM orders",
        'DT_ERR_INCREMENTAL_UNSUPPORTED',
        /cannot refresh incrementally: the window ORDER BY expression o_totalprice is not a column of the result/,
      ],
      [
        'an unknown warehouse',
        "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 minute' WAREHOUSE = nowhere AS SELECT 1 AS x",
        'DT_ERR_UNKNOWN_OBJECT',
        /warehouse nowhere does not exist/,
      ],
    ];
    it.each(cases)('%s', async (_what, sql, code, message, position) => {
      const before = await snapshot();
      const err = await failure(engine, sql);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      if (position) expect(err.details.position).toMatchObject(position);
      expect(await snapshot()).toEqual(before);
    });

    it('a refresh that fails at run time keeps the previous contents and records FAILED', async () => {
      await engine.execute("CREATE TABLE feed (s VARCHAR(10), n INTEGER); INSERT INTO feed VALUES ('1', 1)");
      await engine.execute(
        "CREATE DYNAMIC TABLE parsed TARGET_LAG = '1 minute' AS SELECT CAST(s AS INTEGER) AS v, 10 / n AS ratio FROM feed",
      );
      await engine.execute("INSERT INTO feed VALUES ('abc', 1)");
      const err = await failure(engine, 'ALTER DYNAMIC TABLE parsed REFRESH');
      expect(err.code).toBe('DT_ERR_REFRESH_FAILED');
      expect(await q('SELECT v FROM parsed')).toEqual([[1]]);
      const [last] = await engine.history('parsed');
      expect(last).toMatchObject({ state: 'FAILED', refreshTrigger: 'MANUAL', dataTimestamp: null });
      expect(last?.stateMessage).toMatch(/abc/);
      if (backend.family === 'postgres') {
        // Division by zero is an error in Snowflake and PostgreSQL (DuckDB returns NULL/Infinity instead).
        await engine.execute("DELETE FROM feed WHERE s = 'abc'; INSERT INTO feed VALUES ('2', 0)");
        const div = await failure(engine, 'ALTER DYNAMIC TABLE parsed REFRESH');
        expect(div.message).toMatch(/division by zero/);
        expect(await q('SELECT v FROM parsed')).toEqual([[1]]);
      }
    });

    it('a failing initial refresh leaves no trace of the DT', async () => {
      await engine.execute("CREATE TABLE junk (s VARCHAR(10)); INSERT INTO junk VALUES ('nope')");
      const before = await snapshot();
      const err = await failure(
        engine,
        "CREATE DYNAMIC TABLE ghost TARGET_LAG = '1 minute' AS SELECT CAST(s AS INTEGER) AS v FROM junk",
      );
      expect(err.code).toBe('DT_ERR_REFRESH_FAILED');
      expect(await snapshot()).toEqual(before);
    });
  });
});
