/** EXPLAIN CREATE DYNAMIC TABLE: says what CREATE would do and writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('EXPLAIN CREATE DYNAMIC TABLE on %s', (kind) => {
  let engine: Engine;
  const explain = async (sql: string) =>
    Object.fromEntries(((await engine.execute(sql)).at(-1)?.rows ?? []).map((r) => [r[0], r[1]]));
  const state = async () => ({
    dts: (await engine.listDynamicTables()).map((d) => d.name).sort(),
    history: (await engine.execute('SELECT count(*) FROM dtlab.refresh_history'))[0]?.rows[0]?.[0],
    relations: (
      await engine.execute(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
      )
    )[0]?.rows,
  });

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE orders (k INTEGER, v INTEGER);
      INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30);
      CREATE DYNAMIC TABLE base TARGET_LAG = DOWNSTREAM AS SELECT k, v FROM orders;
      CREATE DYNAMIC TABLE top TARGET_LAG = '1 hour' AS SELECT max(v) AS m FROM base`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('says mode, reason, reads, upstream DTs and the first refresh, creating nothing', async () => {
    const before = await state();
    const plan = await explain(
      "EXPLAIN CREATE DYNAMIC TABLE per_k TARGET_LAG = '5 minutes' AS SELECT b.k, count(*) AS n FROM base b JOIN orders o ON o.k = b.k GROUP BY b.k",
    );
    expect(plan.would).toBe('create per_k');
    expect(plan.refresh_mode).toBe('INCREMENTAL');
    expect(plan.refresh_mode_reason).toMatch(/\w/);
    expect(plan.reads).toBe('base (dynamic table), orders (table)');
    expect(plan['upstream dynamic tables']).toBe('base');
    expect(plan['first refresh reads']).toMatch(/base: 3 rows, orders: 3 rows/);
    expect(await state()).toEqual(before);
  });

  it('names the DTs a replacement would feed, and FULL with its reason', async () => {
    const plan = await explain(
      'EXPLAIN CREATE OR REPLACE DYNAMIC TABLE base TARGET_LAG = DOWNSTREAM REFRESH_MODE = FULL AS SELECT k, v FROM orders',
    );
    expect(plan.would).toMatch(/replace base/);
    expect(plan.feeds).toMatch(/^top/);
    expect(plan.refresh_mode).toBe('FULL');
    expect(plan.refresh_mode_reason).toMatch(/REFRESH_MODE = FULL/);
  });

  it("refuses what CREATE refuses, with CREATE's error and position", async () => {
    const before = await state();
    const err = await engine
      .execute("EXPLAIN CREATE DYNAMIC TABLE x TARGET_LAG = '1 hour' AS SELECT k FROM nowhere")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((err as DtError).details.position).toMatchObject({ line: 1, column: 71 });
    expect(await state()).toEqual(before);
    // EXPLAIN of anything else is the backend's.
    expect((await engine.execute('EXPLAIN SELECT * FROM orders'))[0]?.rows.length).toBeGreaterThan(0);
  });
});
