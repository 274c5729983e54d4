/**
 * What `%dt advise` knows, read from an engine: the catalog (DTs, their readers and warehouses), the
 * scheduled refreshes of the history, the warehouses' billed runs (`dtlab.warehouse_metering_history` and the
 * runs under way), and for each FULL DT what REFRESH_MODE = AUTO would choose for its query — asked of the
 * engine itself with EXPLAIN CREATE OR REPLACE … REFRESH_MODE = AUTO (engine/explain.ts, which decides as
 * CREATE does: plan/mode.ts incrementalVerdict), so nothing is created or changed.
 */
import { quoteIdent } from '../backends/backend.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { sourceRowsSql } from '../schedule/cost.js';
import { parseTimestamp } from '../schedule/record.js';
import type { WarehouseRun } from '../schedule/warehouse.js';
import { formatLag } from '../sql/lag.js';
import type { WarehouseSize } from '../sql/warehouse-ddl.js';
import type { DynamicTable, RefreshRecord } from '../types.js';
import type { AdviseFacts, DtFacts, WarehouseFacts } from './advise.js';
import type { CalcMode } from './calc.js';

const lagOf = (d: DynamicTable) => (d.targetLag.kind === 'duration' ? d.targetLag.seconds : null);

/** What AUTO would choose for `dt`'s query, from EXPLAIN (nothing is created). */
async function autoMode(
  engine: Engine,
  dt: DynamicTable,
): Promise<{ mode: CalcMode; reason: string } | undefined> {
  const sql = `EXPLAIN CREATE OR REPLACE DYNAMIC TABLE ${quoteIdent(dt.name)} TARGET_LAG = ${
    dt.targetLag.kind === 'downstream' ? 'DOWNSTREAM' : `'${formatLag(dt.targetLag)}'`
  } WAREHOUSE = ${quoteIdent(dt.warehouse)} REFRESH_MODE = AUTO AS ${dt.query}`;
  const result = (await engine.execute(sql).catch(() => []))[0];
  const get = (p: string) => result?.rows.find((r) => r[0] === p)?.[1];
  const mode = get('refresh_mode');
  if (mode !== 'INCREMENTAL' && mode !== 'FULL') return undefined;
  return { mode, reason: String(get('refresh_mode_reason') ?? '').replace(/^AUTO chose FULL: /, '') };
}

async function count(engine: Engine, sql: string | null): Promise<number> {
  if (!sql) return 0;
  const { rows } = await engine.backend.query(sql);
  return Number(rows[0]?.[0] ?? 0);
}

