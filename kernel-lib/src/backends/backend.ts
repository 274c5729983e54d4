/**
 * The one interface every database sits behind. The engine speaks only this; the three implementations
 * (DuckDB-WASM, PGlite, a PostgreSQL server) differ only in how they move bytes.
 *
 * Values come back normalised so that every backend prints and compares the same: integers as numbers (bigint
 * beyond 2^53), DECIMAL/NUMERIC as exact strings, dates as 'YYYY-MM-DD', timestamps as
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC), booleans, strings, null.
 */

export type SqlFamily = 'duckdb' | 'postgres';

export type Value = null | boolean | number | bigint | string;

export interface ResultColumn {
  name: string;
  /** The backend's type name, lower case (e.g. 'integer', 'decimal(15,2)', 'varchar'). */
  type: string;
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: Value[][];
  /** Rows returned, or rows affected by a write. */
  rowCount: number;
}

export interface Queryable {
  query(sql: string, params?: Value[]): Promise<QueryResult>;
  /**
   * Queues a statement whose result nobody reads: it is sent ahead of the next query, in the same round trip
   * (a PostgreSQL server) or call (PGlite, DuckDB-WASM) of every backend's transaction. Its error, if any,
   * surfaces from that query (or COMMIT), and aborts the transaction as it would have. Absent where batching
   * saves nothing (outside a transaction; DuckDB with a deadline); use `exec`, which falls back to `query`.
   */
  defer?(sql: string, params?: Value[]): void;
  /**
   * A transaction's last statement, sent with what is deferred and with `COMMIT` in one message (a PostgreSQL
   * server transaction): one round trip for the whole transaction. Resolves with the statement's answer once
   * committed; nothing may be sent on the transaction after it. Absent elsewhere: `query`, then the commit.
   */
  finish?(sql: string): Promise<QueryResult>;
  /**
   * Inserts rows for every column of `table`, in its column order, through the backend's COPY path inside the
   * transaction (PGlite: a CSV blob, which it parses ~4× faster than an INSERT … VALUES of the same rows; COPY
   * fires the table's triggers as an INSERT does, so capture sees the rows). Returns the rows written. Absent
   * where an INSERT … VALUES costs as little (a PostgreSQL server) or rows go through a stage (DuckDB).
   */
  insertRows?(table: string, rows: readonly Value[][]): Promise<number>;
}

/** Runs a statement whose result is not needed: deferred into the next round trip where the backend can. */
export async function exec(db: Queryable, sql: string, params?: Value[]): Promise<void> {
  if (db.defer) db.defer(sql, params);
  else await db.query(sql, params);
}

/**
 * `$n` → a quoted literal of the parameter's text, which PostgreSQL types exactly as it types a parameter
 * sent as text (unknown, resolved from context): how a deferred statement with parameters joins a batch.
 * Only for statements built by this code base (a `$n` inside a string literal would be replaced too).
 */
