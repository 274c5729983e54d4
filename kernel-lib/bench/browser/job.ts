/**
 * The benchmark's job: opens DuckDB-WASM (its engine in a Web Worker of its own), generates TPC-H with the
 * pure-TS dbgen port and bulk-loads it, then verifies two row counts. Normally run by worker.ts in a
 * dedicated worker; the page imports it directly only for the main-thread control run.
 */
import { openDuckDbBrowser } from '../../src/backends/duckdb-browser.js';
import { loadTpch } from '../../src/tpch/load.js';
import type { StartMessage, WorkerMessage } from './protocol.js';

async function count(query: (sql: string) => Promise<{ rows: unknown[][] }>, table: string): Promise<number> {
  const { rows } = await query(`SELECT count(*) FROM ${table}`);
  return Number(rows[0]?.[0]);
}

async function load(start: StartMessage, post: (message: WorkerMessage) => void): Promise<void> {
  const t0 = performance.now();
  const backend = await openDuckDbBrowser({ mainModule: start.mainModule, mainWorker: start.mainWorker });
  post({ type: 'opened', ms: performance.now() - t0, description: backend.description });
  try {
    // Progress arrives once per copied chunk (up to 100,000 rows): a few dozen messages in all.
    const result = await loadTpch(backend, {
      sf: start.sf,
      onProgress: (p) => post({ type: 'progress', table: p.table, rows: p.rows, total: p.total }),
    });
    if (result.status !== 'loaded') throw new Error(`expected a fresh load, got ${result.status}`);
    const tables: Record<string, number> = result.rows;
    const rows = Object.values(tables).reduce((a, b) => a + b, 0);
    post({ type: 'loaded', ms: result.ms, rows, tables });
    const t1 = performance.now();
    const query = (sql: string) => backend.query(sql);
    const counts = { lineitem: await count(query, 'lineitem'), orders: await count(query, 'orders') };
    post({ type: 'verified', counts, ms: performance.now() - t1 });
  } finally {
    await backend.close();
  }
}

/** Runs the job, reporting through `post`; failures are reported as an 'error' message, never thrown. */
export async function runJob(start: StartMessage, post: (message: WorkerMessage) => void): Promise<void> {
  try {
    await load(start, post);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
}
