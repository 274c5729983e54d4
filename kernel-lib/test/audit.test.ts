/** The DDL audit trail (dtlab.dynamic_table_ddl_history): one row per DT a DDL statement changed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('DDL audit trail on %s', (kind) => {
  let engine: Engine;
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const trail = async () =>
    (
      await engine.execute(
        'SELECT name, action, changed_by, old_definition, new_definition, comment, statement FROM dtlab.dynamic_table_ddl_history ORDER BY changed_at, name',
      )
    )[0]?.rows ?? [];

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind), { clock });
    await engine.execute('CREATE TABLE src (k INTEGER)');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('records create, alter, no-op, replace, suspend, rename, swap, drop — and nothing for reads and refreshes', async () => {
    const steps = [
      "CREATE DYNAMIC TABLE a TARGET_LAG = '1 hour' COMMENT = 'first cut' AS SELECT k FROM src",
      "ALTER DYNAMIC TABLE a SET TARGET_LAG = '2 hours'",
      "CREATE OR ALTER DYNAMIC TABLE a TARGET_LAG = '2 hours' COMMENT = 'first cut' AS SELECT k FROM src",
      'ALTER DYNAMIC TABLE a REFRESH',
      'SHOW DYNAMIC TABLES',
      "CREATE OR REPLACE DYNAMIC TABLE a TARGET_LAG = '2 hours' COMMENT = 'doubled k for the report' AS SELECT k * 2 AS k FROM src",
      'ALTER DYNAMIC TABLE a SUSPEND',
      'ALTER DYNAMIC TABLE a RENAME TO b',
      "CREATE DYNAMIC TABLE c TARGET_LAG = '1 hour' AS SELECT k FROM src",
      'ALTER DYNAMIC TABLE b SWAP WITH c',
      'DROP TABLE c',
    ];
    for (const sql of steps) {
      clock.advance(60_000);
      await engine.execute(sql);
    }
    const rows = await trail();
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'a CREATE',
      'a ALTER',
      'a REPLACE',
      'a ALTER',
      'a RENAME',
      'b RENAME',
      'c CREATE',
      'b SWAP',
      'c SWAP',
      'c DROP',
    ]);
    const [create, alter, replace] = rows;
    expect(create?.[2]).toEqual(expect.any(String));
    expect(create?.[3]).toBeNull();
    expect(JSON.parse(String(create?.[4]))).toMatchObject({
      query: 'SELECT k FROM src',
      target_lag: '1 hour',
    });
    expect(JSON.parse(String(alter?.[3])).target_lag).toBe('1 hour');
    expect(JSON.parse(String(alter?.[4])).target_lag).toBe('2 hours');
    expect(replace?.[5]).toBe('doubled k for the report');
    expect(String(replace?.[6])).toMatch(/^CREATE OR REPLACE/);
  });

  it('a refused statement leaves no row', async () => {
    const n = (await trail()).length;
    await expect(engine.execute("ALTER DYNAMIC TABLE nowhere SET TARGET_LAG = '1 hour'")).rejects.toThrow();
    expect(await trail()).toHaveLength(n);
  });
});
