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
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from '@duckdb/duckdb-wasm';
import {
  type Backend,
  BackendError,
  cancellable,
  cancelledByRequest,
  formatDate,
  formatTimestamp,
  QUERY_CANCELED,
  type Queryable,
  type QueryResult,
  qualifiedName,
  quoteIdent,
  type ResultColumn,
  SERIALIZATION_FAILURE,
  type StatementOptions,
  sqlLiteral,
  type TransactionOptions,
  type Value,
} from './backend.js';

/** The slice of Apache Arrow we read; typed structurally so we need not depend on arrow's own types. */
interface ArrowType {
  typeId: number;
  scale?: number;
  precision?: number;
  bitWidth?: number;
  isSigned?: boolean;
  timezone?: string | null;
  toString(): string;
}
interface ArrowTable {
  numRows: number;
  schema: { fields: { name: string; type: ArrowType }[] };
  getChildAt(i: number): { get(row: number): unknown } | null;
}

// Arrow's Type enum values (stable across arrow versions).
const T = {
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
} as const;

function typeName(t: ArrowType): string {
  switch (t.typeId) {
    case T.Int:
      return { 8: 'tinyint', 16: 'smallint', 32: 'integer', 64: 'bigint' }[t.bitWidth ?? 32] ?? 'integer';
    case T.Float:
      return String(t).includes('32') ? 'float' : 'double';
    case T.Utf8:
      return 'varchar';
    case T.Bool:
      return 'boolean';
    case T.Decimal:
      return isHugeint(t) ? 'hugeint' : `decimal(${t.precision},${t.scale})`;
    case T.Date:
      return 'date';
    case T.Timestamp:
      return t.timezone ? 'timestamptz' : 'timestamp';
    case T.Binary:
      return 'blob';
    default:
      return String(t).toLowerCase();
  }
}

/**
 * DuckDB ships HUGEINT (what SUM of integers returns) as Arrow Decimal(38,0); read it as the integer it is,
 * like PostgreSQL's bigint. (A column declared DECIMAL(38,0) reads the same way.)
 */
function isHugeint(t: ArrowType): boolean {
  return t.typeId === T.Decimal && t.scale === 0 && t.precision === 38;
}

function decimalText(unscaled: string, scale: number): string {
  if (scale === 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function convert(v: unknown, t: ArrowType): Value {
  if (v === null || v === undefined) return null;
  switch (t.typeId) {
    case T.Decimal: {
      const text = decimalText(String(v), t.scale ?? 0);
      if (!isHugeint(t)) return text;
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case T.Date:
      return formatDate(v as number);
    case T.Timestamp:
      return formatTimestamp(v as number);
    case T.Int:
      return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : (v as number | bigint);
    case T.Bool:
    case T.Utf8:
    case T.Float:
      return v as Value;
    default:
      return typeof v === 'object'
        ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))
        : String(v);
  }
}

function toRows(table: ArrowTable): { columns: ResultColumn[]; rows: Value[][] } {
  const fields = table.schema.fields;
  const columns = fields.map((f) => ({ name: f.name, type: typeName(f.type) }));
  const vectors = fields.map((_f, i) => table.getChildAt(i));
  const rows: Value[][] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Value[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++)
      row[c] = convert(vectors[c]?.get(r), (fields[c] as { type: ArrowType }).type);
    rows[r] = row;
  }
  return { columns, rows };
}

/**
 * A pending query (`conn.send`) reports some errors (the parser's) as JSON, `{"exception_type": "Parser",
 * "exception_message": "…"}`: the text `conn.query` reports for them, "Parser Error: …".
 */
function errorText(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const json = JSON.parse(text) as { exception_type?: unknown; exception_message?: unknown };
    if (typeof json.exception_message !== 'string') return text;
    const type = typeof json.exception_type === 'string' ? `${json.exception_type} Error: ` : '';
    return `${type}${json.exception_message}`;
  } catch {
    return text;
  }
}

/**
 * DuckDB reports positions as "LINE n: <snippet>" and a caret line; turn that into an offset in `sql`
 * and strip it from the message (we print our own caret).
 */
export function duckdbError(e: unknown, sql: string): BackendError {
  const text = errorText(e instanceof Error ? e.message : String(e));
  const cut = text.indexOf('\n\nLINE ');
  const message = (cut < 0 ? text : text.slice(0, cut)).trim();
  // A write-write conflict with a concurrent transaction ("TransactionContext Error: Conflict on tuple
  // deletion!"): rolled back, as PostgreSQL's serialization failures are.
  const state = /^TransactionContext Error:.*conflict/i.test(message) ? SERIALIZATION_FAILURE : undefined;
  const m = /\n\nLINE (\d+): (.*)\n( *)\^/.exec(text);
  if (!m) return new BackendError(message, undefined, state);
  const lineNo = Number(m[1]);
  const prefix = `LINE ${m[1]}: `.length;
  let snippet = m[2] as string;
  let caret = (m[3] as string).length - prefix;
  if (snippet.startsWith('...')) {
    snippet = snippet.slice(3);
    caret -= 3;
  }
  snippet = snippet.replace(/\.\.\.$/, '');
  const lines = sql.split('\n');
  const line = lines[lineNo - 1] ?? '';
  const at = Math.max(0, line.indexOf(snippet));
  const lineStart = lines.slice(0, lineNo - 1).reduce((n, l) => n + l.length + 1, 0);
  return new BackendError(message, lineStart + at + Math.max(0, caret), state);
}

/** The worker's prepared statements do not take every type we pass; bind by literal substitution of $n. */
function bind(sql: string, params?: Value[]): string {
  if (!params || params.length === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_m, n) => sqlLiteral(params[Number(n) - 1] ?? null));
}

function result(sql: string, columns: ResultColumn[], rows: Value[][]): QueryResult {
  // DuckDB answers writes and DDL with a single "Count" column (rows touched); report that as rowCount.
  const isWriteCount =
    columns.length === 1 &&
    columns[0]?.name === 'Count' &&
    !/^\s*(select|with|values|from|table|show|describe|summarize|pragma|explain|call)\b/i.test(sql);
  return isWriteCount
    ? { columns: [], rows: [], rowCount: Number(rows[0]?.[0] ?? 0) }
    : { columns, rows, rowCount: rows.length };
}

async function run(conn: AsyncDuckDBConnection, sql: string, params?: Value[]): Promise<QueryResult> {
  const text = bind(sql, params);
  try {
    const { columns, rows } = toRows((await conn.query(text)) as unknown as ArrowTable);
    return result(sql, columns, rows);
  } catch (e) {
    throw duckdbError(e, text);
  }
}

/** One statement as a pending query (`conn.send`), which `conn.cancelSent()` can stop between two slices. */
async function runPending(conn: AsyncDuckDBConnection, sql: string, params?: Value[]): Promise<QueryResult> {
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
class Cancellation {
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
    if (use) await conn.query(`ATTACH ':memory:' AS ${COMPRESSED_DATABASE} (COMPRESS);\n${use}`);
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
        const err = duckdbError(e, prefix + bind(sql, params));
        throw err.offset === undefined || err.offset < prefix.length
          ? new BackendError(err.message, undefined, err.sqlState)
          : new BackendError(err.message, err.offset - prefix.length, err.sqlState);
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
