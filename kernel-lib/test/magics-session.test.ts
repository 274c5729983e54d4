/**
 * The magic session on a real DuckDB-WASM: Scenario A's magics in order, their bundles, and errors that
 * leave the session working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../src/backends/open.js';
import { MIME, type OutputBundle } from '../src/display/bundle.js';
import type { DagModel } from '../src/display/graph.js';
import { DtError } from '../src/errors.js';
import { MagicSession } from '../src/magics/session.js';
import type { RefreshRecord } from '../src/types.js';
import { recording } from './helpers/recording.js';

let session: MagicSession;

beforeAll(() => {
  session = new MagicSession({
    defaultSpec: 'duckdb',
    open: (spec) => openBackend(spec),
    start: Date.UTC(2026, 0, 1),
  });
});
afterAll(() => session.close());

async function run(cell: string): Promise<OutputBundle[]> {
  const out = await session.run(cell);
  if (out === null) throw new Error('not a magic');
  for (const b of out) expect(typeof b.data['text/plain']).toBe('string');
  return out;
}

async function failure(cell: string): Promise<DtError> {
  try {
    await session.run(cell);
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error(`expected ${cell} to fail`);
}

const data = <T>(b: OutputBundle | undefined, mime: string) => b?.data[mime] as T;

const INCREMENTAL = `%%dynamic_table revenue_inc TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
SELECT o_orderstatus, COUNT(*) AS orders, SUM(o_totalprice) AS revenue
FROM orders GROUP BY o_orderstatus`;
const FULL = `%%dynamic_table revenue_full TARGET_LAG = '1 hour' REFRESH_MODE = FULL
SELECT o_orderstatus, COUNT(*) AS orders, SUM(o_totalprice) AS revenue
FROM orders GROUP BY o_orderstatus`;

describe('a magic session on DuckDB', () => {
  it('loads TPC-H and creates an incremental and a full DT', async () => {
    const [loaded] = await run('%dt load tpch --sf 0.01');
    const table = data<{ rows: [string, number][] }>(loaded, MIME.table);
    expect(Object.fromEntries(table.rows)).toMatchObject({ orders: 15_000, lineitem: 60_175 });
    expect((await run(INCREMENTAL))[0]?.data['text/plain']).toMatch(/revenue_inc.*created[\s\S]*INCREMENTAL/);
    expect((await run(FULL))[0]?.data['text/plain']).toMatch(/refresh mode FULL/);
  });

  it('shows the DTs and their graph', async () => {
    const [shown] = await run('%dt show');
    const rows = data<{ rows: unknown[][]; columns: { name: string }[] }>(shown, MIME.table);
    const name = rows.columns.findIndex((c) => c.name === 'name');
    expect(rows.rows.map((r) => r[name]).sort()).toEqual(['revenue_full', 'revenue_inc']);
    expect(shown?.data['text/html']).toMatch(/^<table/);

    const [graph] = await run('%dt graph');
    const dag = data<DagModel>(graph, MIME.dag);
    expect(dag.nodes.map((n) => n.id).sort()).toEqual(['orders', 'revenue_full', 'revenue_inc']);
    expect(dag.edges).toContainEqual({ from: 'orders', to: 'revenue_inc' });
    expect(dag.nodes.find((n) => n.id === 'revenue_inc')).toMatchObject({
      kind: 'DYNAMIC TABLE',
      refreshMode: 'INCREMENTAL',
    });
  });

  it('captures %%sql writes, refreshes incrementally, verifies and compares', async () => {
    const out = await run(`%%sql
INSERT INTO orders SELECT o_orderkey + 10000000, o_custkey, 'F', o_totalprice, o_orderdate, o_orderpriority,
  o_clerk, o_shippriority, o_comment FROM orders WHERE o_orderkey < 100;
SELECT count(*) AS n FROM orders`);
    expect(data<{ rows: number[][] }>(out.at(-1), MIME.table).rows).toEqual([[15_027]]); // 27 order keys below 100 (dbgen's keys are sparse)
    const [refreshed] = await run('%dt refresh revenue_inc');
    const [record] = data<{ records: RefreshRecord[] }>(refreshed, MIME.history).records;
    expect(record).toMatchObject({ name: 'revenue_inc', state: 'SUCCEEDED', refreshAction: 'INCREMENTAL' });
    expect((await run('%dt verify revenue_inc'))[0]?.data['text/plain']).toMatch(/verified/);
    await run('%dt refresh revenue_full');
    const [cmp] = await run('%dt compare revenue_inc revenue_full');
    expect(data<{ equal: boolean }>(cmp, MIME.compare).equal).toBe(true);
  });

  it('moves the clock, which runs scheduled refreshes and records lag', async () => {
    const [status] = await run('%dt clock +2h');
    expect(status?.data['text/plain']).toMatch(/clock 2026-01-01 02:00:00 UTC/);
    // Over two hours the 1-minute DT refreshes far more often than the 1-hour one.
    const text = String(status?.data['text/plain']);
    const count = (name: string) => Number(new RegExp(`${name} (\\d+) \\(`).exec(text)?.[1]);
    expect(count('revenue_inc')).toBeGreaterThan(2 * count('revenue_full'));
    expect(count('revenue_full')).toBeGreaterThan(0);
    const [lag] = await run('%dt lag revenue_inc');
    const points = data<{ points: { name: string; lagSeconds: number | null }[] }>(lag, MIME.lag).points;
    expect(points.length).toBeGreaterThan(0);
    expect(new Set(points.map((p) => p.name))).toEqual(new Set(['revenue_inc']));
  });

  it('streams simulated orders while the clock moves', async () => {
    await run('%dt simulate orders --rate 2');
    await run('%dt clock +5m');
    const [stopped] = await run('%dt simulate stop');
    expect(stopped?.data['text/plain']).toMatch(/ [1-9][\d,]* new orders/);
    const [hist] = await run('%dt history revenue_inc --limit 10');
    const records = data<{ records: RefreshRecord[] }>(hist, MIME.history).records;
    // Orders are written at the end of each simulated minute; the next scheduled refresh picks them up.
    expect(records).toContainEqual(
      expect.objectContaining({
        state: 'SUCCEEDED',
        refreshAction: 'INCREMENTAL',
        refreshTrigger: 'SCHEDULED',
      }),
    );
    // The last minute's orders arrived after the last scheduled refresh: bring the DT up to date, then check.
    await run('%dt refresh revenue_inc');
    expect((await run('%dt verify revenue_inc'))[0]?.data['text/plain']).toMatch(/verified/);
  });

  it('writes the lag samples of a clock move once, at its end: not once a minute, not with every refresh', async () => {
    const { engine } = await session.connect();
    const calls = recording(engine.backend, { direct: true });
    const samples = (sql: string[]) => sql.filter((q) => /INSERT INTO dtlab\.lag_samples/.test(q)).length;
    const before = Number(
      (await engine.backend.query('SELECT count(*) FROM dtlab.lag_samples')).rows[0]?.[0],
    );
    await run('%dt simulate orders --rate 2');
    calls.on = true;
    await run('%dt clock +5m'); // five simulator steps of one minute, a refresh of revenue_inc in each
    calls.on = false;
    await run('%dt simulate stop');
    // One statement at the end of the move; none in the refreshes' transactions (each cost one there).
    expect(samples(calls.queries)).toBe(1);
    expect(samples(calls.deferred)).toBe(0);
    const after = Number((await engine.backend.query('SELECT count(*) FROM dtlab.lag_samples')).rows[0]?.[0]);
    expect(after).toBeGreaterThan(before);
    const [lag] = await run('%dt lag revenue_inc');
    const points = data<{ points: { at: string }[] }>(lag, MIME.lag).points;
    expect(points.length).toBeGreaterThan(0);
  });

  it('reports SQL errors at their line in the cell and keeps working', async () => {
    const e = await failure('%%sql\nSELECT 1;\nSELEC 2');
    expect(e.details.position?.line).toBe(3);
    expect(e.details.sql).toMatch(/^%%sql/);
    const bad = await failure("%%dynamic_table x TARGET_LAG = '1 minute'\nSELECT nope FROM orders");
    expect(bad.code).toBe('DT_ERR_QUERY');
    expect((await failure('%dt refresh missing')).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    const down = await failure('%dt connect postgres://127.0.0.1:1/none');
    expect(down.code).toBe('DT_ERR_BACKEND');
    expect((await run('%dt show'))[0]?.data[MIME.table]).toMatchObject({ rowCount: 2 });
  });

  it('runs cells one at a time', async () => {
    const order: string[] = [];
    await Promise.all([
      session.run('%dt refresh revenue_full').then(() => order.push('refresh')),
      session.run('%dt show').then(() => order.push('show')),
    ]);
    expect(order).toEqual(['refresh', 'show']);
  });
});
