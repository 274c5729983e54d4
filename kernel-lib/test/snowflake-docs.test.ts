/**
 * Statements written in the style of Snowflake's dynamic-table documentation and quickstart (our own tables
 * and wording), run on every backend: each either runs or is refused with a DT_ERR code whose message names
 * the unsupported clause, positioned at line:column. Prints how many run per backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, type BackendKind, freshBackend } from './helpers/backends.js';

interface Case {
  sql: string;
  /** Refused (on `on`, default every backend) with a message naming this clause. */
  refused?: { clause: RegExp; on?: BackendKind[] };
}

const SETUP = `CREATE TABLE raw_orders (order_id INTEGER, customer_id INTEGER, amount DECIMAL(10,2), status VARCHAR,
    order_ts TIMESTAMP, items VARCHAR);
  CREATE TABLE shoppers (customer_id INTEGER, full_name VARCHAR, region VARCHAR);
  INSERT INTO shoppers VALUES (1, 'Ada', 'EU'), (2, 'Bo', 'US'), (3, 'Cy', 'EU');
  INSERT INTO raw_orders VALUES
    (10, 1, 12.50, 'OPEN', TIMESTAMP '2024-03-01 10:00:00', '[{"sku":"a","qty":2}]'),
    (11, 1, 40.00, 'SHIPPED', TIMESTAMP '2024-03-02 11:00:00', '[{"sku":"b","qty":1}]'),
    (12, 2, 7.25, 'OPEN', TIMESTAMP '2024-03-02 12:30:00', '[]'),
    (13, 3, 99.99, 'CANCELLED', TIMESTAMP '2024-03-03 09:15:00', '[{"sku":"a","qty":5}]')`;

