/**
 * The browser runtime's entry: the magic session on DuckDB-WASM, with nothing Node-only in its import graph
 * (the JupyterLab extension bundles this file, not index.ts, which also exports the Node backends).
 */
import { type DuckDbBrowserBundle, openDuckDbBrowser } from '../backends/duckdb-browser.js';
import { DtError } from '../errors.js';
import { type Connection, MagicSession } from './session.js';

export * from './index.js';

/** A session whose `%dt connect duckdb` opens DuckDB-WASM from `bundle` (URLs served with the page). */
export function browserSession(
  bundle: DuckDbBrowserBundle,
  onConnected?: (connection: Connection) => void,
): MagicSession {
  return new MagicSession({
    defaultSpec: 'duckdb',
    ...(onConnected ? { onConnected } : {}),
    open: async (spec) => {
      if (spec === 'duckdb') return openDuckDbBrowser(bundle);
      throw new DtError(
        'DT_ERR_USAGE',
        `'${spec}' is not available in the browser runtime yet: only duckdb (in-memory DuckDB-WASM) is`,
      );
    },
  });
}
