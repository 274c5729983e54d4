/**
 * The data-quality lesson through the magics on DuckDB: the seeds' data_quality_dashboard verbatim, DMFs on
 * orders, `%dt simulate … --faults` breaking the data on purpose, `%dt quality` (scorecard, rules with
 * failing rows, score trend on the lesson clock), and the magics' bad input.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../src/backends/open.js';
import type { OutputBundle } from '../src/display/bundle.js';
import { QUALITY_MIME, type QualityView } from '../src/display/quality.js';
import type { DtError } from '../src/errors.js';
import { parseDtLine } from '../src/magics/dt-line.js';
import { MagicSession } from '../src/magics/session.js';

const SEEDS = readFileSync(new URL('../../data/pipelines/seed_pipelines.sql', import.meta.url), 'utf8');
const DASHBOARD = /CREATE DYNAMIC TABLE data_quality_dashboard[\s\S]*?FROM orders;/.exec(
  SEEDS,
)?.[0] as string;

let session: MagicSession;
beforeAll(() => {
  session = new MagicSession({
    defaultSpec: 'duckdb',
    open: (spec) => openBackend(spec),
    start: Date.UTC(2026, 0, 1),
  });
});
afterAll(() => session.close());

const run = async (cell: string): Promise<OutputBundle[]> => {
  const out = await session.run(cell);
  if (out === null) throw new Error('not a magic');
  return out;
};
const failure = (cell: string) =>
  Promise.resolve()
    .then(() => session.run(cell))
    .then(
      () => {
        throw new Error(`expected ${cell} to fail`);
      },
      (e: unknown) => e as DtError,
    );

describe('the data-quality lesson through the magics', () => {
  it('breaks orders on purpose and shows it in the dashboard and the scorecard', async () => {
    await run('%dt load tpch --sf 0.01 --keys none');
    expect(DASHBOARD).toContain('quality_score');
    await run(`%%sql\n${DASHBOARD}`);
    await run(`%%sql
ALTER TABLE orders SET DATA_METRIC_SCHEDULE = '5 MINUTE';
ALTER TABLE orders ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (o_custkey) EXPECTATION no_null_customer (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (o_orderkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.MIN ON (o_totalprice) EXPECTATION non_negative (VALUE >= 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ()`);
    await run('%dt clock +5m');
    let view = (await run('%dt quality orders'))[0]?.data[QUALITY_MIME] as unknown as QualityView;
    expect(view.tables[0]).toMatchObject({ table: 'orders', score: 100, state: 'HEALTHY', checks: 3 });
    const started = await run(
      '%dt simulate orders --rate 1 --seed 7 --faults nulls=0.2,duplicates=0.1,negative=0.1,unknown=0.05',
    );
    expect(String(started[0]?.data['text/plain'])).toMatch(
      /with faults \(nullCustomer 0.2, duplicateKey 0.1/,
    );
    await run('%dt clock +15m');
    const stopped = await run('%dt simulate stop');
    // "… ; faults: nullCustomer 12, duplicateKey 3, negativePrice 5, unknownCustomer 2" (magics/summary.ts)
    const injected = (fault: string) =>
      Number(
        new RegExp(`${fault} ([\\d,]+)`).exec(String(stopped[0]?.data['text/plain']))?.[1]?.replace(/,/g, ''),
      );
    expect(injected('nullCustomer')).toBeGreaterThan(0);
    expect(injected('duplicateKey')).toBeGreaterThan(0);
    expect(injected('negativePrice')).toBeGreaterThan(0);

    // Measured once more now (MANUAL), to compare with the table as it is.
    const out = (await run('%dt quality orders --evaluate'))[0] as OutputBundle;
    const [counted] = await run('%%sql\nSELECT COUNT(*) - COUNT(o_custkey) FROM orders');
    const nullRows = (
      (counted as OutputBundle).data['application/vnd.dtlab.table+json'] as { rows: number[][] }
    ).rows[0]?.[0];
    expect(nullRows).toBeGreaterThan(0);
    view = out.data[QUALITY_MIME] as unknown as QualityView;
    const orders = view.tables[0];
    expect(orders?.state).toBe('ERROR');
    expect(orders?.score).toBe(0);
    // One score per 5 lesson minutes: 00:05 (clean) … 00:20, and the one asked for at 00:20.
    expect(orders?.trend.map((p) => new Date(p[0]).toISOString().slice(11, 16))).toEqual([
      '00:05',
      '00:10',
      '00:15',
      '00:20',
      '00:20',
    ]);
    expect(orders?.trend[0]?.[1]).toBe(100);
    const nulls = orders?.rules.find((r) => r.rule.startsWith('NULL_COUNT(o_custkey)'));
    expect(nulls?.value).toBe(nullRows);
    expect(nulls?.sample?.length).toBeGreaterThan(0);
    expect(nulls?.sample?.every((r) => r.o_custkey === null)).toBe(true);
    expect(nulls?.history.map((h) => h[1])).toEqual([1, 0, 0, 0, 0]);
    // The static fallback: a trend chart in theme colours (no hard-coded fills) and the rules.
    const html = String(out.data['text/html']);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/fill="#/);
    expect(html).toContain('var(--jp-error-color1, currentColor)');
    expect(String(out.data['text/plain'])).toMatch(/orders\s+\|?\s*0\s+\|?\s*ERROR/);

    // The seeds' dashboard, verbatim, sees the same faults.
    await run('%dt refresh data_quality_dashboard');
    const [dash] = await run('%%sql\nSELECT null_count, duplicate_count, status FROM data_quality_dashboard');
    const row = ((dash as OutputBundle).data['application/vnd.dtlab.table+json'] as { rows: unknown[][] })
      .rows[0];
    expect(row).toEqual([nullRows, expect.any(Number), 'WARNING']);
    expect(Number(row?.[1])).toBeGreaterThan(0);
  }, 240_000);

  it('ships the richer example: DMFs with expectations on every TPC-H table and the extended dashboard', async () => {
    const example = readFileSync(new URL('../../data/pipelines/quality_tpch.sql', import.meta.url), 'utf8');
    const fresh = new MagicSession({
      defaultSpec: 'duckdb',
      open: (spec) => openBackend(spec),
      start: Date.UTC(2026, 0, 1),
    });
    try {
      await fresh.run('%dt load tpch --sf 0.01 --keys none');
      await fresh.run(`%%sql\n${example}`);
      await fresh.run('%dt clock +1h');
      const out = (await fresh.run('%dt quality'))?.[0] as OutputBundle;
      const view = out.data[QUALITY_MIME] as unknown as QualityView;
      expect(view.tables.map((t) => t.table).sort()).toEqual([
        'customer',
        'lineitem',
        'nation',
        'orders',
        'part',
        'partsupp',
        'region',
        'supplier',
      ]);
      // Clean TPC-H data meets every expectation; orders and lineitem were measured every 5 minutes.
      for (const t of view.tables) expect([t.table, t.state, t.failing]).toEqual([t.table, 'HEALTHY', 0]);
      expect(view.tables.find((t) => t.table === 'orders')?.trend.length).toBe(12);
      expect(view.tables.find((t) => t.table === 'region')?.trend.length).toBe(1);
      const [dash] =
        (await fresh.run('%%sql\nSELECT table_name, status FROM tpch_quality_dashboard ORDER BY 1')) ?? [];
      const rows = (dash?.data['application/vnd.dtlab.table+json'] as { rows: unknown[][] } | undefined)
        ?.rows;
      expect(rows?.length).toBe(8);
      expect(rows?.every((r) => r[1] === 'HEALTHY')).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 240_000);

  it('refuses bad fault options and unknown tables with positioned errors', async () => {
    const bad = '%dt simulate orders --rate 1 --faults nulls=0.1,negative=2';
    const e1 = await failure(bad);
    expect(e1).toMatchObject({
      code: 'DT_ERR_OPTION',
      details: { position: { column: bad.indexOf('2') + 1 } },
    });
    expect(e1.message).toMatch(/fault negative must be a number from 0 to 1/);
    const typo = '%dt simulate orders --rate 1 --faults nul=0.1';
    const e2 = await failure(typo);
    expect(e2).toMatchObject({
      code: 'DT_ERR_OPTION',
      details: { position: { column: typo.indexOf('nul=') + 1 } },
    });
    expect(e2.message).toMatch(/unknown fault 'nul' \(did you mean nulls\?\)/);
    const twice = '%dt simulate orders --rate 1 --faults nulls=0.1,nulls=0.2';
    expect(await failure(twice)).toMatchObject({
      details: { position: { column: twice.lastIndexOf('nulls') + 1 } },
    });
    expect(await failure('%dt quality nosuch_table')).toMatchObject({ code: 'DT_ERR_UNKNOWN_OBJECT' });
    expect(await failure('%dt quality --evaluate')).toMatchObject({ code: 'DT_ERR_SYNTAX' });
    expect(parseDtLine('%dt quality', 0, 11)).toEqual({ kind: 'quality', evaluate: false });
    expect(parseDtLine('%dt quality t --evaluate', 0, 24)).toEqual({
      kind: 'quality',
      name: 't',
      evaluate: true,
    });
  });
});
