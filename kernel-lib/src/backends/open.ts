/** `--db` specs → backends: `duckdb` (in memory), `pglite[:DIR]` (the default in Node), `postgres://…`. */
import { DtError, messageOf } from '../errors.js';
import { type Backend, redactSpec } from './backend.js';

export const DB_SPEC_HELP =
  'duckdb (in memory) | pglite[:DIR] (persistent with a directory) | postgres://user@host:port/db (default: pglite)';

export interface OpenOptions {
  /**
   * DuckDB: keep the tables compressed in memory, for a large load (TPC-H SF 1 then fits in 1.5 GB). Each
   * statement then costs more (a lesson hour at SF 0.01 took 40 % longer), so small databases go without.
   */
  compressed?: boolean;
}

export async function openBackend(spec = 'pglite', options: OpenOptions = {}): Promise<Backend> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':') || undefined;
  try {
    if (/^postgres(ql)?:\/\//.test(spec)) {
      const { PostgresBackend } = await import('./postgres.js');
      const backend = new PostgresBackend(spec);
      await backend.query('SELECT 1');
      return backend;
    }
    if (kind === 'pglite') {
      const [{ PgliteBackend }, { readImage }] = await Promise.all([
        import('./pglite.js'),
        import('./pglite-image.js'),
      ]);
      return await PgliteBackend.open(arg, arg ? undefined : readImage());
    }
    if (kind === 'duckdb') {
      const { openDuckDbNode } = await import('./duckdb-node.js');
      return await openDuckDbNode(arg, options);
    }
  } catch (e) {
    throw new DtError('DT_ERR_BACKEND', `cannot open ${redactSpec(spec)}: ${messageOf(e)}`, { cause: e });
  }
  throw new DtError('DT_ERR_USAGE', `unknown database '${spec}': expected ${DB_SPEC_HELP}`);
}
