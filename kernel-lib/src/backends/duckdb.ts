/**
 * DuckDB through @duckdb/duckdb-wasm: the same AsyncDuckDB the browser runs, here driven from any runtime
 * that can hand us an instantiated database (see duckdb-node.ts for Node).
 *
 * Cancellation. DuckDB-WASM runs every connection's queries on one worker thread, which handles no message
 * while a blocking `query` runs, so such a query cannot be stopped. A *pending* query (`conn.send`) is run by
 * the worker in slices (it executes pipeline tasks for ~100 ms, then returns to its message loop); between
 * slices a `cancelSent` message drops the query, and the next poll fails with "query was canceled". A
 * transaction given `timeoutMs` or a `signal`, and a session statement given a `signal`, send their statements
 * that way and cancel the running one when the deadline passes or the signal is aborted, so the worker really
 * stops (at the end of the pipeline task under way: usually milliseconds, but a single task can be long, e.g.
 * a nested-loop join of two large inputs). A cancelled statement changes nothing (its transaction, or the
 * session statement's own, rolls back).
 *
 * This file holds the DuckDbBackend class. One statement on a connection (blocking, pending, cancellable) is
 * in duckdb-run.ts, the SQL text and error messages in duckdb-sql.ts, Arrow results → rows in
 * duckdb-arrow.ts.
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import { messageOf } from '../errors.js';
import {
  type Backend,
  BackendError,
  cancellable,
  cancelledByRequest,
  type Queryable,
  type QueryResult,
  qualifiedName,
  quoteIdent,
  relocatedError,
  type StatementOptions,
  type TransactionOptions,
  type Value,
} from './backend.js';
import { type ArrowTable, toRows } from './duckdb-arrow.js';
import { Cancellation, run, runPending } from './duckdb-run.js';
import { bind, duckdbError, result } from './duckdb-sql.js';

/** DuckDB transactions are snapshot-isolated whatever is asked; `timeoutMs` cancels the transaction's work. */
export interface DuckDbTransactionOptions extends TransactionOptions {
  /** Real milliseconds after which the running statement is cancelled (SQLSTATE 57014) and the rest fail. */
  timeoutMs?: number;
}

let stageCounter = 0;

/**
 * The database `open({ compressed: true })` keeps the tables in: an in-memory database that DuckDB
 * compresses like a file (TPC-H SF 1: ~0.3 GB of table data instead of ~1.35 GB). DuckDB's own default
 * in-memory database is never compressed, and which database a connection uses is per connection, so every
 * connection says `USE` first.
 */
export const COMPRESSED_DATABASE = 'dtlab_memory';

/** DuckDB's `checkpoint_threshold` where checkpoints are the engine's to ask for (the compressed database). */
const NO_AUTOMATIC_CHECKPOINT = '1TB';

export interface DuckDbOpenOptions {
  compressed?: boolean;
}

/** Idle transaction connections kept for the next transaction (each connect and close is a worker call). */
const IDLE_CONNECTIONS = 2;

export class DuckDbBackend implements Backend {
  readonly family = 'duckdb' as const;
  /**
   * Connections whose transaction ended (committed or rolled back) and that the next transaction may take: a
   * connection holds no state between transactions that this code relies on (its temporary tables are
   * dropped by the transaction that made them, or rolled back with it).
   */
  private readonly idle: AsyncDuckDBConnection[] = [];

  private constructor(
    private readonly db: AsyncDuckDB,
    private readonly conn: AsyncDuckDBConnection,
    readonly description: string,
    private readonly onClose: () => Promise<void>,
    /** `USE <database>`, which every new connection runs first, when the tables live in COMPRESSED_DATABASE. */
    private readonly use: string | undefined,
  ) {}

