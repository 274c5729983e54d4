/**
 * Deciding a refresh's action from the captured changes, and the incremental executor. Both run inside the
 * refresh's transaction (REPEATABLE READ on Postgres), so the changes read, the source rows read and the
 * new position all belong to one snapshot.
 */
import { type Queryable, quoteIdent, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import {
  capturedSources,
  captureIntact,
  changesSince,
  collectGarbage,
  currentPosition,
  positionsOf,
  reinstallCapture,
  setPositions,
} from '../capture/capture.js';
import { changeTable } from '../capture/duckdb.js';
import { sourceColumns } from '../catalog/catalog.js';
import type { OutputColumn } from '../plan/full.js';
import { refreshSelect } from '../plan/full.js';
import { affectedKeysSql, dtKeyCondition, KEYS_TABLE, restrictedQuery } from '../plan/incremental.js';
import { describeQuery, type QueryShape } from '../plan/shape.js';
import { analyzeQuery } from '../sql/analyze.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable, RefreshAction } from '../types.js';
import type { RefreshWork } from './full.js';

/** Above this share of a source's rows changed, recomputing everything is cheaper (Snowflake-like cost rule). */
export const FULL_REFRESH_SHARE = 0.25;
/** Changes below this many rows never trigger the cost rule (counting the source costs more than they do). */
const COST_RULE_MIN_ROWS = 1000;

export interface ActionDecision {
  action: RefreshAction;
  reason: string;
  /** Rows of change read, per source. */
  changes: Record<string, number>;
  /** The position this refresh consumes up to. */
  position: string;
  /** Sources with changes, for the incremental plan. */
  changed: string[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function decideAction(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  shape: QueryShape | undefined,
  now: number,
  previousDataTimestamp: number | undefined,
): Promise<ActionDecision> {
  const position = await currentPosition(tx, family);
  const positions = await positionsOf(tx, dt.name);
  const changes: Record<string, number> = {};
  const changed: string[] = [];
  let untracked: string | undefined;
  const trackable = dt.sources.filter((s) => s.kind !== 'VIEW');
  for (const s of trackable) {
    const since = positions.get(s.name);
    if (since === undefined) {
      untracked ??= `${s.name} has no recorded position`;
      continue;
    }
    if (!(await captureIntact(tx, family, s.name))) {
      await reinstallCapture(tx, family, s.name);
      untracked ??= `capture on ${s.name} was lost (the table was dropped or replaced)`;
      continue;
    }
    const summary = await changesSince(tx, family, s.name, since);
    changes[s.name] = summary.inserted + summary.deleted;
    if (summary.untracked)
      untracked ??= `${s.name} was changed by a write that could not be captured (TRUNCATE, COPY, …)`;
    if (changes[s.name]) changed.push(s.name);
  }
  const base = { changes, position, changed };
  if (untracked) return { ...base, action: 'REINITIALIZE', reason: untracked };
  if (previousDataTimestamp === undefined) return { ...base, action: 'FULL', reason: 'first refresh' };
  const views = dt.sources.filter((s) => s.kind === 'VIEW').map((s) => s.name);
  if (views.length > 0)
    return {
      ...base,
      action: 'FULL',
      reason: `reads view ${views.join(', ')}, whose changes are not captured`,
    };
  if (changed.length === 0)
    return { ...base, action: 'NO_DATA', reason: 'no source changed since the last refresh' };
  if (dt.effectiveMode === 'FULL' || !shape) return { ...base, action: 'FULL', reason: dt.refreshModeReason };
  const inSubquery = changed.filter((s) => shape.subqueryTables.includes(s));
  if (inSubquery.length > 0) {
    return {
      ...base,
      action: 'FULL',
      reason: `${inSubquery.join(', ')} changed and ${inSubquery.length > 1 ? 'are' : 'is'} read inside a subquery, whose result the change may move for any row`,
    };
  }
  if (
    shape.readsCurrentDate &&
    previousDataTimestamp !== undefined &&
    day(previousDataTimestamp) !== day(now)
  ) {
    return {
      ...base,
      action: 'FULL',
      reason: `CURRENT_DATE moved from ${day(previousDataTimestamp)} to ${day(now)}`,
    };
  }
  for (const s of changed) {
    const n = changes[s] ?? 0;
    if (n < COST_RULE_MIN_ROWS) continue;
    const total = Number((await tx.query(`SELECT count(*) FROM ${quoteIdent(s)}`)).rows[0]?.[0]);
    if (n > FULL_REFRESH_SHARE * total) {
      return {
        ...base,
        action: 'FULL',
        reason: `${n} changed rows are more than ${FULL_REFRESH_SHARE * 100}% of ${s} (${total} rows): a full refresh is cheaper`,
      };
    }
  }
  return { ...base, action: 'INCREMENTAL', reason: 'affected-key recompute of the groups the changes touch' };
}

/** Source columns, for change-row projections. */
async function columnsOf(tx: Queryable, source: string): Promise<string[]> {
  const { rows } = await tx.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
      ORDER BY ordinal_position`,
    [source],
  );
  return rows.map((r) => String(r[0]));
}

export interface IncrementalWork {
  dt: DynamicTable;
  shape: QueryShape;
  decision: ActionDecision;
  /** Storage columns of the DT (names, declared backend types). */
  output: OutputColumn[];
  now: number;
}

/**
 * Deletes the DT rows of the affected keys and recomputes them. On DuckDB, a DT that others read records its
 * own changes (Postgres triggers do that by themselves).
 */
export async function runIncremental(
  tx: Queryable,
  family: SqlFamily,
  work: IncrementalWork,
): Promise<{ rowsInserted: number; rowsDeleted: number }> {
  const { dt, shape, decision, output } = work;
  const previous = (await positionsOf(tx, dt.name)).values().next().value as string;
  const changed = new Map<string, string[]>();
  for (const s of decision.changed) changed.set(s, await columnsOf(tx, s));
  // Utility statements take no bind parameters: the position goes in as a literal.
  const keysSql = translateSql(affectedKeysSql(dt.query, shape, family, changed), family, {
    now: work.now,
  }).text;
  await tx.query(`DROP TABLE IF EXISTS ${KEYS_TABLE}`);
  await tx.query(`CREATE TEMP TABLE ${KEYS_TABLE} AS ${keysSql.replaceAll('$1', sqlLiteral(previous))}`);
  const nullKeys = shape.keys.map((_k, i) => `k${i + 1} IS NULL`).join(' OR ');
  const hasNullKeys =
    (await tx.query(`SELECT count(*) FROM ${KEYS_TABLE} WHERE ${nullKeys}`)).rows[0]?.[0] !== 0;
  const keyColumns = shape.keys.map((k) => (output[k] as OutputColumn).name);
  const keyTypes = shape.keys.map((k) => output[k]?.type);
  const emits = family === 'duckdb' && (await capturedSources(tx)).has(dt.name);
  const seq = emits ? Number((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]) : 0;
  let rowsDeleted = 0;
  let rowsInserted = 0;
  for (const withNulls of hasNullKeys ? [false, true] : [false]) {
    const condition = dtKeyCondition(keyColumns, keyTypes, withNulls);
    if (emits)
      await tx.query(
        `INSERT INTO ${changeTable(dt.name)} SELECT ${seq}, -1, * FROM ${quoteIdent(dt.name)} WHERE ${condition}`,
      );
    rowsDeleted += (await tx.query(`DELETE FROM ${quoteIdent(dt.name)} WHERE ${condition}`)).rowCount;
  }
  for (const withNulls of hasNullKeys ? [false, true] : [false]) {
    const restricted = translateSql(restrictedQuery(dt.query, shape, withNulls), family, {
      now: work.now,
    }).text;
    rowsInserted += (
      await tx.query(`INSERT INTO ${quoteIdent(dt.name)} ${refreshSelect(restricted, output)}`)
    ).rowCount;
  }
  if (emits) {
    for (const withNulls of hasNullKeys ? [false, true] : [false]) {
      const condition = dtKeyCondition(keyColumns, keyTypes, withNulls);
      await tx.query(
        `INSERT INTO ${changeTable(dt.name)} SELECT ${seq}, 1, * FROM ${quoteIdent(dt.name)} WHERE ${condition}`,
      );
    }
  }
  await tx.query(`DROP TABLE ${KEYS_TABLE}`);
  return { rowsInserted, rowsDeleted };
}

/** After any successful refresh: the DT has consumed its sources' changes up to `position`. */
export async function advancePositions(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  position: string,
): Promise<void> {
  const sources = dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
  await setPositions(tx, dt.name, sources, position);
  for (const s of sources) await collectGarbage(tx, family, s);
}

/** DuckDB full refresh of a DT that others read: record all old rows out and all new rows in. */
export async function emitFullRefresh(
  tx: Queryable,
  family: SqlFamily,
  dt: string,
  phase: 'before' | 'after',
): Promise<void> {
  if (family !== 'duckdb' || !(await capturedSources(tx)).has(dt)) return;
  const seq = Number((await tx.query("SELECT nextval('dtlab.capture_seq')")).rows[0]?.[0]);
  await tx.query(
    `INSERT INTO ${changeTable(dt)} SELECT ${seq}, ${phase === 'before' ? -1 : 1}, * FROM ${quoteIdent(dt)}`,
  );
}

/**
 * The refresh's work, decided inside its transaction: NO_DATA, INCREMENTAL (affected-key recompute), or a
 * FULL / REINITIALIZE recompute; afterwards the DT has consumed its sources' changes up to this snapshot.
 */
export async function planWork(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  dataTimestamp: number,
  output: OutputColumn[],
  full: (tx: Queryable) => Promise<{ rowsInserted: number; rowsDeleted: number }>,
): Promise<RefreshWork> {
  const analysis = analyzeQuery(dt.query, () => false);
  const columns = analysis.ast ? await sourceColumns(tx, family, dt.sources) : undefined;
  const described = analysis.ast ? describeQuery(dt.query, analysis.ast, (t) => columns?.get(t)) : undefined;
  const shape = described && !('reason' in described) ? described : undefined;
  const previous = dt.dataTimestamp ? Date.parse(`${dt.dataTimestamp.replace(' ', 'T')}Z`) : undefined;
  const decision = await decideAction(tx, family, dt, shape, dataTimestamp, previous);
  const finish = async <T>(result: T) => {
    await advancePositions(tx, family, dt, decision.position);
    return result;
  };
  const base = { action: decision.action, reason: decision.reason, changesRead: decision.changes };
  switch (decision.action) {
    case 'NO_DATA':
      return { ...base, run: () => finish({ rowsInserted: 0, rowsDeleted: 0 }) };
    case 'INCREMENTAL':
      return {
        ...base,
        run: async (t) =>
          finish(
            await runIncremental(t, family, {
              dt,
              shape: shape as QueryShape,
              decision,
              output,
              now: dataTimestamp,
            }),
          ),
      };
    default:
      return {
        ...base,
        run: async (t) => {
          await emitFullRefresh(t, family, dt.name, 'before');
          const done = await full(t);
          await emitFullRefresh(t, family, dt.name, 'after');
          return finish(done);
        },
      };
  }
}
