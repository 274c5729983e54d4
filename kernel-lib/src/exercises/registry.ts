/**
 * The lessons' exercises, by name. Each says what the learner's dynamic tables must be; the reference
 * solutions are the collapsed cells in content/<lesson>.md, and kernel-lib/test/lessons.test.ts runs every
 * lesson with them (every check passes) and with typical wrong answers (each fails with its hint).
 */
import type { Exercise, ExpectedFact } from './spec.js';

const MONTHLY = `SELECT DATE_TRUNC('month', o_orderdate) AS month, SUM(orders) AS orders, SUM(revenue) AS revenue
FROM daily_orders GROUP BY DATE_TRUNC('month', o_orderdate)`;

export const EXERCISES: readonly Exercise[] = [
  {
    name: 'a_by_status',
    lesson: 'scenario-a-exercises',
    task: "status_revenue: orders and revenue per o_orderstatus, TARGET_LAG '1 minute', incremental.",
    dts: [
      {
        name: 'status_revenue',
        reads: ['orders'],
        lag: 60,
        mode: 'INCREMENTAL',
        query:
          'SELECT o_orderstatus, COUNT(*) AS orders, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderstatus',
      },
    ],
  },
  {
    name: 'a_full_on_purpose',
    lesson: 'scenario-a-exercises',
    task: "customer_rank: spend and rank per customer, REFRESH_MODE = FULL, TARGET_LAG '1 hour'.",
    dts: [
      {
        name: 'customer_rank',
        reads: ['orders'],
        lag: 3600,
        mode: 'FULL',
        query: `SELECT o_custkey, SUM(o_totalprice) AS spent, RANK() OVER (ORDER BY SUM(o_totalprice) DESC) AS spend_rank
FROM orders GROUP BY o_custkey`,
      },
    ],
  },
  {
    name: 'a_relax_lag',
    lesson: 'scenario-a-exercises',
    task: "Relax status_revenue to TARGET_LAG '1 hour' with ALTER, and bring it up to date.",
    dts: [
      {
        name: 'status_revenue',
        lag: 3600,
        mode: 'INCREMENTAL',
        state: 'ACTIVE',
        nonEmpty: true,
        upToDate: true,
      },
    ],
    hints: { 'status_revenue.lag': "ALTER DYNAMIC TABLE status_revenue SET TARGET_LAG = '1 hour'" },
  },
  {
    name: 'b_monthly',
    lesson: 'scenario-b',
    task: "A fourth tier: monthly_orders (month, orders, revenue) read from daily_orders, TARGET_LAG '1 hour', refreshed incrementally.",
    dts: [
      {
        name: 'monthly_orders',
        reads: ['daily_orders'],
        notReads: ['orders', 'order_facts'],
        lag: 3600,
        mode: 'INCREMENTAL',
        query: MONTHLY,
      },
    ],
    hints: {
      'monthly_orders.reads':
        "read daily_orders (SUM its orders and revenue), so the month is built on the day's work",
    },
  },
  {
    name: 'b_weekly_lag',
    lesson: 'scenario-b',
    task: "Relax weekly_orders to TARGET_LAG = '1 hour' without recreating it.",
    dts: [{ name: 'weekly_orders', lag: 3600, mode: 'INCREMENTAL', state: 'ACTIVE' }],
    hints: { 'weekly_orders.lag': "ALTER DYNAMIC TABLE weekly_orders SET TARGET_LAG = '1 hour'" },
  },
  {
    name: 'b_recover',
    lesson: 'scenario-b',
    task: 'Fix the source, resume the pipeline and let it catch up.',
    dts: [
      { name: 'order_facts', state: 'ACTIVE', upToDate: true },
      { name: 'daily_orders', state: 'ACTIVE', upToDate: true },
      { name: 'weekly_orders', state: 'ACTIVE', upToDate: true },
    ],
    hints: {
      'order_facts.state':
        'rename the column back (ALTER TABLE orders RENAME COLUMN o_total_price TO o_totalprice), then ALTER DYNAMIC TABLE order_facts RESUME',
    },
  },
  {
    name: 'b_schema_fix',
    lesson: 'scenario-b',
    task: 'orders.o_orderpriority is now o_priority: repair the pipeline by changing order_facts alone, keeping its columns.',
    dts: [
      {
        name: 'order_facts',
        state: 'ACTIVE',
        reads: ['orders'],
        query: 'SELECT o_orderkey, o_orderdate, o_priority AS o_orderpriority, o_totalprice FROM orders',
      },
      { name: 'priority_mix', state: 'ACTIVE', upToDate: true },
    ],
    hints: {
      'order_facts.equals':
        'keep the column name its readers use: SELECT …, o_priority AS o_orderpriority, … FROM orders',
    },
  },
  {
    name: 'c_guard',
    lesson: 'scenario-c',
    task: "clean_orders (o_orderkey, o_custkey, o_orderdate, o_totalprice of orders), TARGET_LAG '1 minute': drops orders without a customer, quarantines negative prices, warns about prices over 500000.",
    dts: [
      {
        name: 'clean_orders',
        reads: ['orders'],
        lag: 60,
        query: `SELECT o_orderkey, o_custkey, o_orderdate, o_totalprice FROM orders
WHERE o_custkey IS NOT NULL AND o_totalprice >= 0`,
      },
    ],
    facts: [
      expectationFact('clean_orders', 'QUARANTINE', 'o_totalprice', 'negative prices'),
      expectationFact('clean_orders', 'DROP ROW', 'o_custkey', 'orders without a customer'),
      expectationFact('clean_orders', 'WARN', '500000', 'prices over 500000'),
    ],
    hints: {
      'clean_orders.equals':
        'the table must hold the orders that pass: DROP ROW leaves out orders without a customer, QUARANTINE sets the negative prices aside, WARN keeps its rows',
    },
  },
  {
    name: 'c_alert',
    lesson: 'scenario-c',
    task: 'quality_clean_orders: pass rate under 99 %, a critical incident to lab, escalating to ops_hook after 10 minutes, started.',
    dts: [],
    facts: [
      {
        id: 'quality_clean_orders.exists',
        holds: 'the alert quality_clean_orders exists',
        fails: 'there is no alert quality_clean_orders',
        query: "SELECT 1 FROM dtlab.alerts WHERE name = 'quality_clean_orders'",
        hint: '%dt alert quality clean_orders --below 99 --channel lab … (the template names it quality_clean_orders)',
      },
      {
        id: 'quality_clean_orders.threshold',
        holds: 'it fires under a 99 % pass rate',
        fails: 'its condition does not compare the pass rate with 99',
        query: "SELECT 1 FROM dtlab.alerts WHERE name = 'quality_clean_orders' AND condition LIKE '%< 99'",
        hint: '--below 99',
      },
      {
        id: 'quality_clean_orders.action',
        holds: 'it opens a critical incident on lab, escalating to ops_hook after 10 minutes',
        fails: "its action is not DTLAB$RAISE_INCIDENT('critical', …, 'lab', 'ops_hook', 10)",
        query: `SELECT 1 FROM dtlab.alerts WHERE name = 'quality_clean_orders'
AND action LIKE '%DTLAB$RAISE_INCIDENT(''critical'', %, ''lab'', ''ops_hook'', 10)%'`,
        hint: '--channel lab --severity critical --escalate-to ops_hook --after 10m',
      },
      {
        id: 'quality_clean_orders.state',
        holds: 'it is started',
        fails: 'it is suspended (a new alert is, until it is resumed)',
        query: "SELECT 1 FROM dtlab.alerts WHERE name = 'quality_clean_orders' AND state = 'started'",
        hint: 'ALTER ALERT quality_clean_orders RESUME (the %dt alert template does it for you)',
      },
    ],
  },
  {
    name: 'c_close',
    lesson: 'scenario-c',
    task: 'Fix the source, bring clean_orders up to date (its quarantine empties), resolve the incident.',
    dts: [{ name: 'clean_orders', state: 'ACTIVE', upToDate: true }],
    facts: [
      {
        id: 'orders.fixed',
        holds: 'orders has no negative price and no order without a customer',
        fails: 'orders still has negative prices or orders without a customer',
        query: 'SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM orders WHERE o_totalprice < 0 OR o_custkey IS NULL)',
        hint: 'UPDATE orders SET o_totalprice = -o_totalprice WHERE o_totalprice < 0; DELETE FROM orders WHERE o_custkey IS NULL',
      },
      {
        id: 'clean_orders.quarantine',
        holds: 'the quarantine of clean_orders is empty',
        fails: 'the quarantine of clean_orders still holds rows',
        query: 'SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM dtlab.quarantine_clean_orders)',
        hint: 'refresh clean_orders after fixing the source (%dt refresh clean_orders): fixed rows leave the quarantine',
      },
      {
        id: 'incident.resolved',
        holds: 'the incident of quality_clean_orders is resolved',
        fails: 'the incident of quality_clean_orders is not resolved',
        query: `SELECT 1 FROM dtlab.incidents WHERE alert_name = 'quality_clean_orders' AND state = 'RESOLVED'
AND NOT EXISTS (SELECT 1 FROM dtlab.incidents WHERE alert_name = 'quality_clean_orders' AND state <> 'RESOLVED')`,
        hint: '%dt alerts resolve 1 --note "…"',
      },
    ],
  },
  {
    name: 'd_downstream',
    lesson: 'scenario-d',
    task: 'daily_order_base refreshes only when weekly_trends needs it: TARGET_LAG = DOWNSTREAM, still active.',
    dts: [{ name: 'daily_order_base', lag: 'DOWNSTREAM', state: 'ACTIVE', mode: 'INCREMENTAL' }],
    hints: { 'daily_order_base.lag': 'ALTER DYNAMIC TABLE daily_order_base SET TARGET_LAG = DOWNSTREAM' },
  },
  {
    name: 'd_dashboard_lag',
    lesson: 'scenario-d',
    task: "Relax data_quality_dashboard to TARGET_LAG = '8 minutes' without recreating it.",
    dts: [{ name: 'data_quality_dashboard', lag: 480, state: 'ACTIVE', reads: ['orders'] }],
    hints: {
      'data_quality_dashboard.lag': "ALTER DYNAMIC TABLE data_quality_dashboard SET TARGET_LAG = '8 minutes'",
    },
  },
  {
    name: 'd_simple_query',
    lesson: 'scenario-d',
    task: 'priority_orders_simple: orders per o_orderpriority from orders alone, incremental, TARGET_LAG 1 minute.',
    dts: [
      {
        name: 'priority_orders_simple',
        reads: ['orders'],
        notReads: ['lineitem'],
        lag: 60,
        mode: 'INCREMENTAL',
        query: 'SELECT o_orderpriority, COUNT(*) AS orders FROM orders GROUP BY o_orderpriority',
      },
    ],
    hints: {
      'priority_orders_simple.not_reads':
        'every order has line items: the join adds nothing; count the orders themselves (COUNT(*) FROM orders)',
    },
  },
  {
    name: 'gallery_fresh',
    lesson: 'gallery',
    lessonCheck: true,
    task: 'After the stream, every pipeline of the gallery holds rows and equals its query.',
    dts: [
      'order_analytics_incremental',
      'customer_ltv_incremental',
      'monthly_sales_summary',
      'product_performance_full',
      'daily_order_base',
      'weekly_trends',
      'data_quality_dashboard',
      'late_shipments_by_mode',
    ].map((name) => ({ name, nonEmpty: true, upToDate: true })),
  },
];

/** The DT has an expectation with this action whose condition names `word`. */
function expectationFact(dt: string, action: string, word: string, what: string): ExpectedFact {
  return {
    id: `${dt}.${action.toLowerCase().replace(' ', '_')}`,
    holds: `${dt} has a ${action} expectation on ${word}`,
    fails: `${dt} has no ${action} expectation on ${word}`,
    query: `SELECT 1 FROM dtlab.dynamic_tables WHERE name = '${dt}'
AND expectations LIKE '%"condition":"%${word}%","action":"${action}"%'`,
    hint: `add CONSTRAINT name EXPECT (…) ON VIOLATION ${action} for ${what}, in the list before TARGET_LAG`,
  };
}

/** The exercise called `name`, or undefined. */
export function findExercise(name: string): Exercise | undefined {
  return EXERCISES.find((e) => e.name === name);
}
