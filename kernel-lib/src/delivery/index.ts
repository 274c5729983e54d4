/**
 * Delivery of notifications: integrations (WEBHOOK, EMAIL, DT Lab's NOTEBOOK), a durable outbox in the
 * engine's database, and a worker that sends with retries (docs/delivery.md). `notify` is how other parts of
 * the engine (alerts) send: pass the engine's context, whose `delivery` starts the send at once.
 */
import { DtError } from '../errors.js';
import { type DeliveryContext, findIntegration, planSend } from './statements.js';
import { enqueue, listIntegrations } from './store.js';

export type { DeliveryContext, DeliveryTrigger } from './statements.js';
export { runNotificationStatement } from './statements.js';
export { installDelivery, listOutbox, type OutboxRow } from './store.js';
export { DeliveryFailure, defaultTransports, type Transports, webhookRequest } from './transports.js';
export {
  backoffMs,
  DEFAULT_RETRY,
  type DeliveryAttemptEvent,
  type DeliveryErrorEvent,
  type DeliveryEvent,
  DeliveryWorker,
  RETRY_LIMITS,
  type RetryPolicy,
  retryPolicy,
} from './worker.js';

export interface Notification {
  integration: string;
  subject: string;
  body: string;
  /** Email recipients (else the integration's DEFAULT_RECIPIENTS). */
  to?: string[];
  /** An idempotency key: a notification with a key already queued is not queued (nor sent) again. */
  key?: string;
}

/**
 * Queues a notification durably (the outbox, in the engine's database) and starts its delivery. Throws
 * DT_ERR_UNKNOWN_OBJECT naming the integration if it does not exist; queues nothing on any error.
 */
export async function notify(ctx: DeliveryContext, n: Notification): Promise<void> {
  const all = await listIntegrations(ctx.backend);
  if (!findIntegration(all, n.integration))
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `notification integration ${n.integration} does not exist`);
  const planned = planSend(all, [{ contentType: 'text/plain', content: n.body }], {
    integration: n.integration,
    at: 0,
    subject: n.subject,
    ...(n.to ? { to: n.to } : {}),
  });
  await enqueue(ctx.backend, { key: n.key ?? null, ...planned }, Date.now());
  ctx.delivery?.kick();
}

/** Whether a notification integration of that name exists (what an alert's channel must name). */
export async function integrationExists(ctx: DeliveryContext, name: string): Promise<boolean> {
  return findIntegration(await listIntegrations(ctx.backend), name) !== undefined;
}
