/**
 * A script as the engine runs it (`Engine.execute`): split into statements, run in order, each guarded (a write
 * to a DT is refused: engine/write-guard.ts), fenced while a refresh cycle holds the engine (engine/fence.ts),
 * run by kind (engine/statements.ts), audited (engine/audit.ts), and followed by what it may have changed being
 * read again; an error's position is relocated into the script, an abort interrupts (engine/interrupted.ts).
 */
import { type Backend, formatTimestamp } from '../backends/backend.js';
import { planCapture } from '../capture/duckdb.js';
import type { WriteLedger } from '../capture/ledger.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { StampedPart } from '../catalog/stamps.js';
import type { Clock } from '../clock.js';
import { DtError, InterruptedError, messageOf } from '../errors.js';
import { discardedTableName } from '../plan/discards.js';
import { quarantineTableName } from '../plan/expectations.js';
import type { QualityService } from '../quality/service.js';
import { parseStatement, type Statement } from '../sql/ddl.js';
import { positionAt } from '../sql/position.js';
import { type ScriptStatement, splitStatements } from '../sql/split.js';
import { auditedNames, auditRows, recordAudit } from './audit.js';
import { refuseBreakingSources } from './drop-guard.js';
import type { WriteFence } from './fence.js';
import { interruptedBetween, statementInterrupted, wasCancelled } from './interrupted.js';
import { runStatement, type StatementHost, type StatementResult } from './statements.js';
import { guardedNames, guardWrite, mayWrite, readOnlyError } from './write-guard.js';
import { EVERY_TABLE } from './writes.js';

/**
 * `signal`: aborting it interrupts the statement under way (the backend cancels it where it can; PGlite runs
 * it to its end) and the rest of the script, with DT_ERR_INTERRUPTED (engine/interrupted.ts).
 */
export interface ExecuteOptions {
  signal?: AbortSignal;
}

/** What running a script needs of the engine. */
export interface ScriptHost {
  readonly statements: StatementHost;
  readonly backend: Backend;
  readonly clock: Clock;
  readonly catalog: KnownCatalog;
  readonly ledger: WriteLedger;
  readonly fence: WriteFence;
  readonly quality: Pick<QualityService, 'changed'>;
  /** The database user DDL is audited as (engine/audit.ts). */
  user(): string | null;
  /** Writes the lag samples waiting (schedule/lag-buffer.ts). */
  flushLagSamples(): Promise<void>;
  /** Drops what the engine holds of a part of the catalog: read again when next needed. */
  forgetHeld(part: StampedPart): void;
}

/** Statements that may write a table (checked against the dynamic tables before they pass through). */
const WRITE_WORDS = /^\s*(insert|update|delete|merge|truncate|copy|drop|alter|create)\b/i;
/** Statements that may write: a write keyword first, or after a WITH clause (a superset is fine). */
const WRITES = {
  test: (sql: string) =>
    WRITE_WORDS.test(sql) || (/^\s*with\b/i.test(sql) && /\b(insert|update|delete|merge)\b/i.test(sql)),
};

/**
 * Runs every statement of `script` in order and returns their results. Stops at the first error, which is
 * thrown as a DtError whose position (if any) is a line and column of `script`.
 */
export async function runScript(
  host: ScriptHost,
  script: string,
  options: ExecuteOptions = {},
): Promise<StatementResult[]> {
  const { signal } = options;
  const results: StatementResult[] = [];
  const statements = splitStatements(script);
  // A statement may read dtlab.lag_samples (an alert's condition, a user's query): what waits goes first
  // (if that fails, they wait on; the statement runs).
  await host.flushLagSamples().catch(() => {});
  for (const [i, stmt] of statements.entries()) {
    if (signal?.aborted) throw interruptedBetween(i, statements.length);
    try {
      results.push(await executeOne(host, stmt, script, signal));
    } catch (e) {
      if (signal?.aborted && wasCancelled(e))
        throw e instanceof InterruptedError ? e : statementInterrupted(i, statements.length);
      throw e;
    }
  }
  return results;
}

async function executeOne(
  host: ScriptHost,
  stmt: ScriptStatement,
  script: string,
  signal: AbortSignal | undefined,
): Promise<StatementResult> {
  try {
    // A writing statement waits for a refresh cycle under way (one snapshot per cycle: engine/fence.ts).
    return WRITES.test(stmt.text)
      ? await host.fence.write(() => dispatch(host, stmt, signal))
      : await dispatch(host, stmt, signal);
  } catch (e) {
    throw e instanceof InterruptedError ? e : relocate(e, stmt, script);
  }
}

