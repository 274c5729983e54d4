/**
 * The alert grammar (Snowflake's ALERT objects, on the lesson clock):
 *
 *   CREATE [OR REPLACE] ALERT [IF NOT EXISTS] name [WAREHOUSE = w] SCHEDULE = '…' [COMMENT = '…']
 *     IF (EXISTS (<query>)) THEN <action>
 *   ALTER ALERT [IF EXISTS] name RESUME | SUSPEND | SET SCHEDULE = '…' | SET COMMENT = '…'
 *     | SET WAREHOUSE = w | MODIFY CONDITION EXISTS (<query>) | MODIFY ACTION <action>
 *   EXECUTE ALERT name;  SHOW ALERTS [LIKE '…'];  DESC[RIBE] ALERT name;  DROP ALERT [IF EXISTS] name
 *   CALL DTLAB$RAISE_INCIDENT('<severity>', '<summary>', '<channel>' [, '<escalation channel>', <minutes>])
 *
 * The condition query and the action are kept as text with their offsets; the backend judges them when the
 * alert runs (a failure is recorded as CONDITION_FAILED or ACTION_FAILED). Every error is positioned.
 */
import { type AlertSchedule, parseSchedule } from '../alerts/schedule.js';
import { Cursor, end } from './cursor.js';
import { isKeyword, significant, type Token } from './lexer.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
/** Escalation delay bounds for DTLAB$RAISE_INCIDENT, in lesson minutes. */
export const ESCALATE_MINUTES = { min: 1, max: 10_080 } as const;

export interface Located {
  text: string;
  offset: number;
}

export interface CreateAlert {
  kind: 'create_alert';
  orReplace: boolean;
  ifNotExists: boolean;
  name: string;
  warehouse?: string;
  schedule: AlertSchedule;
  comment?: string;
  condition: Located;
  action: Located;
}

export type AlterAlertAction =
  | { kind: 'resume' }
  | { kind: 'suspend' }
  | { kind: 'set'; schedule?: AlertSchedule; comment?: string; warehouse?: string }
  | { kind: 'condition'; condition: Located }
  | { kind: 'action'; action: Located };

export interface RaiseIncident {
  kind: 'raise_incident';
  severity: Severity;
  summary: string;
  channel: Located;
  escalation?: { channel: Located; minutes: number };
}

export type AlertStatement =
  | CreateAlert
  | { kind: 'alter_alert'; ifExists: boolean; name: string; action: AlterAlertAction }
  | { kind: 'drop_alert'; ifExists: boolean; name: string }
  | { kind: 'execute_alert'; name: string }
  | { kind: 'show_alerts'; like?: string }
  | { kind: 'describe_alert'; name: string }
  | RaiseIncident;

/** An alert statement, or undefined when `sql` is not one (the DDL grammar then carries on). */
export function parseAlertStatement(sql: string, tokens: Token[]): AlertStatement | undefined {
  const sig = significant(tokens);
  const c = new Cursor(sql, sig);
  if (c.accept('CREATE')) {
    const orReplace = c.accept('OR', 'REPLACE');
    const early = c.accept('IF', 'NOT', 'EXISTS');
    if (!c.accept('ALERT')) return undefined;
    return createAlert(c, sql, orReplace, early);
  }
  if (c.accept('ALTER', 'ALERT')) return alterAlert(c, sql);
  if (c.accept('DROP', 'ALERT')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.identifier('an alert name');
    end(c);
    return { kind: 'drop_alert', ifExists, name };
  }
  if (c.accept('EXECUTE', 'ALERT')) {
    const name = c.identifier('an alert name');
    end(c);
    return { kind: 'execute_alert', name };
  }
  if (c.accept('SHOW', 'ALERTS')) {
    if (!c.accept('LIKE')) {
      end(c);
      return { kind: 'show_alerts' };
    }
    const like = c.string('a LIKE pattern');
    end(c);
    return { kind: 'show_alerts', like };
  }
  if (c.accept('DESCRIBE', 'ALERT') || c.accept('DESC', 'ALERT')) {
    const name = c.identifier('an alert name');
    end(c);
    return { kind: 'describe_alert', name };
  }
  if (c.accept('CALL', 'DTLAB$RAISE_INCIDENT')) return raiseIncident(c);
  return undefined;
}

function schedule(c: Cursor): AlertSchedule {
  const at = c.peek();
  const text = c.string('a schedule');
  try {
    return parseSchedule(text);
  } catch (e) {
    c.failOption(e instanceof Error ? e.message : String(e), at);
  }
}

function createAlert(c: Cursor, sql: string, orReplace: boolean, early: boolean): CreateAlert {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS') || early;
  if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
  const name = c.identifier('an alert name');
  const seen = new Set<string>();
  let warehouse: string | undefined;
  let sched: AlertSchedule | undefined;
  let comment: string | undefined;
  for (;;) {
    const t = c.peek();
    if (!t) c.fail('expected IF (EXISTS (…)) THEN …');
    if (isKeyword(t, 'IF')) break;
    const option = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (!['WAREHOUSE', 'SCHEDULE', 'COMMENT'].includes(option))
      c.fail('expected WAREHOUSE = …, SCHEDULE = …, COMMENT = … or IF (EXISTS (…))');
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.add(option);
    c.next();
    c.expectOp('=');
    if (option === 'WAREHOUSE') warehouse = c.identifier('a warehouse name');
    else if (option === 'SCHEDULE') sched = schedule(c);
    else comment = c.string('a comment');
  }
  if (!sched) c.failOption('an alert needs SCHEDULE = …', c.peek());
  c.expect('IF');
  c.expectOp('(');
  const condition = existsCondition(c, sql);
  c.expectOp(')');
  c.expect('THEN');
  const action = actionOf(c);
  return {
    kind: 'create_alert',
    orReplace,
    ifNotExists,
    name,
    ...(warehouse !== undefined ? { warehouse } : {}),
    schedule: sched,
    ...(comment !== undefined ? { comment } : {}),
    condition,
    action: { text: action.text.trim(), offset: action.offset },
  };
}

