/**
 * The five alert kinds of the lessons (and the upstream one) as templates: pure builders from a spec to the
 * CREATE ALERT statement the learner is shown and the engine runs. Each condition is ordinary Snowflake SQL over
 * the monitoring views (DYNAMIC_TABLE_REFRESH_HISTORY, the catalog, expectation results) or the data itself,
 * so a template alert is an ordinary alert. The action raises an incident (severity, channel, escalation).
 */
import { quoteIdent } from '../backends/backend.js';
import type { Severity } from '../sql/alert-ddl.js';

export const TEMPLATE_KINDS = [
  'freshness',
  'quality',
  'volume',
  'revenue',
  'performance',
  'upstream',
] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export interface TemplateSpec {
  kind: TemplateKind;
  /** The DT (freshness, quality, performance, upstream) or table (volume, revenue) watched. */
  target: string;
  /** freshness: % over target; quality: pass-rate %; volume: deviation %; revenue: drop %; performance: s. */
  threshold: number;
  /** volume: days averaged (default 7). */
  windowDays?: number;
  /** volume, revenue: the timestamp or date column that says which day a row belongs to. */
  column?: string;
  /** revenue: the amount summed. */
  amount?: string;
  severity: Severity;
  channel: string;
  escalateTo?: string;
  escalateAfterMinutes?: number;
  /** Minutes between evaluations (default: 1 for freshness and upstream, 5 otherwise; volume and revenue run daily). */
  everyMinutes?: number;
  name?: string;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const num = (n: number) => String(Number(n.toFixed(6)));

/** The alert's name: given, or `<kind>_<target>`. */
export const templateName = (s: TemplateSpec) => s.name ?? `${s.kind}_${s.target}`.toLowerCase();

/** The condition query (the text inside EXISTS (…)). */
export function templateCondition(s: TemplateSpec): string {
  const t = lit(s.target);
  switch (s.kind) {
    case 'freshness':
      return `SELECT name, DATEDIFF('second', data_timestamp, CURRENT_TIMESTAMP()) AS lag_s, target_lag_s
    FROM dtlab.dynamic_tables
   WHERE name = ${t} AND target_lag_s IS NOT NULL
     AND DATEDIFF('second', data_timestamp, CURRENT_TIMESTAMP()) > target_lag_s * ${num(1 + s.threshold / 100)}`;
    case 'quality':
      return `SELECT name, expectation, rows_passed, rows_failed
    FROM dtlab.expectation_results
   WHERE name = ${t}
     AND data_timestamp = (SELECT max(data_timestamp) FROM dtlab.expectation_results
                            WHERE name = ${t} AND rows_passed + rows_failed > 0)
     AND rows_passed + rows_failed > 0
     AND 100.0 * rows_passed / (rows_passed + rows_failed) < ${num(s.threshold)}`;
    case 'volume': {
      const w = s.windowDays ?? 7;
      const c = quoteIdent(s.column as string);
      const from = quoteIdent(s.target);
      return `SELECT y.n AS yesterday, w.n / ${w}.0 AS daily_average
    FROM (SELECT count(*) AS n FROM ${from}
           WHERE ${c} >= DATEADD('day', -1, CURRENT_DATE()) AND ${c} < CURRENT_DATE()) y,
         (SELECT count(*) AS n FROM ${from}
           WHERE ${c} >= DATEADD('day', -${w + 1}, CURRENT_DATE()) AND ${c} < DATEADD('day', -1, CURRENT_DATE())) w
   WHERE w.n > 0 AND ABS(y.n - w.n / ${w}.0) > w.n / ${w}.0 * ${num(s.threshold / 100)}`;
    }
    case 'revenue': {
      const c = quoteIdent(s.column as string);
      const a = quoteIdent(s.amount as string);
      const from = quoteIdent(s.target);
      return `SELECT y.revenue AS yesterday, p.revenue AS day_before
    FROM (SELECT COALESCE(SUM(${a}), 0) AS revenue FROM ${from}
           WHERE ${c} >= DATEADD('day', -1, CURRENT_DATE()) AND ${c} < CURRENT_DATE()) y,
         (SELECT COALESCE(SUM(${a}), 0) AS revenue FROM ${from}
           WHERE ${c} >= DATEADD('day', -2, CURRENT_DATE()) AND ${c} < DATEADD('day', -1, CURRENT_DATE())) p
   WHERE p.revenue > 0 AND y.revenue < p.revenue * ${num(1 - s.threshold / 100)}`;
    }
    case 'performance':
      return `SELECT name, refresh_id, execution_ms
    FROM dtlab.dynamic_table_refresh_history
   WHERE name = ${t} AND refresh_action = 'INCREMENTAL' AND execution_ms > ${num(s.threshold * 1000)}
     AND refresh_id = (SELECT max(refresh_id) FROM dtlab.dynamic_table_refresh_history
                        WHERE name = ${t} AND refresh_action = 'INCREMENTAL')`;
    case 'upstream':
      return `SELECT d.name AS dynamic_table, u.name AS upstream, u.scheduling_state AS upstream_state,
         (SELECT h.state FROM dtlab.refresh_history h WHERE h.name = u.name
           ORDER BY h.refresh_id DESC LIMIT 1) AS upstream_last_refresh,
         DATEDIFF('second', u.data_timestamp, CURRENT_TIMESTAMP()) AS upstream_lag_s
    FROM dtlab.dynamic_tables d
    JOIN dtlab.dependencies p ON p.dt_name = d.name
    JOIN dtlab.dynamic_tables u ON u.name = p.source_name
   WHERE d.name = ${t} AND d.target_lag_s IS NOT NULL
     AND DATEDIFF('second', d.data_timestamp, CURRENT_TIMESTAMP()) > d.target_lag_s
     AND (u.scheduling_state <> 'ACTIVE'
          OR (SELECT h.state FROM dtlab.refresh_history h WHERE h.name = u.name
               ORDER BY h.refresh_id DESC LIMIT 1) IN ('FAILED', 'UPSTREAM_FAILED', 'CANCELLED')
          OR (u.target_lag_s IS NOT NULL
              AND DATEDIFF('second', u.data_timestamp, CURRENT_TIMESTAMP()) > u.target_lag_s))`;
  }
}

/** What the incident says. */
export function templateSummary(s: TemplateSpec): string {
  switch (s.kind) {
    case 'freshness':
      return `${s.target}: lag more than ${num(s.threshold)}% over its target`;
    case 'quality':
      return `${s.target}: fewer than ${num(s.threshold)}% of rows pass an expectation`;
    case 'volume':
      return `${s.target}: yesterday's rows deviate more than ${num(s.threshold)}% from the ${s.windowDays ?? 7}-day average`;
    case 'revenue':
      return `${s.target}: revenue dropped more than ${num(s.threshold)}% day over day`;
    case 'performance':
      return `${s.target}: an incremental refresh took more than ${num(s.threshold)} s`;
    case 'upstream':
      return `${s.target} is behind its target because an upstream is late or failed`;
  }
}

export function templateSchedule(s: TemplateSpec): string {
  if (s.everyMinutes !== undefined) return `${s.everyMinutes} MINUTE`;
  if (s.kind === 'volume' || s.kind === 'revenue') return 'USING CRON 5 0 * * * UTC';
  return s.kind === 'freshness' || s.kind === 'upstream' ? '1 MINUTE' : '5 MINUTE';
}

/** The statements the template runs: CREATE OR REPLACE ALERT …, then ALTER ALERT … RESUME. */
export function templateSql(s: TemplateSpec): { name: string; create: string; resume: string } {
  const name = templateName(s);
  const esc = s.escalateTo !== undefined ? `, ${lit(s.escalateTo)}, ${s.escalateAfterMinutes ?? 30}` : '';
  const create = `CREATE OR REPLACE ALERT ${name}
  SCHEDULE = '${templateSchedule(s)}'
  COMMENT = ${lit(`${s.kind} alert on ${s.target} (%dt alert)`)}
  IF (EXISTS (
  ${templateCondition(s)}
  ))
  THEN CALL DTLAB$RAISE_INCIDENT(${lit(s.severity)}, ${lit(templateSummary(s))}, ${lit(s.channel)}${esc})`;
  return { name, create, resume: `ALTER ALERT ${name} RESUME` };
}
