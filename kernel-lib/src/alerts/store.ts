/**
 * Where alerts, their runs and incidents live: tables in schema `dtlab`, beside the dynamic-table catalog, so
 * they survive a restart and every engine on one database sees the same. Pure SQL text plus thin readers.
 *
 * - dtlab.alerts: one row per alert (SHOW ALERTS reads it).
 * - dtlab.alert_history: one row per scheduled or executed run, with Snowflake's ALERT_HISTORY columns and
 *   states (SCHEDULED → EXECUTING → CONDITION_FALSE | TRIGGERED | CONDITION_FAILED | ACTION_FAILED).
 * - dtlab.incidents and dtlab.incident_events: what a triggered alert opened, and every transition of it.
 */
import { formatTimestamp, type Queryable, type Value } from '../backends/backend.js';
import { parseTimestamp } from '../schedule/record.js';
import { type AlertSchedule, parseSchedule } from './schedule.js';

export const ALERT_DDL = [
  `CREATE TABLE IF NOT EXISTS dtlab.alerts (
     name VARCHAR NOT NULL, warehouse VARCHAR, schedule VARCHAR NOT NULL, comment VARCHAR,
     condition VARCHAR NOT NULL, action VARCHAR NOT NULL, state VARCHAR NOT NULL,
     created_on TIMESTAMP NOT NULL, resumed_on TIMESTAMP, last_scheduled_time TIMESTAMP)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.alert_run_seq',
  `CREATE TABLE IF NOT EXISTS dtlab.alert_history (
     run_id BIGINT NOT NULL, name VARCHAR NOT NULL, database_name VARCHAR, schema_name VARCHAR,
     condition VARCHAR NOT NULL, condition_query_id VARCHAR, action VARCHAR NOT NULL, action_query_id VARCHAR,
     state VARCHAR NOT NULL, sql_error_code VARCHAR, sql_error_message VARCHAR,
     scheduled_time TIMESTAMP NOT NULL, completed_time TIMESTAMP)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.incident_seq',
  `CREATE TABLE IF NOT EXISTS dtlab.incidents (
     incident_id BIGINT NOT NULL, alert_name VARCHAR NOT NULL, severity VARCHAR NOT NULL,
     state VARCHAR NOT NULL, summary VARCHAR NOT NULL, channel VARCHAR NOT NULL, escalation_channel VARCHAR,
     escalate_after_s BIGINT, opened_at TIMESTAMP NOT NULL, last_fired_at TIMESTAMP NOT NULL,
     fire_count BIGINT NOT NULL, escalated_at TIMESTAMP, acknowledged_at TIMESTAMP, resolved_at TIMESTAMP,
     note VARCHAR)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.incident_event_seq',
  `CREATE TABLE IF NOT EXISTS dtlab.incident_events (
     event_id BIGINT NOT NULL, incident_id BIGINT NOT NULL, event_time TIMESTAMP NOT NULL, event VARCHAR NOT NULL, detail VARCHAR)`,
];

export type AlertState = 'started' | 'suspended';

export interface AlertRow {
  name: string;
  warehouse: string | null;
  schedule: AlertSchedule;
  comment: string | null;
  condition: string;
  action: string;
  state: AlertState;
  createdOn: string;
  resumedOn: number | null;
  lastScheduled: number | null;
}

const ts = (v: Value): number | null => (v === null ? null : parseTimestamp(String(v)));
const str = (v: Value): string | null => (v === null ? null : String(v));

export async function listAlerts(db: Queryable): Promise<AlertRow[]> {
  const { rows } = await db.query(
    `SELECT name, warehouse, schedule, comment, condition, action, state, created_on, resumed_on,
            last_scheduled_time FROM dtlab.alerts ORDER BY name`,
  );
  return rows.map((r) => ({
    name: String(r[0]),
    warehouse: str(r[1] as Value),
    schedule: parseSchedule(String(r[2])),
    comment: str(r[3] as Value),
    condition: String(r[4]),
    action: String(r[5]),
    state: String(r[6]) as AlertState,
    createdOn: String(r[7]).slice(0, 19),
    resumedOn: ts(r[8] as Value),
    lastScheduled: ts(r[9] as Value),
  }));
}

export async function insertAlert(db: Queryable, a: AlertRow): Promise<void> {
  await db.query('INSERT INTO dtlab.alerts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    a.name,
    a.warehouse,
    a.schedule.text,
    a.comment,
    a.condition,
    a.action,
    a.state,
    a.createdOn,
    a.resumedOn === null ? null : formatTimestamp(a.resumedOn),
    a.lastScheduled === null ? null : formatTimestamp(a.lastScheduled),
  ]);
}

export async function deleteAlert(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM dtlab.alerts WHERE name = $1', [name]);
}

/** Sets columns of one alert (column names are ours, never user text). */
export async function updateAlert(db: Queryable, name: string, set: Record<string, Value>): Promise<void> {
  const cols = Object.keys(set);
  if (cols.length === 0) return;
  const assignments = cols.map((c, i) => `${c} = $${i + 2}`).join(', ');
  await db.query(`UPDATE dtlab.alerts SET ${assignments} WHERE name = $1`, [name, ...Object.values(set)]);
}

export interface AlertRun {
  name: string;
  condition: string;
  action: string;
  state: string;
  errorCode: string | null;
  errorMessage: string | null;
  scheduledTime: number;
  completedTime: number | null;
}

export async function insertAlertRun(db: Queryable, r: AlertRun): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO dtlab.alert_history VALUES (nextval('dtlab.alert_run_seq'), $1, current_database(),
       current_schema(), $2, NULL, $3, NULL, $4, $5, $6, $7, $8) RETURNING run_id`,
    [
      r.name,
      r.condition,
      r.action,
      r.state,
      r.errorCode,
      r.errorMessage,
      formatTimestamp(r.scheduledTime),
      r.completedTime === null ? null : formatTimestamp(r.completedTime),
    ],
  );
  return Number(rows[0]?.[0]);
}

