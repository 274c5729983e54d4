/**
 * The oracle for COUNT(DISTINCT x) kept by counted values (plan/distinct.ts): per group and value, the count
 * of input rows carrying it, moved by the change rows' weights; a group's distinct count moves only where a
 * value's count leaves or reaches 0. Grouped and whole-table, beside COUNT/SUM/AVG/MIN/MAX, two COUNT(DISTINCT)
 * in one query, over a join (the shape of Scenario D's priority_orders_complex), with NULL values and NULL
 * groups. Created with REFRESH_MODE = INCREMENTAL; every refresh must be INCREMENTAL or NO_DATA and VERIFY
 * equal, after random inserts (duplicates), updates moving rows and values between groups, deletes that
 * empty groups, and refills. On DuckDB, PGlite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { incrementalOnly, insertSql, lit, Oracle, small } from './helpers/oracle.js';

export const DISTINCT_DTS: [string, string][] = [
  ['cd_grouped', 'SELECT g, COUNT(DISTINCT v) AS dv, COUNT(*) AS n FROM a GROUP BY g'],
  [
    'cd_mixed',
    'SELECT g, s, COUNT(DISTINCT v) AS dv, COUNT(DISTINCT k) AS dk, SUM(v) AS sv, MIN(v) AS mn, MAX(k) AS mx FROM a GROUP BY g, s',
  ],
  [
    'cd_join',
    'SELECT b.w, COUNT(DISTINCT a.k) AS orders, COUNT(*) AS lines FROM a JOIN b ON b.k = a.k GROUP BY b.w',
  ],
  ['cd_whole', 'SELECT COUNT(DISTINCT s) AS ds, COUNT(DISTINCT v) AS dv, COUNT(*) AS n FROM a'],
  ['cd_expr', 'SELECT s, 10 * COUNT(DISTINCT v + 1) AS d FROM a WHERE k > 0 GROUP BY s'],
];

/** Seeds of failing cases found earlier, replayed on every run. */
const REGRESSION_SEEDS: number[] = [];

const aRow = fc.tuple(fc.integer({ min: 0, max: 5 }), small(2), small(2), fc.constantFrom('x', 'y', null));
const bRow = fc.tuple(fc.integer({ min: 0, max: 5 }), small(1));

/** One step of writes, as SQL: duplicates are frequent (small domains), NULLs one time in five. */
const step = fc.oneof(
  {
    arbitrary: fc.array(aRow, { minLength: 1, maxLength: 4 }).map((rows) => insertSql('a', rows)),
    weight: 4,
  },
  {
    arbitrary: fc.array(bRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('b', rows)),
    weight: 2,
  },
  // A value moved to another group (or to the NULL group), a value changed within its group.
  fc
    .tuple(small(2), fc.integer({ min: 0, max: 5 }))
    .map(([g, k]) => `UPDATE a SET g = ${lit(g)} WHERE k = ${k}`),
  fc
    .tuple(small(2), fc.integer({ min: 0, max: 5 }))
    .map(([v, k]) => `UPDATE a SET v = ${lit(v)} WHERE k = ${k}`),
  fc.integer({ min: -2, max: 2 }).map((g) => `UPDATE a SET v = v + 1 WHERE g = ${g}`),
  fc
    .tuple(fc.integer({ min: 0, max: 5 }), small(1))
    .map(([k, w]) => `UPDATE b SET w = ${lit(w)} WHERE k = ${k}`),
  // Deletes that empty a group or a value, then refills.
  fc.integer({ min: 0, max: 5 }).map((k) => `DELETE FROM a WHERE k = ${k}`),
  fc.integer({ min: -2, max: 2 }).map((g) => `DELETE FROM a WHERE g = ${g}`),
  fc.constant('DELETE FROM a WHERE v IS NULL OR g IS NULL'),
  fc.integer({ min: 0, max: 5 }).map((k) => `DELETE FROM b WHERE k = ${k}`),
  fc.constant('INSERT INTO a SELECT k, g, v, s FROM a WHERE k < 3'),
  fc.integer({ min: 0, max: 5 }).map((k) => `DELETE FROM a WHERE k = ${k}; DELETE FROM b WHERE k = ${k}`),
);

describe.each(BACKEND_KINDS)('COUNT(DISTINCT) oracle on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [
        'CREATE TABLE a (k INTEGER, g INTEGER, v INTEGER, s VARCHAR(5)); CREATE TABLE b (k INTEGER, w INTEGER)',
      ],
      dts: DISTINCT_DTS,
      onRefresh: incrementalOnly,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every COUNT(DISTINCT) DT keeps counted values (no group recomputed)', async () => {
    const dts = await oracle.engine.listDynamicTables();
    for (const [name] of DISTINCT_DTS) {
      const dt = dts.find((d) => d.name === name);
      expect([name, dt?.effectiveMode]).toEqual([name, 'INCREMENTAL']);
      expect([name, dt?.refreshModeReason]).toEqual([
        name,
        expect.stringContaining('COUNT(DISTINCT) keeps per group each value with its count of rows'),
      ]);
    }
  });

  it('every DT equals its query after every refresh, under random changes', async () => {
    // Each run starts from the same rows: duplicates, NULL values and a NULL group, every b.k matched.
    const reset = [
      'DELETE FROM a; DELETE FROM b',
      "INSERT INTO a VALUES (0, 0, 1, 'x'), (1, 0, 1, 'x'), (1, 1, NULL, NULL), (2, NULL, 2, 'y'), (3, 1, 2, 'y'), (4, 2, 0, NULL)",
      'INSERT INTO b VALUES (0, 0), (1, 1), (2, 1), (3, NULL), (4, 0), (5, 1)',
    ].join('; ');
    const property = oracle.batches(step, { writes: 4, batches: 4 }, reset);
    for (const seed of REGRESSION_SEEDS) await fc.assert(property, { seed, numRuns: 12 });
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 15) });
    console.log(`${kind} COUNT(DISTINCT) refresh actions: ${JSON.stringify(oracle.tally.totals())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 900_000);
});
