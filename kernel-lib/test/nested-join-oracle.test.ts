/**
 * The oracle for an aggregating subquery, CTE or view joined to other tables (plan/nested.ts; TPC-H Q15):
 * the subquery is kept beside the DT and maintained by affected keys, and the DT's rows are recomputed from
 * it — those of the keys its changed rows join, before and after, and those the changes of the joined tables
 * touch; or, where the query reads the subquery again in a scalar subquery (Q15's max) or aggregates the
 * whole join, the whole DT from the kept rows. Projections and outer aggregates, a self-join of the
 * subquery's own table, NULL join keys and joins on an aggregate's value; and, in a second oracle, outer
 * joins around it (plan/nested-outer.ts: LEFT to and from it, RIGHT, FULL, keys from either side, a chain);
 * created with REFRESH_MODE = INCREMENTAL (CREATE fails if the planner would refresh them in full), every
 * refresh INCREMENTAL (a FULL fails the run) and VERIFYed after every batch of random changes: inserts with
 * NULL keys and duplicates, updates of group and join keys on both sides, deletes that empty a group. On
 * DuckDB, PGlite and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { incrementalOnly, insertSql, lit, Oracle, small } from './helpers/oracle.js';

const PER_K = '(SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k)';

export const NESTED_JOIN_DTS: [string, string][] = [
  ['join_rows', `SELECT b.w, r.k, r.n, r.s FROM b JOIN ${PER_K} r ON b.k = r.k`],
  ['join_first', `SELECT r.k, r.s, b.w FROM ${PER_K} AS r JOIN b ON r.k = b.k WHERE b.w IS NOT NULL`],
  ['join_comma', `SELECT b.k, r.s FROM b, ${PER_K} r WHERE b.k = r.k AND r.n > 1`],
  // NULL group keys joined to NULL-able join columns (never equal), and a join on an aggregate's value.
  [
    'null_keys',
    'SELECT b.k, r.g, r.mx FROM (SELECT g, MAX(v) AS mx FROM a GROUP BY g) r JOIN b ON r.g = b.w',
  ],
  ['on_value', `SELECT b.k AS bk, r.k, r.n FROM b JOIN ${PER_K} r ON b.w = r.n`],
  [
    'cte',
    'WITH t AS (SELECT k, SUM(v) AS s FROM a GROUP BY k) SELECT b.k, b.w, t.s FROM b JOIN t ON t.k = b.k',
  ],
  ['view', 'SELECT b.k, x.g, x.n FROM b JOIN vagg x ON x.g = b.w'],
  // An aggregate over the join.
  [
    'outer_agg',
    `SELECT b.w, COUNT(*) AS c, SUM(r.s) AS total, MAX(r.n) AS mn FROM b JOIN ${PER_K} r ON r.k = b.k GROUP BY b.w`,
  ],
  // The subquery's own table on the other side.
  ['self', 'SELECT a.k, a.v, r.s FROM a JOIN (SELECT g, SUM(v) AS s FROM a GROUP BY g) r ON a.g = r.g'],
  // Q15: the subquery read again by a scalar subquery: recomputed whole from the kept rows.
  [
    'q15',
    'WITH t AS (SELECT k, SUM(v) AS s FROM a GROUP BY k) SELECT b.k, b.w, t.s FROM b, t WHERE b.k = t.k AND t.s = (SELECT MAX(s) FROM t)',
  ],
  ['whole', `SELECT COUNT(*) AS c, SUM(r.s) AS total FROM b JOIN ${PER_K} r ON r.k = b.k`],
];

/**
 * Outer joins around the subquery (plan/nested-outer.ts): to it and from it, RIGHT and FULL, keys from either
 * side, NULL join keys, a join on an aggregate's value, a CTE, a view, the subquery's own table, and an
 * aggregate of the whole join. A row whose group empties gets its NULLs back; a new group replaces the
 * NULL-extended row.
 */
