#!/usr/bin/env node
/**
 * Scheduler soak under a real clock: loads TPC-H, creates the seeds' seven pipelines with every TARGET_LAG
 * set to 1 minute, runs the Scheduler on the system clock with the order simulator writing meanwhile, and
 * prints per DT the refreshes by action and state, actual lag (max, p95 of the recorded samples) vs target,
 * failures and credits. It is issue 6's real-clock acceptance run; a benchmark, not a timed test.
 *
 *   node kernel-lib/bench/scheduler-soak.mjs [--db duckdb] [--sf 0.1] [--minutes 10] [--rate 10]
 *                                            [--timeout-ms N] [--keep]
 *
 * --db is duckdb[:FILE], pglite[:DIR] or a postgres:// URL; on a server a fresh database is created for the
 * run and dropped afterwards (unless --keep). Needs `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openBackend } from '../dist/backends/open.js';
import { pgConfig } from '../dist/backends/postgres.js';
import { systemClock } from '../dist/clock.js';
import { Engine } from '../dist/engine/engine.js';
import { Scheduler } from '../dist/schedule/scheduler.js';
import { loadTpch, shiftDaysToToday } from '../dist/tpch/load.js';
import { OrderSimulator } from '../dist/tpch/simulator.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'duckdb' },
    sf: { type: 'string', default: '0.1' },
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    'timeout-ms': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const sf = Number(values.sf);
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// A server gets a database of its own, so the run neither sees nor disturbs anything else.
let url = values.db;
let dropDatabase = async () => {};
if (url.startsWith('postgres')) {
  const name = `dtlab_soak_${Date.now()}`;
  const admin = new pg.Client(pgConfig(url));
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const server = values.db;
  const u = new URL(server);
  u.pathname = `/${name}`;
  url = u.toString();
  if (!values.keep)
    dropDatabase = async () => {
      const a = new pg.Client(pgConfig(server));
      await a.connect();
      await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await a.end();
    };
}

const backend = await openBackend(url);
log(`database: ${backend.description}; SF ${sf}; ${minutes} min; simulator ${rate} events/s`);
let t0 = performance.now();
await loadTpch(backend, { sf, shiftDays: shiftDaysToToday(Date.now()), replace: true });
log(`TPC-H SF ${sf} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const engine = await Engine.open(backend, { clock: systemClock });
const seeds = readFileSync(new URL('../../data/pipelines/seed_pipelines.sql', import.meta.url), 'utf8');
const script = seeds.replace(/\bLAG\s*=\s*'[^']*'/gi, "LAG = '1 minute'");
t0 = performance.now();
await engine.execute(script);
const dts = (await engine.listDynamicTables()).map((d) => d.name).sort();
log(`${dts.length} pipelines created (1-minute lag) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const scheduler = new Scheduler(engine, {
  ...(values['timeout-ms'] ? { refreshTimeoutMs: Number(values['timeout-ms']) } : {}),
});
const errors = [];
scheduler.events$.subscribe((e) => {
  if (e.type === 'error') errors.push(e.message);
});
const sim = await OrderSimulator.create(engine, { rate, seed: 6 });
sim.ticks$.subscribe({ error: (e) => errors.push(`simulator: ${e.message ?? e}`) });
const started = Date.now();
scheduler.start();
sim.start();
const progress = setInterval(async () => {
  const r = await backend.query(
    "SELECT count(*), max(lag_s) FROM dtlab.lag_samples WHERE sample_time >= $1 AND kind = 'PEAK'",
    [new Date(started).toISOString().replace('T', ' ').replace('Z', '')],
  );
  log(
    `${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(sim.counts.events)}; refreshes ${r.rows[0]?.[0]}, max peak lag ${Number(r.rows[0]?.[1] ?? 0).toFixed(1)} s`,
  );
}, 60_000);
await new Promise((r) => setTimeout(r, minutes * 60_000));
clearInterval(progress);
await sim.stop();
await scheduler.stop();
const ended = Date.now();
log(
  `stopped after ${((ended - started) / 1000).toFixed(0)} s; simulator wrote ${JSON.stringify(sim.counts)}`,
);

// ---- the report --------------------------------------------------------------------------------------
const since = new Date(started).toISOString().replace('T', ' ').replace('Z', '');
const q = async (sql, params) => (await backend.query(sql, params)).rows;
const history = await q(
  `SELECT name, state, refresh_action, count(*), sum(credits_used), avg(execution_ms), max(execution_ms),
          max(queued_ms)
     FROM dtlab.refresh_history WHERE refresh_trigger = 'SCHEDULED' GROUP BY name, state, refresh_action`,
);
const samples = await q(
  'SELECT name, kind, lag_s, target_lag_s FROM dtlab.lag_samples WHERE sample_time >= $1',
  [since],
);
const p95 = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};
const fmt = (x, d = 1) => (x === null || x === undefined ? '-' : Number(x).toFixed(d));
const rows = [];
let over = 0;
for (const name of dts) {
  const mine = history.filter((r) => r[0] === name);
  const actions = {};
  let failures = 0;
  let credits = 0;
  let maxExec = 0;
  let execSum = 0;
  let runs = 0;
  let maxQueued = 0;
  for (const [, state, action, n, c, avgMs, maxMs, queued] of mine) {
    const count = Number(n);
    if (state === 'SUCCEEDED') actions[action] = (actions[action] ?? 0) + count;
    else {
      failures += count;
      actions[state] = (actions[state] ?? 0) + count;
    }
    credits += Number(c ?? 0);
    if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') {
      execSum += Number(avgMs ?? 0) * count;
      runs += count;
      maxExec = Math.max(maxExec, Number(maxMs ?? 0));
    }
    maxQueued = Math.max(maxQueued, Number(queued ?? 0));
  }
  const lags = samples.filter((s) => s[0] === name).map((s) => Number(s[2]));
  const target = Number(samples.find((s) => s[0] === name)?.[3] ?? 60);
  const max = lags.length ? Math.max(...lags) : null;
  if (max !== null && max > target) over++;
  rows.push([
    name,
    Object.entries(actions)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    String(lags.length),
    fmt(max),
    fmt(p95(lags)),
    String(target),
    String(failures),
    fmt(runs ? execSum / runs / 1000 : null, 2),
    fmt(maxExec / 1000, 2),
    fmt(maxQueued / 1000, 2),
    fmt(credits, 4),
  ]);
}
const header = [
  'dynamic table',
  'scheduled refreshes by action',
  'samples',
  'max lag s',
  'p95 lag s',
  'target s',
  'failures',
  'avg exec s',
  'max exec s',
  'max queued s',
  'credits',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) =>
  r.map((c, i) => (i === 1 || i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const runs = scheduler.openRuns();
const billed = await q('SELECT sum(credits_used), count(*) FROM dtlab.warehouse_metering_history');
console.log();
console.log(
  `warehouse bill: ${fmt(billed[0]?.[0] ?? 0, 4)} credits in ${billed[0]?.[1]} closed runs` +
    (runs.length ? ` + open runs ${runs.map((r) => `${r.warehouse} ${fmt(r.credits, 4)}`).join(', ')}` : ''),
);
console.log(
  `lag over target: ${over} of ${dts.length} DTs; scheduler/simulator errors: ${errors.length}${errors.length ? ` (first: ${errors[0]})` : ''}`,
);
await backend.close();
await dropDatabase();
process.exit(over === 0 && errors.length === 0 ? 0 : 1);
