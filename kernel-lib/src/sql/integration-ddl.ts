/**
 * The notification grammar: CREATE / DROP / SHOW / DESCRIBE NOTIFICATION INTEGRATION and the two sending
 * procedures, CALL SYSTEM$SEND_EMAIL and CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION with Snowflake's helper
 * functions (SNOWFLAKE.NOTIFICATION.TEXT_PLAIN, TEXT_HTML, APPLICATION_JSON, INTEGRATION,
 * EMAIL_INTEGRATION_CONFIG), which take literals and are evaluated here. Pure: no I/O. Every error is
 * positioned by the shared Cursor. Documented in docs/delivery.md.
 */
import type { Cursor } from './cursor.js';
import { isKeyword, type Token } from './lexer.js';

/** Ranges of the numeric options (docs/delivery.md). */
export const MAX_SMTP_PORT = 65_535;
export const MAX_RECIPIENTS = 50;
export const MAX_SUBJECT_CHARS = 256;

export type IntegrationType = 'WEBHOOK' | 'EMAIL' | 'NOTEBOOK';

export interface WebhookSettings {
  type: 'WEBHOOK';
  url: string;
  bodyTemplate?: string;
  headers: [string, string][];
}

export interface EmailSettings {
  type: 'EMAIL';
  allowedRecipients?: string[];
  defaultRecipients?: string[];
  defaultSubject?: string;
  /** DT Lab's own: the SMTP server the mail goes through. */
  smtpHost: string;
  smtpPort: number;
  smtpFrom: string;
  smtpSecure: boolean;
}

export interface NotebookSettings {
  type: 'NOTEBOOK';
}

export type IntegrationSettings = WebhookSettings | EmailSettings | NotebookSettings;

export interface IntegrationSpec {
  name: string;
  enabled: boolean;
  comment?: string;
  settings: IntegrationSettings;
}

/** One message of a send: its content type and text. */
export interface NotificationMessage {
  contentType: 'text/plain' | 'text/html' | 'application/json';
  content: string;
}

/** Where a send goes: an integration, with an email's subject and recipients when given. */
export interface NotificationTarget {
  integration: string;
  /** Where the integration is named in the statement (0-based offset), for errors about it. */
  at: number;
  subject?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
}

