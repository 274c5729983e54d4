/** Instantiates DuckDB-WASM in Node: its Node worker build, run in a worker thread. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AsyncDuckDB } from '@duckdb/duckdb-wasm';
import { DuckDbBackend } from './duckdb.js';

const require = createRequire(import.meta.url);

/**
 * The worker script expects a browser-style global `postMessage`/`onmessage`; this shim provides them over
 * worker_threads. (The `web-worker` package cannot load the CommonJS worker build.) The worker's own
 * console logging of errors is silenced: every error also reaches the caller, who reports it properly.
 *
 * DuckDB asks for 4 random bytes 16–24 times in every statement that reads or writes a table (550 000 times
 * in a lesson), and Node's `crypto.getRandomValues` costs ~2.5 µs a call whatever its size: 1.4 s of a
 * lesson's 45. The shim serves small requests from a pool filled 64 KiB at a time from the same source, each
 * byte served once.
 */
const BOOT = `
const { parentPort, workerData } = require('node:worker_threads');
console.log = () => {};
console.error = () => {};
globalThis.postMessage = (msg, transfer) => parentPort.postMessage(msg, transfer);
parentPort.on('message', (data) => globalThis.onmessage({ data }));
const fill = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
const pool = new Uint8Array(65536);
let at = pool.length;
globalThis.crypto.getRandomValues = (view) => {
  if (view.byteLength > 256) return fill(view);
  if (at + view.byteLength > pool.length) {
    fill(pool);
    at = 0;
  }
  new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(pool.subarray(at, at + view.byteLength));
  pool.fill(0, at, at + view.byteLength);
  at += view.byteLength;
  return view;
};
require(workerData.script);
`;

type Listener = (event: unknown) => void;

/** Adapts a worker_threads Worker to the DOM Worker surface AsyncDuckDB uses. */
class WorkerAdapter {
  private readonly worker: Worker;
  private readonly listeners = new Map<Listener, [string, (arg: unknown) => void]>();

  constructor(script: string) {
    this.worker = new Worker(BOOT, { eval: true, workerData: { script } });
    this.worker.unref();
  }

  addEventListener(type: string, fn: Listener): void {
    const event = type === 'close' ? 'exit' : type;
    const handler = type === 'message' ? (data: unknown) => fn({ data }) : fn;
    this.listeners.set(fn, [event, handler]);
    this.worker.on(event, handler);
  }

  removeEventListener(_type: string, fn: Listener): void {
    const entry = this.listeners.get(fn);
    if (entry) this.worker.off(entry[0], entry[1]);
    this.listeners.delete(fn);
  }

  postMessage(message: unknown, transfer?: unknown[]): void {
    this.worker.postMessage(message, transfer as never);
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

/**
 * Opens an in-memory DuckDB; with `compressed`, one whose tables DuckDB compresses (DuckDbBackend.open: TPC-H
 * SF 1 then loads in under 1.5 GB of memory, against ~2.5 GB uncompressed, and each statement costs more). A
 * database file is refused: DuckDB-WASM's Node build (1.32) opens a file read-only by default, and opened
 * read-write it writes the file but a later open reads none of it back — the data would be silently lost.
 * (In the browser, DuckDB-WASM keeps its database in memory too, uncompressed.)
 */
export async function openDuckDbNode(
  file?: string,
  options: { compressed?: boolean } = {},
): Promise<DuckDbBackend> {
  if (file) {
    throw new Error(
      'a DuckDB database file is not supported in Node (DuckDB-WASM does not read back what it wrote there); use duckdb (in memory), pglite:DIR for a persistent database, or a postgres:// URL',
    );
  }
  const duckdb = require('@duckdb/duckdb-wasm/dist/duckdb-node.cjs');
  const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node.cjs'));
  const worker = new WorkerAdapter(path.join(dist, 'duckdb-node-eh.worker.cjs'));
  const db: AsyncDuckDB = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  try {
    await db.instantiate(path.join(dist, 'duckdb-eh.wasm'));
  } catch (e) {
    // Without this the worker thread would keep the process alive after the error.
    await db.terminate();
    throw e;
  }
  return DuckDbBackend.open(
    db,
    options.compressed ? 'duckdb (in memory, compressed)' : 'duckdb (in memory)',
    async () => {
      await db.terminate();
    },
    { compressed: options.compressed ?? false },
  );
}
