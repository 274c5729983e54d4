/**
 * Incidents: what a triggered alert opens. One alert has at most one open incident; firing again while it is
 * open adds to it (fire_count, a FIRED event) instead of notifying again. The notification that opens an
 * incident is rate-limited per alert (`rateLimitMs`, default 15 lesson minutes: an alert that flaps between
 * resolve and fire notifies at most once per window; the others are recorded as SUPPRESSED). An unacknowledged
 * critical incident with an escalation channel notifies that channel once, `escalate_after_s` after it opened.
 * Every transition is a row of dtlab.incident_events; resolved incidents keep theirs.
 *
 * Delivery is not done here: a `Notifier` is injected (production: delivery's `notify`; tests: a recording one).
 */
import { type Backend, formatTimestamp } from '../backends/backend.js';
import type { Notification } from '../delivery/index.js';
import { DtError } from '../errors.js';
import type { Severity } from '../sql/alert-ddl.js';
import { COLUMNS, type Incident, incidentOf, ms } from './incident-row.js';

export type { Incident, IncidentState } from './incident-row.js';

/** What an alert sends: delivery's notification (delivery/index.ts). */
export type { Notification };

/** Sends (or durably enqueues) a notification; throws DT_ERR_UNKNOWN_OBJECT for an unknown integration. */
export interface Notifier {
  notify(n: Notification): Promise<void>;
  /** Does the notification integration exist? (checked when an alert is created, so the error is positioned) */
  exists(integration: string): Promise<boolean>;
}

export interface Raise {
  severity: Severity;
  summary: string;
  channel: string;
  escalation?: { channel: string; minutes: number };
  /** What the condition found (a few rows as text), put in the notification and the event. */
  detail: string;
}

export const DEFAULT_RATE_LIMIT_MS = 15 * 60_000;

export class IncidentManager {
  constructor(
    private readonly backend: Backend,
    private readonly notifier: Notifier,
    private readonly rateLimitMs = DEFAULT_RATE_LIMIT_MS,
    /** Told of every incident as it changes (the engine publishes it on `events$` for live views). */
    private readonly changed: (i: Incident) => void = () => {},
  ) {}

  private async publish(id: number): Promise<void> {
    this.changed(await this.get(id));
  }

  private async event(id: number, at: number, event: string, detail: string | null): Promise<void> {
    await this.backend.query(
      "INSERT INTO dtlab.incident_events VALUES (nextval('dtlab.incident_event_seq'), $1, $2, $3, $4)",
      [id, formatTimestamp(at), event, detail],
    );
  }

  /** The alert's open (or acknowledged) incident, if any. */
  async openFor(alert: string): Promise<Incident | undefined> {
    const { rows } = await this.backend.query(
      `SELECT ${COLUMNS} FROM dtlab.incidents WHERE alert_name = $1 AND state <> 'RESOLVED'`,
      [alert],
    );
    return rows[0] ? incidentOf(rows[0]) : undefined;
  }

  /** A triggered alert: opens an incident and notifies, or adds to the open one. Returns its id. */
  async raise(alert: string, r: Raise, now: number): Promise<number> {
    const open = await this.openFor(alert);
    if (open) {
      await this.backend.query(
        'UPDATE dtlab.incidents SET fire_count = fire_count + 1, last_fired_at = $2 WHERE incident_id = $1',
        [open.id, formatTimestamp(now)],
      );
      await this.event(
        open.id,
        now,
        'FIRED',
        `deduplicated (open since ${formatTimestamp(open.openedAt).slice(0, 19)}): ${r.detail}`,
      );
      await this.publish(open.id);
      // Its opening notification failed (NOTIFY_FAILED): this fire tries again.
      if (!(await this.notified(open.id)))
        await this.send(open.id, now, 'NOTIFIED', this.opening(alert, open.id, r));
      return open.id;
    }
    const { rows } = await this.backend.query(
      `INSERT INTO dtlab.incidents VALUES (nextval('dtlab.incident_seq'), $1, $2, 'OPEN', $3, $4, $5, $6, $7, $7,
         1, NULL, NULL, NULL, NULL) RETURNING incident_id`,
      [
        alert,
        r.severity,
        r.summary,
        r.channel,
        r.escalation?.channel ?? null,
        r.escalation ? r.escalation.minutes * 60 : null,
        formatTimestamp(now),
      ],
    );
    const id = Number(rows[0]?.[0]);
    await this.event(id, now, 'OPENED', r.detail);
    await this.publish(id);
    const last = await this.lastNotified(alert);
    if (last !== null && now - last < this.rateLimitMs) {
      await this.event(
        id,
        now,
        'SUPPRESSED',
        `rate limit: ${alert} notified at ${formatTimestamp(last).slice(0, 19)}`,
      );
      return id;
    }
    await this.send(id, now, 'NOTIFIED', this.opening(alert, id, r));
    return id;
  }

  private opening(alert: string, id: number, r: Raise): Notification {
    return {
      integration: r.channel,
      subject: `[${r.severity.toUpperCase()}] ${r.summary}`,
      body: `Alert ${alert} opened incident ${id} (${r.severity}).\n${r.detail}`,
      key: `incident-${id}`,
    };
  }