const CASES: Case[] = [
  // Creating dynamic tables
  {
    sql: `CREATE OR REPLACE DYNAMIC TABLE customer_spend
  TARGET_LAG = '20 minutes'
  WAREHOUSE = compute_wh
  AS
    SELECT customer_id, SUM(amount) AS spend, COUNT(*) AS orders
    FROM raw_orders
    GROUP BY customer_id`,
  },
  { sql: `CREATE WAREHOUSE transform_wh WAREHOUSE_SIZE = 'X-SMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE` },
  { sql: `CREATE WAREHOUSE IF NOT EXISTS reporting_wh WITH WAREHOUSE_SIZE = SMALL` },
  {
    sql: `CREATE DYNAMIC TABLE enriched_orders
  TARGET_LAG = DOWNSTREAM
  WAREHOUSE = transform_wh
  AS SELECT o.order_id, o.amount, s.full_name, s.region
     FROM raw_orders o JOIN shoppers s ON o.customer_id = s.customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE region_revenue
  TARGET_LAG = '1 hour'
  WAREHOUSE = transform_wh
  AS SELECT region, SUM(amount) AS revenue FROM enriched_orders GROUP BY region`,
  },
  {
    sql: `CREATE DYNAMIC TABLE open_orders TARGET_LAG = 'DOWNSTREAM' WAREHOUSE = compute_wh
  AS SELECT order_id, amount FROM raw_orders WHERE status = 'OPEN'`,
  },
  {
    sql: `CREATE DYNAMIC TABLE spend_incremental TARGET_LAG = '5 minutes' WAREHOUSE = compute_wh
  REFRESH_MODE = INCREMENTAL
  AS SELECT customer_id, SUM(amount) AS spend FROM raw_orders GROUP BY customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE spend_full TARGET_LAG = '5 minutes' WAREHOUSE = compute_wh REFRESH_MODE = FULL
  AS SELECT customer_id, MAX(amount) AS biggest FROM raw_orders GROUP BY customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE later_orders TARGET_LAG = '1 day' WAREHOUSE = compute_wh INITIALIZE = ON_SCHEDULE
  AS SELECT * FROM raw_orders`,
  },
  {
    sql: `CREATE TRANSIENT DYNAMIC TABLE scratch_orders TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT order_id, status FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE typed_spend (customer_id, spend NUMBER(12,2))
  TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT customer_id, SUM(amount) FROM raw_orders GROUP BY customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE commented_orders TARGET_LAG = '30 minutes' WAREHOUSE = compute_wh
  COMMENT = 'orders that are still open'
  AS SELECT order_id FROM raw_orders WHERE status <> 'CANCELLED'`,
  },
  {
    sql: `CREATE DYNAMIC TABLE IF NOT EXISTS customer_spend TARGET_LAG = '20 minutes' WAREHOUSE = compute_wh
  AS SELECT 1 AS x`,
  },
  {
    sql: `CREATE DYNAMIC TABLE clustered_orders TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  CLUSTER BY (customer_id)
  AS SELECT * FROM raw_orders`,
    refused: { clause: /CLUSTER BY/ },
  },
  {
    sql: `CREATE DYNAMIC TABLE retained TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  DATA_RETENTION_TIME_IN_DAYS = 7
  AS SELECT * FROM raw_orders`,
    refused: { clause: /DATA_RETENTION_TIME_IN_DAYS/ },
  },
  {
    sql: `CREATE DYNAMIC TABLE frozen_orders TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  IMMUTABLE WHERE (order_ts < '2024-03-02')
  AS SELECT order_id, order_ts FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE backfilled TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  IMMUTABLE WHERE (order_ts < '2024-03-02')
  BACKFILL FROM frozen_orders
  AS SELECT order_id, order_ts FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE backfilled_alone TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  BACKFILL FROM raw_orders
  AS SELECT order_id FROM raw_orders`,
    refused: { clause: /BACKFILL FROM/ },
  },
  {
    sql: `CREATE DYNAMIC TABLE init_on_big TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  INITIALIZATION_WAREHOUSE = reporting_wh
  AS SELECT order_id FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE init_quoted
  TARGET_LAG = 'DOWNSTREAM'
  WAREHOUSE = 'COMPUTE_WH'
  INITIALIZATION_WAREHOUSE = 'REPORTING_WH'
  AS SELECT order_id, amount FROM raw_orders`,
  },
  { sql: `CREATE DYNAMIC TABLE spend_copy CLONE customer_spend`, refused: { clause: /CLONE/ } },
  {
    sql: `CREATE DYNAMIC TABLE latest_order_per_customer TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT customer_id, order_id, order_ts
     FROM raw_orders
     QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_ts DESC) = 1`,
  },
  {
    sql: `CREATE DYNAMIC TABLE dedup_star TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT *
     FROM raw_orders
     QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_ts DESC) = 1`,
  },
  {
    // Top-1 per group with a total order: maintained incrementally (partition recompute, QUALIFY applied).
    sql: `CREATE DYNAMIC TABLE latest_order_incremental TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  REFRESH_MODE = INCREMENTAL
  AS SELECT customer_id, order_id, order_ts
     FROM raw_orders
     QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY order_ts DESC, order_id) = 1`,
  },
  {
    sql: `CREATE DYNAMIC TABLE order_tax TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT order_id, amount * 0.2 AS tax, amount + tax AS gross
     FROM raw_orders
     WHERE gross > 10`,
  },
  {
    sql: `CREATE DYNAMIC TABLE parsed_items TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT order_id, PARSE_JSON(items) AS items_json FROM raw_orders`,
    refused: { clause: /PARSE_JSON/, on: ['duckdb'] },
  },
  {
    sql: `CREATE DYNAMIC TABLE order_lines TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT o.order_id, f.value AS line
     FROM raw_orders o,
     LATERAL FLATTEN(input => PARSE_JSON(o.items)) f`,
    refused: { clause: /PARSE_JSON/, on: ['duckdb'] },
  },
  {
    sql: `CREATE DYNAMIC TABLE daily_orders TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT DATE_TRUNC('day', order_ts) AS order_day, COUNT(*) AS n, SUM(amount) AS total
     FROM raw_orders GROUP BY DATE_TRUNC('day', order_ts)`,
  },
  {
    sql: `CREATE DYNAMIC TABLE order_flags TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT order_id, IFF(amount > 50, 'big', 'small') AS size_class, NVL(status, 'UNKNOWN') AS status
     FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE all_parties TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT customer_id FROM raw_orders UNION ALL SELECT customer_id FROM shoppers`,
  },
  {
    sql: `CREATE DYNAMIC TABLE running_spend TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT order_id, customer_id,
       SUM(amount) OVER (PARTITION BY customer_id ORDER BY order_ts) AS running_total
     FROM raw_orders`,
  },
  {
    sql: `CREATE DYNAMIC TABLE big_spenders TARGET_LAG = DOWNSTREAM WAREHOUSE = compute_wh
  AS SELECT customer_id, spend FROM customer_spend WHERE spend > 20`,
  },
  {
    sql: `EXPLAIN CREATE DYNAMIC TABLE would_be TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
  AS SELECT region, COUNT(*) AS n FROM shoppers GROUP BY region`,
  },
  {
    sql: `CREATE OR ALTER DYNAMIC TABLE customer_spend
  TARGET_LAG = '40 minutes'
  WAREHOUSE = compute_wh
  AS
    SELECT customer_id, SUM(amount) AS spend, COUNT(*) AS orders
    FROM raw_orders
    GROUP BY customer_id`,
  },
  // MIN_BY / MAX_BY (on Snowflake's incremental-supported list since March 2026)
  {
    sql: `CREATE DYNAMIC TABLE latest_status TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  REFRESH_MODE = INCREMENTAL
  AS SELECT customer_id, MAX_BY(status, order_ts) AS last_status, MIN_BY(amount, order_ts) AS first_amount
     FROM raw_orders GROUP BY customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE biggest_order TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  REFRESH_MODE = INCREMENTAL
  AS SELECT MAX_BY(o.order_id, o.amount) AS order_id, MAX_BY(s.full_name, o.amount) AS shopper
     FROM raw_orders o JOIN shoppers s ON o.customer_id = s.customer_id`,
  },
  {
    sql: `CREATE DYNAMIC TABLE top_three TARGET_LAG = '10 minutes' WAREHOUSE = compute_wh
  AS SELECT customer_id, MAX_BY(order_id, amount, 3) AS top_orders FROM raw_orders GROUP BY customer_id`,
    refused: { clause: /MAX_BY\(x, y, n\)/ },
  },
  // Changing them
  { sql: `ALTER DYNAMIC TABLE customer_spend SUSPEND` },
  { sql: `ALTER DYNAMIC TABLE customer_spend RESUME` },
  { sql: `ALTER DYNAMIC TABLE customer_spend REFRESH` },
  { sql: `ALTER DYNAMIC TABLE region_revenue SET TARGET_LAG = '2 hours'` },
  { sql: `ALTER DYNAMIC TABLE IF EXISTS region_revenue SET WAREHOUSE = reporting_wh` },
  { sql: `ALTER DYNAMIC TABLE open_orders SET COMMENT = 'open orders only'` },
  { sql: `ALTER DYNAMIC TABLE open_orders SET INITIALIZATION_WAREHOUSE = 'REPORTING_WH'` },
  { sql: `ALTER DYNAMIC TABLE init_on_big UNSET INITIALIZATION_WAREHOUSE` },
  { sql: `ALTER DYNAMIC TABLE open_orders UNSET COMMENT` },
  { sql: `ALTER DYNAMIC TABLE scratch_orders RENAME TO scratch_orders_v2` },
  { sql: `ALTER DYNAMIC TABLE spend_full SWAP WITH typed_spend` },
  {
    sql: `ALTER DYNAMIC TABLE open_orders SET DATA_RETENTION_TIME_IN_DAYS = 3`,
    refused: { clause: /DATA_RETENTION_TIME_IN_DAYS/ },
  },
  { sql: `ALTER DYNAMIC TABLE open_orders CLUSTER BY (order_id)`, refused: { clause: /CLUSTER BY/ } },
  // Looking at them
  { sql: `SHOW DYNAMIC TABLES` },
  { sql: `SHOW DYNAMIC TABLES LIKE 'customer%'` },
  { sql: `SHOW DYNAMIC TABLES IN SCHEMA` },
  { sql: `SHOW DYNAMIC TABLES STARTS WITH 'order' LIMIT 5` },
  { sql: `DESCRIBE DYNAMIC TABLE customer_spend` },
  { sql: `DESC DYNAMIC TABLE enriched_orders` },
  { sql: `SELECT * FROM customer_spend ORDER BY customer_id` },
  { sql: `SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY())` },
  {
    sql: `SELECT name, state, refresh_action
FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'customer_spend', RESULT_LIMIT => 10))`,
  },
  {
    sql: `SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(
  DATA_TIMESTAMP_START => DATEADD('day', -1, CURRENT_TIMESTAMP())))`,
  },
  { sql: `SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())` },
  {
    sql: `SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY(AS_OF => CURRENT_TIMESTAMP()))`,
  },
  // Feeding them
  {
    sql: `INSERT INTO raw_orders VALUES (14, 2, 15.00, 'OPEN', TIMESTAMP '2024-03-04 08:00:00', '[]')`,
  },
  { sql: `UPDATE raw_orders SET status = 'SHIPPED' WHERE order_id = 10` },
  { sql: `ALTER DYNAMIC TABLE enriched_orders REFRESH` },
  { sql: `SELECT region, revenue FROM region_revenue ORDER BY region` },
  // Dropping them
  { sql: `DROP DYNAMIC TABLE commented_orders` },
  { sql: `DROP DYNAMIC TABLE IF EXISTS no_such_dt` },
  { sql: `DROP TABLE later_orders` },
  { sql: `UNDROP DYNAMIC TABLE commented_orders` },
  { sql: `DROP TABLE commented_orders` },
];

