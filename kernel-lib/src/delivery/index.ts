// PLACEHOLDER until h-delivery merges: take h-delivery's kernel-lib/src/delivery/index.ts instead of this file.
// It keeps the agreed contract (`notify(ctx, n)` validates the integration and enqueues durably) by writing
// rows of dtlab.notification_outbox; integrations are rows of dtlab.notification_integrations. The alerts
// also need `integrationExists(ctx, name)` (so CREATE ALERT can point at an unknown integration): h-delivery
// must export it (or the merge adapts alerts/notifier.ts to its catalog).
import type { Backend } from '../backends/backend.js';
import { formatTimestamp } from '../backends/backend.js';
import type { Clock } from '../clock.js';
import { DtError } from '../errors.js';

export interface DeliveryContext {
  backend: Backend;
  clock: Clock;
}

export interface OutgoingNotification {
  integration: string;
  subject: string;
  body: string;
  to?: string[];
  key?: string;
}

const DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  'CREATE TABLE IF NOT EXISTS dtlab.notification_integrations (name VARCHAR NOT NULL)',
  `CREATE TABLE IF NOT EXISTS dtlab.notification_outbox (
     integration VARCHAR NOT NULL, subject VARCHAR NOT NULL, body VARCHAR NOT NULL, recipients VARCHAR,
     dedup_key VARCHAR, enqueued_at TIMESTAMP NOT NULL)`,
];

async function install(backend: Backend): Promise<void> {
  for (const ddl of DDL) await backend.query(ddl);
}

export async function integrationExists(ctx: DeliveryContext, name: string): Promise<boolean> {
  await install(ctx.backend);
  const { rows } = await ctx.backend.query('SELECT 1 FROM dtlab.notification_integrations WHERE name = $1', [
    name,
  ]);
  return rows.length > 0;
}

export async function notify(ctx: DeliveryContext, n: OutgoingNotification): Promise<void> {
  if (!(await integrationExists(ctx, n.integration)))
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `notification integration ${n.integration} does not exist`);
  await ctx.backend.query('INSERT INTO dtlab.notification_outbox VALUES ($1, $2, $3, $4, $5, $6)', [
    n.integration,
    n.subject,
    n.body,
    n.to ? n.to.join(',') : null,
    n.key ?? null,
    formatTimestamp(ctx.clock.now()),
  ]);
}
