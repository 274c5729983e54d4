/**
 * The refresh history (`dtlab.refresh_history`): the pure builders of its INSERTs (a row's values, several
 * rows drawn ahead, `INSERT … SELECT` of a NO_DATA row), the write of one refresh's row with its quality
 * columns (catalog/refresh-quality.ts), and the count of a DT's latest scheduled failures read back from it.
 */
import { exec, inlineParams, type Queryable, type Value } from '../backends/backend.js';
import type { RefreshRecord } from '../types.js';
import { takeRefreshId } from './refresh-metadata.js';
import { REFRESH_QUALITY_COLUMNS, refreshQualityValues } from './refresh-quality.js';

/** refresh_history's columns before those of catalog/refresh-quality.ts, as `insertRefreshRecord` writes them. */
const HISTORY_COLUMNS = [
  'refresh_id',
  'name',
  'state',
  'state_message',
  'refresh_action',
  'refresh_trigger',
  'data_timestamp',
  'refresh_start_time',
  'refresh_end_time',
  'completion_target',
  'rows_inserted',
  'rows_deleted',
  'changes_read',
  'planning_ms',
  'execution_ms',
  'queued_ms',
  'reason',
  'warehouse',
  'credits_used',
  'rows_read',
];

/** A history row's values after its id, in HISTORY_COLUMNS' order (`$1` … `$19` of its INSERT). */
export function refreshRecordValues(r: Omit<RefreshRecord, 'refreshId'>): Value[] {
  return [
    r.name,
    r.state,
    r.stateMessage,
    r.refreshAction,
    r.refreshTrigger,
    r.dataTimestamp,
    r.refreshStartTime,
    r.refreshEndTime,
    r.completionTarget,
    r.rowsInserted,
    r.rowsDeleted,
    JSON.stringify(r.changesRead),
    r.planningMs,
    r.executionMs,
    r.queuedMs,
    r.reason,
    r.warehouse,
    r.creditsUsed,
    r.rowsRead,
  ];
}

/**
 * One INSERT of history rows whose ids were drawn ahead (refresh/deferred-history.ts): NO_DATA refreshes,
 * which carry no expectation counts or score. Pure.
 */
export function refreshRecordsInsert(records: readonly RefreshRecord[]): { sql: string; params: Value[] } {
  const params: Value[] = [];
  const rows = records.map((r) => {
    const values = refreshRecordValues(r);
    const first = params.length;
    params.push(...values);
    return `(${Math.floor(r.refreshId)}, ${values.map((_v, i) => `$${first + i + 1}`).join(', ')})`;
  });
  return {
    sql: `INSERT INTO dtlab.refresh_history (${HISTORY_COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`,
    params,
  };
}

/**
 * `INSERT … SELECT` of a NO_DATA refresh's history row (no expectation counts or score), its id column
 * `idColumn` of `from`: one row per row of `from`. The values as literals (typed by their columns). Pure.
 */
export function refreshRecordSelect(
  r: Omit<RefreshRecord, 'refreshId'>,
  idColumn: string,
  from: string,
): string {
  const values = refreshRecordValues(r);
  const select = values.map((_v, i) => `$${i + 1}`).join(', ');
  return inlineParams(
    `INSERT INTO dtlab.refresh_history (${HISTORY_COLUMNS.join(', ')}) SELECT ${idColumn}, ${select} FROM ${from}`,
    values,
  );
}

/**
 * Any writer (full refresh today, the incremental executor and scheduler later) records refreshes here, with
 * the expectations' counts and the REFRESH quality score when `r` carries them.
 */
export async function insertRefreshRecord(
  db: Queryable,
  r: Omit<RefreshRecord, 'refreshId'>,
  id?: number,
): Promise<number> {
  const values = refreshRecordValues(r);
  // The expectations' counts and the REFRESH score (catalog/refresh-quality.ts): the arrays as SQL text.
  const quality = refreshQualityValues(r.expectations, r.qualityScore);
  const params = [...values, ...quality.params];
  const placeholders = [
    ...values.map((_v, i) => `$${i + 1}`),
    ...quality.sql,
    ...quality.params.map((_v, i) => `$${values.length + i + 1}`),
  ].join(', ');
  const into = `dtlab.refresh_history (${[...HISTORY_COLUMNS, ...REFRESH_QUALITY_COLUMNS].join(', ')})`;
  // The id was drawn with the refresh's metadata (catalog/refresh-metadata.ts): the INSERT then waits for the
  // next round trip (COMMIT). Otherwise the INSERT draws it.
  const drawn = id ?? takeRefreshId(db);
  if (drawn !== undefined) {
    await exec(db, `INSERT INTO ${into} VALUES (${drawn}, ${placeholders})`, params);
    return drawn;
  }
  const { rows } = await db.query(
    `INSERT INTO ${into} VALUES (nextval('dtlab.refresh_id_seq'), ${placeholders}) RETURNING refresh_id`,
    params,
  );
  return Number(rows[0]?.[0]);
}

/**
 * How many of the DT's latest scheduled refreshes failed in a row (up to `limit`). Counted from the history
 * table rather than kept in memory, so every engine on one database agrees and a restart does not forget.
 * Refreshes that did not run (UPSTREAM_FAILED, SKIPPED) and manual ones neither count nor break the run.
 */
export async function consecutiveScheduledFailures(db: Queryable, name: string, limit = 5): Promise<number> {
  const { rows } = await db.query(
    `SELECT state FROM dtlab.refresh_history
      WHERE name = $1 AND refresh_trigger = 'SCHEDULED' AND state IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
      ORDER BY refresh_id DESC LIMIT ${Math.floor(limit)}`,
    [name],
  );
  const firstSuccess = rows.findIndex((r) => r[0] === 'SUCCEEDED');
  return firstSuccess < 0 ? rows.length : firstSuccess;
}
