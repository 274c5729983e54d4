/**
 * Alerts on the lesson clock: the statements (CREATE / ALTER / EXECUTE / SHOW / DESCRIBE / DROP ALERT,
 * CALL DTLAB$RAISE_INCIDENT) and the runs. The Scheduler asks `nextAt()` for the next instant an alert or an
 * escalation falls due and calls `run(now)` after each look at the dynamic tables, so `%dt clock +1h` runs
 * every due alert in order (by instant, then name), after that instant's refreshes, deterministically.
 */
import { type Backend, formatTimestamp, type ResultColumn, type Value } from '../backends/backend.js';
import type { Clock } from '../clock.js';
import { DtError } from '../errors.js';
import { type AlertStatement, actionIntegrations, parseAlertStatement } from '../sql/alert-ddl.js';
import { tokenize } from '../sql/lexer.js';
import { positionAt } from '../sql/position.js';
import { dueAt, nextInstant, nextRunText, runsInStep } from './due.js';
import { type Incident, IncidentManager, type Notifier } from './incidents.js';
import { nextRunAfter } from './schedule.js';
import { describeAlert, detailOf, failure, raiseOf, showAlerts } from './show.js';
import {
  type AlertRow,
  claimRun,
  deleteAlert,
  finishAlertRun,
  insertAlert,
  insertAlertRun,
  listAlerts,
  setScheduledRow,
  updateAlert,
} from './store.js';

export interface AlertContext {
  backend: Backend;
  clock: Clock;
  /** Runs SQL as a user statement would (translated, on the lesson clock); rows of the last statement. */
  query(sql: string): Promise<{ columns: ResultColumn[]; rows: Value[][] }>;
  warehouseExists(name: string): Promise<boolean>;
  notifier: Notifier;
  rateLimitMs?: number;
  /** Every incident as it changes. */
  incidentChanged?: (i: Incident) => void;
}

export interface AlertResult {
  message?: string;
  columns?: ResultColumn[];
  rows?: Value[][];
}

/** Rows of the condition a triggered alert reports in its incident. */
const DETAIL_ROWS = 3;

export class AlertService {
  readonly incidents: IncidentManager;
  private next: number | null = null;
  /**
   * Something changed since `next` was computed (always, until the first look): this engine's alert
   * statements and incidents say so, and on a PostgreSQL server another process's changes (`forget`, from
   * catalog/stamps.ts). Until then a look before the next known instant reads nothing.
   */
  private stale = true;

  constructor(private readonly ctx: AlertContext) {
    this.incidents = new IncidentManager(ctx.backend, ctx.notifier, ctx.rateLimitMs, (i) => {
      this.stale = true;
      ctx.incidentChanged?.(i);
    });
  }

  integrationExists(name: string): Promise<boolean> {
    return this.ctx.notifier.exists(name);
  }

  /** Alerts or incidents may have changed elsewhere: the next look reads them again. */
  forget(): void {
    this.stale = true;
  }

  /** The next instant an alert or an escalation falls due, as of the last look (null: none). */
  nextAt(): number | null {
    return this.next;
  }

  /** How many alert runs a clock step of `ms` from now would make (counted up to `cap`), for the step's bound. */
  async runsInStep(ms: number, cap: number): Promise<number> {
    return runsInStep(await listAlerts(this.ctx.backend), this.ctx.clock.now(), ms, cap);
  }

  /** Runs every alert due at `now` (the latest instant of each; missed ones are not made up) and escalations. */
  async run(now: number): Promise<void> {
    // This runs at every look of the scheduler: unless something changed, nothing falls due before `next`.
    if (!this.stale && (this.next === null || this.next > now)) return;
    const alerts = await listAlerts(this.ctx.backend);
    const due = alerts
      .filter((a) => a.state === 'started')
      .map((a) => ({ a, at: dueAt(a, now) }))
      .filter((d): d is { a: AlertRow; at: number } => d.at !== null)
      .sort((x, y) => x.at - y.at || (x.a.name < y.a.name ? -1 : 1));
    for (const { a, at } of due) {
      if (await claimRun(this.ctx.backend, a.name, at)) {
        await this.evaluate(a, at);
        await setScheduledRow(this.ctx.backend, a, a.name, nextRunAfter(a.schedule, at, a.resumedOn ?? now));
      }
      a.lastScheduled = at; // run here, or by another engine that claimed it
    }
    this.next = nextInstant(alerts, now, await this.incidents.escalateDue(now));
    this.stale = false;
  }