  /** Wraps an instantiated AsyncDuckDB. `onClose` frees what the runtime made (the worker). */
  static async open(
    db: AsyncDuckDB,
    description: string,
    onClose: () => Promise<void>,
    options: DuckDbOpenOptions = {},
  ): Promise<DuckDbBackend> {
    const conn = await db.connect();
    // Extensions would be fetched from the network, which lessons must not need: fail fast instead of hanging.
    await conn.query('SET autoinstall_known_extensions = false');
    await conn.query('SET autoload_known_extensions = false');
    const use = options.compressed ? `USE ${COMPRESSED_DATABASE}` : undefined;
    // Compressing is a checkpoint's work. Left to DuckDB, one starts at whichever commit passes 16 MB of
    // changes (a refresh's MERGE and COMMIT at SF 1: 0.9 s of its 1.2 s); here only bulk loads ask for one
    // (copyRows), and everything else stays as written, as in DuckDB's default in-memory database.
    if (use)
      await conn.query(
        `ATTACH ':memory:' AS ${COMPRESSED_DATABASE} (COMPRESS);\n${use};\nSET checkpoint_threshold = '${NO_AUTOMATIC_CHECKPOINT}'`,
      );
    return new DuckDbBackend(db, conn, description, onClose, use);
  }

  /** The session connection's statements, one after the other (a pending query must have it to itself). */
  private sessionTail: Promise<unknown> = Promise.resolve();

