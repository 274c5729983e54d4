/**
 * The write guard on every backend: each way of writing a dynamic table behind the catalog's back is refused
 * with DT_ERR_READ_ONLY at the DT's name and changes nothing; DROP TABLE of a DT drops it through the catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

/** The forms the tester found accepted; `S` is the backend's current schema. */
const FORMS = (S: string): [string, string][] => [
  ['WITH before DELETE', 'WITH x AS (SELECT 1) DELETE FROM dt'],
  ['DELETE FROM ONLY', 'DELETE FROM ONLY dt'],
  ['EXPLAIN ANALYZE DELETE', 'EXPLAIN ANALYZE DELETE FROM dt'],
  ['PREPARE … AS DELETE', 'PREPARE p AS DELETE FROM dt'],
  ['MERGE INTO', 'MERGE INTO dt USING customer c ON dt.id = c.id WHEN MATCHED THEN DELETE'],
  ['schema-qualified DELETE', `DELETE FROM ${S}.dt`],
  ['schema-qualified INSERT', `INSERT INTO ${S}.dt VALUES (9, 'z')`],
  ['quoted and qualified UPDATE', `UPDATE "${S}"."dt" SET name = 'z'`],
  ['multi-table TRUNCATE', 'TRUNCATE customer, dt'],
  ['DO block', 'DO $$ BEGIN DELETE FROM dt; END $$'],
  ['data-modifying CTE', 'WITH x AS (DELETE FROM dt RETURNING *) SELECT count(*) FROM x'],
  ['ALTER TABLE IF EXISTS', 'ALTER TABLE IF EXISTS dt ADD COLUMN extra INTEGER'],
  ['COMMENT ON COLUMN', "COMMENT ON COLUMN dt.name IS 'x'"],
  ['CREATE OR REPLACE TABLE', 'CREATE OR REPLACE TABLE dt AS SELECT 1 AS id'],
  ['CREATE TEMP TABLE of its name', 'CREATE TEMP TABLE dt (id INTEGER)'],
  ['DROP TABLE with others', 'DROP TABLE IF EXISTS customer, dt'],
];

describe.each(BACKEND_KINDS)('the write guard on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  const q = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const state = async () => ({
    dt: await q('SELECT id, name FROM dt ORDER BY id'),
    customer: await q('SELECT count(*) FROM customer'),
    columns: await q("SELECT column_name FROM information_schema.columns WHERE table_name = 'dt' ORDER BY 1"),
    dts: (await engine.listDynamicTables()).map((d) => d.name),
  });

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
    await engine.execute(`
      CREATE TABLE customer (id INTEGER, name VARCHAR);
      INSERT INTO customer VALUES (1, 'a'), (2, 'b'), (3, 'c');
      CREATE TABLE src (id INTEGER, name VARCHAR);
      INSERT INTO src VALUES (1, 'x'), (2, 'y');
      CREATE DYNAMIC TABLE dt TARGET_LAG = '1 minute' AS SELECT id, name FROM src;`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const schema = kind === 'duckdb' ? 'main' : 'public';
  it.each(FORMS(schema))('refuses %s at the DT, changing nothing', async (_, sql) => {
    const before = await state();
    const script = `SELECT 1;\n  ${sql}`;
    const err = await engine.execute(script).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DtError);
    const e = err as DtError;
    expect(e.code, e.message).toBe('DT_ERR_READ_ONLY');
    expect(e.details.position?.line).toBe(2);
    const at = e.details.position?.offset ?? -1;
    expect(
      script
        .slice(at, at + 4)
        .replace(/"/g, '')
        .slice(0, 2)
        .toLowerCase(),
    ).toBe('dt');
    expect(await state()).toEqual(before);
    expect((await engine.execute('ALTER DYNAMIC TABLE dt VERIFY'))[0]?.message).toMatch(/equals its query/);
  });

  it('EXECUTE / CALL naming a DT is refused; plain reads and EXPLAIN pass', async () => {
    const err = await engine.execute("CALL purge('dt')").catch((e: unknown) => e);
    expect((err as DtError).code).toBe('DT_ERR_READ_ONLY');
    expect((await q('SELECT count(*) FROM dt'))[0]?.map(Number)).toEqual([2]);
    await engine.execute('EXPLAIN DELETE FROM dt');
    await engine.execute('CREATE TABLE copy_of_dt AS SELECT * FROM dt');
    expect((await q('SELECT count(*) FROM copy_of_dt'))[0]?.map(Number)).toEqual([2]);
  });

  it('DROP TABLE [IF EXISTS] of a DT drops it through the catalog, as DROP DYNAMIC TABLE does', async () => {
    await engine.execute(
      "CREATE DYNAMIC TABLE gone TARGET_LAG = '1 minute' AS SELECT id FROM src; CREATE DYNAMIC TABLE gone2 TARGET_LAG = '1 minute' AS SELECT id FROM src",
    );
    const [r] = await engine.execute('DROP TABLE IF EXISTS gone');
    expect(r?.message).toBe('gone successfully dropped.');
    await engine.execute(`DROP TABLE ${schema}.gone2`);
    const names = (await q('SHOW DYNAMIC TABLES')).map((row) => row[1]);
    expect(names).not.toContain('gone');
    expect(names).not.toContain('gone2');
    // The catalog is whole: the name can be created and dropped again.
    await engine.execute("CREATE DYNAMIC TABLE gone TARGET_LAG = '1 minute' AS SELECT id FROM src");
    expect((await q('SELECT count(*) FROM gone'))[0]?.map(Number)).toEqual([2]);
    await engine.execute('DROP DYNAMIC TABLE gone');
  });
});
