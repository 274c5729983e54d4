/**
 * `dtlab.committed_since_snapshot()` (capture/postgres.ts PG_LATE_COMMITS): whether any transaction committed
 * after the asking transaction's snapshot. A refresh that reinstalls capture asks it, and runs again with the
 * sources locked first where one did (refresh/run.ts); a wrong "no" leaves the DT without that transaction's
 * rows. It used to look only at xids below the asking transaction's own, which a LOCK … ACCESS EXCLUSIVE (a
 * lock-first run) or a nextval assigns before the snapshot: a writer that began after that was not seen.
 * On the server only "yes" is asserted: its other databases (other test files) commit at any time.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Queryable } from '../src/backends/backend.js';
import { pgConfig } from '../src/backends/postgres.js';
import { PG_LATE_COMMITS } from '../src/capture/postgres.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';

const late = async (tx: Queryable) => (await tx.query(PG_LATE_COMMITS)).rows[0]?.[0];

describe('committed since the snapshot (PostgreSQL server)', () => {
  let backend: Backend;
  let engine: Engine;
  let other: pg.Client;

  beforeAll(async () => {
    backend = await freshBackend('postgres');
    engine = await Engine.open(backend);
    await engine.execute('CREATE TABLE t (k INTEGER); CREATE TABLE elsewhere (k INTEGER)');
    other = new pg.Client(pgConfig(serverUrlOf(backend) as string));
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await engine?.close();
  });

  /** In a REPEATABLE READ transaction: `first` before its snapshot, `meanwhile` by another session after it. */
  const ask = (first: string | undefined, meanwhile: (() => Promise<unknown>) | undefined) =>
    backend.transaction(
      async (tx) => {
        if (first) await tx.query(first);
        await tx.query('SELECT count(*) FROM t');
        await meanwhile?.();
        return late(tx);
      },
      { isolation: 'repeatable read' },
    );

  it('sees a commit whose xid is older than the asking transaction’s', async () => {
    // The other session's xid is assigned before this transaction writes (and so gets its own).
    expect(
      await ask(undefined, async () => {
        await other.query('INSERT INTO elsewhere VALUES (1)');
      }),
    ).toBe(true);
  });

  it('sees a commit whose xid is newer than the asking transaction’s (assigned by its LOCK first)', async () => {
    // Before, this answered false: only xids below the transaction's own were looked at.
    expect(
      await ask('LOCK TABLE t IN ACCESS EXCLUSIVE MODE', async () => {
        await other.query('INSERT INTO elsewhere VALUES (2)');
      }),
    ).toBe(true);
  });
});

describe('committed since the snapshot (PGlite)', () => {
  it('says no in the only session there is, after writes of its own', async () => {
    const backend = await freshBackend('pglite');
    const engine = await Engine.open(backend);
    try {
      await engine.execute('CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1)');
      const answer = await backend.transaction(async (tx) => {
        await tx.query('SELECT count(*) FROM t');
        await tx.query('INSERT INTO t VALUES (2)');
        return late(tx);
      });
      expect(answer).toBe(false);
    } finally {
      await engine.close();
    }
  });
});
