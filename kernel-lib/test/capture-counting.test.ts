/**
 * PostgreSQL family: each captured source has a counting function named as its change table
 * (`dtlab.chg_<source>(pg_snapshot)`, capture/postgres.ts), which the probe's `dtlab.changes_since`
 * (refresh/probe.ts) calls instead of planning the counting query as dynamic SQL at every call. A change table
 * an earlier version installed has no such function: the probe then counts as it did.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend } from './helpers/backends.js';

describe.each(['pglite', 'postgres'] as const)('the change counting function on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;

  beforeEach(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (g INTEGER, v INTEGER); INSERT INTO t VALUES (1, 10), (2, 20);
      CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT g, SUM(v) AS total FROM t GROUP BY g`);
  });
  afterEach(async () => {
    await engine?.close();
  });

  const one = async (sql: string) => (await backend.query(sql)).rows[0]?.[0];
  const counting = () => one("SELECT CAST(to_regprocedure('dtlab.chg_t(pg_snapshot)') AS TEXT)");
  const since = () =>
    one(
      `SELECT dtlab.changes_since('t', (SELECT position FROM dtlab.capture_positions WHERE dt_name = 'a'))`,
    );

  it('is installed with capture and is what the probe asks', async () => {
    expect(await counting()).toBe('dtlab.chg_t(pg_snapshot)');
    await engine.execute('INSERT INTO t VALUES (1, 1), (3, 3); DELETE FROM t WHERE g = 2');
    expect(await since()).toBe('2,1,false,false');
    // Another answer from the function is the probe's answer: it is called, not bypassed.
    await backend.query(`CREATE OR REPLACE FUNCTION dtlab.chg_t(snap pg_snapshot) RETURNS text
      LANGUAGE sql STABLE AS $$ SELECT '7,0' $$`);
    expect(await since()).toBe('7,0,false,false');
  });

  it('a change table without it (an earlier version) is counted as before, and a refresh is right', async () => {
    await backend.query('DROP FUNCTION dtlab.chg_t(pg_snapshot)');
    await engine.execute('INSERT INTO t VALUES (1, 1), (3, 3); DELETE FROM t WHERE g = 2');
    expect(await since()).toBe('2,1,false,false');
    expect((await engine.refresh('a')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('a')).equal).toBe(true);
    expect((await engine.refresh('a')).refreshAction).toBe('NO_DATA');
  });

  it('goes with capture: dropped when nothing reads the source, installed again with it', async () => {
    await engine.execute('DROP DYNAMIC TABLE a');
    expect(await counting()).toBeNull();
    await engine.execute("CREATE DYNAMIC TABLE b TARGET_LAG = '1 minute' AS SELECT g, v FROM t");
    expect(await counting()).toBe('dtlab.chg_t(pg_snapshot)');
    // A source altered: capture is reinstalled at the next refresh, with its counting function.
    await engine.execute('ALTER TABLE t ADD COLUMN w INTEGER; INSERT INTO t VALUES (4, 4, 4)');
    expect((await engine.refresh('b')).refreshAction).toBe('REINITIALIZE');
    expect(await counting()).toBe('dtlab.chg_t(pg_snapshot)');
    await engine.execute('INSERT INTO t VALUES (5, 5, 5)');
    expect((await engine.refresh('b')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('b')).equal).toBe(true);
  });
});
