/**
 * The alert simulator: replays the recorded history a template alert would read (lag samples, expectation
 * results, daily row counts or revenue, incremental refresh times) against a threshold, before the alert
 * exists, and says when it would have fired. Reading is one query per kind (`previewQuery`, pure text); the
 * judging is pure (`judge`) and mirrors the template's condition, so the preview and the alert agree.
 * An episode (consecutive points over the threshold) is one incident: de-duplication makes the rest FIRED
 * events of it, so `fires` are the episodes' first points.
 */
import { quoteIdent, type Value } from '../backends/backend.js';
import { DtError } from '../errors.js';
import { parseTimestamp } from '../schedule/record.js';
import type { TemplateSpec } from './templates.js';

export interface PreviewPoint {
  t: number;
  value: number;
  /** The value the condition compares with at this point (the limit). */
  limit: number;
  firing: boolean;
}

export interface Preview {
  spec: TemplateSpec;
  /** What `value` measures, for the chart's axis. */
  measure: string;
  points: PreviewPoint[];
  /** Instants an incident would have opened. */
  fires: number[];
}

const DAY = 86_400_000;

/** The history a kind's preview reads: rows of (time as text, value[, limit input]). */
export function previewQuery(s: TemplateSpec): { sql: string; params: Value[] } {
  switch (s.kind) {
    case 'freshness':
      return {
        sql: `SELECT CAST(sample_time AS VARCHAR), lag_s, target_lag_s FROM dtlab.lag_samples
               WHERE name = $1 AND lag_s IS NOT NULL AND target_lag_s IS NOT NULL ORDER BY sample_time`,
        params: [s.target],
      };
    case 'quality':
      return {
        sql: `SELECT CAST(data_timestamp AS VARCHAR), min(100.0 * rows_passed / (rows_passed + rows_failed))
                FROM dtlab.expectation_results WHERE name = $1 AND rows_passed + rows_failed > 0
               GROUP BY data_timestamp ORDER BY data_timestamp`,
        params: [s.target],
      };
    case 'volume':
    case 'revenue': {
      const c = quoteIdent(s.column as string);
      const measure =
        s.kind === 'volume' ? 'count(*)' : `COALESCE(SUM(${quoteIdent(s.amount as string)}), 0)`;
      return {
        sql: `SELECT CAST(CAST(${c} AS DATE) AS VARCHAR), ${measure} FROM ${quoteIdent(s.target)}
               WHERE ${c} IS NOT NULL GROUP BY CAST(${c} AS DATE) ORDER BY 1`,
        params: [],
      };
    }
    case 'performance':
      return {
        sql: `SELECT CAST(refresh_end_time AS VARCHAR), execution_ms / 1000.0 FROM dtlab.refresh_history
               WHERE name = $1 AND refresh_action = 'INCREMENTAL' AND refresh_end_time IS NOT NULL
               ORDER BY refresh_id`,
        params: [s.target],
      };
    case 'upstream':
      throw new DtError(
        'DT_ERR_USAGE',
        'the preview replays the five kinds (freshness, quality, volume, revenue, performance); an upstream alert has no single series to replay',
      );
  }
}

const time = (v: Value | undefined) => {
  const s = String(v);
  return parseTimestamp(s.length === 10 ? `${s} 00:00:00` : s);
};

/** Judges the history as the template's condition would. */
export function judge(s: TemplateSpec, rows: Value[][]): Preview {
  let points: PreviewPoint[] = [];
  let measure = '';
  if (s.kind === 'freshness') {
    measure = 'lag (s)';
    points = rows.map((r) => {
      const limit = Number(r[2]) * (1 + s.threshold / 100);
      return { t: time(r[0]), value: Number(r[1]), limit, firing: Number(r[1]) > limit };
    });
  } else if (s.kind === 'quality') {
    measure = 'lowest pass rate (%)';
    points = rows.map((r) => ({
      t: time(r[0]),
      value: Number(r[1]),
      limit: s.threshold,
      firing: Number(r[1]) < s.threshold,
    }));
  } else if (s.kind === 'performance') {
    measure = 'incremental refresh time (s)';
    points = rows.map((r) => ({
      t: time(r[0]),
      value: Number(r[1]),
      limit: s.threshold,
      firing: Number(r[1]) > s.threshold,
    }));
  } else {
    // Daily series with the missing days as 0, as the condition's count / sum over a day sees them.
    const byDay = new Map(rows.map((r) => [time(r[0]), Number(r[1])]));
    const days = [...byDay.keys()];
    const first = Math.min(...days);
    const last = Math.max(...days);
    const at = (d: number) => byDay.get(d) ?? 0;
    measure = s.kind === 'volume' ? 'rows per day' : 'revenue per day';
    const w = s.kind === 'volume' ? (s.windowDays ?? 7) : 1;
    for (let d = first + w * DAY; days.length > 0 && d <= last; d += DAY) {
      let sum = 0;
      for (let k = 1; k <= w; k++) sum += at(d - k * DAY);
      const base = sum / w;
      const value = at(d);
      const firing =
        s.kind === 'volume'
          ? sum > 0 && Math.abs(value - base) > base * (s.threshold / 100)
          : base > 0 && value < base * (1 - s.threshold / 100);
      points.push({
        t: d,
        value,
        limit: s.kind === 'volume' ? base : base * (1 - s.threshold / 100),
        firing,
      });
    }
  }
  const fires = points.filter((p, i) => p.firing && !points[i - 1]?.firing).map((p) => p.t);
  return { spec: s, measure, points, fires };
}
