/**
 * Reads and writes of the catalog tables. Every function takes the `Queryable` to run on, so callers put
 * catalog changes in the same transaction as the data changes they describe.
 *
 * Here: installing the catalog, the dynamic tables (with their dependencies) and the warehouses. Beside it:
 * the refresh history (refresh-history.ts), lag samples and warehouse metering (schedule-records.ts), and the
 * database dictionary's relations and columns (dictionary.ts); all stay importable from here.
 */
import { exec, type Queryable, type Value } from '../backends/backend.js';
import type { WarehouseSize } from '../sql/ddl.js';
import type { DynamicTable, SourceKind, Warehouse } from '../types.js';
import { installRefreshQuality } from './refresh-quality.js';
import { CATALOG_DDL, CATALOG_VERSION } from './schema.js';

export { describeColumns, relationKinds, sourceColumnTypes } from './dictionary.js';
export {
  consecutiveScheduledFailures,
  insertRefreshRecord,
  refreshRecordSelect,
  refreshRecordsInsert,
  refreshRecordValues,
} from './refresh-history.js';
export {
  insertLagSamples,
  insertMetering,
  type LagSample,
  lagSamplesInsert,
  type MeteringRow,
} from './schedule-records.js';

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
