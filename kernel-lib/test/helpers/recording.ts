/**
 * Records, while `on`, the statements a backend's transactions send: those whose answer the transaction waits
 * for (`queries`) and those it defers into the next call (`deferred`). For tests that count calls and check
 * which statements a fast path sends.
 */
import type { Backend, Queryable } from '../../src/backends/backend.js';

export function recording(backend: Backend) {
  const state = { on: false, queries: [] as string[], deferred: [] as string[] };
  const wrap = (tx: Queryable): Queryable => {
    const out: Queryable = {
      query: (sql, params) => {
        if (state.on) state.queries.push(sql);
        return tx.query(sql, params);
      },
    };
    if (tx.defer) {
      const defer = tx.defer.bind(tx);
      out.defer = (sql, params) => {
        if (state.on) state.deferred.push(sql);
        defer(sql, params);
      };
    }
    return out;
  };
  const transaction = backend.transaction.bind(backend);
  backend.transaction = (fn, options) => transaction((tx) => fn(wrap(tx)), options);
  return state;
}
