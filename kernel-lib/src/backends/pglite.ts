/** PGlite: PostgreSQL compiled to WASM, embedded in the process; persistent when given a data directory. */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import {
  type Backend,
  cancelledByRequest,
  csvChunks,
  inlineParams,
  type Queryable,
  type QueryResult,
  qualifiedName,
  quoteIdent,
  relocatedError,
  type StatementOptions,
  type TransactionOptions,
  type Value,
} from './backend.js';
import { isolationSql, normaliseRow, PG_PARSERS, pgColumns, toBackendError } from './postgres-common.js';

async function run(db: PGlite | Transaction, sql: string, params?: Value[]): Promise<QueryResult> {
  try {
    const r = await db.query<unknown[]>(sql, params as unknown[], { rowMode: 'array' });
    const rows = r.rows.map(normaliseRow);
    return {
      columns: pgColumns(r.fields),
      rows,
      rowCount: r.fields.length > 0 ? rows.length : (r.affectedRows ?? 0),
    };
  } catch (e) {
    throw toBackendError(e);
  }
}

/** Statements in one message (PGlite's `exec`, the simple protocol): the last one's answer. */
async function runBatch(tx: Transaction, sql: string): Promise<QueryResult> {
  const results = await tx.exec(sql, { rowMode: 'array' });
  const last = results[results.length - 1];
  const rows = ((last?.rows ?? []) as unknown[][]).map(normaliseRow);
  const fields = last?.fields ?? [];
  // `affectedRows` adds up every statement of the message; `rowCount` is the last one's.
  const count = (last as { rowCount?: number } | undefined)?.rowCount ?? 0;
  return { columns: pgColumns(fields), rows, rowCount: fields.length > 0 ? rows.length : count };
}

/** COPY of CSV `rows` into `target` (a quoted table, with its column list if not all): the rows written. */
async function copyCsv(
  db: PGlite | Transaction,
  target: string,
  rows: Iterable<Value[]> | AsyncIterable<Value[]>,
): Promise<number> {
  let total = 0;
  for await (const chunk of csvChunks(rows)) {
    try {
      await db.query(`COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`, [], {
        blob: new Blob([chunk.text]),
      });
    } catch (e) {
      throw toBackendError(e);
    }
    total += chunk.rows;
  }
  return total;
}

export class PgliteBackend implements Backend {
  readonly family = 'postgres' as const;
  readonly description: string;

  private constructor(
    private readonly db: PGlite,
    dataDir: string | undefined,
  ) {
    this.description = dataDir ? `pglite (${dataDir})` : 'pglite (in memory)';
  }

  /**
   * Opens `dataDir`, or a database in memory. An in-memory one starts from `image` when given (a fresh
   * cluster: pglite-image.ts) instead of running initdb.
   */
  static async open(dataDir?: string, image?: Blob): Promise<PgliteBackend> {
    const db = await PGlite.create(dataDir, {
      parsers: PG_PARSERS,
      ...(image && !dataDir ? { loadDataDir: image } : {}),
    });
    return new PgliteBackend(db, dataDir);
  }

  /**
   * PGlite runs a statement on this thread to its end: `options.signal` cannot cancel one under way (nothing
   * else runs meanwhile, not even the abort); a statement whose signal was aborted before it starts does not run.
   */
  query(sql: string, params?: Value[], options: StatementOptions = {}): Promise<QueryResult> {
    if (options.signal?.aborted) return Promise.reject(cancelledByRequest());
    return run(this.db, sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { signal } = options;
    const unlessAborted = () => {
      if (signal?.aborted) throw cancelledByRequest();
    };
    return this.db.transaction(async (tx) => {
      // Statements whose results nobody reads (the isolation level, settings, LOCK, position updates …) wait
      // here and go with the next query in one message: one call into PGlite for all (0.05–0.1 ms each).
      const queue: string[] = options.isolation ? [isolationSql(options.isolation)] : [];
      const flush = async () => {
        if (queue.length === 0) return;
        const batch = queue.join(';\n');
        queue.length = 0;
        await runBatch(tx, batch).catch((e) => {
          throw relocatedError(toBackendError(e), batch.length + 1);
        });
      };
      const send = async (sql: string, params?: Value[]): Promise<QueryResult> => {
        unlessAborted();
        if (queue.length === 0 || params?.length) {
          await flush();
          return run(tx, sql, params);
        }
        const prefix = `${queue.join(';\n')};\n`;
        queue.length = 0;
        return runBatch(tx, prefix + sql).catch((e) => {
          throw relocatedError(toBackendError(e), prefix.length);
        });
      };
      const value = await fn({
        query: send,
        defer: (sql, params) => {
          queue.push(params?.length ? inlineParams(sql, params) : sql);
        },
        insertRows: async (table, rows) => {
          await flush();
          unlessAborted();
          return copyCsv(tx, quoteIdent(table), rows);
        },
      });
      unlessAborted(); // interrupted before COMMIT: rolled back
      await flush();
      return value;
    });
  }

  async copyRows(
    table: string,
    columns: string[],
    rows: Iterable<Value[]> | AsyncIterable<Value[]>,
    schema?: string,
  ): Promise<number> {
    return copyCsv(this.db, `${qualifiedName(table, schema)} (${columns.map(quoteIdent).join(', ')})`, rows);
  }

  async *stream(sql: string, batchRows = 10_000): AsyncIterable<Value[][]> {
    // PGlite has a single connection and no portal streaming; it holds the result in memory anyway.
    const { rows } = await this.query(sql);
    for (let i = 0; i < rows.length; i += batchRows) yield rows.slice(i, i + batchRows);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