export async function finishAlertRun(
  db: Queryable,
  id: number,
  state: string,
  completed: number,
  error?: { code: string; message: string },
): Promise<void> {
  await db.query(
    `UPDATE dtlab.alert_history SET state = $2, completed_time = $3, sql_error_code = $4,
       sql_error_message = $5 WHERE run_id = $1`,
    [id, state, formatTimestamp(completed), error?.code ?? null, error?.message ?? null],
  );
}

/**
 * Claims the run of `name` at `at`: true for the one engine whose UPDATE moved the alert's last scheduled time
 * forward (several engines on one server then run each instant once).
 */
export async function claimRun(db: Queryable, name: string, at: number): Promise<boolean> {
  const t = formatTimestamp(at);
  const r = await db.query(
    `UPDATE dtlab.alerts SET last_scheduled_time = $2
      WHERE name = $1 AND state = 'started' AND (last_scheduled_time IS NULL OR last_scheduled_time < $2)`,
    [name, t],
  );
  return r.rowCount === 1;
}

/**
 * Keeps one SCHEDULED row per started alert, for its next run, as Snowflake's ALERT_HISTORY shows it (none for a
 * suspended or dropped alert). The run itself is a new row (EXECUTING, then its outcome).
 */
export async function setScheduledRow(
  db: Queryable,
  a: AlertRow | undefined,
  name: string,
  next: number | null,
) {
  await db.query("DELETE FROM dtlab.alert_history WHERE name = $1 AND state = 'SCHEDULED'", [name]);
  if (a && a.state === 'started' && next !== null)
    await insertAlertRun(db, {
      name,
      condition: a.condition,
      action: a.action,
      state: 'SCHEDULED',
      errorCode: null,
      errorMessage: null,
      scheduledTime: next,
      completedTime: null,
    });
}