  private async plan(now: number): Promise<void> {
    this.next = nextInstant(await listAlerts(this.ctx.backend), now, await this.incidents.nextEscalationAt());
    this.stale = false;
  }

  /** One run: the condition, then (if it returned rows) the action; recorded in dtlab.alert_history. */
  async evaluate(a: AlertRow, scheduled: number): Promise<string> {
    const db = this.ctx.backend;
    const id = await insertAlertRun(db, {
      name: a.name,
      condition: a.condition,
      action: a.action,
      state: 'EXECUTING',
      errorCode: null,
      errorMessage: null,
      scheduledTime: scheduled,
      completedTime: null,
    });
    let found: { columns: ResultColumn[]; rows: Value[][] };
    try {
      found = await this.ctx.query(`SELECT * FROM (${a.condition}) dtlab_condition LIMIT ${DETAIL_ROWS}`);
    } catch (e) {
      await finishAlertRun(db, id, 'CONDITION_FAILED', this.ctx.clock.now(), failure(e));
      return 'CONDITION_FAILED';
    }
    if (found.rows.length === 0) {
      await finishAlertRun(db, id, 'CONDITION_FALSE', this.ctx.clock.now());
      return 'CONDITION_FALSE';
    }
    try {
      const parsed = parseAlertStatement(a.action, tokenize(a.action));
      if (parsed?.kind === 'raise_incident')
        await this.incidents.raise(a.name, raiseOf(parsed, detailOf(found)), this.ctx.clock.now());
      else await this.ctx.query(a.action);
    } catch (e) {
      await finishAlertRun(db, id, 'ACTION_FAILED', this.ctx.clock.now(), failure(e));
      return 'ACTION_FAILED';
    }
    await finishAlertRun(db, id, 'TRIGGERED', this.ctx.clock.now());
    return 'TRIGGERED';
  }

  /** Runs an alert statement; `sql` is the statement's text (error positions are offsets in it). */
  async statement(s: AlertStatement, sql: string): Promise<AlertResult> {
    const result = await this.dispatch(s, sql);
    const now = this.ctx.clock.now();
    if (s.kind === 'create_alert' || s.kind === 'alter_alert' || s.kind === 'drop_alert') {
      const a = await this.find(s.name);
      const next = a?.state === 'started' ? nextInstant([a], now, null) : null;
      await setScheduledRow(this.ctx.backend, a, s.name, next);
    }
    await this.plan(now);
    return result;
  }

  private async find(name: string): Promise<AlertRow | undefined> {
    return (await listAlerts(this.ctx.backend)).find((a) => a.name === name);
  }

