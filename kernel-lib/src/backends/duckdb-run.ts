/**
 * One statement on a DuckDB-WASM connection: blocking (`conn.query`), or as a pending query (`conn.send`)
 * that `conn.cancelSent()` can stop; and the Cancellation a transaction with a deadline or a signal runs its
 * statements through. Why only pending queries can be cancelled: duckdb.ts.
 */
import type { AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import {
  BackendError,
  cancellable,
  QUERY_CANCELED,
  type QueryResult,
  type ResultColumn,
  type Value,
} from './backend.js';
import { type ArrowTable, toRows } from './duckdb-arrow.js';
import { bind, duckdbError, result } from './duckdb-sql.js';

/** One statement as a blocking query (`conn.query`): the worker handles nothing else until it ends. */
export async function run(conn: AsyncDuckDBConnection, sql: string, params?: Value[]): Promise<QueryResult> {
  const text = bind(sql, params);
  try {
    const { columns, rows } = toRows((await conn.query(text)) as unknown as ArrowTable);
    return result(sql, columns, rows);
  } catch (e) {
    throw duckdbError(e, text);
  }
}

/** One statement as a pending query (`conn.send`), which `conn.cancelSent()` can stop between two slices. */
export async function runPending(
  conn: AsyncDuckDBConnection,
  sql: string,
  params?: Value[],
): Promise<QueryResult> {
  const text = bind(sql, params);
  try {
    const reader = (await conn.send(text)) as unknown as AsyncIterable<ArrowTable>;
    // Every result has at least one record batch (possibly empty) carrying the schema.
    let columns: ResultColumn[] = [];
    const rows: Value[][] = [];
    for await (const batch of reader) {
      const part = toRows(batch);
      columns = part.columns;
      for (const row of part.rows) rows.push(row);
    }
    return result(sql, columns, rows);
  } catch (e) {
    throw duckdbError(e, text);
  }
}

/**
 * A transaction's cancellation: its statements run as pending queries on `conn`, and the one running is
 * cancelled when `signal` is aborted or `timeoutMs` (a deadline) passes; after a deadline every later one fails
 * at once. Both fail with SQLSTATE 57014.
 */
export class Cancellation {
  expired = false;
  private running = false;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly conn: AsyncDuckDBConnection,
    readonly timeoutMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            this.expired = true;
            if (this.running) void this.conn.cancelSent().catch(() => {});
          }, timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private timedOut(): BackendError {
    return new BackendError(
      `canceling statement: the transaction exceeded its timeout of ${this.timeoutMs} ms`,
      undefined,
      QUERY_CANCELED,
    );
  }

  /** Runs one statement as a pending query, so that it can be cancelled between execution slices. */
  async run(sql: string, params?: Value[]): Promise<QueryResult> {
    if (this.expired) throw this.timedOut();
    this.running = true;
    try {
      return await cancellable(
        this.signal,
        () => runPending(this.conn, sql, params),
        () => this.conn.cancelSent(),
      );
    } catch (e) {
      throw this.expired ? this.timedOut() : e;
    } finally {
      this.running = false;
    }
  }
}