async function dispatch(
  host: ScriptHost,
  stmt: ScriptStatement,
  signal?: AbortSignal,
): Promise<StatementResult> {
  const parsed = await guardStatement(host, stmt, parseStatement(stmt.text, stmt.tokens));
  const audited = auditedNames(parsed);
  const before = new Map(
    await Promise.all(audited.map(async (n) => [n, await host.catalog.get(n)] as const)),
  );
  try {
    const result = await runStatement(host.statements, stmt, parsed, signal);
    if (audited.length > 0) {
      const after = new Map(
        await Promise.all(audited.map(async (n) => [n, await host.catalog.get(n)] as const)),
      );
      const rows = auditRows(audited, before, after, parsed);
      await recordAudit(host.backend, rows, formatTimestamp(host.clock.now()), host.user(), stmt.text);
    }
    // DMFs scheduled TRIGGER_ON_CHANGES measure the table a statement wrote (quality/service.ts).
    if (parsed.kind === 'passthrough' && WRITES.test(stmt.text))
      await host.quality.changed([planCapture(stmt.text, stmt.tokens, EVERY_TABLE)?.table]);
    return result;
  } finally {
    // What this statement may have changed: the catalog (DT and warehouse DDL) is read again when next
    // needed, and DuckDB's ledger counts the write (a DT's DDL makes every DT look at the database again).
    if (parsed.kind !== 'passthrough' && !isReadOnly(parsed)) {
      host.catalog.forget();
      host.ledger.wrote(undefined);
    } else if (parsed.kind === 'passthrough' && WRITES.test(stmt.text)) {
      // A write to the engine's own tables by hand: what it holds of them is read again.
      if (DTLAB_TABLE.test(stmt.text)) {
        for (const part of HELD) host.forgetHeld(part);
        host.ledger.wrote(undefined);
      }
      const written = planCapture(stmt.text, stmt.tokens, EVERY_TABLE);
      host.ledger.wrote(written?.table);
      // DDL may change what refreshes read of the catalog (columns, capture): a new epoch.
      if (written?.kind === 'untracked' && written.ddl) host.ledger.wrote(undefined);
    }
  }
}

/**
 * A DT's contents are its query's: a pass-through statement that could write one is refused (as in
 * Snowflake), pointing at its name; `DROP TABLE dt` becomes DROP DYNAMIC TABLE (engine/write-guard.ts).
 */
async function guardStatement(
  host: ScriptHost,
  stmt: ScriptStatement,
  parsed: Statement,
): Promise<Statement> {
  if (parsed.kind !== 'passthrough' || !mayWrite(stmt.tokens)) return parsed;
  const dts = await host.catalog.list();
  const names = guardedNames(
    dts.map((d) => d.name),
    (d) => [quarantineTableName(d), discardedTableName(d)],
  );
  const verdict = guardWrite(stmt.text, stmt.tokens, names);
  if (verdict.kind === 'drop') return { kind: 'drop_dynamic_table', name: verdict.table, ifExists: false };
  if (verdict.kind !== 'allow') throw readOnlyError(verdict, stmt.text);
  // Nor may a statement break the graph: dropping a relation a DT reads (engine/drop-guard.ts).
  await refuseBreakingSources(dts, stmt.text, stmt.tokens);
  return parsed;
}

/** Alert statements: their actions run as statements of their own (through dispatch), so they count there. */
const ALERT_KINDS = new Set([
  'create_alert',
  'alter_alert',
  'drop_alert',
  'execute_alert',
  'show_alerts',
  'describe_alert',
  'raise_incident',
]);

/**
 * Statements that change neither the catalog of DTs and warehouses nor any table, or only as a refresh does: the refresh writes
 * through to the known catalog and the ledger itself (refreshOne), so it starts no new epoch.
 */
const isReadOnly = (parsed: Statement) =>
  ALERT_KINDS.has(parsed.kind) ||
  parsed.kind === 'show_dynamic_tables' ||
  parsed.kind === 'explain_create_dynamic_table' ||
  parsed.kind === 'explain_refresh' ||
  parsed.kind === 'show_warehouses' ||
  parsed.kind === 'describe_dynamic_table' ||
  parsed.kind === 'notification' ||
  parsed.kind === 'show_quarantine' ||
  parsed.kind === 'show_dmfs' ||
  (parsed.kind === 'alter_dynamic_table' && ['verify', 'refresh'].includes(parsed.action.kind));

/** A statement naming one of the engine's own tables (dtlab.…). */
const DTLAB_TABLE = /\bdtlab\s*\.\s*"?[a-z_]/i;
const HELD: readonly StampedPart[] = ['catalog', 'alerts', 'quality'];

/** Positions inside a statement → positions in the whole script the user wrote. */
function relocate(e: unknown, stmt: ScriptStatement, script: string): DtError {
  const err = e instanceof DtError ? e : new DtError('DT_ERR_INTERNAL', messageOf(e), { cause: e });
  const position = err.details.position
    ? positionAt(script, stmt.offset + err.details.position.offset)
    : undefined;
  const relocated = new DtError(err.code, err.message, {
    ...err.details,
    ...(position ? { position, sql: script } : {}),
  });
  relocated.stack = err.stack;
  return relocated;
}
