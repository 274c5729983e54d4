/**
 * Reads and writes of the catalog tables. Every function takes the `Queryable` to run on, so callers put
 * catalog changes in the same transaction as the data changes they describe.
 */
import {
  exec,
  inlineParams,
  type Queryable,
  type SqlFamily,
  sqlLiteral,
  type Value,
} from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { WarehouseSize } from '../sql/ddl.js';
import type { DynamicTable, RefreshRecord, SourceKind, Warehouse } from '../types.js';
import { refreshMetadata, takeRefreshId } from './refresh-metadata.js';
import { installRefreshQuality, REFRESH_QUALITY_COLUMNS, refreshQualityValues } from './refresh-quality.js';
import { CATALOG_DDL, CATALOG_VERSION } from './schema.js';

export async function installCatalog(db: Queryable): Promise<void> {
  for (const ddl of CATALOG_DDL) await db.query(ddl);
  await installRefreshQuality(db);
  const { rows } = await db.query("SELECT value FROM dtlab.meta WHERE key = 'version'");
  if (rows.length === 0) await db.query("INSERT INTO dtlab.meta VALUES ('version', $1)", [CATALOG_VERSION]);
}

const str = (v: Value | undefined): string => (v === null || v === undefined ? '' : String(v));
const optional = (v: Value | undefined): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

export async function listDynamicTables(db: Queryable): Promise<DynamicTable[]> {
  // One round trip: each DT's sources come along as one text, `name US kind US definition` joined by RS
  // (ASCII 31, 30).
  const { rows } = await db.query(
    `SELECT name, query, columns, target_lag_s, warehouse, refresh_mode, effective_mode, refresh_mode_reason,
            initialize, scheduler, comment, scheduling_state, created_on, data_timestamp, suspend_reason, d.sources,
            expectations, pending_recompute, immutable_where, backfill_from, initialization_warehouse
       FROM dtlab.dynamic_tables t
       LEFT JOIN (SELECT dt_name, string_agg(source_name || chr(31) || source_kind || chr(31) || coalesce(definition, ''), chr(30) ORDER BY source_name) AS sources
                    FROM dtlab.dependencies GROUP BY dt_name) d ON d.dt_name = t.name
      ORDER BY name`,
  );
  return rows.map((r) => {
    const columns = optional(r[2]);
    const comment = optional(r[10]);
    return {
      name: str(r[0]),
      query: str(r[1]),
      ...(columns ? { columns: JSON.parse(columns) } : {}),
      targetLag: r[3] === null ? { kind: 'downstream' } : { kind: 'duration', seconds: Number(r[3]) },
      warehouse: str(r[4]),
      refreshMode: str(r[5]) as DynamicTable['refreshMode'],
      effectiveMode: str(r[6]) as DynamicTable['effectiveMode'],
      refreshModeReason: str(r[7]),
      initialize: str(r[8]) as DynamicTable['initialize'],
      scheduler: str(r[9]) as DynamicTable['scheduler'],
      ...(comment !== undefined ? { comment } : {}),
      schedulingState: str(r[11]) as DynamicTable['schedulingState'],
      ...(r[14] !== null && r[14] !== undefined
        ? { suspendReason: str(r[14]) as NonNullable<DynamicTable['suspendReason']> }
        : {}),
      createdOn: str(r[12]),
      dataTimestamp: optional(r[13]) ?? null,
      ...(optional(r[16]) ? { expectations: JSON.parse(str(r[16])) } : {}),
      ...(optional(r[17]) ? { pendingRecompute: str(r[17]) } : {}),
      ...(optional(r[18]) ? { immutableWhere: str(r[18]) } : {}),
      ...(optional(r[19]) ? { backfillFrom: str(r[19]) } : {}),
      ...(optional(r[20]) ? { initializationWarehouse: str(r[20]) } : {}),
      sources: (optional(r[15])?.split('\u001e') ?? []).map((d) => {
        const [name, kind, definition] = d.split('\u001f');
        return { name: str(name), kind: str(kind) as SourceKind, ...(definition ? { definition } : {}) };
      }),
    };
  });
}

