/** Refresh history and lag samples as bundles for the history and lag widgets. Pure. */
import type { ResultColumn, Value } from '../backends/backend.js';
import type { RefreshRecord } from '../types.js';
import { type JsonValue, MIME, type OutputBundle, tableBundle } from './bundle.js';

const HISTORY_COLUMNS: [string, string, (r: RefreshRecord) => Value][] = [
  ['name', 'varchar', (r) => r.name],
  ['state', 'varchar', (r) => r.state],
  ['action', 'varchar', (r) => r.refreshAction],
  ['trigger', 'varchar', (r) => r.refreshTrigger],
  ['data_timestamp', 'timestamp', (r) => r.dataTimestamp],
  ['rows_inserted', 'bigint', (r) => r.rowsInserted],
  ['rows_deleted', 'bigint', (r) => r.rowsDeleted],
  ['execution_ms', 'double', (r) => Math.round(r.executionMs * 10) / 10],
  ['credits', 'double', (r) => Math.round(r.creditsUsed * 1e6) / 1e6],
  ['reason', 'varchar', (r) => r.reason ?? r.stateMessage],
];

export function historyBundle(records: RefreshRecord[]): OutputBundle {
  const columns: ResultColumn[] = HISTORY_COLUMNS.map(([name, type]) => ({ name, type }));
  const table = tableBundle({
    columns,
    rows: records.map((r) => HISTORY_COLUMNS.map(([, , get]) => get(r))),
  });
  return {
    data: {
      [MIME.history]: { records: records as unknown as JsonValue },
      'text/plain': table.data['text/plain'] as string,
      'text/html': table.data['text/html'] as string,
    },
    metadata: {},
  };
}

export interface LagPoint {
  name: string;
  sampleTime: string;
  kind: string;
  lagSeconds: number | null;
  targetLagSeconds: number | null;
}

export function lagBundle(points: LagPoint[]): OutputBundle {
  const columns: ResultColumn[] = [
    { name: 'name', type: 'varchar' },
    { name: 'sample_time', type: 'timestamp' },
    { name: 'kind', type: 'varchar' },
    { name: 'lag_s', type: 'double' },
    { name: 'target_lag_s', type: 'double' },
  ];
  const rows = points.map((p) => [p.name, p.sampleTime, p.kind, p.lagSeconds, p.targetLagSeconds]);
  const table = tableBundle({ columns, rows });
  const text =
    points.length === 0
      ? 'No lag samples yet: the scheduler records them as the clock moves (%dt clock +1h).'
      : (table.data['text/plain'] as string);
  return {
    data: { [MIME.lag]: { points: points as unknown as JsonValue }, 'text/plain': text },
    metadata: {},
  };
}
