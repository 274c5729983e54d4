/**
 * Typical wrong answers to each exercise, and what its check must say about them (message and hint). Run by
 * run-lesson.ts just before the exercise's reference solution; `cleanup` undoes what the solution would not.
 */
export interface WrongAnswer {
  what: string;
  cells: string[];
  /** The wrong cells may themselves fail (the engine refused them). */
  cellErrors?: boolean;
  message: RegExp;
  hint: RegExp;
  cleanup?: string[];
}

const MONTHLY = (lag: string, select: string, from = 'daily_orders', opts = '') =>
  `%%dynamic_table monthly_orders TARGET_LAG = '${lag}'${opts}
SELECT DATE_TRUNC('month', o_orderdate) AS month, ${select}
FROM ${from}
GROUP BY DATE_TRUNC('month', o_orderdate)`;

const STATUS = (opts: string, select = 'COUNT(*) AS orders, SUM(o_totalprice) AS revenue') =>
  `%%dynamic_table status_revenue ${opts}
SELECT o_orderstatus, ${select}
FROM orders
GROUP BY o_orderstatus`;

const RANKED = (opts: string) => `%%dynamic_table customer_rank ${opts}
SELECT o_custkey, SUM(o_totalprice) AS spent, RANK() OVER (ORDER BY SUM(o_totalprice) DESC) AS spend_rank
FROM orders
GROUP BY o_custkey`;

const CLEAN = (list: string) => `%%sql
CREATE DYNAMIC TABLE clean_orders ${list}
  TARGET_LAG = '1 minute'
  AS SELECT o_orderkey, o_custkey, o_orderdate, o_totalprice FROM orders`;

