/**
 * DuckDB: a DT that other DTs read records its own changes in its change table, under a number of the change
 * sequence drawn with the refresh's other statements (capture/duckdb.ts `drawnSeq`), not in a call of its own.
 * For each plan that records (an aggregate's keys replaced, a projection's rows applied, a recompute's old rows
 * out and new rows in): no statement the refresh waits for draws a number, and the reader, refreshed
 * incrementally after it, equals its query.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const DRAW = /nextval\('dtlab\.capture_seq'\)/;

describe('a DT that others read records its changes without a call for their number (DuckDB)', () => {
  let backend: Backend;
  let engine: Engine;

  beforeEach(async () => {
    backend = await freshBackend('duckdb');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER, v INTEGER); INSERT INTO t VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE agg TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, SUM(v) AS v FROM t GROUP BY k;
      CREATE DYNAMIC TABLE proj TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, v * 2 AS w FROM t WHERE v > 0;
      CREATE DYNAMIC TABLE top TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT a.k, a.v, p.w FROM agg a JOIN proj p ON a.k = p.k`);
  });
  afterEach(async () => {
    await engine?.close();
  });

  /** Refreshes `dt` while recording; the statements it waited for, and what went with them. */
  async function refreshed(dt: string, action: string) {
    const rec = recording(backend);
    rec.on = true;
    const r = await engine.refresh(dt);
    rec.on = false;
    expect(r.refreshAction).toBe(action);
    return rec;
  }

  it('after a keyed refresh, a projection’s and a recompute, the reader follows', async () => {
    await engine.execute(
      'INSERT INTO t VALUES (3, 3); UPDATE t SET v = 5 WHERE k = 1; DELETE FROM t WHERE k = 2',
    );
    for (const dt of ['agg', 'proj']) {
      const rec = await refreshed(dt, 'INCREMENTAL');
      expect(rec.queries.filter((q) => DRAW.test(q))).toEqual([]);
      expect(rec.deferred.filter((q) => DRAW.test(q))).toHaveLength(1);
    }
    expect((await engine.refresh('top')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('top')).equal).toBe(true);
    // A recompute: the old rows out and the new rows in, each under a number of its own.
    await engine.execute('TRUNCATE t; INSERT INTO t VALUES (1, 7), (4, 4)');
    const rec = await refreshed('agg', 'REINITIALIZE');
    expect(rec.queries.filter((q) => DRAW.test(q))).toEqual([]);
    expect(rec.deferred.filter((q) => DRAW.test(q))).toHaveLength(2);
    await engine.refresh('proj');
    expect((await engine.refresh('top')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('top')).equal).toBe(true);
  });
});
