/**
 * The pure parts of delivery: the notification grammar, the webhook request, the send plan and the retry
 * policy. No database, no network.
 */
import { describe, expect, it } from 'vitest';
import { backoffMs, retryPolicy, webhookRequest } from '../src/delivery/index.js';
import { planSend } from '../src/delivery/statements.js';
import type { StoredIntegration } from '../src/delivery/store.js';
import { emptyNotices, foldNotices, noticeOf, readNotices } from '../src/display/notices.js';
import { DtError } from '../src/errors.js';
import { type Notification, parseStatement } from '../src/sql/ddl.js';
import { tokenize } from '../src/sql/lexer.js';

const parse = (sql: string) => {
  const s = parseStatement(sql, tokenize(sql));
  if (s.kind !== 'notification') throw new Error(`not a notification statement: ${s.kind}`);
  return (s as Notification).statement;
};
const error = (sql: string): DtError => {
  try {
    parse(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(DtError);
    return e as DtError;
  }
  throw new Error('no error');
};

describe('notification grammar', () => {
  it('parses a webhook integration as Snowflake writes it', () => {
    expect(
      parse(`CREATE OR REPLACE NOTIFICATION INTEGRATION my_hook TYPE = WEBHOOK ENABLED = TRUE
               WEBHOOK_URL = 'https://hooks.example.com/services/x'
               WEBHOOK_BODY_TEMPLATE = '{"text": "SNOWFLAKE_WEBHOOK_MESSAGE"}'
               WEBHOOK_HEADERS = ('Content-Type' = 'application/json', 'X-A' = 'b') COMMENT = 'c'`),
    ).toEqual({
      op: 'create',
      orReplace: true,
      ifNotExists: false,
      spec: {
        name: 'my_hook',
        enabled: true,
        comment: 'c',
        settings: {
          type: 'WEBHOOK',
          url: 'https://hooks.example.com/services/x',
          bodyTemplate: '{"text": "SNOWFLAKE_WEBHOOK_MESSAGE"}',
          headers: [
            ['Content-Type', 'application/json'],
            ['X-A', 'b'],
          ],
        },
      },
    });
  });

  it('parses an email integration with the SMTP settings and their defaults', () => {
    const s = parse(
      "CREATE NOTIFICATION INTEGRATION IF NOT EXISTS m TYPE=EMAIL ENABLED=FALSE ALLOWED_RECIPIENTS=('a@x.org')",
    );
    expect(s).toMatchObject({
      op: 'create',
      ifNotExists: true,
      spec: {
        enabled: false,
        settings: {
          type: 'EMAIL',
          allowedRecipients: ['a@x.org'],
          smtpHost: '127.0.0.1',
          smtpPort: 25,
          smtpSecure: false,
        },
      },
    });
  });

  it('parses SHOW, DESCRIBE, DROP and both CALLs', () => {
    expect(parse("SHOW NOTIFICATION INTEGRATIONS LIKE 'm%'")).toEqual({ op: 'show', like: 'm%' });
    expect(parse('DESC INTEGRATION m')).toEqual({ op: 'describe', name: 'm' });
    expect(parse('DROP INTEGRATION IF EXISTS m')).toEqual({ op: 'drop', ifExists: true, name: 'm' });
    expect(
      parse("CALL SYSTEM$SEND_EMAIL('m', 'a@x.org, b@x.org', 'subj', '<b>hi</b>', 'text/html')"),
    ).toMatchObject({
      op: 'send',
      messages: [{ contentType: 'text/html', content: '<b>hi</b>' }],
      targets: [{ integration: 'm', subject: 'subj', to: ['a@x.org', 'b@x.org'] }],
    });
    expect(
      parse(`CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
        (SNOWFLAKE.NOTIFICATION.TEXT_HTML('<p>x</p>'), SNOWFLAKE.NOTIFICATION.APPLICATION_JSON('{"a": 1}')),
        (SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG('m', 'S', ARRAY_CONSTRUCT('a@x.org'), ARRAY_CONSTRUCT('c@x.org')),
         '{"hook": {}}'))`),
    ).toMatchObject({
      op: 'send',
      messages: [
        { contentType: 'text/html', content: '<p>x</p>' },
        { contentType: 'application/json', content: '{"a": 1}' },
      ],
      targets: [
        { integration: 'm', subject: 'S', to: ['a@x.org'], cc: ['c@x.org'] },
        { integration: 'hook' },
      ],
    });
    // Not ours: other CALLs and CREATEs pass through.
    expect(parseStatement('CALL my_proc()', tokenize('CALL my_proc()')).kind).toBe('passthrough');
    expect(parseStatement('DESCRIBE integration', tokenize('DESCRIBE integration')).kind).toBe('passthrough');
    expect(parseStatement('CREATE TABLE t (a int)', tokenize('CREATE TABLE t (a int)')).kind).toBe(
      'passthrough',
    );
  });

  it('refuses bad integrations at the token at fault', () => {
    const cases: [string, string, RegExp][] = [
      [
        "CREATE NOTIFICATION INTEGRATION h TYPE = WEBHOOK WEBHOOK_URL = 'ftp://x/'",
        "'ftp://x/'",
        /http:\/\/ or https:\/\//,
      ],
      [
        "CREATE NOTIFICATION INTEGRATION h TYPE = WEBHOOK WEBHOOK_URL = 'javascript:alert(1)'",
        "'javascript",
        /http/,
      ],
      ['CREATE NOTIFICATION INTEGRATION h TYPE = WEBHOOK', '', /WEBHOOK_URL is required/],
      ["CREATE NOTIFICATION INTEGRATION h WEBHOOK_URL = 'http://x'", '', /TYPE is required/],
      ['CREATE NOTIFICATION INTEGRATION h TYPE = QUEUE', 'QUEUE', /not supported/],
      ['CREATE NOTIFICATION INTEGRATION h TYPE = EMAIL SMTP_PORT = 0', '0', /1 to 65535/],
      [
        "CREATE NOTIFICATION INTEGRATION h TYPE = EMAIL ALLOWED_RECIPIENTS = ('nobody')",
        "'nobody'",
        /email address/,
      ],
      ['CREATE NOTIFICATION INTEGRATION h TYPE = EMAIL ENABLED = YES', 'YES', /TRUE or FALSE/],
      ['CREATE NOTIFICATION INTEGRATION h TYPE = NOTEBOOK TYPE = EMAIL', 'TYPE = EMAIL', /twice/],
      [
        'CREATE NOTIFICATION INTEGRATION h TYPE = WEBHOOK WEBHOOK_SECRET = s',
        'WEBHOOK_SECRET',
        /not supported/,
      ],
      ["CALL SYSTEM$SEND_EMAIL('m', 'not-an-address', 's', 'b')", "'not-an-address'", /recipient/],
      ['CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(\'{"text/csv": "x"}\', \'{"m": {}}\')', "'{", /content type/],
      ["CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION('not json', '{\"m\": {}}')", "'not json'", /invalid JSON/],
      [
        "CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_CSV('x'), '{\"m\": {}}')",
        'TEXT_CSV',
        /TEXT_PLAIN/,
      ],
    ];
    for (const [sql, at, message] of cases) {
      const e = error(sql);
      expect(e.message, sql).toMatch(message);
      const offset = at === '' ? sql.length : sql.indexOf(at);
      expect(e.details.position?.offset, sql).toBe(offset);
    }
  });
});

const integration = (settings: StoredIntegration['settings'], enabled = true): StoredIntegration => ({
  name: 'i',
  enabled,
  settings,
  createdOn: '2026-01-01 00:00:00',
});
const EMAIL = integration({
  type: 'EMAIL',
  allowedRecipients: ['a@x.org'],
  smtpHost: 'h',
  smtpPort: 25,
  smtpFrom: 'f@x.org',
  smtpSecure: false,
});

describe('send plan', () => {
  const text = [{ contentType: 'text/plain' as const, content: 'body' }];
  it('says email needs the kernel runtime in the page', () => {
    const e = (() => {
      try {
        planSend([EMAIL], text, { integration: 'i', at: 0, to: ['a@x.org'] }, undefined, { email: false });
      } catch (err) {
        return err as DtError;
      }
    })();
    expect(e?.code).toBe('DT_ERR_USAGE');
    expect(e?.message).toMatch(/needs the kernel runtime/);
    expect(
      planSend([EMAIL], text, { integration: 'i', at: 0, to: ['a@x.org'] }, undefined, { email: true })
        .payload,
    ).toEqual({
      subject: 'Snowflake Email Notification',
      body: 'body',
      contentType: 'text/plain',
      to: ['a@x.org'],
    });
  });

  it('refuses a disabled integration, no recipients, and a message that does not fit', () => {
    expect(() =>
      planSend([integration({ type: 'NOTEBOOK' }, false)], text, { integration: 'i', at: 0 }),
    ).toThrow(/disabled/);
    expect(() => planSend([EMAIL], text, { integration: 'i', at: 0 }, undefined, { email: true })).toThrow(
      /no recipients/,
    );
    expect(() =>
      planSend([EMAIL], [{ contentType: 'application/json', content: '{}' }], {
        integration: 'i',
        at: 0,
        to: ['a@x.org'],
      }),
    ).toThrow(/no message fits/);
  });
});

describe('webhook request', () => {
  it('sends JSON with an idempotency key; headers given replace ours', () => {
    const r = webhookRequest(
      {
        type: 'WEBHOOK',
        url: 'http://x',
        headers: [['content-type', 'text/plain']],
        bodyTemplate: 'msg: SNOWFLAKE_WEBHOOK_MESSAGE',
      },
      { subject: 's', body: 'a "b"', contentType: 'text/plain' },
      { id: 3, key: 'k' },
    );
    expect(r).toEqual({
      headers: { 'Idempotency-Key': 'k', 'content-type': 'text/plain' },
      body: 'msg: a "b"',
    });
    const d = webhookRequest(
      { type: 'WEBHOOK', url: 'http://x', headers: [] },
      { subject: 's', body: 'b', contentType: 'text/plain' },
      { id: 3, key: 'k' },
    );
    expect(JSON.parse(d.body)).toEqual({ subject: 's', message: 'b', contentType: 'text/plain', id: 'k' });
  });
});

describe('retry policy', () => {
  it('doubles the wait up to the cap', () => {
    const p = retryPolicy({ baseMs: 100, maxMs: 1_000 });
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(p, a))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
  it('refuses settings out of range', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts must be a whole number from 1 to 100/);
    expect(() => retryPolicy({ baseMs: 1.5 })).toThrow(/baseMs/);
    expect(() => retryPolicy({ timeoutMs: 10_000, leaseMs: 5_000 })).toThrow(/leaseMs must be longer/);
  });
});

