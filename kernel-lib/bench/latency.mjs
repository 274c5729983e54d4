#!/usr/bin/env node
/**
 * Before/after latencies of small refreshes: for each given kernel-lib build (a `dist` directory; default
 * this checkout's), in alternating rounds, a fresh database with TPC-H SF 0.01 and the seeds' seven
 * pipelines (as `dtlab bench refresh` makes them), then N times: a 1-row insert into `orders`, a refresh of
 * `order_analytics_incremental` (linear) and of `customer_ltv_incremental`. Prints per build and round the
 * medians (min) and, for two builds, the ratio of the second's medians to the first's. A benchmark, not a
 * timed test; run it on a quiet machine (it prints the load average). The first few dozen refreshes of a
 * fresh process run while V8 compiles (docs/incremental.md): `--n 120` compares the steady state.
 *
 *   node kernel-lib/bench/latency.mjs [--db duckdb|pglite|postgres://…/db] [--rounds 3] [--n 25] [DIST …]
 *
 * On a server a fresh database (`<db>_latency`) is created for each run and dropped afterwards.
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values, positionals } = parseArgs({
  options: {
    db: { type: 'string', default: 'duckdb' },
    rounds: { type: 'string', default: '3' },
    n: { type: 'string', default: '25' },
  },
  allowPositionals: true,
});
const dists = positionals.length > 0 ? positionals.map((d) => path.resolve(d)) : [path.join(here, '../dist')];
const rounds = Number(values.rounds);
const n = Number(values.n);
const DTS = ['order_analytics_incremental', 'customer_ltv_incremental'];

/** A fresh database of the spec's kind: the spec itself in memory, a new database on a server. */
async function fresh(spec) {
  if (!spec.startsWith('postgres')) return { spec, drop: async () => {} };
  const url = new URL(spec);
  const name = `${url.pathname.slice(1) || 'postgres'}_latency`;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: spec });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  url.pathname = `/${name}`;
  return { spec: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function measure(dist) {
  const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
  const [{ openBackend }, { MagicSession }, { pipelineScripts, KEY_OFFSET }, { TPCH_END }] =
    await Promise.all([
      load('backends/open.js'),
      load('magics/session.js'),
      load('cli/bench/pipelines.js'),
      load('cli/bench/measure.js'),
    ]);
  const db = await fresh(values.db);
  const backend = await openBackend(db.spec);
  const session = new MagicSession({ open: async () => backend, defaultSpec: 'bench', start: TPCH_END });
  try {
    await session.run('%dt load tpch --sf 0.01');
    await session.run(`%%sql\n${pipelineScripts('1 minute').script}`);
    const { engine } = await session.connect();
    for (const dt of DTS) await engine.refresh(dt);
    const times = Object.fromEntries(DTS.map((dt) => [dt, []]));
    for (let i = 0; i < n; i++) {
      await engine.write([
        `INSERT INTO orders SELECT o_orderkey + ${KEY_OFFSET + i}, o_custkey, o_orderstatus, o_totalprice,
           DATE '1998-08-01', o_orderpriority, o_clerk, o_shippriority, o_comment FROM orders WHERE o_orderkey = 1`,
      ]);
      for (const dt of DTS) {
        const t0 = performance.now();
        await engine.refresh(dt);
        times[dt].push(performance.now() - t0);
      }
    }
    return times;
  } finally {
    await session.close();
    await db.drop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x) => x.toFixed(1);
console.log(
  `1-row refreshes on ${values.db.replace(/\/\/.*@/, '//')}, ${n} per run; load ${loadavg()[0].toFixed(2)}`,
);
const medians = dists.map(() => Object.fromEntries(DTS.map((dt) => [dt, []])));
for (let r = 1; r <= rounds; r++) {
  for (const [i, dist] of dists.entries()) {
    const times = await measure(dist);
    const parts = DTS.map((dt) => {
      medians[i][dt].push(median(times[dt]));
      return `${dt} ${f(median(times[dt]))} (${f(Math.min(...times[dt]))}) ms`;
    });
    console.log(`round ${r}, ${path.relative(process.cwd(), dist) || '.'}: ${parts.join(', ')}`);
  }
}
if (dists.length === 2)
  for (const dt of DTS)
    console.log(
      `${dt}: median of medians ${f(median(medians[0][dt]))} → ${f(median(medians[1][dt]))} ms (${(median(medians[1][dt]) / median(medians[0][dt])).toFixed(2)}×)`,
    );
console.log(`load ${loadavg()[0].toFixed(2)}`);
process.exit(0);
