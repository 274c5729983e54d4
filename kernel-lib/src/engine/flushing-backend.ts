/**
 * The backend as the engine and everything it hands it to (catalog, scheduler, monitor, magics, alerts,
 * quality) use it, where NO_DATA refreshes are recorded later (refresh/deferred-history.ts): whatever waits is
 * written before anything else the engine sends, so no reader through the engine misses it.
 * - a transaction: what waits goes first, deferred into its first round trip (no call of its own on DuckDB),
 *   and waits again if the transaction rolls back; except in one that reads none of it (`keepWaiting`: a
 *   refresh, the engine's own writes), where it waits on;
 * - any other statement, a stream: what waits is written first, in a transaction of its own (if that fails,
 *   the statement runs and the rows wait for the next).
 * Everything else is the backend's own. Statements sent to the backend object the engine was opened on, not
 * through `engine.backend`, do not flush (engine.close does).
 */
import type { Backend, Queryable, StatementOptions, TransactionOptions, Value } from '../backends/backend.js';
import type { DeferredHistory } from '../refresh/deferred-history.js';

export function flushingBackend(backend: Backend, waiting: DeferredHistory): Backend {
  // A flush that fails (the rows wait on, for the next) does not fail the statement that asked for it.
  const flush = () => waiting.flush(backend).catch(() => {});
  const query = async (sql: string, params?: Value[], options?: StatementOptions) => {
    await flush();
    return backend.query(sql, params, options);
  };
  const transaction = async <T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions) => {
    if (options?.keepWaiting) return backend.transaction(fn, options);
    let taken: Awaited<ReturnType<DeferredHistory['writeInto']>> = [];
    try {
      return await backend.transaction(async (tx) => {
        taken = await waiting.writeInto(tx);
        return fn(tx);
      }, options);
    } catch (e) {
      waiting.restore(taken);
      throw e;
    }
  };
  async function* stream(sql: string, batchRows?: number): AsyncIterable<Value[][]> {
    await flush();
    yield* backend.stream(sql, batchRows);
  }
  // The three that flush, replaceable on the wrapper (a tracer wrapping `engine.backend.query` wraps these).
  const own: Record<string, unknown> = { query, transaction, stream };
  return new Proxy(backend, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(own, prop)) return own[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, prop, value) {
      if (typeof prop === 'string' && Object.hasOwn(own, prop)) own[prop] = value;
      else Reflect.set(target, prop, value, target);
      return true;
    },
  });
}
