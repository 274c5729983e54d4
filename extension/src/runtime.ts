/**
 * The browser runtime: one magic session per page, on DuckDB-WASM running in a Web Worker. The wasm module
 * and the worker script are bundled with the extension (webpack emits them as assets next to our chunks and
 * gives us their URLs), so nothing is fetched from a CDN.
 *
 * kernel-lib is imported by path, from its browser entry: its package root also exports the Node backends
 * (pg, worker_threads), which have no place in a page.
 */

import duckdbWorker from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js';
import duckdbWasm from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm';
import { browserSession, type MagicSession } from '../../kernel-lib/dist/magics/browser.js';
import { connection$ } from './connection.js';

/** What the page exposes for tests and the curious: the session and when each stage finished. */
export interface DtlabGlobal {
  session: MagicSession;
  /** performance.now() marks (ms since the page started loading): 'duckdb-ready', each finished cell. */
  marks: { name: string; at: number }[];
}

declare global {
  interface Window {
    dtlab?: DtlabGlobal;
  }
}

let global: DtlabGlobal | undefined;

/** The page's session, made on first use; DuckDB opens with the first magic cell run. */
export function runtime(): DtlabGlobal {
  if (!global) {
    // Relative asset URLs resolve against the page; the worker needs an absolute one.
    const url = (u: string) => new URL(u, document.baseURI).href;
    const marks: DtlabGlobal['marks'] = [];
    const session = browserSession(
      { mainModule: url(duckdbWasm), mainWorker: url(duckdbWorker) },
      (connection) => {
        if (!marks.some((m) => m.name === 'duckdb-ready'))
          marks.push({ name: 'duckdb-ready', at: performance.now() });
        connection$.next(connection); // the sidebar and live outputs follow it
      },
    );
    global = { session, marks };
    window.dtlab = global;
  }
  return global;
}
