/**
 * The notification grammar: CREATE / DROP / SHOW / DESCRIBE NOTIFICATION INTEGRATION here, and the sending
 * CALLs (notification-call.ts). Pure: no I/O. Every error is positioned by the shared Cursor. Documented in
 * docs/delivery.md.
 */
import { type Cursor, end } from './cursor.js';
import { isKeyword, type Token } from './lexer.js';
import { sendEmail, sendNotification } from './notification-call.js';
import {
  type IntegrationSpec,
  type IntegrationType,
  isAddress,
  MAX_RECIPIENTS,
  MAX_SMTP_PORT,
  type NotificationStatement,
  subject,
} from './notification-common.js';

export * from './notification-common.js';

/**
 * Parses a notification statement, or returns undefined when the statement is none (the cursor is then
 * where it was). `c` stands at the start of the statement.
 */
export function parseNotificationStatement(c: Cursor): NotificationStatement | undefined {
  if (isKeyword(c.peek(), 'CREATE')) {
    const orReplace = isKeyword(c.peek(1), 'OR');
    const at = orReplace ? 3 : 1;
    if (!isKeyword(c.peek(at), 'NOTIFICATION') || !isKeyword(c.peek(at + 1), 'INTEGRATION')) return undefined;
    c.next();
    if (orReplace) c.expect('OR', 'REPLACE');
    c.expect('NOTIFICATION', 'INTEGRATION');
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
    return { op: 'create', orReplace, ifNotExists, spec: createIntegration(c) };
  }
  if (c.accept('DROP', 'NOTIFICATION', 'INTEGRATION') || c.accept('DROP', 'INTEGRATION')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.identifier('an integration name');
    end(c);
    return { op: 'drop', ifExists, name };
  }
  if (c.accept('SHOW', 'NOTIFICATION', 'INTEGRATIONS') || c.accept('SHOW', 'INTEGRATIONS')) {
    if (!c.accept('LIKE')) {
      end(c);
      return { op: 'show' };
    }
    const like = c.string('a LIKE pattern');
    end(c);
    return { op: 'show', like };
  }
  for (const verb of ['DESCRIBE', 'DESC']) {
    if (
      c.accept(verb, 'NOTIFICATION', 'INTEGRATION') ||
      // `DESCRIBE integration` alone describes a table of that name: passed through.
      (c.peek(2) !== undefined && c.accept(verb, 'INTEGRATION'))
    ) {
      const name = c.identifier('an integration name');
      end(c);
      return { op: 'describe', name };
    }
  }
  const proc = c.peek(1);
  if (isKeyword(c.peek(), 'CALL') && proc?.kind === 'word') {
    const upper = proc.text.toUpperCase();
    if (upper === 'SYSTEM$SEND_EMAIL') {
      c.next();
      c.next();
      return sendEmail(c);
    }
    if (upper === 'SYSTEM$SEND_SNOWFLAKE_NOTIFICATION') {
      c.next();
      c.next();
      return sendNotification(c);
    }
  }
  return undefined;
}

const OPTIONS: Record<IntegrationType, string[]> = {
  WEBHOOK: ['ENABLED', 'COMMENT', 'WEBHOOK_URL', 'WEBHOOK_BODY_TEMPLATE', 'WEBHOOK_HEADERS'],
  EMAIL: [
    'ENABLED',
    'COMMENT',
    'ALLOWED_RECIPIENTS',
    'DEFAULT_RECIPIENTS',
    'DEFAULT_SUBJECT',
    'SMTP_HOST',
    'SMTP_PORT',
    'SMTP_FROM',
    'SMTP_SECURE',
  ],
  NOTEBOOK: ['ENABLED', 'COMMENT'],
};

function createIntegration(c: Cursor): IntegrationSpec {
  const name = c.identifier('an integration name');
  const values = new Map<string, { token: Token; value: unknown }>();
  while (!c.atEnd()) {
    const t = c.peek() as Token;
    const option = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (!option) c.fail('expected an option (TYPE, ENABLED, WEBHOOK_URL, …)');
    if (values.has(option)) c.failOption(`option ${option} is given twice`, t);
    c.next();
    c.expectOp('=');
    values.set(option, { token: t, value: optionValue(c, option, t) });
  }
  const type = values.get('TYPE')?.value as IntegrationType | undefined;
  if (!type) c.failOption('TYPE is required: TYPE = WEBHOOK, EMAIL or NOTEBOOK', undefined);
  for (const [option, { token }] of values) {
    if (option !== 'TYPE' && !OPTIONS[type].includes(option)) {
      c.failOption(
        `option ${option} does not apply to TYPE = ${type}: expected ${OPTIONS[type].join(', ')}`,
        token,
      );
    }
  }
  const get = <T>(option: string): T | undefined => values.get(option)?.value as T | undefined;
  const comment = get<string>('COMMENT');
  const base = {
    name,
    enabled: get<boolean>('ENABLED') ?? true,
    ...(comment !== undefined ? { comment } : {}),
  };
  if (type === 'WEBHOOK') {
    const url = get<string>('WEBHOOK_URL');
    if (url === undefined)
      c.failOption("WEBHOOK_URL is required for TYPE = WEBHOOK: WEBHOOK_URL = 'https://…'", undefined);
    const template = get<string>('WEBHOOK_BODY_TEMPLATE');
    return {
      ...base,
      settings: {
        type,
        url,
        ...(template !== undefined ? { bodyTemplate: template } : {}),
        headers: get<[string, string][]>('WEBHOOK_HEADERS') ?? [],
      },
    };
  }
  if (type === 'EMAIL') {
    const allowed = get<string[]>('ALLOWED_RECIPIENTS');
    const defaults = get<string[]>('DEFAULT_RECIPIENTS');
    const subject = get<string>('DEFAULT_SUBJECT');
    if (allowed && defaults) {
      const outside = defaults.find((d) => !allowed.includes(d));
      if (outside !== undefined)
        c.failOption(
          `default recipient ${outside} is not in ALLOWED_RECIPIENTS`,
          values.get('DEFAULT_RECIPIENTS')?.token,
        );
    }
    return {
      ...base,
      settings: {
        type,
        ...(allowed ? { allowedRecipients: allowed } : {}),
        ...(defaults ? { defaultRecipients: defaults } : {}),
        ...(subject !== undefined ? { defaultSubject: subject } : {}),
        smtpHost: get<string>('SMTP_HOST') ?? '127.0.0.1',
        smtpPort: get<number>('SMTP_PORT') ?? 25,
        smtpFrom: get<string>('SMTP_FROM') ?? 'dtlab@localhost',
        smtpSecure: get<boolean>('SMTP_SECURE') ?? false,
      },
    };
  }
  return { ...base, settings: { type } };
}

