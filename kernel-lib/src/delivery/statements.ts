/**
 * Runs the notification statements (sql/integration-ddl.ts) against the engine's database: integrations are
 * catalog rows; a send is checked whole (every integration exists, is enabled and fits the message), then
 * queued in one transaction, so a bad send queues nothing. Delivery itself is the worker's (worker.ts).
 */
import type { Backend, ResultColumn, Value } from '../backends/backend.js';
import type { Clock } from '../clock.js';
import { DtError } from '../errors.js';
import type {
  NotificationMessage,
  NotificationStatement,
  NotificationTarget,
} from '../sql/integration-ddl.js';
import { positionAt } from '../sql/position.js';
import {
  deleteIntegration,
  enqueue,
  insertIntegration,
  listIntegrations,
  type Payload,
  type StoredIntegration,
} from './store.js';
import { canSendEmail, emailNeedsKernel } from './transports.js';

/** Something that delivers what was queued (the engine's worker). */
export interface DeliveryTrigger {
  kick(): void;
}

export interface DeliveryContext {
  backend: Backend;
  clock: Clock;
  /** Starts delivery at once; without it, the worker finds the rows on its next look. */
  delivery?: DeliveryTrigger;
}

export interface NotificationResult {
  columns: ResultColumn[];
  rows: Value[][];
  message?: string;
}

/** Snowflake's subject when neither the send nor the integration gives one. */
export const DEFAULT_SUBJECT = 'Snowflake Email Notification';

const status = (message: string): NotificationResult => ({
  columns: [{ name: 'status', type: 'varchar' }],
  rows: [[message]],
  message,
});

/** An integration by name: exactly, or as an unquoted (lower-cased) identifier would have stored it. */
export function findIntegration(all: StoredIntegration[], name: string): StoredIntegration | undefined {
  return all.find((i) => i.name === name) ?? all.find((i) => i.name === name.toLowerCase());
}

export async function runNotificationStatement(
  ctx: DeliveryContext,
  stmt: NotificationStatement,
  sql: string,
): Promise<NotificationResult> {
  const all = await listIntegrations(ctx.backend);
  switch (stmt.op) {
    case 'create': {
      const existing = findIntegration(all, stmt.spec.name);
      if (existing && stmt.ifNotExists)
        return status(`Integration ${stmt.spec.name} already exists, statement succeeded.`);
      if (existing && !stmt.orReplace)
        throw new DtError('DT_ERR_EXISTS', `notification integration ${stmt.spec.name} already exists`, {
          hint: 'use CREATE OR REPLACE NOTIFICATION INTEGRATION',
        });
      await ctx.backend.transaction(async (tx) => {
        if (existing) await deleteIntegration(tx, existing.name);
        await insertIntegration(tx, stmt.spec, ctx.clock.now());
      });
      return status(`Integration ${stmt.spec.name} successfully ${existing ? 'replaced' : 'created'}.`);
    }
    case 'drop': {
      const existing = findIntegration(all, stmt.name);
      if (!existing) {
        if (stmt.ifExists) return status(`Integration ${stmt.name} does not exist, statement succeeded.`);
        throw new DtError('DT_ERR_UNKNOWN_OBJECT', `notification integration ${stmt.name} does not exist`);
      }
      await deleteIntegration(ctx.backend, existing.name);
      return status(`${existing.name} successfully dropped.`);
    }
    case 'show':
      return showIntegrations(all, stmt.like);
    case 'describe': {
      const existing = findIntegration(all, stmt.name);
      if (!existing)
        throw new DtError('DT_ERR_UNKNOWN_OBJECT', `notification integration ${stmt.name} does not exist`);
      return describeIntegration(existing);
    }
    case 'send': {
      const planned = stmt.targets.map((t) => planSend(all, stmt.messages, t, sql));
      let queued = 0;
      await ctx.backend.transaction(async (tx) => {
        for (const p of planned) if (await enqueue(tx, { key: null, ...p }, Date.now())) queued++;
      });
      ctx.delivery?.kick();
      return {
        columns: [{ name: 'result', type: 'boolean' }],
        rows: [[true]],
        message: `Queued ${queued} deliver${queued === 1 ? 'y' : 'ies'}: ${planned.map((p) => p.integration).join(', ')}.`,
      };
    }
  }
}

/**
 * One target of a send, checked and rendered (pure): the integration exists and is enabled, an email has
 * recipients the integration allows, and the runtime can send it. `sql` positions errors at the target.
 */
