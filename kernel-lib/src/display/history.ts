/**
 * Refresh history and lag samples as bundles for the history and lag widgets. Pure. The widget data says
 * which DTs the output is about, so a rendered widget can keep following the engine's events (display/live.ts);
 * the HTML fallback is an SVG timeline and a table (history) or an SVG chart and a table of the latest lags (lag).
 */
import type { ResultColumn, Value } from '../backends/backend.js';
import type { RefreshRecord } from '../types.js';
import { htmlTable, type JsonValue, MIME, type OutputBundle, tableBundle } from './bundle.js';
import { formatSeconds } from './live.js';
import { lagSvg } from './svg.js';
import { timelineSvg } from './timeline.js';

const HISTORY_COLUMNS: [string, string, (r: RefreshRecord) => Value][] = [
  ['name', 'varchar', (r) => r.name],
  ['state', 'varchar', (r) => r.state],
  ['action', 'varchar', (r) => r.refreshAction],
  ['trigger', 'varchar', (r) => r.refreshTrigger],
  ['data_timestamp', 'timestamp', (r) => r.dataTimestamp],
  ['source_rows_read', 'bigint', (r) => r.rowsRead],
  ['rows_inserted', 'bigint', (r) => r.rowsInserted],
  ['rows_deleted', 'bigint', (r) => r.rowsDeleted],
  ['execution_ms', 'double', (r) => Math.round(r.executionMs * 10) / 10],
  ['credits', 'double', (r) => Math.round(r.creditsUsed * 1e6) / 1e6],
  ['reason', 'varchar', (r) => r.reason ?? r.stateMessage],
  ['expectations', 'varchar', (r) => expectationsText(r)],
];

/** "\n(the latest 20 of 61 refreshes)" when the history holds more than is shown. */
export const latestOf = (shown: number, total?: number): string =>
  total !== undefined && total > shown ? `\n(the latest ${shown} of ${total} refreshes)` : '';
/** Per expectation: `name passed✓ failed✗ (ACTION)`; null for a DT without expectations. */
export function expectationsText(r: RefreshRecord): string | null {
  if (!r.expectations?.length) return null;
  return r.expectations
    .map((e) => `${e.expectation} ${e.rowsPassed}✓ ${e.rowsFailed}✗ (${e.action})`)
    .join('; ');
}

/**
 * A refresh history. With `view` (what `%dt history [NAME] [--limit N]` asked for) the widget stays live:
 * new refreshes of that DT (or of any, without a name) go on top, keeping at most `limit` rows. Without it
 * (the record of one `%dt refresh`) it is a snapshot.
 */
export function historyBundle(
  records: RefreshRecord[],
  view?: { name: string | null; limit: number | null; total?: number },
): OutputBundle {
  const columns: ResultColumn[] = HISTORY_COLUMNS.map(([name, type]) => ({ name, type }));
  const table = tableBundle({
    columns,
    rows: records.map((r) => HISTORY_COLUMNS.map(([, , get]) => get(r))),
  });
  return {
    data: {
      [MIME.history]: {
        records: records as unknown as JsonValue,
        ...(view ? { live: true, name: view.name, limit: view.limit } : {}),
        ...(view?.total !== undefined ? { total: view.total } : {}),
      },
      'text/plain': `${table.data['text/plain'] as string}${latestOf(records.length, view?.total)}`,
      // A timeline (when there are two refreshes or more) over the table.
      'text/html': `${timelineSvg(records)}${table.data['text/html'] as string}`,
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

/**
 * Lag samples for the lag chart. `names` are the DTs asked for (none: every DT): the live chart adds the
 * new samples of those DTs as they are taken.
 */
export function lagBundle(points: LagPoint[], names: string[] = []): OutputBundle {
  const columns: ResultColumn[] = [
    { name: 'name', type: 'varchar' },
    { name: 'sample_time', type: 'timestamp' },
    { name: 'kind', type: 'varchar' },
    { name: 'lag_s', type: 'double' },
    { name: 'target_lag_s', type: 'double' },
  ];
  const rows = points.map((p) => [p.name, p.sampleTime, p.kind, p.lagSeconds, p.targetLagSeconds]);
  const table = tableBundle({ columns, rows });
  const empty = 'No lag samples yet: the scheduler records them as the clock moves (%dt clock +1h).';
  const text = points.length === 0 ? empty : (table.data['text/plain'] as string);
  return {
    data: {
      [MIME.lag]: { points: points as unknown as JsonValue, names },
      'text/plain': text,
      'text/html': points.length === 0 ? `<p>${empty}</p>` : `${lagSvg(points)}${latestLags(points)}`,
    },
    metadata: {},
  };
}

/** Per DT: its latest lag, its peak and its target, as an HTML table. */
function latestLags(points: LagPoint[]): string {
  const per = new Map<string, { latest: LagPoint; peak: number }>();
  for (const p of points) {
    if (p.lagSeconds === null) continue;
    const seen = per.get(p.name);
    per.set(p.name, { latest: p, peak: Math.max(seen?.peak ?? 0, p.lagSeconds) });
  }
  return htmlTable(
    ['name', 'latest lag', 'at', 'peak lag', 'target lag'],
    [...per].map(([name, { latest, peak }]) => [
      name,
      formatSeconds(latest.lagSeconds),
      latest.sampleTime.slice(0, 19),
      formatSeconds(peak),
      latest.targetLagSeconds === null ? 'DOWNSTREAM' : formatSeconds(latest.targetLagSeconds),
    ]),
  );
}