  /** Was the incident's opening notification sent (or held back by the rate limit)? */
  private async notified(id: number): Promise<boolean> {
    const { rows } = await this.backend.query(
      "SELECT count(*) FROM dtlab.incident_events WHERE incident_id = $1 AND event IN ('NOTIFIED', 'SUPPRESSED')",
      [id],
    );
    return Number(rows[0]?.[0]) > 0;
  }

  private async send(id: number, now: number, event: string, n: Notification): Promise<void> {
    try {
      await this.notifier.notify(n);
    } catch (e) {
      await this.event(id, now, 'NOTIFY_FAILED', `${n.integration}: ${e instanceof Error ? e.message : e}`);
      throw e;
    }
    await this.event(id, now, event, n.integration);
  }

  private async lastNotified(alert: string): Promise<number | null> {
    const { rows } = await this.backend.query(
      `SELECT max(e.event_time) FROM dtlab.incident_events e JOIN dtlab.incidents i ON i.incident_id = e.incident_id
        WHERE i.alert_name = $1 AND e.event = 'NOTIFIED'`,
      [alert],
    );
    return ms(rows[0]?.[0]);
  }

  private async candidates(): Promise<Incident[]> {
    const { rows } = await this.backend.query(
      `SELECT ${COLUMNS} FROM dtlab.incidents WHERE state = 'OPEN' AND severity = 'critical'
         AND escalation_channel IS NOT NULL AND escalated_at IS NULL ORDER BY incident_id`,
    );
    return rows.map(incidentOf);
  }

  /** When the next escalation falls due (null: none pending). */
  async nextEscalationAt(): Promise<number | null> {
    const due = (await this.candidates()).map((i) => i.openedAt + (i.escalateAfterS ?? 0) * 1000);
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** Escalates every unacknowledged critical incident whose delay has passed; returns the next one's instant. */
  async escalateDue(now: number): Promise<number | null> {
    let next: number | null = null;
    for (const i of await this.candidates()) {
      const at = i.openedAt + (i.escalateAfterS ?? 0) * 1000;
      if (at > now) {
        next = next === null ? at : Math.min(next, at);
        continue;
      }
      await this.backend.query('UPDATE dtlab.incidents SET escalated_at = $2 WHERE incident_id = $1', [
        i.id,
        formatTimestamp(now),
      ]);
      await this.send(i.id, now, 'ESCALATED', {
        integration: i.escalationChannel as string,
        subject: `[ESCALATED ${i.severity.toUpperCase()}] ${i.summary}`,
        body: `Incident ${i.id} of alert ${i.alert} has not been acknowledged for ${i.escalateAfterS} s.`,
        key: `incident-${i.id}-escalation`,
      });
      await this.publish(i.id);
    }
    return next;
  }

  async get(id: number): Promise<Incident> {
    const { rows } = await this.backend.query(
      `SELECT ${COLUMNS} FROM dtlab.incidents WHERE incident_id = $1`,
      [id],
    );
    if (!rows[0]) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `incident ${id} does not exist`);
    return incidentOf(rows[0]);
  }

  async acknowledge(id: number, note: string | null, now: number): Promise<Incident> {
    const i = await this.get(id);
    if (i.state !== 'OPEN')
      throw new DtError(
        'DT_ERR_USAGE',
        `incident ${id} is ${i.state}: only an OPEN incident can be acknowledged`,
      );
    return this.moveTo(id, 'ACKNOWLEDGED', 'acknowledged_at', note, now);
  }

  async resolve(id: number, note: string | null, now: number): Promise<Incident> {
    const i = await this.get(id);
    if (i.state === 'RESOLVED') throw new DtError('DT_ERR_USAGE', `incident ${id} is already RESOLVED`);
    return this.moveTo(id, 'RESOLVED', 'resolved_at', note, now);
  }

  /** An incident moved to `state` at `now` (stamped in `column`), with the note if given; the event recorded. */
  private async moveTo(
    id: number,
    state: 'ACKNOWLEDGED' | 'RESOLVED',
    column: 'acknowledged_at' | 'resolved_at',
    note: string | null,
    now: number,
  ): Promise<Incident> {
    await this.backend.query(
      `UPDATE dtlab.incidents SET state = '${state}', ${column} = $2, note = COALESCE($3, note)
        WHERE incident_id = $1`,
      [id, formatTimestamp(now), note],
    );
    await this.event(id, now, state, note);
    await this.publish(id);
    return this.get(id);
  }

  /** Open and acknowledged incidents first, then the most recent resolved ones. */
  async list(limit = 50): Promise<Incident[]> {
    const { rows } = await this.backend.query(
      `SELECT ${COLUMNS} FROM dtlab.incidents
        ORDER BY CASE WHEN state = 'RESOLVED' THEN 1 ELSE 0 END, incident_id DESC LIMIT ${Math.floor(limit)}`,
    );
    return rows.map(incidentOf);
  }

  async events(id: number): Promise<{ at: number; event: string; detail: string | null }[]> {
    const { rows } = await this.backend.query(
      'SELECT event_time, event, detail FROM dtlab.incident_events WHERE incident_id = $1 ORDER BY event_id',
      [id],
    );
    return rows.map((r) => ({
      at: ms(r[0]) as number,
      event: String(r[1]),
      detail: r[2] === null ? null : String(r[2]),
    }));
  }
}
