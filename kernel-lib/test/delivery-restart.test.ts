/**
 * Deliveries survive an engine restart on the persistent backends (PGlite with a data directory, the
 * PostgreSQL server): a delivery that failed while its receiver was down is sent by the next engine that
 * opens the database, once, and never again by the one after. Two engines draining one server's outbox at the
 * same moment send each delivery once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { pgConfig } from '../src/backends/postgres.js';
import { notify } from '../src/delivery/index.js';
import { Engine } from '../src/engine/engine.js';
import { TEST_PG_URL } from './helpers/backends.js';
import { freePort, httpReceiver } from './helpers/receivers.js';

const FAST = { baseMs: 20, maxMs: 50, maxAttempts: 50, timeoutMs: 2_000 };

interface Storage {
  open(): Promise<Backend>;
  dispose(): Promise<void>;
}

async function pgliteDir(): Promise<Storage> {
  const dir = mkdtempSync(join(tmpdir(), 'dtlab-delivery-'));
  return {
    open: () => openBackend(`pglite:${dir}`),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function pgDatabase(): Promise<Storage> {
  const name = `dtlab_delivery_${Math.random().toString(16).slice(2, 10)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client(pgConfig(TEST_PG_URL));
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    open: () => openBackend(u.toString()),
    dispose: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

describe.each([
  ['pglite', pgliteDir],
  ['postgres', pgDatabase],
] as const)('delivery across restarts on %s', (_kind, make) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await make();
  });
  afterAll(async () => storage?.dispose());

  it('sends a pending delivery after a restart, once', async () => {
    const port = await freePort();
    const first = await Engine.open(await storage.open(), { delivery: FAST });
    await first.execute(
      `CREATE NOTIFICATION INTEGRATION later TYPE = WEBHOOK WEBHOOK_URL = 'http://127.0.0.1:${port}/'`,
    );
    await notify(
      { backend: first.backend, clock: first.clock },
      { integration: 'later', subject: 's', body: 'kept', key: 'k1' },
    );
    await first.flushDeliveries(); // the receiver is down: attempt 1 fails, a retry is scheduled
    const [state, attempts] =
      (await first.execute('SELECT state, attempts FROM dtlab.notification_outbox'))[0]?.rows[0] ?? [];
    expect(state).toBe('PENDING');
    expect(Number(attempts)).toBeGreaterThanOrEqual(1);
    await first.close(); // the engine stops with the delivery still pending

    const receiver = await httpReceiver(port);
    try {
      const second = await Engine.open(await storage.open(), { delivery: FAST });
      const sent = await firstValueFrom(
        second.events$.pipe(filter((e) => e.type === 'delivery' && e.outcome === 'sent')),
      );
      expect(sent.type === 'delivery' && sent.attempt).toBeGreaterThanOrEqual(2);
      await second.close();
      const third = await Engine.open(await storage.open(), { delivery: FAST });
      await third.flushDeliveries();
      await notify(
        { backend: third.backend, clock: third.clock },
        { integration: 'later', subject: 's', body: 'kept', key: 'k1' },
      );
      await third.flushDeliveries();
      const rows = (await third.execute('SELECT state FROM dtlab.notification_outbox'))[0]?.rows;
      await third.close();
      expect(
        receiver.requests.map((r) => [JSON.parse(r.body).message, r.headers['idempotency-key']]),
      ).toEqual([['kept', 'k1']]);
      expect(rows).toEqual([['SENT']]);
    } finally {
      await receiver.close();
    }
  });

  it.runIf(_kind === 'postgres')('two engines on one server send each delivery once', async () => {
    const receiver = await httpReceiver();
    const a = await Engine.open(await storage.open(), { delivery: FAST });
    const b = await Engine.open(await storage.open(), { delivery: FAST });
    try {
      await a.execute(
        `CREATE NOTIFICATION INTEGRATION many TYPE = WEBHOOK WEBHOOK_URL = 'http://127.0.0.1:${receiver.port}/'`,
      );
      for (let i = 0; i < 20; i++)
        await notify(
          { backend: a.backend, clock: a.clock },
          { integration: 'many', subject: 's', body: `n${i}`, key: `many-${i}` },
        );
      await Promise.all([a.flushDeliveries(), b.flushDeliveries()]);
      const keys = receiver.requests.map((r) => String(r.headers['idempotency-key']));
      expect(keys.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `many-${i}`).sort());
    } finally {
      await a.close();
      await b.close();
      await receiver.close();
    }
  });
});

describe('the delivery worker and the Node process', () => {
  it('never keeps Node alive while a retry waits, and stops on close', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const port = await freePort();
    const backend = await openBackend('duckdb');
    const before = timers(); // the worker's timers, if they kept Node alive, would come on top
    const engine = await Engine.open(backend, {
      delivery: { baseMs: 3_600_000, maxMs: 3_600_000, pollMs: 3_600_000 },
    });
    try {
      await engine.execute(
        `CREATE NOTIFICATION INTEGRATION later TYPE = WEBHOOK WEBHOOK_URL = 'http://127.0.0.1:${port}/'`,
      );
      await notify(
        { backend: engine.backend, clock: engine.clock },
        { integration: 'later', subject: 's', body: 'b' },
      );
      await engine.flushDeliveries();
      await engine.flushDeliveries(); // settled: the failed attempt's retry is an hour away
      expect(timers()).toBe(before);
      const events: string[] = [];
      engine.events$.subscribe((e) => events.push(e.type === 'delivery' ? e.outcome : e.type));
      await engine.flushDeliveries(); // nothing due: the worker only sets its timer again
      expect(timers()).toBe(before); // the retry's timer is not one that keeps the process alive
      expect(events).toEqual([]);
      const [state] = (await engine.execute('SELECT state FROM dtlab.notification_outbox'))[0]?.rows[0] ?? [];
      expect(state).toBe('PENDING');
    } finally {
      await engine.close();
    }
    // Closed: kicking it does nothing, and close() again is harmless.
    await engine.flushDeliveries();
  });
});
