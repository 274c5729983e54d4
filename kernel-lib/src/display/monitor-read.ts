/** The monitor's first read of the database (display/monitor.ts folds the events that follow). */
import type { Engine } from '../engine/engine.js';
import { lagPoints } from '../magics/commands.js';
import { timestampMs } from './graph.js';
import { type MonitorModel, monitorFrom } from './monitor.js';

export async function readMonitor(engine: Engine): Promise<MonitorModel> {
  const [history, lag, runs] = await Promise.all([
    engine.history(),
    lagPoints(engine, []),
    engine.backend.query(
      `SELECT warehouse_name, CAST(end_time AS VARCHAR), credits_used FROM dtlab.warehouse_metering_history
        ORDER BY end_time`,
    ),
  ]);
  return monitorFrom(
    history,
    lag,
    runs.rows.map((r) => ({
      warehouse: String(r[0]),
      endMs: timestampMs(String(r[1])),
      credits: Number(r[2]),
    })),
  );
}