/** `EXISTS ( <query> )`: the query between the balanced parentheses, verbatim. */
function existsCondition(c: Cursor, sql: string): Located {
  if (!c.accept('EXISTS')) c.fail('the condition must be EXISTS (<query>)');
  c.expectOp('(');
  const first = c.peek();
  let depth = 1;
  for (;;) {
    const t = c.next();
    if (!t) c.fail("expected ')' closing EXISTS (…)", undefined);
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')' && --depth === 0) {
      if (t === first) c.fail('EXISTS (…) needs a query', t);
      const start = (first as Token).start;
      return { text: sql.slice(start, t.start).trim(), offset: start };
    }
  }
}

function alterAlert(c: Cursor, sql: string): AlertStatement {
  const ifExists = c.accept('IF', 'EXISTS');
  const name = c.identifier('an alert name');
  const done = (action: AlterAlertAction): AlertStatement => {
    end(c);
    return { kind: 'alter_alert', ifExists, name, action };
  };
  if (c.accept('RESUME')) return done({ kind: 'resume' });
  if (c.accept('SUSPEND')) return done({ kind: 'suspend' });
  if (c.accept('MODIFY', 'CONDITION')) return done({ kind: 'condition', condition: existsCondition(c, sql) });
  if (c.accept('MODIFY', 'ACTION')) {
    const action = actionOf(c);
    return {
      kind: 'alter_alert',
      ifExists,
      name,
      action: { kind: 'action', action: { text: action.text.trim(), offset: action.offset } },
    };
  }
  if (!c.accept('SET')) c.fail('expected RESUME, SUSPEND, SET …, MODIFY CONDITION … or MODIFY ACTION …');
  const set: { schedule?: AlertSchedule; comment?: string; warehouse?: string } = {};
  do {
    const t = c.peek();
    const option = t?.kind === 'word' ? t.text.toUpperCase() : '';
    if (!['WAREHOUSE', 'SCHEDULE', 'COMMENT'].includes(option))
      c.fail('expected SCHEDULE = …, COMMENT = … or WAREHOUSE = …');
    c.next();
    c.expectOp('=');
    if (option === 'WAREHOUSE') set.warehouse = c.identifier('a warehouse name');
    else if (option === 'SCHEDULE') set.schedule = schedule(c);
    else set.comment = c.string('a comment');
  } while (c.acceptOp(','));
  return done({ kind: 'set', ...set });
}

/** The action, verbatim; an incident action is parsed here too, so its errors point into the statement. */
function actionOf(c: Cursor): Located {
  const action = c.rest();
  if (c.accept('CALL', 'DTLAB$RAISE_INCIDENT')) raiseIncident(c);
  return action;
}

function located(c: Cursor, what: string): Located {
  const t = c.peek();
  const text = c.string(what);
  return { text, offset: (t as Token).start };
}

function raiseIncident(c: Cursor): RaiseIncident {
  c.expectOp('(');
  const sevToken = c.peek();
  const severity = c.string('a severity (info, warning or critical)').toLowerCase();
  if (!SEVERITIES.includes(severity as Severity))
    c.failOption(`severity must be info, warning or critical, got '${severity}'`, sevToken);
  c.expectOp(',');
  const summary = c.string('a summary');
  c.expectOp(',');
  const channel = located(c, 'a notification integration name');
  let escalation: RaiseIncident['escalation'];
  if (c.acceptOp(',')) {
    if (severity !== 'critical') c.failOption('only critical incidents escalate', c.peek());
    const to = located(c, 'an escalation notification integration name');
    c.expectOp(',');
    const t = c.peek();
    const minutes = t?.kind === 'number' ? Number(t.text) : Number.NaN;
    if (!Number.isInteger(minutes) || minutes < ESCALATE_MINUTES.min || minutes > ESCALATE_MINUTES.max)
      c.failOption(
        `the escalation delay must be a whole number of minutes from ${ESCALATE_MINUTES.min} to ${ESCALATE_MINUTES.max}`,
        t,
      );
    c.next();
    escalation = { channel: to, minutes };
  }
  c.expectOp(')');
  end(c);
  return {
    kind: 'raise_incident',
    severity: severity as Severity,
    summary,
    channel,
    ...(escalation ? { escalation } : {}),
  };
}

/**
 * The notification integrations an action names, with their offsets in the action: the channels of
 * DTLAB$RAISE_INCIDENT, the first argument of SYSTEM$SEND_EMAIL, and the argument of each
 * SNOWFLAKE.NOTIFICATION.INTEGRATION('…') (SYSTEM$SEND_SNOWFLAKE_NOTIFICATION's destinations).
 */
export function actionIntegrations(action: string, tokens: Token[]): Located[] {
  const sig = significant(tokens);
  const raise = parseAlertStatement(action, tokens);
  if (raise?.kind === 'raise_incident')
    return raise.escalation ? [raise.channel, raise.escalation.channel] : [raise.channel];
  const found: Located[] = [];
  sig.forEach((t, i) => {
    const open = sig[i + 1];
    const arg = sig[i + 2];
    if (!(open?.kind === 'op' && open.text === '(' && arg?.kind === 'string' && arg.text.startsWith("'")))
      return;
    if (isKeyword(t, 'SYSTEM$SEND_EMAIL') || isKeyword(t, 'INTEGRATION'))
      found.push({ text: arg.text.slice(1, -1).replace(/''/g, "'"), offset: arg.start });
  });
  return found;
}
