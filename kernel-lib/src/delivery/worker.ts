/**
 * The delivery worker: drains the outbox (delivery/store.ts). It runs when the engine opens (so deliveries
 * left pending by a previous run go out), when a send is queued, when a retry falls due, and every
 * `pollMs` (deliveries queued by another engine on the same server). Each delivery is claimed by a
 * conditional UPDATE before it is sent, so two workers never send one delivery; a failed attempt is recorded
 * and retried with exponential backoff in wall time, up to `maxAttempts`. Its timers never keep Node alive,
 * and `close()` stops it (the engine closes it).
 */
import type { Backend } from '../backends/backend.js';
import { DtError, messageOf } from '../errors.js';
import { claim, dueIds, getIntegration, nextDueMs, type OutboxRow, settle } from './store.js';
import { DeliveryFailure, type Transports } from './transports.js';

export interface RetryPolicy {
  /** First retry after this many ms; each later one waits twice as long as the one before. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** After this many attempts a delivery is FAILED for good. */
  maxAttempts: number;
  /** One attempt's network timeout. */
  timeoutMs: number;
  /** How long a claimed delivery stays claimed; past it (its worker died) another worker takes it over. */
  leaseMs: number;
  /** How often an idle worker looks for deliveries queued elsewhere. */
  pollMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseMs: 1_000,
  maxMs: 300_000,
  maxAttempts: 8,
  timeoutMs: 15_000,
  leaseMs: 120_000,
  pollMs: 5_000,
};

/** The documented range of each setting (docs/delivery.md). */
export const RETRY_LIMITS: Record<keyof RetryPolicy, [number, number]> = {
  baseMs: [1, 3_600_000],
  maxMs: [1, 86_400_000],
  maxAttempts: [1, 100],
  timeoutMs: [100, 600_000],
  leaseMs: [1_000, 86_400_000],
  pollMs: [50, 3_600_000],
};

export function retryPolicy(given: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...given };
  for (const [k, [lo, hi]] of Object.entries(RETRY_LIMITS)) {
    const v = policy[k as keyof RetryPolicy];
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new DtError('DT_ERR_USAGE', `delivery ${k} must be a whole number from ${lo} to ${hi}, got ${v}`);
  }
  if (policy.leaseMs <= policy.timeoutMs)
    throw new DtError('DT_ERR_USAGE', 'delivery leaseMs must be longer than timeoutMs');
  return policy;
}

/** The wait before retry number `attempt` + 1, after `attempt` failed attempts (pure). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** What the engine publishes about a delivery (on `events$`). */
export type DeliveryEvent = DeliveryAttemptEvent | DeliveryErrorEvent;

/** The worker could not read or write the outbox (it looks again after `pollMs`). */
export interface DeliveryErrorEvent {
  type: 'delivery-error';
  /** Wall-clock ms. */
  at: number;
  message: string;
}

/** An attempt's outcome. */
export interface DeliveryAttemptEvent {
  type: 'delivery';
  outcome: 'sent' | 'retrying' | 'failed';
  id: number;
  integration: string;
  channel: string;
  subject: string;
  body: string;
  attempt: number;
  error?: string;
  /** Wall-clock ms of the next attempt, when retrying. */
  retryAt?: number;
}

export interface WorkerContext {
  backend: Backend;
  policy: RetryPolicy;
  transports: Transports;
  publish(e: DeliveryEvent): void;
  /** Wall-clock milliseconds. */
  now(): number;
}

/** At most this many deliveries are claimed per look (the rest on the next). */
const BATCH = 16;
/** setTimeout's largest delay. */
const MAX_DELAY = 2 ** 31 - 1;

export class DeliveryWorker {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly ctx: WorkerContext) {}

  /** Looks at the outbox now (or right after the look under way). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.running = this.drain()
      .catch((e: unknown) => {
        // The database is away (or closing): say so, and look again later.
        this.ctx.publish({ type: 'delivery-error', at: this.ctx.now(), message: messageOf(e) });
        this.schedule(this.ctx.policy.pollMs);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Looks at the outbox now and waits until the look (and any asked for meanwhile) is done. */
  async flush(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  /** Stops the worker: no new attempt starts; waits for the one under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.running;
  }

  private async drain(): Promise<void> {
    const { backend, now } = this.ctx;
    for (;;) {
      if (this.closed) return;
      const ids = await dueIds(backend, now(), BATCH);
      if (ids.length === 0) break;
      for (const id of ids) {
        if (this.closed) return;
        await this.deliver(id);
      }
    }
    const next = await nextDueMs(backend);
    this.schedule(Math.min(this.ctx.policy.pollMs, next === undefined ? Infinity : next - now()));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.clearTimer();
    this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(MAX_DELAY, delayMs)));
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async deliver(id: number): Promise<void> {
    const { backend, policy, now } = this.ctx;
    const row = await claim(backend, id, now(), policy.leaseMs);
    if (!row) return; // another worker has it, or it is done
    let error: string | undefined;
    let permanent = false;
    try {
      await this.send(row);
    } catch (e) {
      error = messageOf(e);
      permanent = e instanceof DeliveryFailure ? e.permanent : e instanceof DtError;
    }
    const at = now();
    const base = {
      type: 'delivery' as const,
      id: row.id,
      integration: row.integration,
      channel: row.channel,
      subject: row.payload.subject,
      body: row.payload.body,
      attempt: row.attempts,
    };
    if (error === undefined) {
      await backend.transaction((tx) => settle(tx, row, { state: 'SENT' }, at));
      this.ctx.publish({ ...base, outcome: 'sent' });
      return;
    }
    const failed = error;
    if (permanent || row.attempts >= policy.maxAttempts) {
      await backend.transaction((tx) => settle(tx, row, { state: 'FAILED', error: failed }, at));
      this.ctx.publish({ ...base, outcome: 'failed', error });
    } else {
      const retryAt = at + backoffMs(policy, row.attempts);
      await backend.transaction((tx) =>
        settle(tx, row, { state: 'PENDING', error: failed, retryAtMs: retryAt }, at),
      );
      this.ctx.publish({ ...base, outcome: 'retrying', error, retryAt });
    }
  }

  private async send(row: OutboxRow): Promise<void> {
    const integration = await getIntegration(this.ctx.backend, row.integration);
    if (!integration)
      throw new DeliveryFailure(`notification integration ${row.integration} no longer exists`, true);
    if (!integration.enabled)
      throw new DeliveryFailure(
        `notification integration ${row.integration} is disabled (ENABLED = FALSE)`,
        true,
      );
    const s = integration.settings;
    if (s.type !== row.channel)
      throw new DeliveryFailure(
        `notification integration ${row.integration} is now of TYPE = ${s.type}, not ${row.channel}`,
        true,
      );
    const meta = { id: row.id, key: row.key ?? `dtlab-${row.id}` };
    if (s.type === 'WEBHOOK')
      await this.ctx.transports.webhook(s, row.payload, meta, this.ctx.policy.timeoutMs);
    else if (s.type === 'EMAIL')
      await this.ctx.transports.email(s, row.payload, meta, this.ctx.policy.timeoutMs);
    // NOTEBOOK: the `sent` event is the delivery (JupyterLab shows it).
  }
}