export type NotificationStatement =
  | { op: 'create'; orReplace: boolean; ifNotExists: boolean; spec: IntegrationSpec }
  | { op: 'drop'; ifExists: boolean; name: string }
  | { op: 'show'; like?: string }
  | { op: 'describe'; name: string }
  | { op: 'send'; messages: NotificationMessage[]; targets: NotificationTarget[] };

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
    if (c.accept(verb, 'NOTIFICATION', 'INTEGRATION') || c.accept(verb, 'INTEGRATION')) {
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

function end(c: Cursor): void {
  if (!c.atEnd()) c.fail('expected end of statement');
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

function subject(c: Cursor): string {
  const t = c.peek();
  const s = c.string('a subject');
  if (s.length > MAX_SUBJECT_CHARS)
    c.failOption(`the subject is longer than ${MAX_SUBJECT_CHARS} characters`, t);
  return s;
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

const isAddress = (s: string) => /^[^\s@,;<>]+@[^\s@,;<>]+$/.test(s);

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

/** CALL SYSTEM$SEND_EMAIL('<integration>', '<a@x>[,<b@y>…]', '<subject>', '<body>' [, '<mime type>']) */
function sendEmail(c: Cursor): NotificationStatement {
  c.expectOp('(');
  const at = c.peek()?.start ?? 0;
  const integration = c.string('the integration name');
  c.expectOp(',');
  const listAt = c.peek();
  const list = c.string('the recipients (comma-separated addresses)');
  const to = list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = to.find((a) => !isAddress(a));
  if (bad !== undefined || to.length === 0)
    c.failOption(
      `invalid recipient ${bad === undefined ? '(none)' : `'${bad}'`}: expected email addresses separated by commas`,
      listAt,
    );
  if (to.length > MAX_RECIPIENTS) c.failOption(`more than ${MAX_RECIPIENTS} recipients`, listAt);
  c.expectOp(',');
  const subj = subject(c);
  c.expectOp(',');
  const body = c.string('the message body');
  let contentType: NotificationMessage['contentType'] = 'text/plain';
  if (c.acceptOp(',')) {
    const t = c.peek();
    const mime = c.string("the MIME type ('text/plain' or 'text/html')").toLowerCase();
    if (mime !== 'text/plain' && mime !== 'text/html')
      c.failOption(`invalid MIME type '${mime}': expected 'text/plain' or 'text/html'`, t);
    contentType = mime;
  }
  c.expectOp(')');
  end(c);
  return {
    op: 'send',
    messages: [{ contentType, content: body }],
    targets: [{ integration, at, subject: subj, to }],
  };
}

/** CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(<message> | (<message>, …), <config> | (<config>, …)) */
function sendNotification(c: Cursor): NotificationStatement {
  c.expectOp('(');
  const messages = oneOrList(c, () => message(c));
  c.expectOp(',');
  const targets = oneOrList(c, () => target(c));
  c.expectOp(')');
  end(c);
  return { op: 'send', messages, targets };
}

function oneOrList<T>(c: Cursor, item: () => T): T[] {
  if (!c.acceptOp('(')) return [item()];
  const out = [item()];
  while (c.acceptOp(',')) out.push(item());
  c.expectOp(')');
  return out;
}

const CONTENT_TYPES = ['text/plain', 'text/html', 'application/json'] as const;
const HELPER_TYPES: Record<string, NotificationMessage['contentType']> = {
  TEXT_PLAIN: 'text/plain',
  TEXT_HTML: 'text/html',
  APPLICATION_JSON: 'application/json',
};

/** `SNOWFLAKE.NOTIFICATION.<name>` or a bare `<name>` followed by '(': the helper's name, consumed. */
function helper(c: Cursor): { name: string; at: Token } | undefined {
  const qualified = isKeyword(c.peek(), 'SNOWFLAKE') && c.peek(1)?.text === '.';
  const at = c.peek(qualified ? 4 : 0);
  if (at?.kind !== 'word' || c.peek(qualified ? 5 : 1)?.text !== '(') return undefined;
  if (qualified) {
    c.next();
    c.expectOp('.');
    c.expect('NOTIFICATION');
    c.expectOp('.');
  }
  c.next();
  c.expectOp('(');
  return { name: at.text.toUpperCase(), at };
}

function message(c: Cursor): NotificationMessage {
  const h = helper(c);
  if (h) {
    const contentType = HELPER_TYPES[h.name];
    if (!contentType)
      c.fail(
        `unknown message function ${h.at.text}: expected TEXT_PLAIN, TEXT_HTML or APPLICATION_JSON`,
        h.at,
      );
    const content = c.string('the message text');
    c.expectOp(')');
    return { contentType, content };
  }
  const t = c.peek();
  const parsed = json(c, 'a message such as {"text/plain": "…"} or SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(\'…\')');
  const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
  const [type, content] = entries[0] ?? [];
  if (
    entries.length !== 1 ||
    !(CONTENT_TYPES as readonly string[]).includes(String(type)) ||
    typeof content !== 'string'
  )
    c.failOption(
      'a message must be {"<content type>": "<text>"} with text/plain, text/html or application/json',
      t,
    );
  return { contentType: type as NotificationMessage['contentType'], content };
}

function target(c: Cursor): NotificationTarget {
  const h = helper(c);
  const at = c.peek()?.start ?? 0;
  if (h?.name === 'INTEGRATION') {
    const integration = c.string('the integration name');
    c.expectOp(')');
    return { integration, at };
  }
  if (h?.name === 'EMAIL_INTEGRATION_CONFIG') {
    const integration = c.string('the integration name');
    c.expectOp(',');
    const subj = subject(c);
    c.expectOp(',');
    const to = arrayConstruct(c);
    const cc = c.acceptOp(',') ? arrayConstruct(c) : undefined;
    const bcc = cc && c.acceptOp(',') ? arrayConstruct(c) : undefined;
    c.expectOp(')');
    return { integration, at, subject: subj, to, ...(cc ? { cc } : {}), ...(bcc ? { bcc } : {}) };
  }
  if (h)
    c.fail(
      `unknown integration function ${h.at.text}: expected INTEGRATION or EMAIL_INTEGRATION_CONFIG`,
      h.at,
    );
  const t = c.peek();
  const parsed = json(
    c,
    'an integration configuration such as {"my_int": {}} or SNOWFLAKE.NOTIFICATION.INTEGRATION(\'…\')',
  );
  const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
  const [integration, options] = entries[0] ?? [];
  if (entries.length !== 1 || typeof options !== 'object' || options === null)
    c.failOption('an integration configuration must be {"<integration>": {<options>}}', t);
  const o = options as Record<string, unknown>;
  const list = (k: string) => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((a) => typeof a === 'string' && isAddress(a)))
      c.failOption(`${k} must be an array of email addresses`, t);
    return v as string[];
  };
  const subj = o.subject;
  if (subj !== undefined && (typeof subj !== 'string' || subj.length > MAX_SUBJECT_CHARS))
    c.failOption(`subject must be a string of at most ${MAX_SUBJECT_CHARS} characters`, t);
  const to = list('toAddress');
  const cc = list('ccAddress');
  const bcc = list('bccAddress');
  return {
    integration: String(integration),
    at,
    ...(subj !== undefined ? { subject: subj as string } : {}),
    ...(to ? { to } : {}),
    ...(cc ? { cc } : {}),
    ...(bcc ? { bcc } : {}),
  };
}

function arrayConstruct(c: Cursor): string[] {
  const t = c.peek();
  if (!isKeyword(t, 'ARRAY_CONSTRUCT')) c.fail("expected ARRAY_CONSTRUCT('<address>', …)");
  c.next();
  c.expectOp('(');
  const out: string[] = [];
  if (!c.acceptOp(')')) {
    do {
      const a = c.peek();
      const v = c.string('an email address');
      if (!isAddress(v)) c.failOption(`invalid email address '${v}'`, a);
      out.push(v);
    } while (c.acceptOp(','));
    c.expectOp(')');
  }
  if (out.length > MAX_RECIPIENTS) c.failOption(`more than ${MAX_RECIPIENTS} addresses`, t);
  return out;
}

function json(c: Cursor, what: string): unknown {
  const t = c.peek();
  const text = c.string(what);
  try {
    return JSON.parse(text);
  } catch (e) {
    return c.failOption(`invalid JSON in ${what.split(' such as')[0]}: ${(e as Error).message}`, t);
  }
}
