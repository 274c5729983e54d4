/**
 * Delivery that really happens, on the three backends: a webhook POSTs to an HTTP server the test starts,
 * an email reaches an SMTP server the test starts, a delivery to a receiver that is down is retried and
 * arrives when it comes back, and nothing is sent twice. Bad input fails with a positioned error and queues
 * nothing.
 */
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { notify } from '../src/delivery/index.js';
import { claim } from '../src/delivery/store.js';
import { Engine, type EngineEvent } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import {
  freePort,
  type HttpReceiver,
  httpReceiver,
  mailBody,
  mailHeader,
  type SmtpReceiver,
  smtpReceiver,
} from './helpers/receivers.js';

type DeliveryEvent = Extract<EngineEvent, { type: 'delivery' }>;

async function failure(engine: Engine, sql: string): Promise<DtError> {
  const err = await engine.execute(sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DtError);
  return err as DtError;
}

describe.each(BACKEND_KINDS)('delivery on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  const q = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  /** The contract's context: no trigger, so the test starts the worker itself. */
  const ctx = () => ({ backend, clock: engine.clock });
  const outbox = () =>
    q('SELECT id, integration, state, attempts FROM dtlab.notification_outbox ORDER BY id');
  const delivered = (pred: (e: DeliveryEvent) => boolean) =>
    firstValueFrom(engine.events$.pipe(filter((e): e is DeliveryEvent => e.type === 'delivery' && pred(e))));

  beforeAll(async () => {
    http = await httpReceiver();
    smtp = await smtpReceiver();
    backend = await freshBackend(kind);
    engine = await Engine.open(backend, {
      delivery: { baseMs: 20, maxMs: 100, maxAttempts: 50, timeoutMs: 2_000 },
    });
    await engine.execute(`
      CREATE NOTIFICATION INTEGRATION hook TYPE = WEBHOOK ENABLED = TRUE
        WEBHOOK_URL = 'http://127.0.0.1:${http.port}/hook' WEBHOOK_HEADERS = ('X-Team' = 'dt-lab');
      CREATE NOTIFICATION INTEGRATION mail TYPE = EMAIL ENABLED = TRUE
        ALLOWED_RECIPIENTS = ('ops@example.com', 'lead@example.com') DEFAULT_SUBJECT = 'DT news'
        SMTP_HOST = '127.0.0.1' SMTP_PORT = ${smtp.port} SMTP_FROM = 'dtlab@example.com';
      CREATE NOTIFICATION INTEGRATION lab TYPE = NOTEBOOK COMMENT = 'shown in JupyterLab'`);
  });

  afterAll(async () => {
    await engine?.close();
    await http?.close();
    await smtp?.close();
  });

  it('shows, describes, replaces and drops integrations', async () => {
    expect((await q('SHOW NOTIFICATION INTEGRATIONS')).map((r) => [r[0], r[1], r[3]])).toEqual([
      ['hook', 'WEBHOOK', true],
      ['lab', 'NOTEBOOK', true],
      ['mail', 'EMAIL', true],
    ]);
    expect(await q("SHOW NOTIFICATION INTEGRATIONS LIKE 'HO%'")).toHaveLength(1);
    const props = new Map((await q('DESCRIBE NOTIFICATION INTEGRATION mail')).map((r) => [r[0], r[2]]));
    expect(props.get('SMTP_PORT')).toBe(String(smtp.port));
    expect(props.get('ALLOWED_RECIPIENTS')).toBe('ops@example.com,lead@example.com');
    expect((await failure(engine, 'CREATE NOTIFICATION INTEGRATION lab TYPE = NOTEBOOK')).code).toBe(
      'DT_ERR_EXISTS',
    );
    await engine.execute(
      "CREATE NOTIFICATION INTEGRATION IF NOT EXISTS lab TYPE = WEBHOOK WEBHOOK_URL = 'http://x'",
    );
    expect((await q("SHOW NOTIFICATION INTEGRATIONS LIKE 'lab'"))[0]?.[1]).toBe('NOTEBOOK');
    await engine.execute(
      'CREATE OR REPLACE NOTIFICATION INTEGRATION tmp TYPE = NOTEBOOK; DROP NOTIFICATION INTEGRATION tmp',
    );
    expect(await q("SHOW NOTIFICATION INTEGRATIONS LIKE 'tmp'")).toEqual([]);
    expect((await failure(engine, 'DROP NOTIFICATION INTEGRATION tmp')).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    await engine.execute('DROP NOTIFICATION INTEGRATION IF EXISTS tmp');
  });

  it('POSTs JSON to a webhook receiver', async () => {
    const before = http.requests.length;
    await engine.execute(`CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
        SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('orders_dt is 3 minutes behind'),
        SNOWFLAKE.NOTIFICATION.INTEGRATION('hook'))`);
    await engine.flushDeliveries();
    expect(http.requests).toHaveLength(before + 1);
    const req = http.requests.at(-1);
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/hook');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['x-team']).toBe('dt-lab');
    expect(req?.headers['idempotency-key']).toMatch(/^dtlab-\d+$/);
    expect(JSON.parse(req?.body ?? '')).toMatchObject({ message: 'orders_dt is 3 minutes behind' });
    const last = (await outbox()).at(-1);
    expect(last?.[2]).toBe('SENT');
    expect(
      await q(
        `SELECT attempt, outcome, error FROM dtlab.notification_attempts WHERE notification_id = ${last?.[0]}`,
      ),
    ).toEqual([[1, 'SENT', null]]);
  });

  it('fills a webhook body template, escaping the message for JSON', async () => {
    await engine.execute(`CREATE NOTIFICATION INTEGRATION slack TYPE = WEBHOOK
        WEBHOOK_URL = 'http://127.0.0.1:${http.port}/slack'
        WEBHOOK_BODY_TEMPLATE = '{"text": "SNOWFLAKE_WEBHOOK_MESSAGE"}'
        WEBHOOK_HEADERS = ('Content-Type' = 'application/json')`);
    await engine.execute(
      `CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION('{"text/plain": "say \\"hi\\"\\nbye"}', '{"slack": {}}')`,
    );
    await engine.flushDeliveries();
    expect(JSON.parse(http.requests.at(-1)?.body ?? '')).toEqual({ text: 'say "hi"\nbye' });
  });

  it('sends email through the SMTP server with the right subject and body', async () => {
    await engine.execute(
      "CALL SYSTEM$SEND_EMAIL('mail', 'ops@example.com', 'Lag alert: orders_dt', 'orders_dt is 5 minutes behind its target lag')",
    );
    await engine.flushDeliveries();
    const m = smtp.messages.at(-1);
    expect(m?.to).toEqual(['ops@example.com']);
    expect(m?.from).toBe('dtlab@example.com');
    expect(mailHeader(m?.raw ?? '', 'Subject')).toBe('Lag alert: orders_dt');
    expect(mailBody(m?.raw ?? '')).toBe('orders_dt is 5 minutes behind its target lag');
    await engine.execute(`CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
        SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('second'),
        SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG('mail', 'Two', ARRAY_CONSTRUCT('lead@example.com')))`);
    await engine.flushDeliveries();
    expect(smtp.messages.at(-1)?.to).toEqual(['lead@example.com']);
    expect(mailHeader(smtp.messages.at(-1)?.raw ?? '', 'Subject')).toBe('Two');
  });

  it('sends HTML email, and gives up at once when the server refuses the recipient for good', async () => {
    await engine.execute(
      "CALL SYSTEM$SEND_EMAIL('mail', 'lead@example.com', 'Report', '<p>all <b>fresh</b></p>', 'text/html')",
    );
    await engine.flushDeliveries();
    expect(mailHeader(smtp.messages.at(-1)?.raw ?? '', 'Content-Type')).toMatch(/^text\/html/);
    expect(mailBody(smtp.messages.at(-1)?.raw ?? '')).toContain('<b>fresh</b>');
    smtp.refuse.add('ops@example.com');
    try {
      const failed = delivered((e) => e.outcome === 'failed' && e.integration === 'mail');
      const count = smtp.messages.length;
      await engine.execute("CALL SYSTEM$SEND_EMAIL('mail', 'ops@example.com', 'S', 'B')");
      const e = await failed;
      expect(e.attempt).toBe(1);
      expect(e.error).toMatch(/550/);
      expect(smtp.messages.length).toBe(count);
    } finally {
      smtp.refuse.clear();
    }
  });

  it('retries while the receiver is down and delivers once when it comes back', async () => {
    const port = await freePort();
    await engine.execute(
      `CREATE NOTIFICATION INTEGRATION later TYPE = WEBHOOK WEBHOOK_URL = 'http://127.0.0.1:${port}/'`,
    );
    const retried = delivered((e) => e.integration === 'later' && e.outcome === 'retrying' && e.attempt >= 2);
    await notify(ctx(), { integration: 'later', subject: 'down', body: 'arrives later' });
    void engine.flushDeliveries();
    const second = await retried;
    expect(second.error).toMatch(/fetch failed|ECONNREFUSED/);
    const sent = delivered((e) => e.integration === 'later' && e.outcome === 'sent');
    const receiver = await httpReceiver(port);
    try {
      const done = await sent;
      expect(done.attempt).toBeGreaterThanOrEqual(3);
      await engine.flushDeliveries();
      expect(receiver.requests.map((r) => JSON.parse(r.body).message)).toEqual(['arrives later']);
      const attempts = await q(
        `SELECT outcome, error FROM dtlab.notification_attempts WHERE notification_id = ${done.id} ORDER BY attempt`,
      );
      expect(attempts.at(-1)).toEqual(['SENT', null]);
      expect(attempts.slice(0, -1).every((a) => a[0] === 'ERROR' && String(a[1]).length > 0)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('never sends one idempotency key twice', async () => {
    const before = http.requests.length;
    await notify(ctx(), { integration: 'hook', subject: 's', body: 'once', key: 'alert-42-2026-01-01' });
    await notify(ctx(), { integration: 'hook', subject: 's', body: 'once', key: 'alert-42-2026-01-01' });
    await engine.flushDeliveries();
    await notify(ctx(), { integration: 'hook', subject: 's', body: 'once', key: 'alert-42-2026-01-01' });
    await engine.flushDeliveries();
    expect(http.requests.slice(before).map((r) => r.headers['idempotency-key'])).toEqual([
      'alert-42-2026-01-01',
    ]);
    expect(
      await q("SELECT count(*) FROM dtlab.notification_outbox WHERE idempotency_key = 'alert-42-2026-01-01'"),
    ).toEqual([[1]]);
  });

  it('takes over a delivery whose worker died after claiming it, once its lease is over', async () => {
    const before = http.requests.length;
    await notify(ctx(), { integration: 'hook', subject: 's', body: 'orphan', key: 'orphan-1' });
    const id = (
      await q("SELECT id FROM dtlab.notification_outbox WHERE idempotency_key = 'orphan-1'")
    )[0]?.[0];
    // Another worker claimed it with a lease that ended a second ago, and never came back.
    await q(
      `UPDATE dtlab.notification_outbox SET state = 'SENDING', attempts = 1, claimed_until_ms = ${Date.now() - 1_000} WHERE id = ${id}`,
    );
    // A live claim is not taken over: the row is claimed until ten minutes from now.
    await notify(ctx(), { integration: 'hook', subject: 's', body: 'held', key: 'held-1' });
    const held = (
      await q("SELECT id FROM dtlab.notification_outbox WHERE idempotency_key = 'held-1'")
    )[0]?.[0];
    expect(await claim(backend, Number(held), Date.now(), 600_000)).toBeDefined();
    await engine.flushDeliveries();
    expect(http.requests.slice(before).map((r) => r.headers['idempotency-key'])).toEqual(['orphan-1']);
    expect(
      await q(
        "SELECT idempotency_key, state, attempts FROM dtlab.notification_outbox WHERE idempotency_key IN ('orphan-1', 'held-1') ORDER BY id",
      ),
    ).toEqual([
      ['orphan-1', 'SENT', 2],
      ['held-1', 'SENDING', 1],
    ]);
  });

  it('publishes a notebook delivery as an event', async () => {
    const sent = delivered((e) => e.channel === 'NOTEBOOK' && e.outcome === 'sent');
    await engine.execute(
      "CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('lag ok'), SNOWFLAKE.NOTIFICATION.INTEGRATION('lab'))",
    );
    expect((await sent).body).toBe('lag ok');
  });

  it('gives up after a 4xx answer and records why', async () => {
    http.status = 404;
    try {
      const failed = delivered((e) => e.outcome === 'failed');
      await engine.execute(
        "CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('x'), SNOWFLAKE.NOTIFICATION.INTEGRATION('hook'))",
      );
      const e = await failed;
      expect(e.attempt).toBe(1);
      expect(e.error).toMatch(/HTTP 404/);
      expect((await outbox()).find((r) => Number(r[0]) === e.id)?.[2]).toBe('FAILED');
    } finally {
      http.status = 200;
    }
  });

  it('refuses bad input with a positioned error and queues nothing', async () => {
    const rows = (await outbox()).length;
    const integrations = await q('SHOW NOTIFICATION INTEGRATIONS');
    const unknown = await failure(
      engine,
      "SELECT 1;\nCALL SYSTEM$SEND_EMAIL('nope', 'ops@example.com', 's', 'b')",
    );
    expect(unknown.code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect(unknown.message).toContain('nope');
    expect(unknown.details.position).toMatchObject({ line: 2, column: 24 });
    const second = await failure(
      engine,
      "CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('m'),\n  (SNOWFLAKE.NOTIFICATION.INTEGRATION('hook'), SNOWFLAKE.NOTIFICATION.INTEGRATION('missing')))",
    );
    expect(second.code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect(second.details.position).toMatchObject({ line: 2, column: 83 });
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'not a url']) {
      const e = await failure(
        engine,
        `CREATE NOTIFICATION INTEGRATION bad TYPE = WEBHOOK\n  WEBHOOK_URL = '${url}'`,
      );
      expect(e.code).toBe('DT_ERR_OPTION');
      expect(e.details.position).toMatchObject({ line: 2, column: 17 });
    }
    const notAllowed = await failure(
      engine,
      "CALL SYSTEM$SEND_EMAIL('mail', 'stranger@example.com', 's', 'b')",
    );
    expect(notAllowed.message).toContain('ALLOWED_RECIPIENTS');
    const port = await failure(engine, 'CREATE NOTIFICATION INTEGRATION bad TYPE = EMAIL SMTP_PORT = 70000');
    expect(port.details.position).toMatchObject({ line: 1, column: 62 });
    const wrongOption = await failure(
      engine,
      "CREATE NOTIFICATION INTEGRATION bad TYPE = NOTEBOOK WEBHOOK_URL = 'http://x'",
    );
    expect(wrongOption.details.position).toMatchObject({ line: 1, column: 53 });
    await expect(notify(ctx(), { integration: 'ghost', subject: 's', body: 'b' })).rejects.toThrow(
      /notification integration ghost does not exist/,
    );
    expect((await outbox()).length).toBe(rows);
    expect(await q('SHOW NOTIFICATION INTEGRATIONS')).toEqual(integrations);
  });
});
