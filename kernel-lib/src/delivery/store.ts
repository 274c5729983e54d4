/**
 * Where notifications live: the integrations, the outbox (one row per delivery, durable before anything is
 * sent) and every attempt, in the `dtlab` schema of the engine's own database, so a pending delivery survives
 * a restart on a persistent backend. The same DDL and SQL work on both families. Times used for retries are
 * wall-clock milliseconds (delivery is about the network, not the lesson clock).
 */
import { formatTimestamp, type Queryable, type Value } from '../backends/backend.js';
import type { IntegrationSettings, IntegrationSpec } from '../sql/integration-ddl.js';

export const DELIVERY_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  `CREATE TABLE IF NOT EXISTS dtlab.notification_integrations (
     name VARCHAR NOT NULL, type VARCHAR NOT NULL, enabled BOOLEAN NOT NULL, settings VARCHAR NOT NULL,
     comment VARCHAR, created_on TIMESTAMP NOT NULL)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.notification_id_seq',
  // state: PENDING (due at next_attempt_ms) → SENDING (claimed until claimed_until_ms) → SENT | FAILED.
  `CREATE TABLE IF NOT EXISTS dtlab.notification_outbox (
     id BIGINT NOT NULL, idempotency_key VARCHAR, integration VARCHAR NOT NULL, channel VARCHAR NOT NULL,
     payload VARCHAR NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
     next_attempt_ms BIGINT NOT NULL, claimed_until_ms BIGINT, last_error VARCHAR,
     created_at TIMESTAMP NOT NULL, sent_at TIMESTAMP)`,
  'CREATE UNIQUE INDEX IF NOT EXISTS notification_outbox_key ON dtlab.notification_outbox (idempotency_key)',
  `CREATE TABLE IF NOT EXISTS dtlab.notification_attempts (
     notification_id BIGINT NOT NULL, attempt INTEGER NOT NULL, attempt_time TIMESTAMP NOT NULL,
     outcome VARCHAR NOT NULL, error VARCHAR)`,
];

export async function installDelivery(db: Queryable): Promise<void> {
  for (const ddl of DELIVERY_DDL) await db.query(ddl);
}

export interface StoredIntegration extends IntegrationSpec {
  createdOn: string;
}

export async function listIntegrations(db: Queryable): Promise<StoredIntegration[]> {
  const { rows } = await db.query(
    'SELECT name, enabled, settings, comment, created_on FROM dtlab.notification_integrations ORDER BY name',
  );
  return rows.map((r) => ({
    name: String(r[0]),
    enabled: r[1] === true || r[1] === 'true' || r[1] === 1,
    settings: JSON.parse(String(r[2])) as IntegrationSettings,
    ...(r[3] === null ? {} : { comment: String(r[3]) }),
    createdOn: String(r[4]),
  }));
}

export async function getIntegration(db: Queryable, name: string): Promise<StoredIntegration | undefined> {
  return (await listIntegrations(db)).find((i) => i.name === name);
}

export async function insertIntegration(
  db: Queryable,
  spec: IntegrationSpec,
  createdOnMs: number,
): Promise<void> {
  await db.query(
    `INSERT INTO dtlab.notification_integrations (name, type, enabled, settings, comment, created_on)
     VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMP))`,
    [
      spec.name,
      spec.settings.type,
      spec.enabled,
      JSON.stringify(spec.settings),
      spec.comment ?? null,
      formatTimestamp(createdOnMs),
    ],
  );
}

export async function deleteIntegration(db: Queryable, name: string): Promise<void> {
  await db.query('DELETE FROM dtlab.notification_integrations WHERE name = $1', [name]);
}

/** What one delivery carries: the rendered message and, for email, the envelope. */
export interface Payload {
  subject: string;
  body: string;
  contentType: 'text/plain' | 'text/html' | 'application/json';
  to?: string[];
  cc?: string[];
  bcc?: string[];
}

export interface OutboxRow {
  id: number;
  key: string | null;
  integration: string;
  channel: string;
  payload: Payload;
  state: 'PENDING' | 'SENDING' | 'SENT' | 'FAILED';
  attempts: number;
  nextAttemptMs: number;
  lastError: string | null;
}

/** Adds a delivery; a second one with the same idempotency key is not added. Returns whether it was. */
export async function enqueue(
  db: Queryable,
  row: { key: string | null; integration: string; channel: string; payload: Payload },
  nowMs: number,
): Promise<boolean> {
  if (row.key !== null) {
    const { rows } = await db.query('SELECT 1 FROM dtlab.notification_outbox WHERE idempotency_key = $1', [
      row.key,
    ]);
    if (rows.length > 0) return false;
  }
  const { rowCount } = await db.query(
    `INSERT INTO dtlab.notification_outbox
       (id, idempotency_key, integration, channel, payload, state, attempts, next_attempt_ms, created_at)
     VALUES (nextval('dtlab.notification_id_seq'), $1, $2, $3, $4, 'PENDING', 0, $5, CAST($6 AS TIMESTAMP))
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [row.key, row.integration, row.channel, JSON.stringify(row.payload), nowMs, formatTimestamp(nowMs)],
  );
  return rowCount > 0;
}

