/**
 * plan/window.ts, pure: a window over a grouped result is split into the aggregate kept beside the DT and
 * the window step over it; what cannot be split so refreshes in full with the reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseStrategy } from '../src/plan/strategy.js';
import { analyzeQuery } from '../src/sql/analyze.js';

const strategyOf = (q: string) => chooseStrategy(q, analyzeQuery(q, () => false).ast);

describe('windows over groups', () => {
  it("keeps the seeds' weekly_trends aggregate and recomputes its LAG over the kept weeks", () => {
    const seeds = readFileSync(new URL('../../data/pipelines/seed_pipelines.sql', import.meta.url), 'utf8');
    const query = (seeds.split(/CREATE DYNAMIC TABLE weekly_trends/)[1] as string)
      .split(/\bAS\b/)
      .slice(1)
      .join('AS')
      .split(';')[0] as string;
    const s = strategyOf(query.trim());
    expect(s.kind).toBe('keys');
    if (s.kind !== 'keys' || !s.nested) throw new Error('no window plan');
    expect(s.nested.whole).toBe(true);
    expect(s.nested.inner.text.replace(/\s+/g, ' ')).toBe(
      "SELECT DATE_TRUNC('week', order_date), AVG(order_count), SUM(revenue) FROM daily_order_base GROUP BY DATE_TRUNC('week', order_date)",
    );
    expect(s.nested.outer.replace(/\s+/g, ' ')).toContain(
      'c1 as week_start, c2 as avg_daily_orders, (c3 - LAG(c3) OVER (ORDER BY c1)) / LAG(c3) OVER (ORDER BY c1) * 100 as revenue_growth_rate FROM (SELECT c1, c2, c3 FROM',
    );
    expect(s.reason).toMatch(/window step is recomputed over the kept groups/);
  });
  it('maintains order-sensitive windows that name every group key, and peer-based ones over ties', () => {
    for (const q of [
      'SELECT g, h, ROW_NUMBER() OVER (PARTITION BY g ORDER BY SUM(v), h) AS r FROM a GROUP BY g, h',
      'SELECT g, RANK() OVER (ORDER BY SUM(v)) AS r, SUM(COUNT(*)) OVER (ORDER BY MAX(v)) AS run FROM a GROUP BY g',
      'SELECT g, SUM(SUM(v)) OVER (ORDER BY g ROWS UNBOUNDED PRECEDING) AS run FROM a GROUP BY g',
    ])
      expect(strategyOf(q).kind, q).toBe('keys');
  });
  it('resolves GROUP BY positions and aliases, keeps HAVING and FILTER in the aggregate step', () => {
    const s = strategyOf(
      'SELECT g AS grp, COUNT(*) FILTER (WHERE v > 0) AS pos, RANK() OVER (ORDER BY SUM(v)) AS r FROM a WHERE v IS NOT NULL GROUP BY 1 HAVING COUNT(*) > 1 ORDER BY r',
    );
    if (s.kind !== 'keys' || !s.nested) throw new Error(`not planned: ${'reason' in s ? s.reason : ''}`);
    expect(s.nested.inner.text).toBe(
      'SELECT g, COUNT(*) FILTER (WHERE v > 0), SUM(v) FROM a WHERE v IS NOT NULL GROUP BY g HAVING COUNT(*) > 1',
    );
    expect(s.nested.outer).toContain('SELECT c1 AS grp, c2 AS pos, RANK() OVER (ORDER BY c3) AS r FROM (');
  });
  it.each([
    ['SELECT k, SUM(v) OVER (ORDER BY k), SUM(v) OVER () FROM a', /window without PARTITION BY/],
    ['SELECT SUM(v), RANK() OVER (ORDER BY SUM(v)) FROM a', /whole table/],
    ['SELECT g, RANK() OVER w FROM a GROUP BY g WINDOW w AS (ORDER BY g)', /WINDOW/],
    ['SELECT a.g, RANK() OVER (ORDER BY g) FROM a GROUP BY a.g', /reads g other than by a group key/],
    ['SELECT g, SUM(v), LAG(SUM(v)) OVER (ORDER BY g) FROM a GROUP BY g LIMIT 3', /LIMIT/],
    // Ties: an order-sensitive window must name every group key, or its answer depends on the read order.
    [
      'SELECT g, ROW_NUMBER() OVER (ORDER BY SUM(v)) AS r FROM a GROUP BY g',
      /ROW_NUMBER depends on how rows that tie/,
    ],
    [
      'SELECT g, h, LAG(SUM(v)) OVER (PARTITION BY g ORDER BY COUNT(*)) AS p FROM a GROUP BY g, h',
      /LAG depends/,
    ],
    [
      'SELECT g, SUM(SUM(v)) OVER (ORDER BY MAX(v) ROWS UNBOUNDED PRECEDING) AS run FROM a GROUP BY g',
      /SUM over a ROWS frame depends/,
    ],
  ])('%s: full', (query, reason) => {
    const s = strategyOf(query);
    expect(s.kind).toBe('full');
    expect(s.kind === 'full' && s.reason).toMatch(reason);
  });
});
