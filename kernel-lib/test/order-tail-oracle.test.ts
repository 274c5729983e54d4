/**
 * Windows over a table's rows without PARTITION BY (plan/order-tail.ts, docs/incremental.md strategy 3b):
 * when every window reads only rows ordered before its own (ROW_NUMBER, RANK, DENSE_RANK, LAG, running
 * aggregates) the rows at or after the first ORDER BY key a change touches are rewritten; when every one
 * reads only rows after (LEAD, frames to UNBOUNDED FOLLOWING), the mirror. After every refresh under random
 * changes — appends at the end, inserts, deletes and updates in the middle, ties and NULLs in the ORDER BY
 * key, DESC, NULLS FIRST, several ORDER BY columns, a filter, a join and QUALIFY under the window — every DT
 * equals its query (VERIFY), on DuckDB, PGlite and PostgreSQL. Windows reading both sides or every row stay
 * FULL with the reason. An append rewrites only the new tail.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { type DtSpec, lit, Oracle, small } from './helpers/oracle.js';

/** Name, query, mode (INCREMENTAL unless given). */
const DTS: DtSpec[] = [
  [
    'running',
    'SELECT id, d, amount, SUM(amount) OVER (ORDER BY d) AS run, COUNT(*) OVER (ORDER BY d) AS n, RANK() OVER (ORDER BY d) AS r, DENSE_RANK() OVER (ORDER BY d) AS dr FROM o',
  ],
  [
    'numbered',
    'SELECT id, d, amount, ROW_NUMBER() OVER (ORDER BY d DESC, id, amount) AS rn, LAG(amount, 2) OVER (ORDER BY d DESC, id, amount) AS prev2 FROM o',
  ],
  [
    'moving',
    'SELECT d, amount, SUM(amount) OVER (ORDER BY d NULLS FIRST, amount DESC NULLS LAST ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving, FIRST_VALUE(amount) OVER (ORDER BY d NULLS FIRST, amount DESC NULLS LAST) AS first_amount FROM o WHERE amount > 0',
  ],
  [
    'joined',
    'SELECT o.id, o.d, c.name, SUM(o.amount) OVER (ORDER BY o.d DESC, o.id) AS run FROM o JOIN c ON o.cid = c.cid',
  ],
  ['top3', 'SELECT id, d, amount FROM o QUALIFY ROW_NUMBER() OVER (ORDER BY d, id, amount) <= 3'],
  [
    'following',
    'SELECT id, d, LEAD(id) OVER (ORDER BY d, id) AS next_id, MIN(id) OVER (ORDER BY d, id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest_min FROM o',
  ],
  ['total', 'SELECT id, d, SUM(amount) OVER () AS total FROM o', 'AUTO'],
  ['tiles', 'SELECT id, d, NTILE(3) OVER (ORDER BY d, id) AS tile FROM o', 'AUTO'],
  [
    'both_sides',
    'SELECT id, d, LAG(id) OVER (ORDER BY d, id) AS prev_id, LEAD(id) OVER (ORDER BY d, id) AS next_id FROM o',
    'AUTO',
  ],
  [
    'centred',
    'SELECT id, d, SUM(id) OVER (ORDER BY d, id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s FROM o',
    'AUTO',
  ],
  [
    'two_orders',
    'SELECT id, d, amount, RANK() OVER (ORDER BY d) AS r, RANK() OVER (ORDER BY amount) AS ra FROM o',
    'AUTO',
  ],
];

const FULL_REASONS: Record<string, RegExp> = {
  total: /SUM OVER \(\) reads every row of the result: a window without PARTITION BY is maintained only when/,
  tiles: /NTILE reads the count of every row of the result/,
  both_sides: /LAG reads rows ordered before its own and LEAD rows after/,
  centred: /SUM reads rows ordered both before and after its own/,
  two_orders: /windows without PARTITION BY ordered differently/,
};

/** A row: id, d (ties, NULLs), amount, cid. */
const row = fc.tuple(fc.integer({ min: 0, max: 12 }), small(6), small(4), fc.integer({ min: 0, max: 2 }));
const rowsSql = (rows: [number, number | null, number | null, number][]) =>
  `INSERT INTO o VALUES ${rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`;