const OUTBOX_COLUMNS =
  'id, idempotency_key, integration, channel, payload, state, attempts, next_attempt_ms, last_error';

function outboxRow(r: Value[]): OutboxRow {
  return {
    id: Number(r[0]),
    key: r[1] === null ? null : String(r[1]),
    integration: String(r[2]),
    channel: String(r[3]),
    payload: JSON.parse(String(r[4])) as Payload,
    state: String(r[5]) as OutboxRow['state'],
    attempts: Number(r[6]),
    nextAttemptMs: Number(r[7]),
    lastError: r[8] === null ? null : String(r[8]),
  };
}

/** Deliveries due at `nowMs`: pending ones whose time has come, and claims whose holder went away. */
export async function dueIds(db: Queryable, nowMs: number, limit: number): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT id FROM dtlab.notification_outbox
      WHERE (state = 'PENDING' AND next_attempt_ms <= $1) OR (state = 'SENDING' AND claimed_until_ms < $1)
      ORDER BY id LIMIT ${Math.max(1, Math.floor(limit))}`,
    [nowMs],
  );
  return rows.map((r) => Number(r[0]));
}

/** When the next pending delivery is due, if any is. */
export async function nextDueMs(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query(
    `SELECT min(CASE WHEN state = 'PENDING' THEN next_attempt_ms ELSE claimed_until_ms END)
       FROM dtlab.notification_outbox WHERE state IN ('PENDING', 'SENDING')`,
  );
  const v = rows[0]?.[0];
  return v === null || v === undefined ? undefined : Number(v);
}

/**
 * Claims one delivery for `leaseMs`: a conditional UPDATE, so of two workers (two engines on one server)
 * only one gets it. Returns the row as claimed, or undefined if another worker has it or it is done.
 */
export async function claim(
  db: Queryable,
  id: number,
  nowMs: number,
  leaseMs: number,
): Promise<OutboxRow | undefined> {
  const { rowCount } = await db.query(
    `UPDATE dtlab.notification_outbox SET state = 'SENDING', claimed_until_ms = $1, attempts = attempts + 1
      WHERE id = $2 AND ((state = 'PENDING' AND next_attempt_ms <= $3) OR (state = 'SENDING' AND claimed_until_ms < $3))`,
    [nowMs + leaseMs, id, nowMs],
  );
  if (rowCount === 0) return undefined;
  const { rows } = await db.query(`SELECT ${OUTBOX_COLUMNS} FROM dtlab.notification_outbox WHERE id = $1`, [
    id,
  ]);
  return rows[0] ? outboxRow(rows[0]) : undefined;
}

/** Records an attempt's outcome: SENT, FAILED for good, or PENDING again at `retryAtMs`. */
export async function settle(
  db: Queryable,
  row: OutboxRow,
  outcome:
    | { state: 'SENT' }
    | { state: 'FAILED'; error: string }
    | { state: 'PENDING'; error: string; retryAtMs: number },
  nowMs: number,
): Promise<void> {
  const error = outcome.state === 'SENT' ? null : outcome.error;
  await db.query(
    `UPDATE dtlab.notification_outbox
        SET state = $1, last_error = $2, next_attempt_ms = $3, claimed_until_ms = NULL,
            sent_at = COALESCE(CAST($4 AS TIMESTAMP), sent_at)
      WHERE id = $5 AND state = 'SENDING'`,
    [
      outcome.state,
      error,
      outcome.state === 'PENDING' ? outcome.retryAtMs : row.nextAttemptMs,
      outcome.state === 'SENT' ? formatTimestamp(nowMs) : null,
      row.id,
    ],
  );
  await db.query(
    `INSERT INTO dtlab.notification_attempts (notification_id, attempt, attempt_time, outcome, error)
     VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5)`,
    [row.id, row.attempts, formatTimestamp(nowMs), outcome.state === 'SENT' ? 'SENT' : 'ERROR', error],
  );
}

export async function listOutbox(db: Queryable): Promise<OutboxRow[]> {
  const { rows } = await db.query(`SELECT ${OUTBOX_COLUMNS} FROM dtlab.notification_outbox ORDER BY id`);
  return rows.map(outboxRow);
}
