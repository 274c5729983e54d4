/**
 * Writes through the engine: its own (the order simulator, TPC-H's refresh functions: `writeItems`) and, on
 * DuckDB, a learner's statement that writes a captured table (`capturedStatement`). Each is captured where the
 * engine captures, and counted in the ledger (capture/ledger.ts) before the capture lock is released.
 */
import { type Backend, exec, type Queryable, type QueryResult } from '../backends/backend.js';
import { capturedWrite, captureSeqs, duckdbCapturedSources } from '../capture/capture.js';
import { inSourceTerms, planCapture } from '../capture/duckdb.js';
import type { WriteLedger } from '../capture/ledger.js';
import { withCaptureLock } from '../capture/lock.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import type { QualityService } from '../quality/service.js';
import { type Token, tokenize } from '../sql/lexer.js';
import { translateSql } from '../sql/translate.js';
import { insertRowsIn, prepareWrite, type WriteItem } from './bulk.js';
import type { WriteFence } from './fence.js';

/** What writes need of the engine. */
export interface WriteHost {
  readonly backend: Backend;
  readonly clock: Clock;
  readonly ledger: WriteLedger;
  readonly fence: WriteFence;
  readonly catalog: KnownCatalog;
  readonly quality: Pick<QualityService, 'changed'>;
}

/** Names every table: how the ledger learns which table a write statement writes (capture/duckdb.ts). */
export const EVERY_TABLE = { has: (_name: string) => true };

/**
 * A write that could not be captured row by row (its UNTRACKED event) starts a new epoch of the ledger:
 * every DT then reads its catalog again, and the statement of what moves need not look for such events
 * (catalog/moving-metadata.ts).
 */
const UNTRACKED_EPOCH = undefined;

/** The engine's own write reads no history row or data timestamp waiting (refresh/deferred-history.ts). */
const OWN_WRITE = { keepWaiting: true };

/** How a write of the engine's own runs. */
export interface WriteOptions {
  /**
   * false: nobody reads how many rows each item touched (the order simulator), so where the backend defers
   * (DuckDB) the statements go with the COMMIT instead of a call each; the counts are then NaN.
   */
  counted?: boolean;
}

/**
 * Runs DML statements, and inserts of rows (engine/bulk.ts), as one transaction of the engine's own (the
 * TPC-H refresh functions and the order simulator write through here). Returns the rows each item touched.
 */
export async function writeItems(
  host: WriteHost,
  items: readonly WriteItem[],
  options: WriteOptions = {},
): Promise<number[]> {
  const uncounted = options.counted === false;
  const now = host.clock.now();
  const run = async () => {
    const { statements, drops, release } = await prepareWrite(host.backend, items);
    let committed = false;
    try {
      let captured: ReadonlySet<string> = new Set<string>();
      let untracked = false;
      // The statements' texts (none for rows the transaction inserts, nor for an insert of no rows).
      const texts = statements.map((s) =>
        s === undefined || 'rows' in s
          ? undefined
          : s.rowsInto !== undefined
            ? s.sql
            : translateSql(s.sql, host.backend.family, { now }).text,
      );
      // Tokens where they are needed: to find what a statement writes, and to capture it where the engine does.
      const tokens = texts.map((text, i) =>
        text === undefined || (statements[i]?.rowsInto !== undefined && !host.ledger.seesEveryWrite)
          ? []
          : tokenize(text),
      );
      const written = statements.map((s, i) =>
        s === undefined
          ? undefined
          : (s.rowsInto ?? planCapture(texts[i] as string, tokens[i] as Token[], EVERY_TABLE)?.table),
      );
      const rows = await host.backend.transaction(async (tx) => {
        if (host.ledger.seesEveryWrite) captured = await capturedNow(host, tx);
        // Every captured statement's sequence number, drawn with its first statement where the backend defers.
        const plans = texts.map((text, i) =>
          text === undefined ? undefined : planCapture(text, tokens[i] as Token[], captured),
        );
        untracked = plans.some((p) => p?.kind === 'untracked');
        const seqs = await captureSeqs(tx, plans.filter((p) => p !== undefined).length);
        const rows: number[] = [];
        for (const [i, text] of texts.entries()) {
          const statement = statements[i];
          if (statement !== undefined && 'rows' in statement) {
            rows.push(
              await insertRowsIn(tx, host.backend.family, statement.rowsInto, statement.rows, uncounted),
            );
            continue;
          }
          if (text === undefined) {
            rows.push(0);
            continue;
          }
          const seq = plans[i] ? seqs.shift() : undefined;
          const result = await capturedWrite(tx, text, tokens[i] as Token[], captured, seq, uncounted);
          if (result) rows.push(result.rowCount);
          else if (uncounted && tx.defer) {
            tx.defer(text);
            rows.push(Number.NaN);
          } else rows.push((await tx.query(text)).rowCount);
        }
        // The stages go with the COMMIT (deferred where the backend defers).
        for (const drop of drops) await exec(tx, drop);
        return rows;
      }, OWN_WRITE);
      committed = true;
      // Counted once committed (capture/ledger.ts).
      for (const [i, statement] of statements.entries())
        if (statement !== undefined) await countWrite(host, written[i], captured);
      if (untracked) host.ledger.wrote(UNTRACKED_EPOCH);
      await host.quality.changed(written.filter((_t, i) => statements[i] !== undefined));
      return rows;
    } finally {
      if (!committed) await release();
    }
  };
  return host.fence.write(() => withCaptureLock(host.backend, run));
}