export const NESTED_OUTER_DTS: [string, string][] = [
  ['left_to', `SELECT b.k, b.w, r.s, r.n FROM b LEFT JOIN ${PER_K} r ON r.k = b.k`],
  ['left_from', `SELECT r.k, r.s, b.w FROM ${PER_K} AS r LEFT JOIN b ON b.k = r.k`],
  ['right_to', `SELECT b.k, b.w, r.s FROM ${PER_K} r RIGHT JOIN b ON r.k = b.k`],
  ['right_from', `SELECT r.k, r.n, b.w FROM b RIGHT OUTER JOIN ${PER_K} r ON b.k = r.k`],
  ['full_join', `SELECT b.k AS bk, b.w, r.k AS rk, r.s FROM b FULL JOIN ${PER_K} r ON r.k = b.k`],
  // Keys from the preserved side (the changed side joined inner), and from the optional side.
  [
    'left_grouped',
    `SELECT b.w, COUNT(r.k) AS c, SUM(r.s) AS total, COUNT(*) AS n FROM b LEFT JOIN ${PER_K} r ON r.k = b.k GROUP BY b.w`,
  ],
  ['left_by_value', `SELECT r.n, COUNT(*) AS c FROM b LEFT JOIN ${PER_K} r ON r.k = b.k GROUP BY r.n`],
  [
    'left_null_keys',
    'SELECT b.k, r.g, r.mx FROM b LEFT JOIN (SELECT g, MAX(v) AS mx FROM a GROUP BY g) r ON r.g = b.w',
  ],
  ['left_on_value', `SELECT b.k AS bk, r.k, r.n FROM b LEFT JOIN ${PER_K} r ON b.w = r.n AND r.s > 0`],
  [
    'left_cte',
    'WITH t AS (SELECT k, SUM(v) AS s FROM a GROUP BY k) SELECT b.k, t.s FROM b LEFT JOIN t ON t.k = b.k WHERE b.w IS NOT NULL',
  ],
  ['left_view', 'SELECT x.g, x.n, b.k FROM vagg x LEFT JOIN b ON b.w = x.g'],
  [
    'left_self',
    'SELECT a.k, a.v, r.s FROM a LEFT JOIN (SELECT g, SUM(v) AS s FROM a GROUP BY g) r ON a.g = r.g',
  ],
  [
    'left_chain',
    `SELECT b.k, r.s, c.w AS cw FROM b LEFT JOIN ${PER_K} r ON r.k = b.k LEFT JOIN b c ON c.w = r.n`,
  ],
  [
    'left_whole',
    `SELECT COUNT(*) AS c, COUNT(r.k) AS m, SUM(r.s) AS total FROM b LEFT JOIN ${PER_K} r ON r.k = b.k`,
  ],
];

const key = fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 6 });
const aRow = fc.tuple(key, small(2), small(3), fc.constantFrom('x', 'y', null));
const bRow = fc.tuple(key, small(2));

/** One step of writes, as SQL. */
const step = fc.oneof(
  fc.array(aRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('a', rows)),
  fc.array(bRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('b', rows)),
  // Group keys of the subquery move (also to and from NULL).
  fc.tuple(key, key).map(([to, k]) => `UPDATE a SET k = ${lit(to)} WHERE k = ${lit(k ?? 0)}`),
  fc.tuple(small(2), key).map(([g, k]) => `UPDATE a SET g = ${lit(g)} WHERE k = ${lit(k ?? 1)}`),
  fc.integer({ min: -2, max: 2 }).map((g) => `UPDATE a SET v = v + 1 WHERE g = ${g}`),
  // A group emptied.
  fc.integer({ min: 0, max: 4 }).map((k) => `DELETE FROM a WHERE k = ${k}`),
  // Join keys of the other side move.
  fc.tuple(key, key).map(([to, k]) => `UPDATE b SET k = ${lit(to)} WHERE k = ${lit(k ?? 2)}`),
  fc.tuple(small(2), key).map(([w, k]) => `UPDATE b SET w = ${lit(w)} WHERE k = ${lit(k ?? 3)}`),
  fc.integer({ min: 0, max: 4 }).map((k) => `DELETE FROM b WHERE k = ${k}`),
  // Both sides of a match at once.
  fc.integer({ min: 0, max: 4 }).map((k) => `DELETE FROM a WHERE k = ${k}; DELETE FROM b WHERE k = ${k}`),
  fc
    .tuple(key, fc.integer({ min: 0, max: 4 }))
    .map(
      ([to, k]) => `UPDATE a SET k = ${lit(to)} WHERE k = ${k}; UPDATE b SET k = ${lit(to)} WHERE k = ${k}`,
    ),
);

