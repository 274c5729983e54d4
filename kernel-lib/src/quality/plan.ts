/**
 * The ONE statement that measures a table's system metrics, and where each value is read from. Pure. One
 * scan (one SELECT of every aggregate) measures them all where the dialect hashes COUNT(DISTINCT …) (DuckDB);
 * elsewhere (PostgreSQL, whose COUNT(DISTINCT …) sorts its input once per aggregate) the same statement
 * cross-joins the scan's row with one hashed GROUP BY per distinct column set, shared by every
 * DUPLICATE_COUNT and UNIQUE_COUNT on it: one round trip either way.
 */
import { distinctGroupSql, type ScanItem, type SystemMetric, scanSql } from './metrics.js';

/** A system metric to measure: its association's id, definition, quoted columns and its expression. */
export interface PlannedMetric {
  referenceId: string;
  metric: SystemMetric;
  columns: string[];
  expr: string;
  /** `expr` needs no GROUP BY of the columns: a distinct count the table's keys settle (quality/constraints.ts). */
  settled?: boolean;
}

/** The one statement and, per association, the column of its one row that holds the value (0: row count). */
export interface MeasurePlan {
  sql: string;
  reads: { referenceId: string; column: number }[];
}

export function planMeasure(table: string, metrics: PlannedMetric[], distinctInScan: boolean): MeasurePlan {
  const scanned = (m: PlannedMetric) => distinctInScan || !m.metric.distinct || m.settled === true;
  const inScan = metrics.filter(scanned);
  const items: ScanItem[] = [
    { alias: 'm_rows', expr: 'COUNT(*)' },
    ...inScan.map((m, i) => ({ alias: `m${i}`, expr: m.expr })),
  ];
  const reads = inScan.map((m, i) => ({ referenceId: m.referenceId, column: i + 1 }));
  // Distinct column sets, in order of appearance: each one hashed GROUP BY, two columns of the row.
  const sets: string[][] = [];
  for (const m of metrics) {
    if (scanned(m)) continue;
    const key = m.columns.join(', ');
    let k = sets.findIndex((c) => c.join(', ') === key);
    if (k < 0) k = sets.push(m.columns) - 1;
    reads.push({
      referenceId: m.referenceId,
      column: items.length + 2 * k + (m.metric.distinct === 'duplicates' ? 0 : 1),
    });
  }
  const scan = scanSql(table, items);
  if (sets.length === 0) return { sql: scan, reads };
  const joins = sets.map((c, k) => `CROSS JOIN (${distinctGroupSql(table, c, `g${k}`)}) AS dtlab_g${k}`);
  return { sql: `SELECT * FROM (${scan}) AS dtlab_scan ${joins.join(' ')}`, reads };
}
