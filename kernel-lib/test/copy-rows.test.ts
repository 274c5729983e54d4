/**
 * Bulk loads (`copyRows`) keep every value exactly, on the three backends: DECIMAL and DATE text, integers past
 * 32 bits, booleans, strings with commas, quotes, line breaks and non-ASCII characters, '' apart from NULL, a
 * column list in another order than the table's, and a value longer than a CSV line may be (DuckDB's CSV
 * reader stops at 2 MB a line; its Arrow path has no such limit). The Arrow encoding DuckDB's load uses is
 * checked on its own below.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeArrowChunk } from '../src/backends/arrow-rows.js';
import type { Backend, Value } from '../src/backends/backend.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const LONG = 'x'.repeat(3 << 20);

describe.each(BACKEND_KINDS)('copyRows on %s', (kind) => {
  let db: Backend;
  beforeAll(async () => {
    db = await freshBackend(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('loads every value exactly, by column name', async () => {
    await db.query(
      'CREATE TABLE exact (k INTEGER, big BIGINT, price DECIMAL(15,2), day DATE, flag BOOLEAN, note VARCHAR)',
    );
    const rows: Value[][] = [
      ['12345678901.23', 1, 'a,"b"\nc', '1992-01-02', 9007199254740993n, true],
      ['-0.01', 2, '', '1998-12-31', 3_000_000_000, false],
      [null, 3, null, null, null, null],
      ['0.00', -2147483648, 'é 漢字 😀', '2000-02-29', -1, true],
    ];
    // The column list is not the table's order: values go by name.
    expect(await db.copyRows('exact', ['price', 'k', 'note', 'day', 'big', 'flag'], rows)).toBe(4);
    const r = await db.query(
      'SELECT k, CAST(big AS VARCHAR), price, day, flag, note FROM exact ORDER BY k NULLS FIRST',
    );
    expect(r.rows).toEqual([
      [-2147483648, '-1', '0.00', '2000-02-29', true, 'é 漢字 😀'],
      [1, '9007199254740993', '12345678901.23', '1992-01-02', true, 'a,"b"\nc'],
      [2, '3000000000', '-0.01', '1998-12-31', false, ''],
      [3, null, null, null, null, null],
    ]);
  });

  it('loads a value longer than a CSV line may be', async () => {
    await db.query('CREATE TABLE long_text (k INTEGER, t VARCHAR)');
    expect(await db.copyRows('long_text', ['k', 't'], [[1, LONG]])).toBe(1);
    const r = await db.query('SELECT length(t) FROM long_text');
    expect(Number(r.rows[0]?.[0])).toBe(LONG.length);
  });
});

describe('the Arrow encoding of rows', () => {
  it('makes 32-bit integer columns INTEGER and every other column the text of its values', () => {
    const chunk = encodeArrowChunk(
      [
        [1, 2_147_483_648, 'a', true, null, 1.5],
        [null, 2, '', false, null, 7n],
      ],
      6,
    );
    expect(chunk.rows).toBe(2);
    expect(chunk.types).toEqual(['INTEGER', 'VARCHAR', 'VARCHAR', 'VARCHAR', 'INTEGER', 'VARCHAR']);
    const table = tableFromIPC(chunk.ipc);
    expect(table.toArray().map((row) => Object.values(row.toJSON()))).toEqual([
      [1, '2147483648', 'a', 'true', null, '1.5'],
      [null, '2', '', 'false', null, '7'],
    ]);
  });

  it('encodes non-ASCII text with byte offsets', () => {
    const table = tableFromIPC(encodeArrowChunk([['é'], ['😀x'], [null], ['z']], 1).ipc);
    expect(table.toArray().map((row) => row.toJSON().c0)).toEqual(['é', '😀x', null, 'z']);
  });
});
