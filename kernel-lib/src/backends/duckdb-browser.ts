/**
 * Instantiates DuckDB-WASM in a browser (or inside a dedicated Web Worker): the package's browser build, its
 * own worker script in a Web Worker. Runtime-agnostic apart from the DOM `Worker`; no Node imports here.
 * The caller serves the assets (no CDN): e.g. the "eh" bundle, `duckdb-eh.wasm` and
 * `duckdb-browser-eh.worker.js` from `@duckdb/duckdb-wasm/dist/`.
 */
import { AsyncDuckDB, VoidLogger } from '@duckdb/duckdb-wasm';
import { DuckDbBackend } from './duckdb.js';

/** URLs of a DuckDB-WASM bundle's module and worker script, as `@duckdb/duckdb-wasm`'s `DuckDBBundle`. */
export interface DuckDbBrowserBundle {
  mainModule: string;
  mainWorker: string;
}

/** Opens an in-memory DuckDB running in a Web Worker started from `bundle.mainWorker`. */
export async function openDuckDbBrowser(bundle: DuckDbBrowserBundle): Promise<DuckDbBackend> {
  const worker = new Worker(bundle.mainWorker);
  try {
    const db = new AsyncDuckDB(new VoidLogger(), worker);
    await db.instantiate(bundle.mainModule);
    return await DuckDbBackend.open(db, 'duckdb-wasm (browser)', async () => {
      await db.terminate();
      worker.terminate();
    });
  } catch (e) {
    worker.terminate();
    throw e;
  }
}
