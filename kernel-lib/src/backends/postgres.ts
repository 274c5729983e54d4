/** A PostgreSQL server, by connection URL, through node-postgres. */
import { userInfo } from 'node:os';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  type Backend,
  cancellable,
  cancelledByRequest,
  csvChunks,
  inlineParams,
  type Queryable,
  type QueryResult,
  qualifiedName,
  quoteIdent,
  redactSpec,
  relocatedError,
  type StatementOptions,
  type TransactionOptions,
  type Value,
} from './backend.js';
import { normaliseRow, PG_PARSERS, pgColumns, toBackendError } from './postgres-common.js';

const types = {
  getTypeParser: (oid: number, format?: string) =>
    PG_PARSERS[oid] ?? (format === 'binary' ? (v: unknown) => v : (s: string) => s),
};

/** Connection settings for a URL; a URL without a user connects as the OS user, like psql does. */
export function pgConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  if (u.username === '') u.username = process.env.PGUSER ?? userInfo().username;
  return { connectionString: u.toString() };
}

/** Runs `sql`; the answer is the last statement's, or (`fromEnd` 2) the one before it (…; COMMIT). */
async function run(
  client: pg.Pool | pg.PoolClient,
  sql: string,
  params?: Value[],
  fromEnd = 1,
): Promise<QueryResult> {
  try {
    const r = await client.query({
      text: sql,
      values: params as unknown[],
      rowMode: 'array',
      types: types as never,
    });
    // A multi-statement string returns an array of results; the last one is what the user sees.
    const last = (Array.isArray(r) ? r[r.length - fromEnd] : r) as pg.QueryArrayResult;
    const rows = (last.rows ?? []).map(normaliseRow);
    return {
      columns: pgColumns(last.fields ?? []),
      rows,
      rowCount: last.fields?.length ? rows.length : (last.rowCount ?? 0),
    };
  } catch (e) {
    throw toBackendError(e);
  }
}

export class PostgresBackend implements Backend {
  readonly family = 'postgres' as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  /**
   * Plain statements run on one session connection, as in psql: a user's BEGIN … COMMIT, SET and temporary
   * tables then behave. Transactions, COPY and streams take their own connections from the pool.
   */
  private session?: Promise<pg.PoolClient>;
  /** The session's statements, one after the other (node-postgres will stop queueing them itself). */
  private sessionTail: Promise<unknown> = Promise.resolve();

  constructor(readonly url: string) {
    this.pool = new pg.Pool({ ...pgConfig(url), max: 4 });
    // An idle client losing its server (restart, terminate) must not crash the process.
    this.pool.on('error', () => {});
    this.description = redactSpec(url);
  }

  async query(sql: string, params?: Value[], options: StatementOptions = {}): Promise<QueryResult> {
    this.session ??= this.pool.connect();
    const session = this.session;
    const result = this.sessionTail.then(async () => {
      const client = await session;
      return cancellable(
        options.signal,
        () => run(client, sql, params),
        () => this.cancel(client),
      );
    });
    this.sessionTail = result.catch(() => {});
    return result;
  }

  /**
   * Cancels the statement `client` is running, from a connection of its own (the pool's may all be busy):
   * pg_cancel_backend, which the server turns into "canceling statement due to user request" (57014).
   */
  private async cancel(client: pg.PoolClient): Promise<void> {
    const pid = (client as unknown as { processID: number | null }).processID;
    if (pid === null) return;
    const canceller = new pg.Client(pgConfig(this.url));
    canceller.on('error', () => {});
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await canceller.end().catch(() => {});
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { signal } = options;
    const client = await this.pool.connect();
    // Statements whose results nobody reads (BEGIN itself, LOCK, catalog and position updates …) wait here
    // and go with the next query as one multi-statement simple-protocol message: one round trip for all.
    const queue: string[] = [
      options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN',
    ];
    // `commit`: COMMIT goes in the same message, after `sql` (whose answer is returned).
    let finished = false;
    const send = async (sql: string, params?: Value[], commit = false): Promise<QueryResult> => {
      if (finished) throw new Error('the transaction was finished: nothing more can be sent on it');
      if (commit) {
        finished = true;
        if (params?.length) throw new Error('a transaction finishes with a statement without parameters');
      }
      const text = commit ? `${sql};\nCOMMIT` : sql;
      if (queue.length === 0) return run(client, text, params, commit ? 2 : 1);
      const prefix = `${queue.join(';\n')};\n`;
      queue.length = 0;
      if (params?.length) {
        await run(client, prefix).catch((e) => {
          throw relocatedError(toBackendError(e), prefix.length);
        });
        return run(client, sql, params);
      }
      try {
        return await run(client, prefix + text, undefined, commit ? 2 : 1);
      } catch (e) {
        throw relocatedError(toBackendError(e), prefix.length);
      }
    };
    // The transaction's statements are cancelled when `signal` is aborted; COMMIT is not (one interrupted
    // before its COMMIT rolls back).
    const query = (sql: string, params?: Value[], commit = false) =>
      cancellable(
        signal,
        () => send(sql, params, commit),
        () => this.cancel(client),
      );
    try {
      const result = await fn({
        query: (sql, params) => query(sql, params),
        defer: (sql, params) => {
          queue.push(params?.length ? inlineParams(sql, params) : sql);
        },
        finish: (sql) => query(sql, undefined, true),
      });
      if (finished) return result;
      if (signal?.aborted) throw cancelledByRequest();
      await send('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async copyRows(
    table: string,
    columns: string[],
    rows: Iterable<Value[]> | AsyncIterable<Value[]>,
    schema?: string,
  ): Promise<number> {
    const client = await this.pool.connect();
    const target = `${qualifiedName(table, schema)} (${columns.map(quoteIdent).join(', ')})`;
    let total = 0;
    try {
      for await (const chunk of csvChunks(rows)) {
        const stream = client.query(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT csv)`));
        await new Promise<void>((resolve, reject) => {
          stream.on('error', reject);
          stream.on('finish', resolve);
          stream.end(chunk.text);
        });
        total += chunk.rows;
      }
      return total;
    } catch (e) {
      throw toBackendError(e);
    } finally {
      client.release();
    }
  }

  async *stream(sql: string, batchRows = 10_000): AsyncIterable<Value[][]> {
    const client = await this.pool.connect();
    try {
      await run(client, 'BEGIN');
      await run(client, `DECLARE dtlab_stream NO SCROLL CURSOR FOR ${sql}`);
      for (;;) {
        const batch = await run(client, `FETCH ${batchRows} FROM dtlab_stream`);
        if (batch.rows.length === 0) break;
        yield batch.rows;
      }
      await run(client, 'COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.session) (await this.session).release();
    await this.pool.end();
  }
}
