#!/usr/bin/env node
/**
 * Joins whose sources both change: orders ⋈ lineitem aggregates (one with COUNT(DISTINCT)) at SF 0.1, each
 * INCREMENTAL beside a FULL twin, refreshed after each of 7 RF1+RF2 pairs; prints the median refresh times,
 * full ÷ incremental, and the load average. Uses kernel-lib/dist (build it first).
 *
 *   node scripts/bench-join.mjs DB     (duckdb | pglite | postgres://…/an_empty_db)
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const lib = await import(pathToFileURL(path.join(root, 'kernel-lib/dist/index.js')).href);
const { openBackend, Engine, loadTpch, applyRf1, applyRf2 } = lib;
const spec = process.argv[2];
if (!spec || spec.startsWith('-')) {
  console.log('usage: node scripts/bench-join.mjs duckdb | pglite | postgres://user@host:port/empty_db');
  process.exit(spec ? 0 : 2);
}
const backend = await openBackend(spec);
await loadTpch(backend, { sf: 0.1, updates: 8, keys: 'primary' });
const engine = await Engine.open(backend);
const q = {
  join_agg: `SELECT o.o_orderpriority, COUNT(*) AS n, SUM(l.l_quantity) AS q FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey GROUP BY o.o_orderpriority`,
  distinct: `SELECT o.o_orderpriority, COUNT(DISTINCT o.o_orderkey) AS orders FROM orders o JOIN lineitem l ON l.l_orderkey = o.o_orderkey GROUP BY o.o_orderpriority`,
};
for (const [n, s] of Object.entries(q)) {
  await engine.execute(`CREATE DYNAMIC TABLE ${n} TARGET_LAG='1 minute' REFRESH_MODE=INCREMENTAL AS ${s}`);
  await engine.execute(`CREATE DYNAMIC TABLE ${n}_full TARGET_LAG='1 minute' REFRESH_MODE=FULL AS ${s}`);
}
const t = {};
for (let set = 1; set <= 7; set++) {
  await applyRf1(engine, set);
  await applyRf2(engine, set);
  for (const n of Object.keys(q))
    for (const name of [n, `${n}_full`]) {
      const t0 = performance.now();
      const r = await engine.refresh(name);
      t[name] = [...(t[name] ?? []), performance.now() - t0];
      if (set === 1) console.log(name, r.refreshAction);
    }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const n of Object.keys(q))
  console.log(
    `${n}: incremental ${med(t[n]).toFixed(1)} ms, full ${med(t[`${n}_full`]).toFixed(1)} ms, ratio ${(med(t[`${n}_full`]) / med(t[n])).toFixed(1)}×`,
  );
console.log('load', loadavg()[0].toFixed(2));
await engine.close();
