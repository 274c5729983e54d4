/**
 * The alert templates on all three backends, under the manual clock: each kind fires exactly at the first
 * evaluation where its condition holds, and not before; the upstream alert names the late upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TemplateSpec, templateSql } from '../src/alerts/templates.js';
import type { Backend } from '../src/backends/backend.js';
import type { Engine } from '../src/engine/engine.js';
import { MIN, openAlerting, rows, runsOf } from './helpers/alerts.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { insertExpectationResults } from './helpers/expectation-results.js';

const T0 = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;
const base = { severity: 'warning', channel: 'ops_email' } as const;

async function create(engine: Engine, spec: TemplateSpec): Promise<string> {
  const sql = templateSql(spec);
  await engine.execute(sql.create);
  await engine.execute(sql.resume);
  return sql.name;
}

describe.each(BACKEND_KINDS)('alert templates on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('freshness: fires at the first minute the lag exceeds the target by 50 %, not before', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    await engine.execute(`CREATE TABLE fr_src (id INTEGER);
      CREATE DYNAMIC TABLE fr_dt TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT id FROM fr_src`);
    await scheduler.advance(5 * MIN);
    const name = await create(engine, { ...base, kind: 'freshness', target: 'fr_dt', threshold: 50 });
    expect(name).toBe('freshness_fr_dt');
    await engine.execute('ALTER DYNAMIC TABLE fr_dt SUSPEND'); // contents of 00:05 from now on
    await scheduler.advance(3 * MIN);
    // Lag 60 s at 00:06 (≤ 90 s), 120 s at 00:07: fires then, and again (deduplicated) at 00:08.
    expect(await runsOf(engine, name)).toEqual([
      ['CONDITION_FALSE', '2026-01-05 00:06:00'],
      ['TRIGGERED', '2026-01-05 00:07:00'],
      ['TRIGGERED', '2026-01-05 00:08:00'],
    ]);
    const inc = await engine.alerts.incidents.openFor(name);
    expect([inc?.openedAt, inc?.fireCount, inc?.severity]).toEqual([T0 + 7 * MIN, 2, 'warning']);
  });

  it('quality: fires at the first evaluation after a result below 95 % passes', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    const positive = (rowsPassed: number, rowsFailed: number) => [
      { expectation: 'positive', action: 'WARN' as const, rowsPassed, rowsFailed },
    ];
    await insertExpectationResults(engine, 'q_dt', '2026-01-05 00:00:00', positive(98, 2));
    const name = await create(engine, { ...base, kind: 'quality', target: 'q_dt', threshold: 95 });
    await scheduler.advance(7 * MIN);
    await insertExpectationResults(engine, 'q_dt', '2026-01-05 00:07:00', positive(90, 10));
    // A later refresh that found nothing to evaluate (NO_DATA: 0 / 0) does not hide the failing one.
    await insertExpectationResults(engine, 'q_dt', '2026-01-05 00:08:00', positive(0, 0));
    await scheduler.advance(5 * MIN);
    expect(await runsOf(engine, name)).toEqual([
      ['CONDITION_FALSE', '2026-01-05 00:05:00'],
      ['TRIGGERED', '2026-01-05 00:10:00'],
    ]);
  });

  it('volume: compares yesterday with the 7-day average at 00:05 each day', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    await engine.execute(
      'CREATE TABLE orders (o_orderkey INTEGER, o_orderdate DATE, o_totalprice DOUBLE PRECISION)',
    );
    const values: string[] = [];
    for (let d = -9; d <= 0; d++) {
      const day = new Date(T0 + d * DAY).toISOString().slice(0, 10);
      for (let i = 0; i < (d === 0 ? 5 : 10); i++) values.push(`(${values.length}, DATE '${day}', 1)`);
    }
    await engine.execute(`INSERT INTO orders VALUES ${values.join(', ')}`);
    const name = await create(engine, {
      ...base,
      kind: 'volume',
      target: 'orders',
      column: 'o_orderdate',
      threshold: 20,
      windowDays: 7,
    });
    await scheduler.advance(DAY + 10 * MIN);
    // 01-04 had 10 rows (average 10): false. 01-05 had 5: −50 %, fires the next day at 00:05.
    expect(await runsOf(engine, name)).toEqual([
      ['CONDITION_FALSE', '2026-01-05 00:05:00'],
      ['TRIGGERED', '2026-01-06 00:05:00'],
    ]);
  });

  it('revenue: fires when a day is more than 15 % below the day before', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    await engine.execute(`CREATE TABLE rev (day DATE, amount DOUBLE PRECISION);
      INSERT INTO rev VALUES (DATE '2026-01-03', 100), (DATE '2026-01-04', 90), (DATE '2026-01-05', 80),
                             (DATE '2026-01-06', 50)`);
    const name = await create(engine, {
      ...base,
      kind: 'revenue',
      target: 'rev',
      column: 'day',
      amount: 'amount',
      threshold: 15,
    });
    await scheduler.advance(2 * DAY + 10 * MIN);
    // −10 % on 01-04, −11 % on 01-05, −37.5 % on 01-06 (judged 01-07 00:05).
    expect(await runsOf(engine, name)).toEqual([
      ['CONDITION_FALSE', '2026-01-05 00:05:00'],
      ['CONDITION_FALSE', '2026-01-06 00:05:00'],
      ['TRIGGERED', '2026-01-07 00:05:00'],
    ]);
  });

  it('performance: fires when the latest incremental refresh took more than 10 s', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0, {
      simulatedDuration: (r) => (r.rowsInserted >= 50 ? 20_000 : 1_000),
    });
    await engine.execute(`CREATE TABLE pf_src (id INTEGER);
      CREATE DYNAMIC TABLE pf_dt TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT id FROM pf_src`);
    const name = await create(engine, { ...base, kind: 'performance', target: 'pf_dt', threshold: 10 });
    await engine.execute('INSERT INTO pf_src VALUES (1)');
    await scheduler.advance(6 * MIN);
    const many = Array.from({ length: 60 }, (_, i) => `(${i + 10})`).join(', ');
    await engine.execute(`INSERT INTO pf_src VALUES ${many}`);
    await scheduler.advance(5 * MIN);
    const slow = await rows(
      engine,
      "SELECT count(*) FROM dtlab.refresh_history WHERE name = 'pf_dt' AND refresh_action = 'INCREMENTAL' AND execution_ms > 10000",
    );
    expect(slow).toEqual([[1]]);
    expect(await runsOf(engine, name)).toEqual([
      ['CONDITION_FALSE', '2026-01-05 00:05:00'],
      ['TRIGGERED', '2026-01-05 00:10:00'],
    ]);
  });

  it('upstream: a downstream DT behind its target because its upstream stopped, naming the upstream', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    await engine.execute(`CREATE TABLE up_src (id INTEGER);
      CREATE DYNAMIC TABLE up_base TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT id FROM up_src;
      CREATE DYNAMIC TABLE up_report TARGET_LAG = '2 minutes' REFRESH_MODE = FULL AS SELECT count(*) AS n FROM up_base`);
    await scheduler.advance(4 * MIN);
    const name = await create(engine, { ...base, kind: 'upstream', target: 'up_report', threshold: 0 });
    await scheduler.advance(3 * MIN);
    expect((await runsOf(engine, name)).map((r) => r[0])).toEqual([
      'CONDITION_FALSE',
      'CONDITION_FALSE',
      'CONDITION_FALSE',
    ]);
    await engine.execute('ALTER DYNAMIC TABLE up_base SUSPEND');
    await scheduler.advance(4 * MIN);
    const runs = await runsOf(engine, name);
    expect(runs.slice(3).map((r) => r[0])).toContain('TRIGGERED');
    const events = await rows(
      engine,
      `SELECT e.detail FROM dtlab.incident_events e JOIN dtlab.incidents i ON i.incident_id = e.incident_id
        WHERE i.alert_name = '${name}' AND e.event = 'OPENED'`,
    );
    expect(String(events[0]?.[0])).toMatch(/upstream=up_base/);
  });
});
