/**
 * Profiling for `dtlab bench refresh` (DTLAB_BENCH_PROFILE=1): records every statement the backend runs
 * (outside and inside transactions) with its time, so a refresh's cost splits into statements, SQL time and
 * the rest (planning, parsing, driver).
 */
import type { Backend, Queryable, Value } from '../../backends/backend.js';
import { ms } from './measure.js';

interface Traced {
  sql: string;
  ms: number;
}

export function tracer(backend: Backend) {
  let log: Traced[] | undefined;
  const wrap =
    (run: Queryable['query']): Queryable['query'] =>
    async (sql, params) => {
      if (!log) return run(sql, params);
      const t0 = performance.now();
      try {
        return await run(sql, params);
      } finally {
        log.push({ sql, ms: performance.now() - t0 });
      }
    };
  const query = backend.query.bind(backend);
  const transaction = backend.transaction.bind(backend);
  backend.query = wrap(query);
  backend.transaction = (fn, options) =>
    transaction((tx) => {
      const query = wrap(tx.query.bind(tx));
      const defer = tx.defer?.bind(tx);
      // A transaction's last statement sent with COMMIT (backend.ts `finish`): timed with it.
      const finish = tx.finish?.bind(tx);
      const finished = finish ? { finish: wrap((sql) => finish(sql)) } : {};
      // Rows copied in the transaction (PGlite): timed as one statement.
      const insertRows = tx.insertRows?.bind(tx);
      const copied = insertRows
        ? {
            insertRows: async (table: string, rows: readonly Value[][]) => {
              const t0 = performance.now();
              try {
                return await insertRows(table, rows);
              } finally {
                log?.push({ sql: `COPY ${table} (${rows.length} rows)`, ms: performance.now() - t0 });
              }
            },
          }
        : {};
      if (!defer) return fn({ query, ...finished, ...copied });
      // Deferred statements cost no round trip of their own: counted, timed with the query they go with.
      return fn({
        query,
        defer: (sql, params) => {
          log?.push({ sql: `(deferred) ${sql}`, ms: 0 });
          defer(sql, params);
        },
        ...finished,
        ...copied,
      });
    }, options);
  return {
    start: () => {
      log = [];
    },
    stop: (): Traced[] => {
      const out = log ?? [];
      log = undefined;
      return out;
    },
  };
}

export type Tracer = ReturnType<typeof tracer>;

export function profileReport(name: string, totalMs: number, log: Traced[], out: (s: string) => void) {
  const sqlMs = log.reduce((a, t) => a + t.ms, 0);
  const deferred = log.filter((t) => t.sql.startsWith('(deferred)')).length;
  out(
    `  profile ${name}: ${log.length} statements in ${log.length - deferred} calls (${deferred} deferred), ${ms(sqlMs)} ms in SQL, ${ms(totalMs - sqlMs)} ms elsewhere (of ${ms(totalMs)} ms)`,
  );
  for (const t of [...log].sort((a, b) => b.ms - a.ms).slice(0, 8))
    out(`    ${ms(t.ms).toString().padStart(8)} ms  ${t.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
}
