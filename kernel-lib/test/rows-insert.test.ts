/**
 * The PostgreSQL family's insert of the engine's rows (sql/rows-insert.ts `rowArrayInsertSql`): one literal
 * array of the table's row type, each text quoted for the row, escaped again for the array, and for SQL.
 * Random rows of texts made of the characters those quotings treat specially (and any other), numbers,
 * booleans and NULLs go in and come back exactly, on PGlite and the server; so does what a VALUES list of the
 * same rows inserts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { rowArrayInsertSql, valuesInsertSql } from '../src/sql/rows-insert.js';
import { freshBackend } from './helpers/backends.js';

const special = fc.constantFrom('"', '\\', "'", ',', '(', ')', '{', '}', ' ', '\n', 'NULL', '', 'é', '✓');
const text = fc
  .array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 8 })
  .map((p) => p.join(''));
const row = fc.tuple(
  fc.option(text, { nil: null }),
  fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 }), { nil: null }),
  // Not -0: neither literal keeps it (String(-0) is '0'), and no row the engine writes carries one.
  fc.option(
    fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
    { nil: null },
  ),
  fc.option(fc.boolean(), { nil: null }),
);

describe.each(['pglite', 'postgres'] as const)('rows as an array of the row type, on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
    await backend.query('CREATE TABLE r (t TEXT, i INTEGER, d DOUBLE PRECISION, b BOOLEAN)');
    await backend.query('CREATE TABLE v (t TEXT, i INTEGER, d DOUBLE PRECISION, b BOOLEAN)');
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('inserts exactly the rows, as a VALUES list does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (rows) => {
        await backend.query('DELETE FROM r');
        await backend.query('DELETE FROM v');
        const values = rows as Value[][];
        await backend.query(rowArrayInsertSql('r', values));
        await backend.query(valuesInsertSql('v', values));
        const read = async (t: string) =>
          (await backend.query(`SELECT t, i, d, b FROM ${t}`)).rows.map((r) => [
            r[0],
            r[1] === null ? null : Number(r[1]),
            r[2] === null ? null : Number(r[2]),
            r[3],
          ]);
        const got = await read('r');
        expect(got).toEqual(rows.map((r) => [...r]));
        expect(got).toEqual(await read('v'));
      }),
      { numRuns: 60 },
    );
  });
});
