/**
 * How a delivery leaves the engine. Webhooks go through `fetch` (Node's built-in, or the page's: the receiver
 * must then allow the page's origin by CORS). Email goes through nodemailer to the SMTP server the integration
 * names; nodemailer is loaded only when an email is sent, in Node (the kernel runtime), so the browser bundle
 * never includes it: in the page an email delivery fails with a clear error instead. The notebook channel has
 * no transport: its delivery is the `delivery` event the engine publishes (engine.events$), which JupyterLab
 * shows as a notification and a badge in the Dynamic Tables sidebar.
 */
import { DtError } from '../errors.js';
import type { EmailSettings, WebhookSettings } from '../sql/integration-ddl.js';
import type { Payload } from './store.js';

/** A delivery that did not happen; `permanent` ones are not retried (a 4xx answer, a refused recipient). */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface DeliveryMeta {
  id: number;
  /** The idempotency key, sent along (webhook header, email Message-ID) so a receiver can drop a repeat. */
  key: string;
}

export interface Transports {
  webhook(s: WebhookSettings, p: Payload, meta: DeliveryMeta, timeoutMs: number): Promise<void>;
  email(s: EmailSettings, p: Payload, meta: DeliveryMeta, timeoutMs: number): Promise<void>;
}

/** Snowflake's placeholder in WEBHOOK_BODY_TEMPLATE (and header values) for the message text. */
export const MESSAGE_PLACEHOLDER = 'SNOWFLAKE_WEBHOOK_MESSAGE';

/** The request a webhook delivery makes (pure, so it can be checked without a network). */
export function webhookRequest(
  s: WebhookSettings,
  p: Payload,
  meta: DeliveryMeta,
): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Idempotency-Key': meta.key };
  for (const [k, v] of s.headers) {
    const existing = Object.keys(headers).find((h) => h.toLowerCase() === k.toLowerCase());
    if (existing) delete headers[existing];
    headers[k] = v.split(MESSAGE_PLACEHOLDER).join(p.body);
  }
  const json = /json/i.test(
    Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '',
  );
  const body =
    s.bodyTemplate === undefined
      ? JSON.stringify({ subject: p.subject, message: p.body, contentType: p.contentType, id: meta.key })
      : s.bodyTemplate.split(MESSAGE_PLACEHOLDER).join(json ? JSON.stringify(p.body).slice(1, -1) : p.body);
  return { headers, body };
}

async function postWebhook(
  s: WebhookSettings,
  p: Payload,
  meta: DeliveryMeta,
  timeoutMs: number,
): Promise<void> {
  const { headers, body } = webhookRequest(s, p, meta);
  let response: Response;
  try {
    response = await fetch(s.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    throw new DeliveryFailure(
      `POST ${s.url} failed: ${e instanceof Error ? e.message : String(e)}${cause}`,
      false,
    );
  }
  await response.body?.cancel();
  if (response.ok) return;
  // A 4xx says the request itself is wrong (except a timeout or a rate limit): sending it again will not help.
  const permanent =
    response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
  throw new DeliveryFailure(
    `POST ${s.url} answered HTTP ${response.status} ${response.statusText}`,
    permanent,
  );
}

/** True in Node (the kernel runtime, the CLI, tests); false in a browser page. */
const inNode = () =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The error an email send gets in the page runtime. */
export const emailNeedsKernel = () =>
  new DtError(
    'DT_ERR_USAGE',
    'email delivery needs the kernel runtime (Node, the DT Lab kernel): the browser runtime cannot reach an SMTP server',
    {
      hint: 'use the DT Lab kernel, or a WEBHOOK or NOTEBOOK integration in the page',
    },
  );

interface Mailer {
  createTransport(options: Record<string, unknown>): {
    sendMail(message: Record<string, unknown>): Promise<unknown>;
    close(): void;
  };
}

async function sendEmail(s: EmailSettings, p: Payload, meta: DeliveryMeta, timeoutMs: number): Promise<void> {
  if (!inNode()) throw emailNeedsKernel();
  // A specifier bundlers do not follow: nodemailer stays out of the browser bundle.
  const specifier = 'nodemailer';
  const mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as Mailer & {
    default?: Mailer;
  };
  const mailer = mod.default ?? mod;
  const transport = mailer.createTransport({
    host: s.smtpHost,
    port: s.smtpPort,
    secure: s.smtpSecure,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: s.smtpFrom,
      to: p.to,
      ...(p.cc ? { cc: p.cc } : {}),
      ...(p.bcc ? { bcc: p.bcc } : {}),
      subject: p.subject,
      ...(p.contentType === 'text/html' ? { html: p.body } : { text: p.body }),
      messageId: `<${meta.key.replace(/[^A-Za-z0-9._-]/g, '_')}@dtlab>`,
    });
  } catch (e) {
    const code = (e as { responseCode?: number }).responseCode;
    // 5xx: the server refused the message for good (no such recipient, policy); 4xx and network errors pass.
    throw new DeliveryFailure(
      `SMTP ${s.smtpHost}:${s.smtpPort}: ${e instanceof Error ? e.message : String(e)}`,
      code !== undefined && code >= 500,
    );
  } finally {
    transport.close();
  }
}

export const defaultTransports: Transports = { webhook: postWebhook, email: sendEmail };

/** Whether this runtime can send email (checked when a send is asked for, so the page says so at once). */
export const canSendEmail = inNode;