  query(sql: string, params?: Value[], options: StatementOptions = {}): Promise<QueryResult> {
    const { signal } = options;
    const next = this.sessionTail.then(() =>
      signal
        ? cancellable(
            signal,
            () => runPending(this.conn, sql, params),
            () => this.conn.cancelSent(),
          )
        : run(this.conn, sql, params),
    );
    this.sessionTail = next.catch(() => {});
    return next;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: DuckDbTransactionOptions): Promise<T> {
    // A connection of its own: DuckDB's MVCC then lets others read the committed state meanwhile.
    // DuckDB transactions are always snapshot-isolated, which is what every caller asks for. An idle one
    // from an earlier transaction saves the two worker calls of connecting and closing.
    const conn = this.idle.pop() ?? (await this.db.connect());
    const interruptible = options?.timeoutMs !== undefined || options?.signal !== undefined;
    let reusable = options?.timeoutMs === undefined;
    const deadline = interruptible ? new Cancellation(conn, options?.timeoutMs, options?.signal) : undefined;
    // Each call into the worker costs about as much as a small statement: statements whose results nobody
    // reads (BEGIN, position and catalog updates …) wait here and go with the next query in one call (a
    // multi-statement text, whose last result is returned). Not when cancellable (a deadline or a signal): a
    // pending query (what makes a statement cancellable) takes one statement.
    const queue: string[] = this.use ? [this.use, 'BEGIN TRANSACTION'] : ['BEGIN TRANSACTION'];
    const single = deadline
      ? (sql: string, params?: Value[]) => deadline.run(sql, params)
      : (sql: string, params?: Value[]) => run(conn, sql, params);
    const query = async (sql: string, params?: Value[]): Promise<QueryResult> => {
      if (queue.length === 0) return single(sql, params);
      const pending = queue.splice(0);
      if (deadline) {
        for (const q of pending)
          await (q === 'BEGIN TRANSACTION' || q === this.use ? run(conn, q) : single(q));
        return single(sql, params);
      }
      const prefix = `${pending.join(';\n')};\n`;
      try {
        const { columns, rows } = toRows(
          (await conn.query(prefix + bind(sql, params))) as unknown as ArrowTable,
        );
        return result(sql, columns, rows);
      } catch (e) {
        // Error offsets point into the statement the caller sent, not into the batch.
        throw relocatedError(duckdbError(e, prefix + bind(sql, params)), prefix.length);
      }
    };
    const defer = deadline
      ? undefined
      : (sql: string, params?: Value[]) => void queue.push(bind(sql, params));
    try {
      const value = await fn(defer ? { query, defer } : { query });
      // COMMIT is never cancelled: a transaction whose work all finished in time is kept. One interrupted
      // before its COMMIT rolls back.
      deadline?.clear();
      if (options?.signal?.aborted) throw cancelledByRequest();
      if (queue.length > 0 && !deadline) await query('COMMIT');
      else {
        for (const q of queue.splice(0)) await run(conn, q);
        await run(conn, 'COMMIT');
      }
      return value;
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => {
        reusable = false;
      });
      throw e;
    } finally {
      deadline?.clear();
      // A connection a deadline or a signal may have cancelled on, or whose rollback failed, is not handed on.
      if (options?.signal?.aborted) reusable = false;
      if (reusable && !this.closed && this.idle.length < IDLE_CONNECTIONS) this.idle.push(conn);
      else await conn.close();
    }
  }

  /**
   * Bulk load as Arrow, not CSV text (arrow-rows.ts): each chunk goes into a temporary table of INTEGER and
   * VARCHAR columns, then `INSERT INTO table (columns) SELECT` casts it to the table's types as COPY did.
   * The Arrow code loads on first use.
   */
  async copyRows(
    table: string,
    columns: string[],
    rows: Iterable<Value[]> | AsyncIterable<Value[]>,
    schema?: string,
  ): Promise<number> {
    const { arrowChunks } = await import('./arrow-rows.js');
    const target = `${qualifiedName(table, schema)} (${columns.map(quoteIdent).join(', ')})`;
    let total = 0;
    for await (const chunk of arrowChunks(rows, columns.length)) {
      const stage = `dtlab_copy_${++stageCounter}`;
      await run(
        this.conn,
        `CREATE TEMP TABLE ${stage} (${chunk.types.map((t, i) => `c${i} ${t}`).join(', ')})`,
      );
      try {
        await this.conn.insertArrowFromIPCStream(chunk.ipc, { name: stage, create: false });
        await run(this.conn, `INSERT INTO ${target} SELECT * FROM temp.${stage}`);
        // Compressed as it comes (see `open`), so a load's peak holds one chunk uncompressed, not the table.
        // Not while another transaction writes (DuckDB refuses): the next chunk's checkpoint takes this one too.
        if (this.use)
          await run(this.conn, `CHECKPOINT ${COMPRESSED_DATABASE}`).catch((e: unknown) => {
            if (!/Cannot CHECKPOINT/.test(messageOf(e))) throw e;
          });
      } catch (e) {
        throw e instanceof BackendError ? e : duckdbError(e, `INSERT INTO ${target}`);
      } finally {
        await run(this.conn, `DROP TABLE IF EXISTS temp.${stage}`);
      }
      total += chunk.rows;
    }
    return total;
  }

  /** One worker call: the Arrow stream becomes the table (Backend.stageRows). */
  async stageRows(table: string, rows: readonly Value[][], schema?: string): Promise<void> {
    const { encodeArrowChunk } = await import('./arrow-rows.js');
    const chunk = encodeArrowChunk(rows, rows[0]?.length ?? 0);
    const load = this.sessionTail.then(() =>
      this.conn
        .insertArrowFromIPCStream(chunk.ipc, { name: table, ...(schema ? { schema } : {}), create: true })
        .catch((e: unknown) =>
          Promise.reject(duckdbError(e, `CREATE TABLE ${qualifiedName(table, schema)}`)),
        ),
    );
    this.sessionTail = load.catch(() => {});
    await load;
  }

  async *stream(sql: string): AsyncIterable<Value[][]> {
    let reader: AsyncIterable<unknown>;
    try {
      reader = (await this.conn.send(sql)) as unknown as AsyncIterable<unknown>;
    } catch (e) {
      throw duckdbError(e, sql);
    }
    for await (const batch of reader) yield toRows(batch as ArrowTable).rows;
  }

  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of this.idle.splice(0)) await conn.close();
    await this.conn.close();
    await this.onClose();
  }
}
