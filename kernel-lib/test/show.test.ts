/** SHOW's filters against a real engine: LIKE, IN (the one database and schema), STARTS WITH, LIMIT. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('SHOW filters on %s', (kind) => {
  let engine: Engine;
  const names = async (sql: string) => (await engine.execute(sql))[0]?.rows.map((r) => r[1]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (k INTEGER);
      CREATE DYNAMIC TABLE daily TARGET_LAG = '1 hour' AS SELECT k FROM src;
      CREATE DYNAMIC TABLE weekly TARGET_LAG = 'DOWNSTREAM' AS SELECT k FROM daily;
      CREATE DYNAMIC TABLE dash TARGET_LAG = '1 hour' AS SELECT count(*) AS n FROM src`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('lists in name order, filtered by LIKE, STARTS WITH and LIMIT', async () => {
    expect(await names('SHOW DYNAMIC TABLES')).toEqual(['daily', 'dash', 'weekly']);
    expect(await names("SHOW DYNAMIC TABLES LIKE 'DA%'")).toEqual(['daily', 'dash']);
    expect(await names("SHOW DYNAMIC TABLES STARTS WITH 'da' LIMIT 1")).toEqual(['daily']);
    expect(await names("SHOW DYNAMIC TABLES STARTS WITH 'DA'")).toEqual([]);
    const weekly = (await engine.execute("SHOW DYNAMIC TABLES LIKE 'weekly'"))[0]?.rows[0];
    expect(weekly?.[2]).toBe('DOWNSTREAM');
  });

  it('accepts IN the current database and schema, by name or not', async () => {
    const [db, schema] =
      (await engine.execute('SELECT current_database(), current_schema()'))[0]?.rows[0] ?? [];
    expect(await names('SHOW DYNAMIC TABLES IN ACCOUNT')).toHaveLength(3);
    expect(await names(`SHOW DYNAMIC TABLES IN SCHEMA ${schema}`)).toHaveLength(3);
    expect(await names(`SHOW DYNAMIC TABLES IN "${db}".${schema}`)).toHaveLength(3);
    expect(await names(`SHOW DYNAMIC TABLES IN DATABASE "${db}"`)).toHaveLength(3);
    expect((await engine.execute('SHOW WAREHOUSES IN SCHEMA'))[0]?.rows.length).toBeGreaterThan(0);
  });

  it('refuses another schema or database, positioned at its name', async () => {
    for (const [sql, column] of [
      ['SHOW DYNAMIC TABLES IN SCHEMA analytics', 31],
      ["SHOW DYNAMIC TABLES LIKE 'd%'\n  IN DATABASE other_db", 15],
    ] as const) {
      const err = await engine.execute(sql).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DtError);
      expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
      expect((err as DtError).message).toMatch(/does not exist here/);
      expect((err as DtError).details.position?.column).toBe(column);
    }
  });
});