const step = fc.oneof(
  // Appends after every ORDER BY key (the usual new orders by date).
  fc
    .integer({ min: 1, max: 3 })
    .map(
      (n) =>
        `INSERT INTO o SELECT coalesce(max(id), 0) + ${n}, coalesce(max(d), 0) + ${n}, ${n}, ${n % 3} FROM o`,
    ),
  fc.array(row, { minLength: 1, maxLength: 3 }).map(rowsSql),
  fc.integer({ min: 0, max: 12 }).map((id) => `DELETE FROM o WHERE id = ${id}`),
  fc
    .tuple(small(6), fc.integer({ min: 0, max: 12 }))
    .map(([d, id]) => `UPDATE o SET d = ${lit(d)} WHERE id = ${id}`),
  small(6).map((d) => `UPDATE o SET amount = amount + 1 WHERE d = ${lit(d)}`),
  fc.integer({ min: 0, max: 2 }).map((cid) => `UPDATE c SET name = name || 'x' WHERE cid = ${cid}`),
);

describe.each(BACKEND_KINDS)('windows without PARTITION BY on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [
        'CREATE TABLE o (id INTEGER, d INTEGER, amount INTEGER, cid INTEGER); CREATE TABLE c (cid INTEGER, name VARCHAR)',
        "INSERT INTO c VALUES (0, 'a'), (1, 'b'), (2, 'c')",
      ],
      dts: DTS,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('maintains the one-sided windows incrementally, the others in full with the reason', async () => {
    const dts = await oracle.engine.listDynamicTables();
    const of = (name: string) => dts.find((d) => d.name === name);
    for (const [name, , mode] of DTS)
      expect(of(name)?.effectiveMode, name).toBe(mode ? 'FULL' : 'INCREMENTAL');
    expect(of('running')?.refreshModeReason).toMatch(
      /every window reads only rows ordered before its own: a change rewrites only the rows ordered at or after the first ORDER BY key it touches/,
    );
    expect(of('following')?.refreshModeReason).toMatch(/rows ordered at or before the last ORDER BY key/);
    for (const [name, reason] of Object.entries(FULL_REASONS))
      expect(of(name)?.refreshModeReason, name).toMatch(reason);
  });

  it('every DT equals its query after every refresh, under random changes', async () => {
    // Each run starts from rows with ties and a NULL in the ORDER BY key, so every change lands among rows.
    const start =
      'DELETE FROM o; INSERT INTO o VALUES (1, 1, 5, 0), (2, 3, NULL, 1), (3, 3, 2, 2), (4, NULL, 4, 0), (5, 6, 1, 1), (6, 8, 3, 2)';
    const property = oracle.batches(step, { writes: 3, batches: 5 }, start);
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 10) });
    console.log(`${kind} refresh actions per DT: ${JSON.stringify(oracle.tally.perDt())}`);
    for (const [name, , mode] of DTS)
      if (!mode) expect(oracle.tally.count('INCREMENTAL', name), name).toBeGreaterThan(0);
  }, 600_000);

  it('an append rewrites only the new tail; a change in the middle rewrites from there on', async () => {
    const e = oracle.engine;
    await e.execute('DELETE FROM o');
    await e.execute(
      'INSERT INTO o SELECT i, i, 10, 0 FROM (SELECT 1 AS i UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8) AS s',
    );
    await e.refresh('running');
    await e.execute('INSERT INTO o VALUES (9, 9, 10, 0), (10, 10, 10, 0)');
    const append = await e.refresh('running');
    expect([append.refreshAction, append.rowsDeleted, append.rowsInserted]).toEqual(['INCREMENTAL', 0, 2]);
    // An update from d = 3 to d = 6: the rows ordered at or after d = 3 (3…10) are rewritten.
    await e.execute('UPDATE o SET d = 6 WHERE id = 3');
    const middle = await e.refresh('running');
    expect([middle.refreshAction, middle.rowsDeleted, middle.rowsInserted]).toEqual(['INCREMENTAL', 8, 8]);
    expect((await e.verify('running')).equal).toBe(true);
  });

  it('matches the DT rows by their stored keys when a declared type orders them otherwise', async () => {
    const e = oracle.engine;
    await e.execute('CREATE TABLE t2 (id INTEGER, d INTEGER)');
    await e.execute('INSERT INTO t2 VALUES (1, 1), (2, 2), (3, 9), (4, 10), (5, 11), (6, 20)');
    // d is stored as text: '10' < '3' as text, 3 < 10 as the window orders it.
    await e.execute(
      "CREATE DYNAMIC TABLE typed (id INTEGER, d VARCHAR, r BIGINT) TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT id, d, RANK() OVER (ORDER BY d) AS r FROM t2",
    );
    await e.execute('INSERT INTO t2 VALUES (7, 3)');
    const r = await e.refresh('typed');
    // The rows of d = 3, 9, 10, 11, 20: 4 deleted, 5 inserted; d = 1 and 2 keep their ranks.
    expect([r.refreshAction, r.rowsDeleted, r.rowsInserted]).toEqual(['INCREMENTAL', 4, 5]);
    expect((await e.verify('typed')).equal).toBe(true);
  });
});
