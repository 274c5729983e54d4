/**
 * A full recompute's counts read ahead (issue 11): on DuckDB, a DT refreshed FULL by its mode has its rows
 * and its sources' rows counted in the refresh's one statement of what writes move
 * (catalog/moving-metadata.ts), so its DELETE answers nothing and goes to the worker with the INSERT. The
 * history row's counts stay exact on the three backends, with two sources, after deletes, and with
 * IMMUTABLE WHERE (whose mutable region is counted by its DELETE, as before). On the PostgreSQL family the
 * DELETE, the INSERT and the sources' count are one statement (refresh/full-plan.ts `oneStatement`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../src/engine/engine.js';
import type { ExecutedPlan } from '../src/refresh/executor.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('a full recompute counted ahead, on %s', (kind) => {
  let engine: Engine;
  const plans = new Map<string, ExecutedPlan>();
  const count = async (sql: string) => Number((await engine.execute(sql)).at(-1)?.rows[0]?.[0]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    engine.events$.subscribe((e: EngineEvent) => {
      if (e.type === 'refresh-plan') plans.set(e.plan.name, e.plan);
    });
    await engine.execute(`CREATE TABLE a (k INTEGER, v INTEGER);
      CREATE TABLE b (k INTEGER, w INTEGER);
      INSERT INTO a VALUES (1, 1), (1, 2), (2, 3), (3, 4);
      INSERT INTO b VALUES (1, 10), (2, 20);
      CREATE DYNAMIC TABLE joined TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS
        SELECT a.k, SUM(a.v) AS s, MAX(b.w) AS w FROM a JOIN b ON a.k = b.k GROUP BY a.k;
      CREATE DYNAMIC TABLE recent TARGET_LAG = '1 minute' REFRESH_MODE = FULL
        IMMUTABLE WHERE (k < 2) AS SELECT k, v FROM a`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("records the DT's rows deleted and the sources' rows read, as counted", async () => {
    // The first refresh that reads changes after CREATE reads all of its metadata; the engine keeps the
    // static part (columns, capture) for the next ones (capture/ledger.ts).
    await engine.execute('INSERT INTO a VALUES (9, 9)');
    await engine.refresh('joined');
    for (const change of [
      'INSERT INTO a VALUES (2, 5), (4, 6); INSERT INTO b VALUES (4, 40)',
      'DELETE FROM a WHERE k = 1',
      'UPDATE b SET w = w + 1',
    ]) {
      const before = await count('SELECT count(*) FROM joined');
      await engine.execute(change);
      const record = await engine.refresh('joined');
      expect(record.refreshAction).toBe('FULL');
      expect(record.rowsDeleted).toBe(before);
      expect(record.rowsInserted).toBe(await count('SELECT count(*) FROM joined'));
      expect(record.rowsRead).toBe(
        (await count('SELECT count(*) FROM a')) + (await count('SELECT count(*) FROM b')),
      );
      expect((await engine.verify('joined')).equal).toBe(true);
      // DuckDB: the DELETE went with the INSERT (no answer of its own). The PostgreSQL family: one statement
      // deletes, inserts and counts the sources' rows (refresh/full-plan.ts oneStatement).
      const steps = plans.get('joined')?.steps ?? [];
      if (kind === 'duckdb')
        expect(steps.find((s) => s.label === 'delete the rows')?.deferred, change).toBe(true);
      else {
        expect(steps.map((s) => s.label)).toEqual([
          "replace the rows by the query's, count the sources' rows",
        ]);
        expect(steps[0]?.sql).toMatch(
          /^WITH dtlab_deleted AS \(DELETE FROM "joined" WHERE TRUE RETURNING 1\)/,
        );
        expect(steps[0]?.sql).toContain('(SELECT count(*) FROM "a") + (SELECT count(*) FROM "b")');
      }
    }
  });

  it('counts the mutable region by its DELETE, under IMMUTABLE WHERE', async () => {
    await engine.execute('INSERT INTO a VALUES (5, 7), (0, 8)');
    const region = await count('SELECT count(*) FROM recent WHERE NOT (k < 2)');
    const record = await engine.refresh('recent');
    expect(record.refreshAction).toBe('FULL');
    expect(record.rowsDeleted).toBe(region);
    const remove = plans.get('recent')?.steps.find((s) => s.label.startsWith('delete the rows'));
    expect(remove?.deferred).toBe(false);
  });
});
