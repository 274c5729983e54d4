/**
 * The sending procedures: CALL SYSTEM$SEND_EMAIL and CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION with Snowflake's
 * helper functions (SNOWFLAKE.NOTIFICATION.TEXT_PLAIN, TEXT_HTML, APPLICATION_JSON, INTEGRATION,
 * EMAIL_INTEGRATION_CONFIG), which take literals and are evaluated here. Pure; every error positioned.
 */
import { type Cursor, end } from './cursor.js';
import { isKeyword, type Token } from './lexer.js';
import {
  isAddress,
  MAX_RECIPIENTS,
  MAX_SUBJECT_CHARS,
  type NotificationMessage,
  type NotificationStatement,
  type NotificationTarget,
  subject,
} from './notification-common.js';

/** CALL SYSTEM$SEND_EMAIL('<integration>', '<a@x>[,<b@y>…]', '<subject>', '<body>' [, '<mime type>']) */
export function sendEmail(c: Cursor): NotificationStatement {
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
export function sendNotification(c: Cursor): NotificationStatement {
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
