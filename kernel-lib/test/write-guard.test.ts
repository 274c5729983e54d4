/** The write guard as a pure function: statement text and the DTs' names in, a verdict out. */
import { describe, expect, it } from 'vitest';
import { guardWrite, mayWrite } from '../src/engine/write-guard.js';
import { tokenize } from '../src/sql/lexer.js';

const DTS = new Set(['dt', 'Mixed']);
const verdict = (sql: string) => guardWrite(sql, tokenize(sql), DTS);

describe('guardWrite', () => {
  it.each([
    'SELECT * FROM dt',
    'EXPLAIN DELETE FROM dt',
    'INSERT INTO other SELECT * FROM dt',
    "COPY dt TO 'out.csv'",
    'CREATE TABLE snapshot AS SELECT * FROM dt',
    'CREATE VIEW v AS SELECT * FROM dt',
    'SELECT * FROM dt FOR UPDATE OF dt',
    'DELETE FROM elsewhere.dt',
    "SELECT 'DELETE FROM dt'",
    'DELETE FROM dt2',
    'DROP TABLE IF EXISTS other',
    'INSERT INTO mixed VALUES (1)',
    'CREATE FUNCTION f() RETURNS int AS $$ SELECT count(*)::int FROM src $$ LANGUAGE sql',
    'DO $$ BEGIN DELETE FROM src; END $$',
    'CALL something()',
  ])('allows %s', (sql) => {
    expect(verdict(sql)).toEqual({ kind: 'allow' });
  });

  it.each([
    ['WITH x AS (SELECT 1) DELETE FROM dt', 'dt'],
    ['DELETE FROM ONLY dt', 'dt'],
    ['EXPLAIN ANALYZE DELETE FROM dt', 'dt'],
    ['EXPLAIN (ANALYZE, COSTS OFF) UPDATE dt SET a = 1', 'dt'],
    ['PREPARE p AS DELETE FROM dt', 'dt'],
    ['MERGE INTO dt USING s ON dt.a = s.a WHEN MATCHED THEN DELETE', 'dt'],
    ['DELETE FROM public.dt', 'dt'],
    ['DELETE FROM main.dt', 'dt'],
    ['DELETE FROM memory.main.dt', 'dt'],
    ['INSERT INTO public.dt VALUES (1)', 'dt'],
    ['INSERT OR REPLACE INTO dt VALUES (1)', 'dt'],
    ['UPDATE "Mixed" SET a = 1', 'Mixed'],
    ['TRUNCATE customer, dt', 'dt'],
    ['TRUNCATE TABLE ONLY customer, ONLY dt', 'dt'],
    ['DO $$ BEGIN DELETE FROM dt; END $$', 'dt'],
    ["DO $$ BEGIN EXECUTE 'DELETE FROM ' || 'dt'; END $$", 'dt'],
    ['WITH x AS (DELETE FROM dt RETURNING *) SELECT * FROM x', 'dt'],
    ['ALTER TABLE IF EXISTS dt ADD COLUMN c INTEGER', 'dt'],
    ['ALTER TABLE ONLY dt RENAME TO other', 'dt'],
    ["COMMENT ON TABLE dt IS 'x'", 'dt'],
    ["COMMENT ON COLUMN public.dt.a IS 'x'", 'dt'],
    ['CREATE OR REPLACE TABLE dt AS SELECT 1', 'dt'],
    ['CREATE TEMPORARY VIEW dt AS SELECT 1', 'dt'],
    ['CREATE TRIGGER t BEFORE INSERT ON dt FOR EACH ROW EXECUTE FUNCTION f()', 'dt'],
    ['CREATE RULE r AS ON INSERT TO dt DO INSTEAD NOTHING', 'dt'],
    ['CREATE RULE r AS ON INSERT TO src DO ALSO DELETE FROM dt', 'dt'],
    ['CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM dt $$ LANGUAGE sql', 'dt'],
    ["CREATE FUNCTION f() RETURNS void AS 'TRUNCATE dt' LANGUAGE sql", 'dt'],
    ["EXECUTE p('dt')", 'dt'],
    ["CALL purge('dt')", 'dt'],
    ["COPY dt FROM 'in.csv'", 'dt'],
    ['DROP TABLE dt, other', 'dt'],
  ])('refuses %s, pointing at %s', (sql, table) => {
    const v = verdict(sql);
    expect(v.kind).toBe('refuse');
    if (v.kind !== 'refuse') return;
    expect(v.table).toBe(table);
    expect(sql.slice(v.offset).replace(/^"/, '').toLowerCase().startsWith(table.toLowerCase())).toBe(true);
  });

  it("DROP SCHEMA of the DTs' schema is refused at the schema", () => {
    const v = verdict('DROP SCHEMA public CASCADE');
    expect(v).toMatchObject({ kind: 'refuse', offset: 12 });
  });

  it.each([
    ['DROP TABLE dt', 11],
    ['DROP TABLE IF EXISTS public.dt', 28],
    ['drop table "Mixed" cascade', 11],
  ])('%s drops the DT through the catalog', (sql, offset) => {
    expect(verdict(sql)).toMatchObject({ kind: 'drop', offset });
  });

  it('allows everything while there are no DTs, and tells reads from possible writes', () => {
    expect(guardWrite('DELETE FROM dt', tokenize('DELETE FROM dt'), new Set())).toEqual({ kind: 'allow' });
    expect(mayWrite(tokenize('SELECT * FROM dt WHERE x IN (1, 2)'))).toBe(false);
    expect(mayWrite(tokenize('with x as (select 1) delete from dt'))).toBe(true);
  });
});
