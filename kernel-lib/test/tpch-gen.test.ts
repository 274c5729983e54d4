import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  formatDeleteKey,
  formatTbl,
  generateOrdersWithLineitems,
  generateRows,
  rowCount,
  TPCH_COLUMNS,
  TPCH_TABLES,
  type TpchTable,
  updateOrdersWithLineitems,
  updateSet,
} from '../src/tpch/gen/index.js';
import { advanceSeed, BOUNDARIES, MODULUS, STREAM_COUNT, skipSeedRows } from '../src/tpch/gen/rng.js';

// Output of TPC-H's own dbgen at SF 0.01 (`dbgen -s 0.01`, and `-U 2` for the refresh sets).
const REFERENCE_DIR = new URL('../../data/tpch-sf0.01/', import.meta.url);
const SF = 0.01;

function reference(file: string): string {
  return gunzipSync(readFileSync(new URL(`${file}.gz`, REFERENCE_DIR))).toString('latin1');
}

const asFile = (lines: Iterable<string>): string => {
  let text = '';
  for (const line of lines) text += `${line}\n`;
  return text;
};

/** Byte-for-byte comparison that reports the first differing line instead of a giant diff. */
function expectSameFile(file: string, actual: string): void {
  const expected = reference(file);
  if (actual === expected) return;
  const want = expected.split('\n');
  const got = actual.split('\n');
  let i = 0;
  while (i < want.length && want[i] === got[i]) i++;
  expect.fail(
    `${file}: first difference at line ${i + 1} (reference has ${want.length - 1} lines, generated ${got.length - 1})\n` +
      `  dbgen:     ${JSON.stringify(want[i] ?? '<end of file>')}\n` +
      `  generated: ${JSON.stringify(got[i] ?? '<end of file>')}`,
  );
}

function* formatted<T extends TpchTable>(table: T, sf: number): Generator<string> {
  for (const row of generateRows(table, sf)) yield formatTbl(table, row);
}

describe('TPC-H dbgen port: SF 0.01 matches dbgen byte for byte', () => {
  for (const table of TPCH_TABLES) {
    it(`${table}.tbl`, () => {
      expectSameFile(`${table}.tbl`, asFile(formatted(table, SF)));
    });
  }

  for (const k of [1, 2]) {
    it(`refresh set ${k}: orders.tbl.u${k}, lineitem.tbl.u${k}, delete.${k}`, () => {
      const set = updateSet(SF, k);
      expectSameFile(`orders.tbl.u${k}`, asFile([...set.orders].map((row) => formatTbl('orders', row))));
      expectSameFile(
        `lineitem.tbl.u${k}`,
        asFile([...set.lineitems].map((row) => formatTbl('lineitem', row))),
      );
      expectSameFile(`delete.${k}`, asFile(set.deletes.map(formatDeleteKey)));
    });
  }
});

describe('TPC-H dbgen port: API', () => {
  it('rowCount agrees with the generated tables', () => {
    const expected: Record<TpchTable, number> = {
      region: 5,
      nation: 25,
      customer: 1500,
      orders: 15_000,
      lineitem: 60_175,
      part: 2000,
      partsupp: 8000,
      supplier: 100,
    };
    for (const table of TPCH_TABLES) expect(rowCount(table, SF), table).toBe(expected[table]);
    expect(rowCount('lineitem', 1)).toBe(6_001_215);
    expect(rowCount('orders', 1)).toBe(1_500_000);
  });

  it('any slice of a table equals the same rows of the whole table', () => {
    for (const table of TPCH_TABLES) {
      const all = [...generateRows(table, SF)];
      const slices = [
        { start: 1, count: 3 },
        { start: 2, count: 7 },
        { start: Math.max(1, all.length - 4), count: 10 },
        { start: Math.ceil(all.length / 3) + 1, count: 13 },
      ];
      for (const { start, count } of slices) {
        const slice = [...generateRows(table, SF, { start, count })];
        expect(slice, `${table} rows ${start}…`).toEqual(all.slice(start - 1, start - 1 + count));
      }
      expect([...generateRows(table, SF, { start: all.length + 1 })]).toEqual([]);
    }
  });

  it('skipping whole rows of a stream is drawing through them', () => {
    // skipSeedRows multiplies by a stream's precomputed jumps; advanceSeed draws rows × boundary times.
    let x = 12345;
    const next = (bound: number) => {
      x = (x * 48271) % MODULUS;
      return x % bound;
    };
    for (let i = 0; i < 400; i++) {
      const stream = next(STREAM_COUNT);
      const seed = 1 + next(MODULUS - 1);
      // Rows from 0 to past 2^40 (dbgen's update sets skip more than 2^31 draws at large scale factors).
      const rows = i < 100 ? next(64) : next(2 ** 20) * 2 ** next(21) + next(1000);
      expect(skipSeedRows(seed, stream, rows)).toBe(advanceSeed(seed, rows * (BOUNDARIES[stream] as number)));
    }
  });

  it('orders with their line items agree with the separate tables', () => {
    const orders = [...generateRows('orders', SF, { start: 101, count: 50 })];
    const batches = [...generateOrdersWithLineitems(SF, { start: 101, count: 50 })];
    expect(batches.map((b) => b.order)).toEqual(orders);
    const keys = new Set(orders.map((o) => o[0]));
    const lines = [...generateRows('lineitem', SF)].filter((l) => keys.has(l[0]));
    expect(batches.flatMap((b) => b.lineitems)).toEqual(lines);

    const update = [...updateOrdersWithLineitems(SF, 2)];
    const set = updateSet(SF, 2);
    expect(update.map((b) => b.order)).toEqual([...set.orders]);
    expect(update.flatMap((b) => b.lineitems)).toEqual([...set.lineitems]);
  });

  it('rows hold typed values in TPC-H column order', () => {
    const [line] = [...generateRows('lineitem', SF, { count: 1 })];
    expect(line).toEqual([
      1,
      1552,
      93,
      1,
      17,
      24710.35,
      0.04,
      0.02,
      'N',
      'O',
      '1996-03-13',
      '1996-02-12',
      '1996-03-22',
      'DELIVER IN PERSON',
      'TRUCK',
      'egular courts above the',
    ]);
    for (const table of TPCH_TABLES) {
      const [row] = [...generateRows(table, SF, { count: 1 })];
      expect(row?.length, table).toBe(TPCH_COLUMNS[table].length);
    }
    expect(TPCH_COLUMNS.lineitem.map((c) => c.name).slice(0, 3)).toEqual([
      'l_orderkey',
      'l_partkey',
      'l_suppkey',
    ]);
    const [region] = [...generateRows('region', SF, { count: 1 })];
    expect(region && formatTbl('region', region, { trailingSeparator: true })).toMatch(/^0\|AFRICA\|.*\|$/);
  });

  it('rejects invalid scale factors with a clear error', () => {
    for (const sf of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rowCount('orders', sf)).toThrow(/scale factor must be a finite number greater than 0/);
      expect(() => generateRows('region', sf)).toThrow(/scale factor/);
      expect(() => updateSet(sf, 1)).toThrow(/scale factor/);
    }
    expect(() => updateSet(SF, 0)).toThrow(/refresh set number/);
    expect(() => generateRows('part', SF, { start: 0 })).toThrow(/start/);
  });
});
