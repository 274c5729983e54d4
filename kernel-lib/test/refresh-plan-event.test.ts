/**
 * The executor's record of a refresh (issue 11): the engine publishes the steps each successful refresh ran
 * (EngineEvent `refresh-plan`, no statement of its own), and EXPLAIN REFRESH shows the last one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import type { ExecutedPlan } from '../src/refresh/executor.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('the executed plan on %s', (kind) => {
  let engine: Engine;
  const plans: ExecutedPlan[] = [];

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    engine.events$.subscribe((e: EngineEvent) => {
      if (e.type === 'refresh-plan') plans.push(e.plan);
    });
    await engine.execute(`CREATE TABLE ords (ok INTEGER, ck INTEGER, price INTEGER);
      INSERT INTO ords VALUES (1, 1, 10), (2, 2, 20);
      CREATE DYNAMIC TABLE per_ck TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT ck, COUNT(*) AS n, SUM(price) AS total FROM ords GROUP BY ck`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const explain = async () => (await engine.execute('EXPLAIN REFRESH per_ck')).at(-1)?.rows ?? [];

  it('before any refresh in the session, EXPLAIN REFRESH says so; an unknown name is an error', async () => {
    expect((await explain())[0]?.[1]).toMatch(/no refresh of per_ck has run in this session/);
    await expect(engine.execute('EXPLAIN REFRESH nope')).rejects.toBeInstanceOf(DtError);
  });

  it('publishes each step of an incremental refresh, and EXPLAIN REFRESH shows them', async () => {
    await engine.execute('INSERT INTO ords VALUES (3, 1, 5)');
    const record = await engine.refresh('per_ck');
    expect(record.refreshAction).toBe('INCREMENTAL');
    const plan = plans.at(-1) as ExecutedPlan;
    expect(plan.refreshId).toBe(record.refreshId);
    expect(plan.action).toBe('INCREMENTAL');
    const labels = plan.steps.map((s) => s.label);
    // Neither family looks for NULL keys first (refresh/replace.ts): the first answer read is DuckDB's DELETE
    // (its count; every key matched by IS NOT DISTINCT FROM), the PostgreSQL family's one-statement replace.
    const answered = kind === 'duckdb' ? "delete the keys' rows" : "replace the keys' rows";
    // DuckDB replaces its keys table (CREATE OR REPLACE); the PostgreSQL family fills one it keeps
    // (refresh/keys-steps.ts).
    const keysSteps =
      kind === 'duckdb'
        ? ["compute the delta's groups"]
        : [
            "keep a table for the delta's groups",
            "empty the kept delta's groups",
            "compute the delta's groups",
          ];
    expect(labels.slice(0, keysSteps.length)).toEqual(keysSteps);
    const compute = plan.steps[keysSteps.length - 1];
    expect(compute?.reads).toEqual(['ords']);
    expect(compute?.writes[0]).toMatch(kind === 'duckdb' ? /^dtlab_keys$/ : /^dtlab_keys_[0-9a-z]+$/);
    // The first answer read ran, with a time and a row; the statements before it were deferred into its round
    // trip (every backend defers).
    const first = plan.steps.findIndex((s) => s.label === answered);
    expect(first).toBeGreaterThan(keysSteps.length - 1);
    expect(plan.steps[first]?.deferred).toBe(false);
    expect(plan.steps[first]?.rows).toBe(1);
    expect(plan.steps[0]?.deferred).toBe(true);
    const rows = await explain();
    expect(rows[0]?.[1]).toMatch(/^INCREMENTAL at .*: /);
    expect(rows.slice(1).map((r) => r[1])).toEqual(labels);
    expect(rows[keysSteps.length]?.[2]).toBe('ords');
  });

  it("an update that keeps a group's MAX does not recompute it; a delete of the MAX does", async () => {
    await engine.execute(`CREATE TABLE pts (id INTEGER, g INTEGER, v INTEGER, note VARCHAR);
      INSERT INTO pts VALUES (1, 1, 10, 'a'), (2, 1, 30, 'b'), (3, 2, 5, 'c');
      CREATE DYNAMIC TABLE top_v TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT g, MAX(v) AS top, COUNT(*) AS n FROM pts GROUP BY g`);
    const refreshed = async () => {
      await engine.refresh('top_v');
      const plan = plans.at(-1) as ExecutedPlan;
      expect(plan.name).toBe('top_v');
      const { rows } = await engine.backend.query('SELECT g, top, n FROM top_v ORDER BY g');
      return { labels: plan.steps.map((s) => s.label), rows: rows.map((r) => r.map(Number)) };
    };
    // The row holding group 1's MAX is updated (deleted and inserted) with its value kept: no recompute.
    await engine.execute("UPDATE pts SET note = 'changed' WHERE id = 2");
    const kept = await refreshed();
    expect(kept.labels).toContain('find the groups whose extremes a delete reached');
    expect(kept.labels).not.toContain('recompute their extremes');
    expect(kept.rows).toEqual([
      [1, 30, 2],
      [2, 5, 1],
    ]);
    // Raised: the inserted value is beyond the deleted one, still no recompute.
    await engine.execute('UPDATE pts SET v = 40 WHERE id = 2');
    const raised = await refreshed();
    expect(raised.labels).not.toContain('recompute their extremes');
    expect(raised.rows).toEqual([
      [1, 40, 2],
      [2, 5, 1],
    ]);
    // Lowered below another row's value, or deleted: the group's MAX is recomputed from the source.
    await engine.execute('UPDATE pts SET v = 7 WHERE id = 2');
    const lowered = await refreshed();
    expect(lowered.labels).toContain('recompute their extremes');
    expect(lowered.rows).toEqual([
      [1, 10, 2],
      [2, 5, 1],
    ]);
    await engine.execute('DELETE FROM pts WHERE id = 1');
    const deleted = await refreshed();
    expect(deleted.labels).toContain('recompute their extremes');
    expect(deleted.rows).toEqual([
      [1, 7, 1],
      [2, 5, 1],
    ]);
  });

  it('a full refresh publishes its recompute', async () => {
    await engine.execute(
      "CREATE OR REPLACE DYNAMIC TABLE whole TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT ck FROM ords",
    );
    await engine.execute('INSERT INTO ords VALUES (4, 3, 1)');
    await engine.refresh('whole');
    const plan = plans.at(-1) as ExecutedPlan;
    expect(plan.name).toBe('whole');
    // The PostgreSQL family replaces the rows and counts the sources' in one statement (refresh/full-plan.ts).
    if (kind === 'duckdb') {
      expect(plan.steps.map((s) => s.label)).toEqual(['delete the rows', "insert the query's rows"]);
      expect(plan.steps[1]?.rows).toBe(4);
    } else {
      expect(plan.steps.map((s) => s.label)).toEqual([
        "replace the rows by the query's, count the sources' rows",
      ]);
      expect(plan.steps[0]?.rows).toBe(1);
    }
  });
});
