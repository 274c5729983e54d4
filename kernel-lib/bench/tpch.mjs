#!/usr/bin/env node
/**
 * TPC-H benchmark: generation speed in Node and load time into each backend, measured in one run.
 *   node kernel-lib/bench/tpch.mjs [--sf 1] [--db duckdb,postgres://127.0.0.1:5432/test,pglite]
 * Prints one line per measurement and the ratios. Needs `npm run build` first.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openBackend } from '../dist/backends/open.js';
import { pgConfig } from '../dist/backends/postgres.js';
import { formatTbl, generateRows, rowCount, TPCH_TABLES } from '../dist/tpch/gen/index.js';
import { loadTpch } from '../dist/tpch/load.js';

const { values } = parseArgs({
  options: {
    sf: { type: 'string', default: '1' },
    db: { type: 'string', default: 'duckdb,postgres://127.0.0.1:5432/test' },
  },
});
const sf = Number(values.sf);

// 1. Generation: every row of every table formatted as dbgen's text (no disk), as dbgen does minus the write.
let t0 = performance.now();
let rows = 0;
let bytes = 0;
for (const t of TPCH_TABLES) {
  for (const r of generateRows(t, sf)) {
    bytes += formatTbl(t, r).length + 1;
    rows++;
  }
}
const genSeconds = (performance.now() - t0) / 1000;
console.log(
  `generate SF ${sf}: ${rows} rows, ${(bytes / 1e6).toFixed(0)} MB of text in ${genSeconds.toFixed(1)} s = ${Math.round(rows / genSeconds)} rows/s (C dbgen writing its files here: ~50 s → ratio ${(50 / genSeconds).toFixed(2)}x)`,
);

// 2. Loading into each backend (fresh database each time).
for (const spec of values.db.split(',')) {
  let url = spec;
  let cleanup = async () => {};
  if (spec.startsWith('postgres')) {
    const name = `dtlab_bench_${Date.now()}`;
    const admin = new pg.Client(pgConfig(spec));
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(spec);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      const a = new pg.Client(pgConfig(spec));
      await a.connect();
      await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  // DuckDB keeps the tables compressed from SF 0.1, as `dtlab tpch load` does (backends/open.ts).
  const backend = await openBackend(url, { compressed: sf >= 0.1 });
  t0 = performance.now();
  const result = await loadTpch(backend, { sf });
  const seconds = (performance.now() - t0) / 1000;
  const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
  const check = await backend.query('SELECT count(*) FROM lineitem');
  console.log(
    `load SF ${sf} into ${backend.description.replace(/\/\/.*@/, '//')}: ${total} rows in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} rows/s; generation share ≈ ${((100 * genSeconds) / seconds).toFixed(0)}%; lineitem=${check.rows[0][0]} (expected ${rowCount('lineitem', sf)})`,
  );
  await backend.close();
  await cleanup();
}
