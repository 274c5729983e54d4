/**
 * What the scheduler writes down besides refresh history: lag samples (actual vs target per DT over time,
 * so a chart survives a restart; they wait in schedule/lag-buffer.ts) and warehouse bills. Builders are pure; `write…` functions do the I/O.
 */
import { formatTimestamp, type Queryable } from '../backends/backend.js';
import { insertMetering, type LagSample } from '../catalog/catalog.js';
import type { DynamicTable } from '../types.js';
import { billedSeconds, type WarehouseRun } from './warehouse.js';

export const parseTimestamp = (s: string): number => Date.parse(`${s.replace(' ', 'T')}Z`);

const targetOf = (dt: DynamicTable) => (dt.targetLag.kind === 'duration' ? dt.targetLag.seconds : null);

/** One sample: at `at`, contents of data timestamp `dataTs` are `at − dataTs` behind. */
export function lagSample(
  dt: DynamicTable,
  kind: LagSample['kind'],
  at: number,
  dataTs: number | null,
): LagSample {
  return {
    sampleTime: formatTimestamp(at),
    name: dt.name,
    kind,
    dataTimestamp: dataTs === null ? null : formatTimestamp(dataTs),
    lagSeconds: dataTs === null ? null : (at - dataTs) / 1000,
    targetLagSeconds: targetOf(dt),
  };
}

/**
 * CYCLE samples of the active DTs not sampled in the last `everyMs`. `visible(dt)` is the data timestamp of
 * the contents that count now (under a manual clock a refresh's contents count from its simulated end).
 */
export function cycleSamples(
  dts: readonly DynamicTable[],
  now: number,
  everyMs: number,
  lastSample: Map<string, number>,
  visible: (dt: DynamicTable) => number | null,
): LagSample[] {
  const out: LagSample[] = [];
  for (const d of dts) {
    if (d.schedulingState !== 'ACTIVE' || now - (lastSample.get(d.name) ?? -Infinity) < everyMs) continue;
    lastSample.set(d.name, now);
    out.push(lagSample(d, 'CYCLE', now, visible(d)));
  }
  return out;
}

export async function writeRun(db: Queryable, run: WarehouseRun): Promise<void> {
  await insertMetering(db, {
    warehouse: run.warehouse,
    startTime: formatTimestamp(run.startMs),
    endTime: formatTimestamp(run.endMs),
    busySeconds: run.busyMs / 1000,
    billedSeconds: billedSeconds(run.startMs, run.endMs),
    refreshes: run.refreshes,
    creditsUsed: run.credits,
  });
}

/** The billed warehouse runs that ended after `sinceMs` (from `dtlab.warehouse_metering_history`). */
export async function readRunsSince(db: Queryable, sinceMs: number): Promise<Omit<WarehouseRun, 'size'>[]> {
  const { rows } = await db.query(
    `SELECT warehouse_name, start_time, end_time, busy_s, refreshes, credits_used
       FROM dtlab.warehouse_metering_history WHERE end_time > $1 ORDER BY start_time`,
    [formatTimestamp(sinceMs)],
  );
  return rows.map((r) => ({
    warehouse: String(r[0]),
    startMs: parseTimestamp(String(r[1])),
    endMs: parseTimestamp(String(r[2])),
    busyMs: Number(r[3]) * 1000,
    refreshes: Number(r[4]),
    credits: Number(r[5]),
  }));
}
