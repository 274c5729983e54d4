/**
 * No lost write at creation (issue 12, item 2), on the PostgreSQL server with two sessions: a transaction
 * holding an uncommitted write to a source while CREATE DYNAMIC TABLE runs is either in the DT's initial
 * contents or in its first delta, whether capture on that source is new or already installed. And a CREATE
 * installing capture does not collide with another session replacing capture's shared functions.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { pgConfig } from '../src/backends/postgres.js';
import { PG_CAPTURE_DDL } from '../src/capture/postgres.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { untilLockWaiters } from './helpers/lock-waits.js';

describe('CREATE DYNAMIC TABLE while another session holds an uncommitted write (PostgreSQL server)', () => {
  let backend: Backend;
  let engine: Engine;
  let writer: pg.Client;

  beforeAll(async () => {
    backend = await freshBackend('postgres');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE fresh (k INTEGER); INSERT INTO fresh VALUES (1);
      CREATE TABLE watched (k INTEGER); INSERT INTO watched VALUES (1);
      CREATE DYNAMIC TABLE first_reader TARGET_LAG = '1 minute' AS SELECT k FROM watched`);
    writer = new pg.Client(pgConfig(serverUrlOf(backend) as string));
    await writer.connect();
  });
  afterAll(async () => {
    await writer?.end();
    await engine?.close();
  });

  /** Runs `create` while the writer holds an uncommitted insert into `source`, committing it meanwhile. */
  async function createDuringWrite(source: string, create: string): Promise<void> {
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO ${source} VALUES (2)`);
    let done = false;
    const creating = engine.execute(create).finally(() => {
      done = true;
    });
    await untilLockWaiters(writer, 1, () => done);
    await writer.query('COMMIT');
    await creating;
  }

  it.each([
    ['a source capture is installed for', 'fresh'],
    ['a source already captured', 'watched'],
  ])('keeps the write of %s', async (_what, source) => {
    const dt = `${source}_dt`;
    await createDuringWrite(
      source,
      `CREATE DYNAMIC TABLE ${dt} TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT k FROM ${source}`,
    );
    await engine.refresh(dt);
    expect((await engine.verify(dt)).equal).toBe(true);
    expect((await engine.execute(`SELECT k FROM ${dt} ORDER BY k`))[0]?.rows).toEqual([[1], [2]]);
  });

  it("installs capture while another session's transaction replaces capture's shared functions", async () => {
    // What an engine opening does in its transaction. The CREATE waits for that transaction (its trigger names
    // a function being replaced); before, it replaced the functions too, and failed with "tuple concurrently
    // updated" once the other committed.
    await engine.execute('CREATE TABLE other (k INTEGER); INSERT INTO other VALUES (1)');
    await writer.query('BEGIN');
    for (const ddl of PG_CAPTURE_DDL) await writer.query(ddl);
    let done = false;
    const creating = engine
      .execute(
        `CREATE DYNAMIC TABLE other_dt TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT k FROM other`,
      )
      .finally(() => {
        done = true;
      });
    await untilLockWaiters(writer, 1, () => done);
    await writer.query('COMMIT');
    await creating;
    await engine.execute('INSERT INTO other VALUES (2)');
    expect((await engine.refresh('other_dt')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('other_dt')).equal).toBe(true);
  });
});