export function planSend(
  all: StoredIntegration[],
  messages: NotificationMessage[],
  target: NotificationTarget,
  sql?: string,
  runtime: { email: boolean } = { email: canSendEmail() },
): { integration: string; channel: string; payload: Payload } {
  const where = sql === undefined ? {} : { position: positionAt(sql, target.at), sql };
  const integration = findIntegration(all, target.integration);
  if (!integration)
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `notification integration ${target.integration} does not exist`,
      where,
    );
  if (!integration.enabled)
    throw new DtError(
      'DT_ERR_OPTION',
      `notification integration ${integration.name} is disabled (ENABLED = FALSE)`,
      where,
    );
  const s = integration.settings;
  const prefer: NotificationMessage['contentType'][] =
    s.type === 'EMAIL' ? ['text/html', 'text/plain'] : ['application/json', 'text/plain', 'text/html'];
  const message = prefer
    .map((type) => messages.find((m) => m.contentType === type))
    .find((m) => m !== undefined);
  if (!message)
    throw new DtError(
      'DT_ERR_OPTION',
      `no message fits ${s.type} integration ${integration.name}: it takes ${prefer.join(' or ')}`,
      where,
    );
  const base = { integration: integration.name, channel: s.type };
  if (s.type !== 'EMAIL')
    return {
      ...base,
      payload: { subject: target.subject ?? '', body: message.content, contentType: message.contentType },
    };
  if (!runtime.email) throw emailNeedsKernel();
  const to = target.to ?? s.defaultRecipients ?? [];
  if (to.length === 0)
    throw new DtError(
      'DT_ERR_OPTION',
      `no recipients: give them, or DEFAULT_RECIPIENTS on ${integration.name}`,
      where,
    );
  const outside = [...to, ...(target.cc ?? []), ...(target.bcc ?? [])].find(
    (a) => s.allowedRecipients !== undefined && !s.allowedRecipients.includes(a),
  );
  if (outside !== undefined)
    throw new DtError(
      'DT_ERR_OPTION',
      `${outside} is not in ALLOWED_RECIPIENTS of ${integration.name}`,
      where,
    );
  return {
    ...base,
    payload: {
      subject: target.subject ?? s.defaultSubject ?? DEFAULT_SUBJECT,
      body: message.content,
      contentType: message.contentType,
      to,
      ...(target.cc ? { cc: target.cc } : {}),
      ...(target.bcc ? { bcc: target.bcc } : {}),
    },
  };
}

function showIntegrations(all: StoredIntegration[], like: string | undefined): NotificationResult {
  const pattern = like === undefined ? undefined : likeRegExp(like);
  const rows = all
    .filter((i) => !pattern || pattern.test(i.name))
    .map((i): Value[] => [
      i.name,
      i.settings.type,
      'NOTIFICATION',
      i.enabled,
      i.comment ?? null,
      i.createdOn,
    ]);
  return {
    columns: ['name', 'type', 'category', 'enabled', 'comment', 'created_on'].map((name) => ({
      name,
      type: name === 'enabled' ? 'boolean' : 'varchar',
    })),
    rows,
  };
}

/** SQL LIKE (case-insensitive, as Snowflake's SHOW … LIKE) as a regular expression. */
function likeRegExp(like: string): RegExp {
  const body = like
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function describeIntegration(i: StoredIntegration): NotificationResult {
  const s = i.settings;
  const props: [string, string, string, string][] = [
    ['ENABLED', 'Boolean', String(i.enabled), 'false'],
    ['TYPE', 'String', s.type, ''],
  ];
  if (s.type === 'WEBHOOK') {
    props.push(['WEBHOOK_URL', 'String', s.url, '']);
    props.push(['WEBHOOK_BODY_TEMPLATE', 'String', s.bodyTemplate ?? '', '']);
    props.push(['WEBHOOK_HEADERS', 'Object', JSON.stringify(Object.fromEntries(s.headers)), '']);
  } else if (s.type === 'EMAIL') {
    props.push(['ALLOWED_RECIPIENTS', 'List', (s.allowedRecipients ?? []).join(','), '']);
    props.push(['DEFAULT_RECIPIENTS', 'List', (s.defaultRecipients ?? []).join(','), '']);
    props.push(['DEFAULT_SUBJECT', 'String', s.defaultSubject ?? '', DEFAULT_SUBJECT]);
    props.push(['SMTP_HOST', 'String', s.smtpHost, '127.0.0.1']);
    props.push(['SMTP_PORT', 'Integer', String(s.smtpPort), '25']);
    props.push(['SMTP_FROM', 'String', s.smtpFrom, 'dtlab@localhost']);
    props.push(['SMTP_SECURE', 'Boolean', String(s.smtpSecure), 'false']);
  }
  props.push(['COMMENT', 'String', i.comment ?? '', '']);
  return {
    columns: ['property', 'property_type', 'property_value', 'property_default'].map((name) => ({
      name,
      type: 'varchar',
    })),
    rows: props,
  };
}
