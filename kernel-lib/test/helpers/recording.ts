/**
 * Records, while `on`, the statements a backend's transactions send: those whose answer the transaction waits
 * for (`queries`) and those it defers into the next call (`deferred`). For tests that count calls and check
 * which statements a fast path sends; with `direct`, also what is sent outside a transaction.
 */
import type { Backend, Queryable } from '../../src/backends/backend.js';

export function recording(backend: Backend, options: { direct?: boolean } = {}) {
  // `finished`: the statements sent with COMMIT in one message (Queryable.finish), also among `queries`.
  const state = { on: false, queries: [] as string[], deferred: [] as string[], finished: [] as string[] };
  // `direct`: statements sent outside a transaction count too (a scheduler look's reads).
  if (options.direct) {
    const query = backend.query.bind(backend);
    backend.query = (sql, params, opts) => {
      if (state.on) state.queries.push(sql);
      return query(sql, params, opts);
    };
  }
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
    // A transaction's last statement, sent with COMMIT: a call like a query.
    if (tx.finish) {
      const finish = tx.finish.bind(tx);
      out.finish = (sql) => {
        if (state.on) state.queries.push(sql);
        if (state.on) state.finished.push(sql);
        return finish(sql);
      };
    }
    // Rows a transaction copies (PGlite's COPY): recorded as `COPY "table" (n rows)`, a call like a query.
    if (tx.insertRows) {
      const insertRows = tx.insertRows.bind(tx);
      out.insertRows = (table, rows) => {
        if (state.on) state.queries.push(`COPY "${table}" (${rows.length} rows)`);
        return insertRows(table, rows);
      };
    }
    return out;
  };
  const transaction = backend.transaction.bind(backend);
  backend.transaction = (fn, options) => transaction((tx) => fn(wrap(tx)), options);
  return state;
}