export async function gatherFacts(
  engine: Engine,
  openRuns: readonly Omit<WarehouseRun, 'size'>[],
  names: readonly string[] = [],
): Promise<AdviseFacts> {
  const all = await engine.listDynamicTables();
  for (const n of names)
    if (!all.some((d) => d.name === n))
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${n} does not exist`, {
        hint: `%dt advise with no name looks at every dynamic table: ${all.map((d) => d.name).join(', ') || 'none yet'}`,
      });
  const [whResult] = await engine.execute('SHOW WAREHOUSES');
  const col = (n: string) => whResult?.columns.findIndex((c) => c.name === n) ?? -1;
  const specs = new Map(
    (whResult?.rows ?? []).map((r) => [
      String(r[col('name')]),
      { size: String(r[col('size')]) as WarehouseSize, autoSuspend: Number(r[col('auto_suspend')]) },
    ]),
  );
  const history = (await engine.history()).filter(
    (r) => r.refreshTrigger === 'SCHEDULED' && r.state === 'SUCCEEDED',
  );
  const now = engine.clock.now();
  const start = Math.min(now, ...history.map((r) => parseTimestamp(r.refreshStartTime)));
  const windowSeconds = (now - start) / 1000;
  const minutes = Math.max(windowSeconds / 60, 1 / 60);

  // Change rows per minute of each source, as the incremental refreshes read them (the largest reading).
  const tableRates = new Map<string, number>();
  for (const d of all) {
    const sums = new Map<string, number>();
    for (const r of history.filter((h) => h.name === d.name && h.refreshAction === 'INCREMENTAL'))
      for (const [t, n] of Object.entries(r.changesRead)) sums.set(t, (sums.get(t) ?? 0) + n);
    for (const [t, n] of sums) tableRates.set(t, Math.max(tableRates.get(t) ?? 0, n / minutes));
  }
  // A DT read by others changes by the rows its own refreshes write (an update moves no row count, so a
  // FULL reader's growth would miss it).
  for (const d of all) {
    const written = history
      .filter((h) => h.name === d.name)
      .reduce((a, h) => a + h.rowsInserted + h.rowsDeleted, 0);
    if (written > 0) tableRates.set(d.name, Math.max(tableRates.get(d.name) ?? 0, written / minutes));
  }
  const dts: DtFacts[] = [];
  for (const d of all.filter((x) => names.length === 0 || names.includes(x.name))) {
    const spec = specs.get(d.warehouse) ?? { size: 'XSMALL' as WarehouseSize, autoSuspend: 600 };
    const mine = history.filter((r) => r.name === d.name);
    const working = mine.filter((r) => r.refreshAction !== 'NO_DATA');
    const fulls = working.filter((r) => r.refreshAction !== 'INCREMENTAL');
    const known = d.sources.map((x) => tableRates.get(x.name));
    const changes =
      d.effectiveMode === 'FULL' && known.some((k) => k !== undefined)
        ? known.reduce<number>((a, k) => a + (k ?? 0), 0)
        : changesPerMinute(d.effectiveMode, working, fulls, minutes);
    const auto = d.effectiveMode === 'FULL' ? await autoMode(engine, d) : undefined;
    dts.push({
      name: d.name,
      lagSeconds: lagOf(d),
      mode: d.effectiveMode,
      warehouse: d.warehouse,
      size: spec.size,
      autoSuspendSeconds: spec.autoSuspend,
      readers: all
        .filter((r) => r.sources.some((s) => s.name === d.name))
        .map((r) => ({ name: r.name, lagSeconds: lagOf(r) })),
      ...(auto ? { auto } : {}),
      refreshes: mine.length,
      noData: mine.length - working.length,
      rowsReadPerWorkingRefresh: working.length
        ? working.reduce((a, r) => a + r.rowsRead, 0) / working.length
        : 0,
      sourceRows: await count(engine, sourceRowsSql(d.sources.map((s) => s.name))),
      outputRows: await count(engine, `SELECT count(*) FROM ${quoteIdent(d.name)}`),
      changesPerMinute: changes,
    });
  }
  return { windowSeconds, dts, warehouses: await warehouseFacts(engine, openRuns, start, now, specs) };
}

/** INCREMENTAL: the change rows its refreshes read; FULL: its sources' net growth between its first and last. */
function changesPerMinute(
  mode: CalcMode,
  working: RefreshRecord[],
  fulls: RefreshRecord[],
  minutes: number,
): number {
  if (mode === 'INCREMENTAL')
    return (
      working.filter((r) => r.refreshAction === 'INCREMENTAL').reduce((a, r) => a + r.rowsRead, 0) / minutes
    );
  if (fulls.length < 2) return 0;
  const [last, first] = [fulls[0] as RefreshRecord, fulls.at(-1) as RefreshRecord]; // newest first
  const span = (parseTimestamp(last.refreshStartTime) - parseTimestamp(first.refreshStartTime)) / 60_000;
  return span > 0 ? Math.max(0, last.rowsRead - first.rowsRead) / span : 0;
}

async function warehouseFacts(
  engine: Engine,
  openRuns: readonly Omit<WarehouseRun, 'size'>[],
  start: number,
  now: number,
  specs: Map<string, { size: WarehouseSize; autoSuspend: number }>,
): Promise<WarehouseFacts[]> {
  const { rows } = await engine.backend.query(
    'SELECT warehouse_name, start_time, end_time, busy_s FROM dtlab.warehouse_metering_history',
  );
  const runs = [
    ...rows.map((r) => ({
      warehouse: String(r[0]),
      startMs: parseTimestamp(String(r[1])),
      endMs: parseTimestamp(String(r[2])),
      busyMs: Number(r[3]) * 1000,
    })),
    ...openRuns,
  ];
  const per = new Map<string, WarehouseFacts>();
  for (const r of runs) {
    const up = Math.max(0, Math.min(now, r.endMs) - Math.max(start, r.startMs)) / 1000;
    if (up <= 0) continue;
    const spec = specs.get(r.warehouse);
    if (!spec) continue; // dropped since
    const w = per.get(r.warehouse) ?? {
      name: r.warehouse,
      size: spec.size,
      autoSuspendSeconds: spec.autoSuspend,
      upSeconds: 0,
      busySeconds: 0,
    };
    w.upSeconds += up;
    w.busySeconds += Math.min(up, r.busyMs / 1000);
    per.set(r.warehouse, w);
  }
  return [...per.values()];
}
