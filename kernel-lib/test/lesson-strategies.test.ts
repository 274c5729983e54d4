/**
 * How each lesson's dynamic tables are maintained (plan/strategy.ts), pinned: a lesson explains what a
 * learner sees in SHOW DYNAMIC TABLES, and a planner change that quietly moves a lesson's DT to a costlier
 * strategy (as a whole-row check once moved `COUNT(*) AS orders FROM orders` from linear deltas to affected
 * keys) fails here. Pure: the queries as the lessons write them, over TPC-H's columns, planned as on DuckDB
 * (PostgreSQL's AVG scale check, plan/avg-scale.ts, is not applied).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCell } from '../src/magics/parse.js';
import { normalizeQuery } from '../src/plan/normalize.js';
import { chooseStrategy } from '../src/plan/strategy.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { parseStatement } from '../src/sql/ddl.js';
import type { CreateDynamicTable } from '../src/sql/ddl-types.js';
import { tokenize } from '../src/sql/lexer.js';
import { splitStatements } from '../src/sql/split.js';
import { TPCH_TABLES, tpchColumns } from '../src/tpch/schema.js';

const CONTENT = new URL('../../content/', import.meta.url);

/** Every dynamic table the lessons create (`%%dynamic_table` cells, CREATE DYNAMIC TABLE in `%%sql` cells). */
function lessonDts(): { at: string; statement: CreateDynamicTable }[] {
  const dts: { at: string; statement: CreateDynamicTable }[] = [];
  for (const file of readdirSync(CONTENT)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const text = readFileSync(new URL(file, CONTENT), 'utf8');
    for (const [, cell] of text.matchAll(/```dtlab[^\n]*\n([\s\S]*?)```/g)) {
      for (const command of parseCell(cell as string) ?? []) {
        if (command.kind === 'dynamic_table') dts.push({ at: file, statement: command.statement });
        if (command.kind !== 'sql') continue;
        for (const { text } of splitStatements(command.sql)) {
          const statement = parseStatement(text, tokenize(text));
          if (statement.kind === 'create_dynamic_table') dts.push({ at: file, statement });
        }
      }
    }
  }
  return dts;
}

const columns = new Map<string, string[]>(TPCH_TABLES.map((t) => [t, tpchColumns(t)]));

function kindOf(query: string): string {
  const analysis = analyzeQuery(query, () => false);
  const planned = normalizeQuery(query, analysis.ast, {
    columnsOf: (t) => columns.get(t),
    viewOf: () => undefined,
  });
  if ('reason' in planned) return `full (${planned.reason})`;
  const s = chooseStrategy(planned.text, planned.ast, (t) => columns.get(t));
  return s.kind === 'linear' && s.plan.rows ? 'linear rows' : s.kind;
}

describe("the lessons' dynamic tables", () => {
  it('keep their strategies', () => {
    const kinds = lessonDts().map(({ at, statement: s }) =>
      [at, s.name, s.refreshMode === 'FULL' ? 'FULL requested' : kindOf(s.query)].join(' '),
    );
    expect(kinds).toEqual([
      'gallery.md order_analytics_incremental linear',
      'gallery.md customer_ltv_incremental linear',
      'gallery.md monthly_sales_summary FULL requested',
      'gallery.md product_performance_full FULL requested',
      'gallery.md daily_order_base linear',
      'gallery.md weekly_trends keys',
      'gallery.md data_quality_dashboard full',
      'gallery.md late_shipments_by_mode linear',
      'gallery.md weekly_trends keys',
      'scenario-a-exercises.md status_revenue linear',
      'scenario-a-exercises.md customer_rank FULL requested',
      'scenario-a.md daily_revenue_inc linear',
      'scenario-a.md daily_revenue_full FULL requested',
      'scenario-a.md order_analytics_incremental linear',
      'scenario-b.md order_facts linear rows',
      'scenario-b.md daily_orders linear',
      'scenario-b.md weekly_orders linear',
      'scenario-b.md monthly_orders linear',
      'scenario-b.md priority_mix linear',
      'scenario-b.md order_facts linear rows',
      'scenario-c.md clean_orders linear rows',
      'scenario-d.md order_analytics_incremental linear',
      'scenario-d.md customer_ltv_incremental linear',
      'scenario-d.md monthly_sales_summary FULL requested',
      'scenario-d.md product_performance_full FULL requested',
      'scenario-d.md daily_order_base linear',
      'scenario-d.md weekly_trends keys',
      'scenario-d.md data_quality_dashboard full',
      'scenario-d.md priority_orders_complex linear',
      'scenario-d.md priority_orders_simple linear',
      'scenario-d.md orders_by_day FULL requested',
    ]);
  });
});