interface Outcome {
  ran: boolean;
  error?: DtError;
}

describe.each(BACKEND_KINDS)('Snowflake documentation-style statements on %s', (kind) => {
  let engine: Engine;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(SETUP);
    for (const c of CASES) {
      try {
        await engine.execute(c.sql);
        outcomes.push({ ran: true });
      } catch (e) {
        outcomes.push({ ran: false, error: e as DtError });
      }
    }
    const ran = outcomes.filter((o) => o.ran).length;
    console.log(`snowflake-docs corpus on ${kind}: ${ran} of ${CASES.length} statements run`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it.each(CASES.map((c, i) => [i + 1, c] as const))('statement %i', (i, c) => {
    const o = outcomes[i - 1] as Outcome;
    const refusedHere = c.refused && (c.refused.on ?? BACKEND_KINDS).includes(kind);
    if (!refusedHere) {
      expect(o.error?.message, c.sql).toBeUndefined();
      expect(o.ran).toBe(true);
      return;
    }
    expect(o.ran, c.sql).toBe(false);
    expect(o.error).toBeInstanceOf(DtError);
    expect(o.error?.code).toMatch(/^DT_ERR_/);
    expect(o.error?.message).toMatch(c.refused?.clause as RegExp);
    expect(o.error?.details.position, `${c.sql}: ${o.error?.message}`).toMatchObject({
      line: expect.any(Number),
      column: expect.any(Number),
    });
  });

  it('keeps every DT equal to its query after the corpus', async () => {
    for (const dt of await engine.listDynamicTables()) {
      if (dt.schedulingState === 'SUSPENDED') continue;
      await engine.refresh(dt.name);
      expect((await engine.verify(dt.name)).equal, dt.name).toBe(true);
    }
  });
});