describe('notebook notices', () => {
  const event = (channel: string, outcome: 'sent' | 'retrying' | 'failed') => ({
    type: 'delivery' as const,
    outcome,
    id: 1,
    integration: 'lab',
    channel,
    subject: 'Lag',
    body: 'orders_dt is late',
    attempt: 1,
    ...(outcome === 'failed' ? { error: 'HTTP 404' } : {}),
  });
  it('counts notebook messages for the badge and turns them and final failures into notifications', () => {
    let m = emptyNotices;
    for (const e of [event('NOTEBOOK', 'sent'), event('WEBHOOK', 'sent'), event('NOTEBOOK', 'sent')])
      m = foldNotices(m, e);
    expect(m).toEqual({ unread: 2, last: { integration: 'lab', subject: 'Lag', body: 'orders_dt is late' } });
    expect(readNotices(m).unread).toBe(0);
    expect(noticeOf(event('NOTEBOOK', 'sent'))).toEqual({
      kind: 'info',
      text: 'lab: Lag — orders_dt is late',
    });
    expect(noticeOf(event('WEBHOOK', 'sent'))).toBeUndefined();
    expect(noticeOf(event('WEBHOOK', 'retrying'))).toBeUndefined();
    expect(noticeOf(event('WEBHOOK', 'failed'))?.kind).toBe('error');
  });
});
