/** SHOW ALERTS and DESCRIBE ALERT results, and the small conversions the alert runs need. Pure. */
import type { ResultColumn, Value } from '../backends/backend.js';
import { DtError, messageOf } from '../errors.js';
import type { RaiseIncident } from '../sql/alert-ddl.js';
import type { Raise } from './incidents.js';
import type { AlertRow } from './store.js';

const col = (name: string, type = 'varchar'): ResultColumn => ({ name, type });
const SHOW_COLUMNS = [
  'created_on',
  'name',
  'warehouse',
  'schedule',
  'state',
  'comment',
  'condition',
  'action',
];

export function showAlerts(alerts: AlertRow[], like?: string): { columns: ResultColumn[]; rows: Value[][] } {
  const re = like === undefined ? undefined : likeRegex(like);
  const rows = alerts
    .filter((a) => !re || re.test(a.name))
    .map((a) => [
      a.createdOn,
      a.name,
      a.warehouse,
      a.schedule.text,
      a.state,
      a.comment,
      a.condition,
      a.action,
    ]);
  return { columns: SHOW_COLUMNS.map((c) => col(c)), rows };
}

export function describeAlert(
  a: AlertRow,
  next: string | null,
): { columns: ResultColumn[]; rows: Value[][] } {
  return {
    columns: [col('property'), col('value')],
    rows: [
      ['name', a.name],
      ['warehouse', a.warehouse],
      ['schedule', a.schedule.text],
      ['state', a.state],
      ['comment', a.comment],
      ['condition', a.condition],
      ['action', a.action],
      ['created_on', a.createdOn],
      ['next_scheduled_time', next],
    ],
  };
}

export function raiseOf(s: RaiseIncident, detail: string): Raise {
  return {
    severity: s.severity,
    summary: s.summary,
    channel: s.channel.text,
    ...(s.escalation
      ? { escalation: { channel: s.escalation.channel.text, minutes: s.escalation.minutes } }
      : {}),
    detail,
  };
}

export function detailOf(r: { columns: ResultColumn[]; rows: Value[][] }): string {
  return r.rows
    .map((row) => r.columns.map((c, i) => `${c.name}=${String(row[i] ?? 'NULL')}`).join(', '))
    .join('\n');
}

export function failure(e: unknown): { code: string; message: string } {
  return { code: e instanceof DtError ? e.code : 'DT_ERR_INTERNAL', message: messageOf(e) };
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
