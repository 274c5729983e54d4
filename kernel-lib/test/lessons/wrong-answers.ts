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

export const WRONG_ANSWERS: Record<string, WrongAnswer[]> = {
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
};
