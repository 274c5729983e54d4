/**
 * A learner's write to a DT's source that the database refuses is refused in the terms of the statement as
 * written, and changes nothing. On DuckDB the engine captures the write by inserting its rows into the source's
 * change table first, where a row of the wrong width used to fail naming that internal table and counting its
 * own columns ("table chg_t has 5 columns but 6 values were supplied").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)("a refused write to a DT's source on %s", (kind) => {
  let engine: Engine;
  const count = async () => Number((await engine.execute('SELECT count(*) FROM t')).at(-1)?.rows[0]?.[0]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE t (a INTEGER, b INTEGER, c INTEGER); INSERT INTO t VALUES (1, 2, 3);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT a, b + c AS s FROM t`);
  });
  afterAll(async () => engine.close());

  it('a row of the wrong width is refused naming the table, not the change table', async () => {
    const error = await engine.execute('INSERT INTO t VALUES (4, 5, 6, 7)').then(
      () => '',
      (e: Error) => e.message,
    );
    expect(error).not.toMatch(/chg_|dtlab/);
    if (kind === 'duckdb') expect(error).toMatch(/table t has 3 columns but 4 values were supplied/);
    else expect(error).toMatch(/INSERT has more expressions than target columns/);
    expect(await count()).toBe(1);
    await engine.execute('INSERT INTO t VALUES (4, 5, 6)');
    await engine.refresh('d');
    expect((await engine.verify('d')).equal).toBe(true);
  });
});