export function inlineParams(sql: string, params: Value[]): string {
  return sql.replace(/\$(\d+)/g, (m, n: string) => {
    const v = params[Number(n) - 1];
    if (v === undefined) return m;
    return v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`;
  });
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

/**
 * `signal`: aborting it cancels the statement running (DuckDB between two execution slices, a PostgreSQL server
 * by pg_cancel_backend; PGlite runs every statement to its end), which then fails with SQLSTATE 57014 having
 * changed nothing; a statement not yet sent is not sent.
 */
export interface StatementOptions {
  signal?: AbortSignal;
}

export interface TransactionOptions extends StatementOptions {
  isolation?: Isolation;
  /**
   * The transaction reads no history row or data timestamp the engine records later (DuckDB:
   * refresh/deferred-history.ts), so the engine's backend (engine/flushing-backend.ts) leaves them waiting
   * instead of writing them first. Other backends ignore it.
   */
  keepWaiting?: boolean;
}

export interface Backend extends Queryable {
  readonly family: SqlFamily;
  /** A short description for humans: 'duckdb (in memory)', 'pglite (./data)', 'postgres://…'. */
  readonly description: string;
  /** Runs one statement (`Queryable.query`); `options.signal` cancels it (StatementOptions). */
  query(sql: string, params?: Value[], options?: StatementOptions): Promise<QueryResult>;
  /**
   * Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws.
   * Other callers keep reading the last committed state meanwhile (MVCC on every backend). Aborting
   * `options.signal` cancels the statement under way (StatementOptions); the transaction then rolls back.
   * COMMIT itself is never cancelled.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Bulk-loads rows into an existing table (of `schema`, else the current one) through the backend's COPY
   * path. Returns the rows written.
   */
  copyRows(
    table: string,
    columns: string[],
    rows: Iterable<Value[]> | AsyncIterable<Value[]>,
    schema?: string,
  ): Promise<number>;
  /**
   * Where the backend has a bulk path cheaper than statements (DuckDB: Arrow): creates the new table `table`
   * (of `schema`, else the current one) of columns c0, c1, … holding `rows` as that path carries them
   * (arrow-rows.ts: INTEGER or VARCHAR), in one call. An INSERT … SELECT from it casts them to its target's
   * types, the cast `copyRows` makes. The caller drops the table.
   */
  stageRows?(table: string, rows: readonly Value[][], schema?: string): Promise<void>;
  /** Streams a result in batches instead of materialising it. */
  stream(sql: string, batchRows?: number): AsyncIterable<Value[][]>;
  close(): Promise<void>;
}

/**
 * An error the backend raised, with the 0-based offset in the SQL text sent where the backend says the
 * problem is (when it says).
 */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    message: string,
    readonly offset?: number,
    readonly sqlState?: string,
  ) {
    super(message);
  }
}

/**
 * An error of a batch (deferred statements, `shift` characters, then the caller's statement) as the caller
 * sees it: offsets point into the statement the caller sent; an error of a deferred statement has none.
 */
export function relocatedError(err: BackendError, shift: number): BackendError {
  if (err.offset === undefined) return err;
  if (err.offset < shift) return new BackendError(err.message, undefined, err.sqlState);
  return new BackendError(err.message, err.offset - shift, err.sqlState);
}

/** SQLSTATE query_canceled: a statement cancelled (by a timeout or on request) that changed nothing. */
export const QUERY_CANCELED = '57014';
/**
 * SQLSTATE serialization_failure: the transaction lost a conflict with a concurrent one and was rolled back
 * (PostgreSQL's, and DuckDB's write-write conflicts, which carry no SQLSTATE of their own).
 */
export const SERIALIZATION_FAILURE = '40001';

/** A lock not granted within `lock_timeout`, or at once under NOWAIT (PostgreSQL). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** The error of a statement cancelled because its signal was aborted. */
export function cancelledByRequest(): BackendError {
  return new BackendError('canceling statement due to user request', undefined, QUERY_CANCELED);
}

/**
 * Runs `work` (one statement on a connection nobody else uses meanwhile) so that aborting `signal` cancels it:
 * `cancel` is sent at the abort and again every `everyMs` while the statement runs (a cancel that reaches the
 * database before the statement does is lost). Before settling, waits for the cancels in flight, so none
 * reaches the connection's next statement. Aborted before the start: not run at all.
 */
export async function cancellable<T>(
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
  cancel: () => Promise<unknown>,
  everyMs = 1000,
): Promise<T> {
  if (!signal) return work();
  if (signal.aborted) throw cancelledByRequest();
  let settled = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    if (settled) return;
    inFlight = inFlight.then(() => (settled ? undefined : cancel().catch(() => undefined)));
    timer = setTimeout(fire, everyMs);
  };
  signal.addEventListener('abort', fire, { once: true });
  try {
    return await work();
  } catch (e) {
    throw signal.aborted &&
      !(e instanceof BackendError && e.sqlState === QUERY_CANCELED) &&
      isCancelMessage(e)
      ? cancelledByRequest()
      : e;
  } finally {
    settled = true;
    clearTimeout(timer);
    signal.removeEventListener('abort', fire);
    await inFlight;
  }
}

const isCancelMessage = (e: unknown) => /cancel/i.test(e instanceof Error ? e.message : String(e));

/** A database spec or URL as it may be shown: the password of `postgres://user:password@…` masked. */
export const redactSpec = (spec: string) => spec.replace(/:[^:@/]*@/, ':***@');

/** Double-quotes an identifier for either family. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL literal for a value, for the few places that build SQL text (catalog writes, CSV-less inserts). */
export function sqlLiteral(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

/**
 * One CSV line (RFC 4180): empty unquoted = NULL, quoted "" = empty string, on both COPY paths. A lone `\.` is
 * quoted too: unquoted, alone on its line, PostgreSQL's COPY FROM STDIN takes it for the end of the data and
 * silently drops every row after it.
 */
export function csvLine(row: Value[]): string {
  // A hot loop when loading millions of rows: no regex and no intermediate arrays.
  let out = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) out += ',';
    const v = row[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') {
      const quote =
        v === '' || v === '\\.' || v.includes(',') || v.includes('"') || v.includes('\n') || v.includes('\r');
      out += quote ? `"${v.replaceAll('"', '""')}"` : v;
    } else if (typeof v === 'boolean') out += v ? 'true' : 'false';
    else out += String(v);
  }
  return out;
}

/** Groups rows into CSV chunks of about `chunkBytes`, so loads stream instead of building one huge string. */
export async function* csvChunks(
  rows: Iterable<Value[]> | AsyncIterable<Value[]>,
  chunkBytes = 8 << 20,
): AsyncGenerator<{ text: string; rows: number }> {
  let parts: string[] = [];
  let size = 0;
  let count = 0;
  for await (const row of rows) {
    const line = csvLine(row);
    parts.push(line);
    size += line.length + 1;
    count++;
    if (size >= chunkBytes) {
      yield { text: `${parts.join('\n')}\n`, rows: count };
      parts = [];
      size = 0;
      count = 0;
    }
  }
  if (count > 0) yield { text: `${parts.join('\n')}\n`, rows: count };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Milliseconds since the epoch (+ optional extra microseconds) → 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC. */
export function formatTimestamp(ms: number, extraMicros = 0): string {
  const d = new Date(Math.floor(ms));
  const micros = Math.round((ms - Math.floor(ms)) * 1000) + extraMicros + d.getUTCMilliseconds() * 1000;
  const base = `${formatDate(d.getTime())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return micros === 0 ? base : `${base}.${pad(micros, 6).replace(/0+$/, '')}`;
}

export function formatDate(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** int8 text → number when exact, bigint otherwise. */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** `table`, quoted, in `schema` when one is given. */
export const qualifiedName = (table: string, schema?: string): string =>
  schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