const SETUP = [
  'CREATE TABLE a (k INTEGER, g INTEGER, v INTEGER, s VARCHAR(5)); CREATE TABLE b (k INTEGER, w INTEGER)',
  'CREATE VIEW vagg AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g',
];

describe.each(BACKEND_KINDS)('aggregating subquery joined, oracle on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: SETUP,
      dts: NESTED_JOIN_DTS,
      onRefresh: incrementalOnly,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT is maintained incrementally, with the reason', async () => {
    const dts = await oracle.engine.listDynamicTables();
    for (const [name] of NESTED_JOIN_DTS) {
      const dt = dts.find((d) => d.name === name);
      expect([name, dt?.effectiveMode]).toEqual([name, 'INCREMENTAL']);
      expect(dt?.refreshModeReason).toMatch(/subquery in FROM is kept beside the DT/);
    }
    const q15 = dts.find((d) => d.name === 'q15');
    expect(q15?.refreshModeReason).toMatch(/reads it again in a subquery, the DT is recomputed whole/);
  });

  it('every DT equals its query after every refresh, under random changes', async () => {
    const property = oracle.batches(step, { writes: 4, batches: 4 }, 'DELETE FROM a; DELETE FROM b');
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 12) });
    console.log(`${kind} nested-join refresh actions: ${JSON.stringify(oracle.tally.totals())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 900_000);
});

describe.each(BACKEND_KINDS)('aggregating subquery outer-joined, oracle on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: SETUP,
      dts: NESTED_OUTER_DTS,
      onRefresh: incrementalOnly,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT is maintained incrementally, with the reason', async () => {
    const dts = await oracle.engine.listDynamicTables();
    for (const [name] of NESTED_OUTER_DTS) {
      const dt = dts.find((d) => d.name === name);
      expect([name, dt?.effectiveMode]).toEqual([name, 'INCREMENTAL']);
      expect(dt?.refreshModeReason).toMatch(/subquery in FROM is kept beside the DT/);
    }
    const left = dts.find((d) => d.name === 'left_to');
    expect(left?.refreshModeReason).toMatch(/across the outer join, .* NULL-extended rows included/);
  });

  it('a group emptied gives its rows NULLs back; a new group replaces them', async () => {
    await oracle.engine.execute('DELETE FROM a; DELETE FROM b');
    await oracle.engine.execute(
      'INSERT INTO a VALUES (1, 1, 5, NULL); INSERT INTO b VALUES (1, 1), (2, NULL)',
    );
    await oracle.check('one group');
    const row = async () =>
      (await oracle.engine.execute('SELECT s, n FROM left_to WHERE k = 1')).at(-1)?.rows ?? [];
    expect((await row()).map((r) => r.map(Number))).toEqual([[5, 1]]);
    await oracle.engine.execute('DELETE FROM a WHERE k = 1');
    await oracle.check('the group emptied');
    expect(await row()).toEqual([[null, null]]);
    await oracle.engine.execute('INSERT INTO a VALUES (1, 2, 7, NULL)');
    await oracle.check('the group back');
    expect((await row()).map((r) => r.map(Number))).toEqual([[7, 1]]);
  });

  it('every DT equals its query after every refresh, under random changes', async () => {
    const property = oracle.batches(step, { writes: 4, batches: 4 }, 'DELETE FROM a; DELETE FROM b');
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 12) });
    console.log(`${kind} nested outer-join refresh actions: ${JSON.stringify(oracle.tally.totals())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
    expect(oracle.tally.count('FULL') + oracle.tally.count('REINITIALIZE')).toBe(0);
  }, 900_000);
});
