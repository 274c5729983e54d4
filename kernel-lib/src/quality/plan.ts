/**
 * Which statements measure a table's system metrics, and where each value is read from. Pure. ONE scan (one
 * SELECT of every aggregate) measures them all where the dialect hashes COUNT(DISTINCT …) (DuckDB); elsewhere
 * (PostgreSQL, whose COUNT(DISTINCT …) sorts its input once per aggregate) the distinct counts are read from
 * one hashed GROUP BY per distinct column set, shared by every DUPLICATE_COUNT and UNIQUE_COUNT on it.
 */
import { distinctGroupSql, type ScanItem, type SystemMetric, scanSql } from './metrics.js';

/** A system metric to measure: its association's id, definition, quoted columns and its expression. */
export interface PlannedMetric {
  referenceId: string;
  metric: SystemMetric;
  columns: string[];
  expr: string;
}

/** One statement and, per association, the column of its one row that holds the value. */
export interface MeasureStatement {
  sql: string;
  reads: { referenceId: string; column: number }[];
}

export interface MeasurePlan {
  /** The scan: its column 0 is the table's row count. */
  scan: MeasureStatement;
  groups: MeasureStatement[];
}

export function planMeasure(table: string, metrics: PlannedMetric[], distinctInScan: boolean): MeasurePlan {
  const inScan = metrics.filter((m) => distinctInScan || !m.metric.distinct);
  const items: ScanItem[] = [
    { alias: 'm_rows', expr: 'COUNT(*)' },
    ...inScan.map((m, i) => ({ alias: `m${i}`, expr: m.expr })),
  ];
  const scan: MeasureStatement = {
    sql: scanSql(table, items),
    reads: inScan.map((m, i) => ({ referenceId: m.referenceId, column: i + 1 })),
  };
  const groups = new Map<string, MeasureStatement>();
  for (const m of metrics) {
    if (distinctInScan || !m.metric.distinct) continue;
    const key = m.columns.join(', ');
    let g = groups.get(key);
    if (!g) {
      g = { sql: distinctGroupSql(table, m.columns), reads: [] };
      groups.set(key, g);
    }
    g.reads.push({ referenceId: m.referenceId, column: m.metric.distinct === 'duplicates' ? 0 : 1 });
  }
  return { scan, groups: [...groups.values()] };
}
