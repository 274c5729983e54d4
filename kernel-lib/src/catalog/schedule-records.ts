/**
 * What the scheduler records beside refreshes: lag samples (`dtlab.lag_samples`, so a chart can be drawn after
 * a restart) and one metering row per warehouse run (`dtlab.warehouse_metering_history`).
 */
import type { Queryable, Value } from '../backends/backend.js';

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
