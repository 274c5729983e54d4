/** An incident (alerts/incidents.ts) as the engine holds it, and read from a row of dtlab.incidents. */
import type { Value } from '../backends/backend.js';
import { parseTimestamp } from '../schedule/record.js';
import type { Severity } from '../sql/alert-ddl.js';

export type IncidentState = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

export interface Incident {
  id: number;
  alert: string;
  severity: Severity;
  state: IncidentState;
  summary: string;
  channel: string;
  escalationChannel: string | null;
  escalateAfterS: number | null;
  openedAt: number;
  lastFiredAt: number;
  fireCount: number;
  escalatedAt: number | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  note: string | null;
}

/** The columns of dtlab.incidents, in the order `incidentOf` reads them. */
export const COLUMNS = `incident_id, alert_name, severity, state, summary, channel, escalation_channel, escalate_after_s,
  opened_at, last_fired_at, fire_count, escalated_at, acknowledged_at, resolved_at, note`;

/** A timestamp column's value as epoch milliseconds (NULL: null). */
export const ms = (v: Value | undefined): number | null =>
  v === null || v === undefined ? null : parseTimestamp(String(v));

/** An incident from a row of `COLUMNS`. */
export function incidentOf(r: Value[]): Incident {
  return {
    id: Number(r[0]),
    alert: String(r[1]),
    severity: String(r[2]) as Severity,
    state: String(r[3]) as IncidentState,
    summary: String(r[4]),
    channel: String(r[5]),
    escalationChannel: r[6] === null ? null : String(r[6]),
    escalateAfterS: r[7] === null ? null : Number(r[7]),
    openedAt: ms(r[8]) as number,
    lastFiredAt: ms(r[9]) as number,
    fireCount: Number(r[10]),
    escalatedAt: ms(r[11]),
    acknowledgedAt: ms(r[12]),
    resolvedAt: ms(r[13]),
    note: r[14] === null ? null : String(r[14]),
  };
}
