/** INITIALIZATION_WAREHOUSE: validated, stored, shown, and the initial refresh is billed to it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('INITIALIZATION_WAREHOUSE on %s', (kind) => {
  let engine: Engine;
  const one = async (sql: string) => (await engine.execute(sql)).at(-1);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 20);
      CREATE WAREHOUSE big_wh WAREHOUSE_SIZE = XLARGE`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('bills the initial refresh to it and later refreshes to WAREHOUSE', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE sums TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
      INITIALIZATION_WAREHOUSE = big_wh AS SELECT k, SUM(v) AS s FROM src GROUP BY k`);
    await engine.execute('INSERT INTO src VALUES (3, 30)');
    await engine.refresh('sums');
    const history = await one(
      "SELECT refresh_trigger, warehouse FROM dtlab.refresh_history WHERE name = 'sums' ORDER BY refresh_id",
    );
    expect(history?.rows).toEqual([
      ['CREATION', 'big_wh'],
      ['MANUAL', 'compute_wh'],
    ]);
    expect((await engine.verify('sums')).equal).toBe(true);
    const show = await one("SHOW DYNAMIC TABLES LIKE 'sums'");
    const at = show?.columns.findIndex((c) => c.name === 'initialization_warehouse') ?? -1;
    expect(show?.rows[0]?.[at]).toBe('big_wh');
  });

  it('CREATE OR ALTER changes it in place, keeping the data', async () => {
    const before = (await one('SELECT count(*) FROM dtlab.refresh_history'))?.rows[0]?.[0];
    expect(
      (
        await one(`CREATE OR ALTER DYNAMIC TABLE sums TARGET_LAG = '1 hour' WAREHOUSE = compute_wh
      AS SELECT k, SUM(v) AS s FROM src GROUP BY k`)
      )?.message,
    ).toMatch(/INITIALIZATION_WAREHOUSE unset/);
    expect(
      (await engine.listDynamicTables()).find((d) => d.name === 'sums')?.initializationWarehouse,
    ).toBeUndefined();
    expect((await one('SELECT count(*) FROM dtlab.refresh_history'))?.rows[0]?.[0]).toEqual(before);
  });

  it('refuses an unknown warehouse at the option, creating nothing', async () => {
    const sql =
      "CREATE DYNAMIC TABLE nope TARGET_LAG = '1 hour'\n  INITIALIZATION_WAREHOUSE = ghost_wh AS SELECT k FROM src";
    const err = await engine.execute(sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((err as DtError).details.position).toMatchObject({ line: 2, column: 3 });
    expect((await engine.listDynamicTables()).map((d) => d.name)).toEqual(['sums']);
  });
});
