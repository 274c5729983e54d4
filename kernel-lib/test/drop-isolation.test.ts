/**
 * DROP DYNAMIC TABLE while another engine creates a DT reading it, on one PostgreSQL server: the drop looked
 * for readers in its engine's catalog, before its transaction, and the other engine's CREATE (its transaction
 * holding the DT's table) committed after the look; the drop then waited for it and dropped the table the new
 * reader reads ("relation up does not exist" at its next refresh). The drop now holds the table first and
 * looks again (engine/ddl.ts), so it is refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { pgConfig } from '../src/backends/postgres.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { untilLockWaiters } from './helpers/lock-waits.js';

describe('DROP DYNAMIC TABLE while another engine creates a reader of it (PostgreSQL server)', () => {
  let backend: Backend;
  let other: Backend;
  let dropper: Engine;
  let creator: Engine;
  let writer: pg.Client;

  beforeAll(async () => {
    backend = await freshBackend('postgres');
    dropper = await Engine.open(backend);
    await dropper.execute(`CREATE TABLE w (k INTEGER); INSERT INTO w VALUES (1), (2);
      CREATE DYNAMIC TABLE up TARGET_LAG = '1 minute' AS SELECT k FROM w`);
    other = await openBackend(serverUrlOf(backend) as string);
    creator = await Engine.open(other);
    writer = new pg.Client(pgConfig(serverUrlOf(backend) as string));
    await writer.connect();
  });
  afterAll(async () => {
    await writer?.end();
    await creator?.close();
    await dropper?.close();
  });

  it('is refused when the reader commits first', async () => {
    // An open write on w: the CREATE holds `up` and waits for w (engine/create.ts awaitWriters).
    await writer.query('BEGIN');
    await writer.query('INSERT INTO w VALUES (3)');
    let created = false;
    const creating = creator
      .execute(
        'CREATE DYNAMIC TABLE reader TARGET_LAG = DOWNSTREAM AS SELECT up.k FROM up JOIN w ON up.k = w.k',
      )
      .finally(() => {
        created = true;
      });
    await untilLockWaiters(writer, 1, () => created);
    let dropped = false;
    // Its error kept as a value at once (it comes while the CREATE is awaited).
    const dropping = dropper.execute('DROP DYNAMIC TABLE up').then(
      () => undefined,
      (e: unknown) => e,
    );
    dropping.finally(() => {
      dropped = true;
    });
    // The drop waits for the CREATE, which holds `up`.
    await untilLockWaiters(writer, 2, () => dropped);
    await writer.query('COMMIT');
    await creating;
    expect(await dropping).toMatchObject({
      code: 'DT_ERR_HAS_DEPENDENTS',
      message: 'cannot drop up: dynamic table reader depends on it',
    });
    expect((await creator.refresh('reader')).state).toBe('SUCCEEDED');
    expect((await creator.verify('reader')).equal).toBe(true);
  });
});
