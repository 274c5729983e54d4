/** The scheduler tests' 3-tier pipeline (Scenario B's shape) and checks shared by them. */
import { expect } from 'vitest';
import type { Value } from '../../src/backends/backend.js';
import type { Engine } from '../../src/engine/engine.js';

/**
 * base (DOWNSTREAM) → daily (1 minute) → weekly (10 minutes), over a plain table `<p>_src`. REFRESH_MODE =
 * FULL keeps the expected actions independent of the incremental engine (which has its own tests).
 */
export function pipelineSql(p: string, warehouse = 'compute_wh'): string {
  return `
    CREATE TABLE ${p}_src (id INTEGER, day INTEGER, amount INTEGER);
    INSERT INTO ${p}_src VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5);
    CREATE DYNAMIC TABLE ${p}_base TARGET_LAG = DOWNSTREAM WAREHOUSE = ${warehouse} REFRESH_MODE = FULL
      AS SELECT id, day, amount FROM ${p}_src WHERE amount > 0;
    CREATE DYNAMIC TABLE ${p}_daily TARGET_LAG = '1 minute' WAREHOUSE = ${warehouse} REFRESH_MODE = FULL
      AS SELECT day, COUNT(*) AS orders, SUM(amount) AS revenue FROM ${p}_base GROUP BY day;
    CREATE DYNAMIC TABLE ${p}_weekly TARGET_LAG = '10 minutes' WAREHOUSE = ${warehouse} REFRESH_MODE = FULL
      AS SELECT day / 7 AS week, SUM(orders) AS orders, SUM(revenue) AS revenue FROM ${p}_daily GROUP BY day / 7;`;
}

export const PIPELINE_QUERIES = (p: string): Record<string, string> => ({
  [`${p}_base`]: `SELECT id, day, amount FROM ${p}_src WHERE amount > 0`,
  [`${p}_daily`]: `SELECT day, COUNT(*) AS orders, SUM(amount) AS revenue FROM ${p}_base GROUP BY day`,
  [`${p}_weekly`]: `SELECT day / 7 AS week, SUM(orders) AS orders, SUM(revenue) AS revenue FROM ${p}_daily GROUP BY day / 7`,
});

export async function rows(engine: Engine, sql: string): Promise<Value[][]> {
  return (await engine.execute(sql)).at(-1)?.rows ?? [];
}

/** The oracle: the DT holds exactly its query's rows (as multisets). */
export async function expectEqualsQuery(engine: Engine, dt: string, query: string): Promise<void> {
  const diff = await rows(
    engine,
    `SELECT count(*) FROM ((SELECT * FROM ${dt} EXCEPT ALL (${query}))
       UNION ALL ((${query}) EXCEPT ALL SELECT * FROM ${dt})) AS d`,
  );
  expect(Number(diff[0]?.[0]), `${dt} differs from its query`).toBe(0);
}

/** History rows of the DTs named, oldest first, as [name, state, action, trigger, data_timestamp]. */
export async function historyOf(engine: Engine, names: string[]): Promise<Value[][]> {
  return rows(
    engine,
    `SELECT name, state, refresh_action, refresh_trigger, data_timestamp FROM dtlab.dynamic_table_refresh_history
      WHERE name IN (${names.map((n) => `'${n}'`).join(', ')}) ORDER BY refresh_id`,
  );
}