function optionValue(c: Cursor, option: string, at: Token): unknown {
  switch (option) {
    case 'TYPE': {
      const t = c.peek();
      const v = t?.kind === 'word' ? t.text.toUpperCase() : '';
      if (v === 'QUEUE')
        c.failOption(
          'TYPE = QUEUE (cloud message queues) is not supported: use WEBHOOK, EMAIL or NOTEBOOK',
          t,
        );
      if (v !== 'WEBHOOK' && v !== 'EMAIL' && v !== 'NOTEBOOK')
        c.failOption(`invalid TYPE ${t ? t.text : '(missing)'}: expected WEBHOOK, EMAIL or NOTEBOOK`, t);
      c.next();
      return v;
    }
    case 'ENABLED':
    case 'SMTP_SECURE':
      return bool(c, option);
    case 'COMMENT':
    case 'WEBHOOK_BODY_TEMPLATE':
      return c.string(option);
    case 'DEFAULT_SUBJECT':
      return subject(c);
    case 'WEBHOOK_URL':
      return httpUrl(c);
    case 'WEBHOOK_HEADERS':
      return headers(c);
    case 'ALLOWED_RECIPIENTS':
    case 'DEFAULT_RECIPIENTS':
      return addressList(c, option);
    case 'SMTP_HOST': {
      const t = c.peek();
      const host = c.string('an SMTP host name');
      if (!/^[A-Za-z0-9.:[\]-]+$/.test(host))
        c.failOption(`invalid SMTP_HOST '${host}': expected a host name or address`, t);
      return host;
    }
    case 'SMTP_FROM': {
      const t = c.peek();
      const from = c.string('a sender address');
      if (!isAddress(from)) c.failOption(`invalid SMTP_FROM '${from}': expected an email address`, t);
      return from;
    }
    case 'SMTP_PORT': {
      const t = c.peek();
      if (
        t?.kind !== 'number' ||
        !/^\d+$/.test(t.text) ||
        Number(t.text) < 1 ||
        Number(t.text) > MAX_SMTP_PORT
      )
        c.failOption(
          `invalid SMTP_PORT ${t ? t.text : '(missing)'}: expected a whole number from 1 to ${MAX_SMTP_PORT}`,
          t,
        );
      c.next();
      return Number(t.text);
    }
    case 'WEBHOOK_SECRET':
      return c.failOption(
        'WEBHOOK_SECRET is not supported (DT Lab has no secret objects): put headers in WEBHOOK_HEADERS',
        at,
      );
    default:
      return c.failOption(
        `unknown notification integration option ${at.text}: expected TYPE, ENABLED, COMMENT, WEBHOOK_URL, WEBHOOK_BODY_TEMPLATE, WEBHOOK_HEADERS, ALLOWED_RECIPIENTS, DEFAULT_RECIPIENTS, DEFAULT_SUBJECT, SMTP_HOST, SMTP_PORT, SMTP_FROM or SMTP_SECURE`,
        at,
      );
  }
}

function bool(c: Cursor, option: string): boolean {
  const t = c.peek();
  const v = t?.kind === 'word' ? t.text.toUpperCase() : '';
  if (v !== 'TRUE' && v !== 'FALSE')
    c.failOption(`invalid ${option} ${t ? t.text : '(missing)'}: expected TRUE or FALSE`, t);
  c.next();
  return v === 'TRUE';
}

/** A webhook URL: http or https, with a host (Snowflake allows https only; DT Lab also takes http, for local receivers). */
function httpUrl(c: Cursor): string {
  const t = c.peek();
  const text = c.string('a webhook URL');
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    c.failOption(`invalid WEBHOOK_URL '${text}': not a URL`, t);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    c.failOption(
      `invalid WEBHOOK_URL '${text}': the URL must be http:// or https://, not ${url.protocol}//`,
      t,
    );
  return text;
}

function headers(c: Cursor): [string, string][] {
  c.expectOp('(');
  const out: [string, string][] = [];
  if (c.acceptOp(')')) return out;
  do {
    const t = c.peek();
    const name = c.string('a header name');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) c.failOption(`invalid header name '${name}'`, t);
    c.expectOp('=');
    out.push([name, c.string('a header value')]);
  } while (c.acceptOp(','));
  c.expectOp(')');
  return out;
}

function addressList(c: Cursor, what: string): string[] {
  c.expectOp('(');
  const out: string[] = [];
  do {
    const t = c.peek();
    const a = c.string('an email address');
    if (!isAddress(a)) c.failOption(`invalid email address '${a}' in ${what}`, t);
    out.push(a);
    if (out.length > MAX_RECIPIENTS) c.failOption(`${what} lists more than ${MAX_RECIPIENTS} addresses`, t);
  } while (c.acceptOp(','));
  c.expectOp(')');
  return out;
}