export const WRONG_ANSWERS: Record<string, WrongAnswer[]> = {
  a_by_status: [
    {
      what: 'REFRESH_MODE = FULL',
      cells: [STATUS("TARGET_LAG = '1 minute' REFRESH_MODE = FULL")],
      message: /✘ status_revenue refreshes FULL, expected INCREMENTAL/,
      hint: /REFRESH_MODE = INCREMENTAL/,
    },
    {
      what: 'a 5-minute lag',
      cells: [STATUS("TARGET_LAG = '5 minutes'")],
      message: /✘ status_revenue has TARGET_LAG = '5 minutes', expected '1 minute'/,
      hint: /TARGET_LAG = '1 minute'/,
    },
    {
      what: 'revenue as the average price',
      cells: [STATUS("TARGET_LAG = '1 minute'", 'COUNT(*) AS orders, AVG(o_totalprice) AS revenue')],
      message: /✘ status_revenue has 3 rows the expected result has not and lacks 3 of its rows/,
      hint: /compare your query with the task/,
    },
  ],
  a_full_on_purpose: [
    {
      what: 'a 1-minute lag',
      cells: [RANKED("TARGET_LAG = '1 minute' REFRESH_MODE = FULL")],
      message: /✘ customer_rank has TARGET_LAG = '1 minute', expected '1 hour'/,
      hint: /TARGET_LAG = '1 hour'/,
    },
    {
      what: 'ranks without a column name',
      cells: [RANKED("TARGET_LAG = '1 hour' REFRESH_MODE = FULL").replace(' AS spend_rank', ' AS rnk')],
      message: /has the columns \(o_custkey, spent, rnk\), expected \(o_custkey, spent, spend_rank\)/,
      hint: /columns/,
    },
  ],
  a_relax_lag: [
    {
      what: 'nothing changed',
      cells: [],
      message: /✘ status_revenue has TARGET_LAG = '1 minute', expected '1 hour'/,
      hint: /ALTER DYNAMIC TABLE status_revenue SET TARGET_LAG = '1 hour'/,
    },
  ],
  b_monthly: [
    {
      what: 'nothing written yet',
      cells: [],
      message: /✘ there is no dynamic table monthly_orders/,
      hint: /create it with a %%dynamic_table monthly_orders/,
    },
    {
      what: 'a typo in the name',
      cells: [
        MONTHLY('1 hour', 'SUM(orders) AS orders, SUM(revenue) AS revenue').replace(
          'monthly_orders',
          'monthly_order',
        ),
      ],
      message: /no dynamic table monthly_orders \(there is monthly_order: a typo\?\)/,
      hint: /the name must be monthly_orders/,
      cleanup: ['%%sql\nDROP DYNAMIC TABLE monthly_order'],
    },
    {
      what: 'reads orders instead of daily_orders',
      cells: [MONTHLY('1 hour', 'COUNT(*) AS orders, SUM(o_totalprice) AS revenue', 'orders')],
      message: /✔ monthly_orders exists\n✘ monthly_orders reads orders, not daily_orders/,
      hint: /read daily_orders/,
    },
    {
      what: 'the wrong target lag',
      cells: [MONTHLY('10 minutes', 'SUM(orders) AS orders, SUM(revenue) AS revenue')],
      message: /✘ monthly_orders has TARGET_LAG = '10 minutes', expected '1 hour'/,
      hint: /TARGET_LAG = '1 hour'/,
    },
    {
      what: 'REFRESH_MODE = FULL',
      cells: [
        MONTHLY(
          '1 hour',
          'SUM(orders) AS orders, SUM(revenue) AS revenue',
          'daily_orders',
          ' REFRESH_MODE = FULL',
        ),
      ],
      message: /✘ monthly_orders refreshes FULL, expected INCREMENTAL/,
      hint: /REFRESH_MODE = INCREMENTAL/,
    },
    {
      what: 'counts days instead of summing orders',
      cells: [MONTHLY('1 hour', 'COUNT(*) AS orders, SUM(revenue) AS revenue')],
      message: /✘ monthly_orders has \d+ rows the expected result has not and lacks \d+ of its rows/,
      hint: /compare your query with the task/,
    },
    {
      what: 'a column named differently',
      cells: [MONTHLY('1 hour', 'SUM(orders) AS order_count, SUM(revenue) AS revenue')],
      message: /has the columns \(month, order_count, revenue\), expected \(month, orders, revenue\)/,
      hint: /columns \(names and order\)/,
    },
  ],
  b_weekly_lag: [
    {
      what: 'the lag left as it was',
      cells: [],
      message: /✘ weekly_orders has TARGET_LAG = '10 minutes', expected '1 hour'/,
      hint: /ALTER DYNAMIC TABLE weekly_orders SET TARGET_LAG = '1 hour'/,
    },
    {
      what: 'the wrong lag',
      cells: ["%%sql\nALTER DYNAMIC TABLE weekly_orders SET TARGET_LAG = '30 minutes'"],
      message: /has TARGET_LAG = '30 minutes', expected '1 hour'/,
      hint: /SET TARGET_LAG = '1 hour'/,
    },
  ],
  b_recover: [
    {
      what: 'nothing repaired',
      cells: [],
      message: /✘ order_facts is SUSPENDED \(SUSPENDED_DUE_TO_ERRORS\), expected ACTIVE/,
      hint: /RENAME COLUMN o_total_price TO o_totalprice.*RESUME/,
    },
  ],
  b_schema_fix: [
    {
      what: 'nothing repaired',
      cells: [],
      message: /✘ order_facts is SUSPENDED \(SUSPENDED_DUE_TO_ERRORS\), expected ACTIVE/,
      hint: /RESUME/,
    },
  ],
  c_guard: [
    {
      what: 'nothing written yet',
      cells: [],
      message: /✘ there is no dynamic table clean_orders/,
      hint: /create it with a %%dynamic_table clean_orders/,
    },
    {
      what: 'a WHERE clause instead of expectations (nothing to review)',
      cells: [
        `${CLEAN('')}
  WHERE o_custkey IS NOT NULL AND o_totalprice >= 0`,
      ],
      message:
        /✔ clean_orders holds the expected rows\n✘ clean_orders has no QUARANTINE expectation on o_totalprice/,
      hint: /ON VIOLATION QUARANTINE for negative prices/,
      cleanup: ['%%sql\nDROP DYNAMIC TABLE clean_orders'],
    },
    {
      what: 'negative prices only warned about',
      cells: [
        CLEAN(`(
    CONSTRAINT has_customer   EXPECT (o_custkey IS NOT NULL) ON VIOLATION DROP ROW,
    CONSTRAINT positive_price EXPECT (o_totalprice >= 0),
    CONSTRAINT plausible      EXPECT (o_totalprice < 500000)
  )`),
      ],
      message:
        /✘ clean_orders has \d+ rows the expected result has not and lacks 0 of its rows; e\.g\. extra \(\d+, \d+, [^,]+, -/,
      hint: /QUARANTINE sets the negative prices aside/,
      cleanup: ['%%sql\nDROP DYNAMIC TABLE clean_orders'],
    },
  ],
  c_alert: [
    {
      what: 'nothing written yet',
      cells: [],
      message: /✘ there is no alert quality_clean_orders/,
      hint: /%dt alert quality clean_orders --below 99 --channel lab/,
    },
    {
      what: 'the 95 % threshold',
      cells: [
        '%dt alert quality clean_orders --below 95 --channel lab --severity critical --escalate-to ops_hook --after 10m',
      ],
      message: /✘ its condition does not compare the pass rate with 99/,
      hint: /--below 99/,
    },
    {
      what: 'no escalation',
      cells: ['%dt alert quality clean_orders --below 99 --channel lab'],
      message: /✘ its action is not DTLAB\$RAISE_INCIDENT\('critical'/,
      hint: /--severity critical --escalate-to ops_hook --after 10m/,
    },
    {
      what: 'written in SQL and left suspended',
      cells: [
        `%%sql
CREATE OR REPLACE ALERT quality_clean_orders SCHEDULE = '5 MINUTE'
  IF (EXISTS (SELECT name FROM dtlab.expectation_results
              WHERE rows_passed + rows_failed > 0 AND 100.0 * rows_passed / (rows_passed + rows_failed) < 99))
  THEN CALL DTLAB$RAISE_INCIDENT('critical', 'clean_orders: rows fail', 'lab', 'ops_hook', 10)`,
      ],
      message:
        /✔ it opens a critical incident on lab, escalating to ops_hook after 10 minutes\n✘ it is suspended/,
      hint: /ALTER ALERT quality_clean_orders RESUME/,
    },
  ],
  c_close: [
    {
      what: 'refreshed without fixing the source',
      cells: ['%dt refresh clean_orders'],
      message: /✘ orders still has negative prices or orders without a customer/,
      hint: /UPDATE orders SET o_totalprice = -o_totalprice/,
    },
    {
      what: 'the source fixed, clean_orders not refreshed',
      cells: [
        '%%sql\nUPDATE orders SET o_totalprice = -o_totalprice WHERE o_totalprice < 0;\nDELETE FROM orders WHERE o_custkey IS NULL',
      ],
      message: /✘ clean_orders differs from its own query/,
      hint: /%dt refresh clean_orders/,
    },
    {
      what: 'refreshed, the incident left open',
      cells: ['%dt refresh clean_orders'],
      message:
        /✔ the quarantine of clean_orders is empty\n✘ the incident of quality_clean_orders is not resolved/,
      hint: /%dt alerts resolve 1/,
    },
  ],
  d_downstream: [
    {
      what: 'a longer lag instead of DOWNSTREAM',
      cells: ["%%sql\nALTER DYNAMIC TABLE daily_order_base SET TARGET_LAG = '10 minutes'"],
      message: /✘ daily_order_base/,
      hint: /TARGET_LAG = DOWNSTREAM/,
    },
  ],
  d_dashboard_lag: [
    {
      what: 'a lag that is still too tight',
      cells: ["%%sql\nALTER DYNAMIC TABLE data_quality_dashboard SET TARGET_LAG = '4 minutes'"],
      message: /✘ data_quality_dashboard/,
      hint: /8 minutes/,
    },
  ],
  d_simple_query: [
    {
      what: 'the join kept',
      cells: [
        `%%dynamic_table priority_orders_simple TARGET_LAG = '1 minute'
SELECT o.o_orderpriority, COUNT(DISTINCT o.o_orderkey) AS orders
FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey
GROUP BY o.o_orderpriority`,
      ],
      message: /✘ priority_orders_simple/,
      hint: /count the orders themselves/,
      cleanup: ['%%sql\nDROP DYNAMIC TABLE priority_orders_simple'],
    },
  ],
};