export async function getDynamicTable(db: Queryable, name: string): Promise<DynamicTable | undefined> {
  return (await listDynamicTables(db)).find((dt) => dt.name === name);
}

export async function insertDynamicTable(db: Queryable, dt: DynamicTable): Promise<void> {
  await db.query(
    `INSERT INTO dtlab.dynamic_tables (name, query, columns, target_lag_s, warehouse, refresh_mode, effective_mode,
       refresh_mode_reason, initialize, scheduler, comment, scheduling_state, created_on, data_timestamp,
       suspend_reason, expectations, pending_recompute, immutable_where, backfill_from, initialization_warehouse)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
    [
      dt.name,
      dt.query,
      dt.columns ? JSON.stringify(dt.columns) : null,
      dt.targetLag.kind === 'duration' ? dt.targetLag.seconds : null,
      dt.warehouse,
      dt.refreshMode,
      dt.effectiveMode,
      dt.refreshModeReason,
      dt.initialize,
      dt.scheduler,
      dt.comment ?? null,
      dt.schedulingState,
      dt.createdOn,
      dt.dataTimestamp,
      dt.suspendReason ?? null,
      expectationsText(dt.expectations),
      dt.pendingRecompute ?? null,
      dt.immutableWhere ?? null,
      dt.backfillFrom ?? null,
      dt.initializationWarehouse ?? null,
    ],
  );
  for (const s of dt.sources) {
    await db.query(
      'INSERT INTO dtlab.dependencies (dt_name, source_name, source_kind, definition) VALUES ($1, $2, $3, $4)',
      [dt.name, s.name, s.kind, s.definition ?? null],
    );
  }
}

/** A DT's expectations as the catalog stores them (JSON, NULL for none): also what `definitionOf` compares. */
export const expectationsText = (list: DynamicTable['expectations']): string | null =>
  list && list.length > 0 ? JSON.stringify(list) : null;

export async function deleteDynamicTable(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM dtlab.dynamic_tables WHERE name = $1', [name]);
  await db.query('DELETE FROM dtlab.dependencies WHERE dt_name = $1', [name]);
}

/** Columns a user may change with ALTER; everything else only changes through CREATE OR REPLACE. */
export async function updateDynamicTable(
  db: Queryable,
  name: string,
  changes: {
    target_lag_s?: number | null;
    warehouse?: string;
    initialization_warehouse?: string | null;
    comment?: string | null;
    scheduler?: string;
    scheduling_state?: string;
    suspend_reason?: string | null;
    data_timestamp?: string;
    expectations?: string | null;
    pending_recompute?: string | null;
    immutable_where?: string | null;
  },
): Promise<void> {
  const entries = Object.entries(changes);
  if (entries.length === 0) return;
  const sets = entries.map(([column], i) => `${column} = $${i + 2}`).join(', ');
  await exec(db, `UPDATE dtlab.dynamic_tables SET ${sets} WHERE name = $1`, [
    name,
    ...entries.map(([, v]) => v ?? null),
  ]);
}

export async function renameDynamicTable(db: Queryable, from: string, to: string): Promise<void> {
  await db.query('UPDATE dtlab.dynamic_tables SET name = $2 WHERE name = $1', [from, to]);
  await db.query('UPDATE dtlab.dependencies SET dt_name = $2 WHERE dt_name = $1', [from, to]);
}

export async function listWarehouses(db: Queryable): Promise<Warehouse[]> {
  const { rows } = await db.query(
    'SELECT name, size, max_concurrency, auto_suspend_s, comment, created_on FROM dtlab.warehouses ORDER BY name',
  );
  return rows.map((r) => {
    const comment = optional(r[4]);
    return {
      name: str(r[0]),
      size: str(r[1]) as WarehouseSize,
      maxConcurrency: Number(r[2]),
      autoSuspendSeconds: Number(r[3]),
      ...(comment !== undefined ? { comment } : {}),
      createdOn: str(r[5]),
    };
  });
}

export async function insertWarehouse(db: Queryable, wh: Warehouse): Promise<void> {
  await db.query('INSERT INTO dtlab.warehouses VALUES ($1, $2, $3, $4, $5, $6)', [
    wh.name,
    wh.size,
    wh.maxConcurrency,
    wh.autoSuspendSeconds,
    wh.comment ?? null,
    wh.createdOn,
  ]);
}

export async function deleteWarehouse(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM dtlab.warehouses WHERE name = $1', [name]);
}

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

export interface LagSample {
  sampleTime: string;
  name: string;
  kind: 'CYCLE' | 'PEAK' | 'REFRESHED';
  dataTimestamp: string | null;
  lagSeconds: number | null;
  targetLagSeconds: number | null;
}

/** One INSERT of every sample (a look writes a sample per DT; the buffer writes many looks' at once). */
export function lagSamplesInsert(samples: readonly LagSample[]): { sql: string; params: Value[] } {
  const rows = samples.map(
    (_s, i) => `($${6 * i + 1}, $${6 * i + 2}, $${6 * i + 3}, $${6 * i + 4}, $${6 * i + 5}, $${6 * i + 6})`,
  );
  return {
    sql: `INSERT INTO dtlab.lag_samples VALUES ${rows.join(', ')}`,
    params: samples.flatMap((s) => [
      s.sampleTime,
      s.name,
      s.kind,
      s.dataTimestamp,
      s.lagSeconds,
      s.targetLagSeconds,
    ]),
  };
}

export async function insertLagSamples(db: Queryable, samples: readonly LagSample[]): Promise<void> {
  if (samples.length === 0) return;
  const { sql, params } = lagSamplesInsert(samples);
  await db.query(sql, params);
}

export interface MeteringRow {
  warehouse: string;
  startTime: string;
  endTime: string;
  busySeconds: number;
  billedSeconds: number;
  refreshes: number;
  creditsUsed: number;
}

export async function insertMetering(db: Queryable, m: MeteringRow): Promise<void> {
  await db.query('INSERT INTO dtlab.warehouse_metering_history VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    m.warehouse,
    m.startTime,
    m.endTime,
    m.busySeconds,
    m.billedSeconds,
    m.refreshes,
    m.creditsUsed,
  ]);
}

/** What kind of relation `name` is in the current schema, if it exists (catalog tables excluded). */
export async function relationKinds(db: Queryable): Promise<Map<string, 'TABLE' | 'VIEW'>> {
  const { rows } = await db.query(
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  return new Map(rows.map((r) => [String(r[0]), r[1] === 'VIEW' ? 'VIEW' : 'TABLE']));
}

/** The storage table's columns and types, for DESCRIBE. */
export async function describeColumns(
  db: Queryable,
  family: SqlFamily,
  table: string,
): Promise<{ name: string; type: string; nullable: boolean }[]> {
  const known = refreshMetadata(db)?.columns.get(table);
  if (known) return known.map((c) => ({ name: c.name, type: c.type.toUpperCase(), nullable: c.nullable }));
  const { rows } = await db.query(dialectOf(family).describeColumnsSql, [table]);
  return rows.map((r) => ({ name: String(r[0]), type: String(r[1]).toUpperCase(), nullable: r[2] === true }));
}

/**
 * Columns of each source (tables, views, DTs) with their types as the backend spells them (names lower-cased),
 * in one round trip: how planning tells which table an unqualified column is in, and an AVG argument's type.
 */
export async function sourceColumnTypes(
  db: Queryable,
  family: SqlFamily,
  sources: { name: string }[],
): Promise<Map<string, { name: string; type: string }[]>> {
  const out = new Map<string, { name: string; type: string }[]>(sources.map((s) => [s.name, []]));
  if (sources.length === 0) return out;
  const known = refreshMetadata(db)?.columns;
  if (known && sources.every((s) => known.has(s.name))) {
    for (const s of sources)
      out.set(
        s.name,
        (known.get(s.name) ?? []).map((c) => ({ name: c.name.toLowerCase(), type: c.type })),
      );
    return out;
  }
  const names = [...out.keys()].map((n) => sqlLiteral(n)).join(', ');
  const { rows } = await db.query(dialectOf(family).sourceColumnsSql(names));
  for (const r of rows) out.get(String(r[0]))?.push({ name: String(r[1]).toLowerCase(), type: String(r[2]) });
  return out;
}