  private async dispatch(s: AlertStatement, sql: string): Promise<AlertResult> {
    const db = this.ctx.backend;
    const now = this.ctx.clock.now();
    switch (s.kind) {
      case 'create_alert': {
        const existing = await this.find(s.name);
        if (existing && s.ifNotExists)
          return { message: `Alert ${s.name} already exists, statement succeeded.` };
        if (existing && !s.orReplace)
          throw new DtError('DT_ERR_EXISTS', `alert ${s.name} already exists`, {
            hint: 'use CREATE OR REPLACE ALERT',
          });
        if (s.warehouse !== undefined && !(await this.ctx.warehouseExists(s.warehouse)))
          throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${s.warehouse} does not exist`);
        await this.checkAction(s.action.text, s.action.offset, sql);
        await db.transaction(async (tx) => {
          if (existing) await deleteAlert(tx, s.name);
          await insertAlert(tx, {
            name: s.name,
            warehouse: s.warehouse ?? null,
            schedule: s.schedule,
            comment: s.comment ?? null,
            condition: s.condition.text,
            action: s.action.text,
            // As in Snowflake, a new alert is suspended until ALTER ALERT … RESUME.
            state: 'suspended',
            createdOn: formatTimestamp(now),
            resumedOn: null,
            lastScheduled: null,
          });
        });
        return { message: `Alert ${s.name} successfully ${existing ? 'replaced' : 'created'}.` };
      }
      case 'alter_alert': {
        const a = await this.find(s.name);
        if (!a) {
          if (s.ifExists) return { message: `Alert ${s.name} does not exist, statement succeeded.` };
          throw new DtError('DT_ERR_UNKNOWN_OBJECT', `alert ${s.name} does not exist`);
        }
        const act = s.action;
        if (act.kind === 'resume') {
          if (a.state !== 'started')
            await updateAlert(db, a.name, {
              state: 'started',
              resumed_on: formatTimestamp(now),
              last_scheduled_time: null,
            });
          return { message: `Alert ${a.name} resumed.` };
        }
        if (act.kind === 'suspend') {
          await updateAlert(db, a.name, { state: 'suspended' });
          return { message: `Alert ${a.name} suspended.` };
        }
        if (act.kind === 'condition') await updateAlert(db, a.name, { condition: act.condition.text });
        else if (act.kind === 'action') {
          await this.checkAction(act.action.text, act.action.offset, sql);
          await updateAlert(db, a.name, { action: act.action.text });
        } else {
          if (act.warehouse !== undefined && !(await this.ctx.warehouseExists(act.warehouse)))
            throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${act.warehouse} does not exist`);
          await updateAlert(db, a.name, {
            ...(act.schedule
              ? {
                  schedule: act.schedule.text,
                  last_scheduled_time: null,
                  ...(a.state === 'started' ? { resumed_on: formatTimestamp(now) } : {}),
                }
              : {}),
            ...(act.comment !== undefined ? { comment: act.comment } : {}),
            ...(act.warehouse !== undefined ? { warehouse: act.warehouse } : {}),
          });
        }
        return { message: `Alert ${a.name} altered.` };
      }
      case 'drop_alert': {
        if (!(await this.find(s.name))) {
          if (s.ifExists) return { message: `Alert ${s.name} does not exist, statement succeeded.` };
          throw new DtError('DT_ERR_UNKNOWN_OBJECT', `alert ${s.name} does not exist`);
        }
        await deleteAlert(db, s.name);
        return { message: `${s.name} successfully dropped.` };
      }
      case 'execute_alert': {
        const a = await this.find(s.name);
        if (!a) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `alert ${s.name} does not exist`);
        return { message: `Alert ${a.name} executed: ${await this.evaluate(a, now)}.` };
      }
      case 'show_alerts':
        return showAlerts(await listAlerts(db), s.like);
      case 'describe_alert': {
        const a = await this.find(s.name);
        if (!a) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `alert ${s.name} does not exist`);
        return describeAlert(a, nextRunText(a, now));
      }
      case 'raise_incident': {
        await this.checkAction(sql, 0, sql);
        const id = await this.incidents.raise('(manual)', raiseOf(s, 'raised by CALL'), now);
        return { message: `Incident ${id} raised.` };
      }
    }
  }

  /** The integrations an action names exist (the error points at the name in the statement). */
  private async checkAction(action: string, offset: number, sql: string): Promise<void> {
    for (const ch of actionIntegrations(action, tokenize(action)))
      if (!(await this.ctx.notifier.exists(ch.text)))
        throw new DtError('DT_ERR_UNKNOWN_OBJECT', `notification integration ${ch.text} does not exist`, {
          position: positionAt(sql, offset + ch.offset),
          sql,
          hint: 'create it with CREATE NOTIFICATION INTEGRATION',
        });
  }
}
