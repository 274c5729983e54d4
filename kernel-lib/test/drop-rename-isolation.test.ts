/**
 * DROP DYNAMIC TABLE while another engine creates a DT reading it, on one PostgreSQL server: the drop looked
 * for readers in its engine's catalog, before its transaction, and the other engine's CREATE (its transaction
 * holding the DT's table) committed after the look; the drop then waited for it and dropped the table the new
 * reader reads ("relation up does not exist" at its next refresh). The drop now holds the table first and
 * looks again (engine/ddl.ts), so it is refused. ALTER … RENAME TO and … SWAP WITH looked the same way and left
 * the reader reading a name that had moved; they now hold and look again too.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { pgConfig } from '../src/backends/postgres.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { untilLockWaiters } from './helpers/lock-waits.js';

describe('DROP, RENAME and SWAP while another engine creates a reader (PostgreSQL server)', () => {
  let backend: Backend;
  let other: Backend;
  let dropper: Engine;
  let creator: Engine;
  let writer: pg.Client;

  beforeAll(async () => {
    backend = await freshBackend('postgres');
    dropper = await Engine.open(backend);
    await dropper.execute('CREATE TABLE w (k INTEGER); INSERT INTO w VALUES (1), (2)');
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

  /**
   * Another engine creates `reader` of `up` while an open write on w holds its CREATE (which holds `up`); then
   * `statement` runs here and waits for it. Its error once the CREATE commits; the reader refreshes and is right.
   */
  async function raced(up: string, reader: string, statement: string): Promise<unknown> {
    await dropper.execute(`CREATE DYNAMIC TABLE ${up} TARGET_LAG = '1 minute' AS SELECT k FROM w`);
    await writer.query('BEGIN');
    await writer.query('INSERT INTO w VALUES (3)');
    let created = false;
    const creating = creator
      .execute(
        `CREATE DYNAMIC TABLE ${reader} TARGET_LAG = DOWNSTREAM AS SELECT ${up}.k FROM ${up} JOIN w ON ${up}.k = w.k`,
      )
      .finally(() => {
        created = true;
      });
    await untilLockWaiters(writer, 1, () => created);
    let done = false;
    // Its error kept as a value at once (it comes while the CREATE is awaited).
    const running = dropper.execute(statement).then(
      () => undefined,
      (e: unknown) => e,
    );
    running.finally(() => {
      done = true;
    });
    // The statement waits for the CREATE, which holds the table.
    await untilLockWaiters(writer, 2, () => done);
    await writer.query('COMMIT');
    await creating;
    const error = await running;
    expect((await creator.refresh(reader)).state).toBe('SUCCEEDED');
    expect((await creator.verify(reader)).equal).toBe(true);
    return error;
  }

  it('DROP is refused when the reader commits first', async () => {
    expect(await raced('up', 'reader', 'DROP DYNAMIC TABLE up')).toMatchObject({
      code: 'DT_ERR_HAS_DEPENDENTS',
      message: 'cannot drop up: dynamic table reader depends on it',
    });
  });

  it('RENAME is refused when the reader commits first', async () => {
    expect(await raced('up2', 'reader2', 'ALTER DYNAMIC TABLE up2 RENAME TO up2b')).toMatchObject({
      code: 'DT_ERR_HAS_DEPENDENTS',
      message: 'cannot rename up2: reader2 read it by name',
    });
  });

  it('SWAP is refused when the reader commits first', async () => {
    await dropper.execute("CREATE DYNAMIC TABLE other TARGET_LAG = '1 minute' AS SELECT k + 1 AS k FROM w");
    expect(await raced('up3', 'reader3', 'ALTER DYNAMIC TABLE other SWAP WITH up3')).toMatchObject({
      code: 'DT_ERR_HAS_DEPENDENTS',
      message: 'cannot swap up3: reader3 read it by name',
    });
  });
});