/** A statement naming the engine's schema. */
const ENGINE_SCHEMA = /\bdtlab\b/i;

/**
 * The sources capture keeps (DuckDB), looked at under the capture lock: as the ledger kept them in this epoch
 * (capture/ledger.ts keepCaptured), else read and kept.
 */
async function capturedNow(host: WriteHost, db: Queryable): Promise<ReadonlySet<string>> {
  const known = host.ledger.knownCaptured();
  if (known) return known;
  const sources = await duckdbCapturedSources(db);
  host.ledger.keepCaptured(sources);
  return sources;
}

/**
 * DuckDB: tells the ledger a write to `table` committed. A write to a DT's source whose capture is gone (its
 * change table deleted by hand) was not captured: a new epoch, so every DT asks the database again.
 */
async function countWrite(
  host: WriteHost,
  table: string | undefined,
  captured: ReadonlySet<string>,
): Promise<void> {
  host.ledger.wrote(table);
  if (!host.ledger.seesEveryWrite) return;
  if (table === undefined || captured.has(table)) return;
  if ((await host.catalog.list()).some((d) => d.sources.some((s) => s.name === table)))
    host.ledger.wrote(undefined);
}

/**
 * Statements that write no table: a query (SELECT, DuckDB's FROM-first, VALUES, TABLE), a WITH without a
 * write in it, SHOW, DESCRIBE, SUMMARIZE. (Not EXPLAIN: EXPLAIN ANALYZE runs its statement.) A subset is fine:
 * what does not match is looked at as a possible write.
 */
const READS_ONLY = /^\s*(select|from|values|table|show|describe|summarize)\b/i;
export const readsOnly = (sql: string): boolean =>
  READS_ONLY.test(sql) || (/^\s*with\b/i.test(sql) && !/\b(insert|update|delete|merge)\b/i.test(sql));

/**
 * DuckDB has no triggers: a write to a captured table runs here, in its own transaction, with its changes
 * recorded (see capture/duckdb.ts); any other write runs here too, in the same turn as its look at capture.
 * Returns undefined for a statement that writes nothing (`readsOnly`: no look at capture, the ledger as it
 * is) and on the PostgreSQL family, whose triggers capture: the caller runs it as it is.
 */
export async function capturedStatement(
  host: WriteHost,
  sql: string,
  signal?: AbortSignal,
): Promise<QueryResult | undefined> {
  if (!host.ledger.seesEveryWrite || readsOnly(sql)) return undefined;
  const tokens = tokenize(sql);
  // The look and the write take their turn together (capture/lock.ts): a CREATE installing capture in between
  // would otherwise leave the write in neither its initial refresh nor the change table (engine/create.ts).
  return withCaptureLock(host.backend, async () => {
    const captured = await capturedNow(host, host.backend);
    const plan = planCapture(sql, tokens, captured);
    if (!plan) {
      // Not captured: if it writes a DT's source, that source's capture is gone (counted as a new epoch).
      await countWrite(host, planCapture(sql, tokens, EVERY_TABLE)?.table, captured);
      try {
        return await host.backend.query(sql, undefined, signal ? { signal } : {});
      } finally {
        // One naming the engine's schema may have changed what capture keeps (a change table dropped by hand).
        if (ENGINE_SCHEMA.test(sql)) host.ledger.wrote(undefined);
      }
    }
    const result = await host.backend
      .transaction(async (tx) => (await capturedWrite(tx, sql, tokens, captured)) as QueryResult, { signal })
      .catch((e: unknown) => {
        throw inSourceTerms(e);
      });
    // Counted before the capture lock is released (capture/ledger.ts); dispatch counts it again, harmlessly.
    host.ledger.wrote(plan.table);
    if (plan.kind === 'untracked') host.ledger.wrote(UNTRACKED_EPOCH);
    return result;
  });
}
