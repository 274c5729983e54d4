/**
 * Adversarial oracle for today's strategies: windows without PARTITION BY by tail recompute
 * (plan/order-tail.ts), outer joins to or from an aggregating subquery (plan/nested-outer.ts), and declared
 * key types (plan/incremental.ts keyMatch). Shapes chosen to break them: explicit NULLS FIRST / LAST with
 * DESC, mixed directions, NULL and tied keys, filters, joined order keys, ROWS / RANGE frames with offsets,
 * QUALIFY, text / DECIMAL / DATE / TIMESTAMP keys; NULL join keys, HAVING, expression keys, several ON
 * columns, WHERE on the nullable side, COALESCE, self-joins; declared types over the other strategies.
 * Every DT is REFRESH_MODE = AUTO (a FULL refresh is fine) and must equal its query after every refresh,
 * on DuckDB, PGlite and PostgreSQL. Two bugs it found are kept as deterministic cases: an anti-join (LEFT
 * JOIN … WHERE optional side IS NULL) kept a row its new match hides (plan/incremental.ts), and LAG / LEAD
 * with a negative offset were taken to read the wrong side of their row (plan/order-tail.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { type DtSpec, insertSql, lit, Oracle, small } from './helpers/oracle.js';

const RUNS = Number(process.env.DTLAB_ORACLE_RUNS ?? 8);
/**
 * A fixed seed, so CI runs the same sequences every time (DTLAB_ADVERSARIAL_SEED picks another). Seed
 * -1212409543 made `o_from_anti` (an anti-join from an aggregating subquery) differ from its query after a
 * reset, on every backend (the hand-picked case below holds its shrunk sequence).
 */
const SEED = Number(process.env.DTLAB_ADVERSARIAL_SEED ?? 20261205);

// ---------------------------------------------------------------- windows without PARTITION BY
/** t: id unique (inserts take max + 1), d and v small with NULLs and ties, s text, x decimal, dt date, ts timestamp. */
const T_SETUP = [
  'CREATE TABLE t (id INTEGER, d INTEGER, v INTEGER, s VARCHAR, x DECIMAL(6, 2), dt DATE, ts TIMESTAMP, cid INTEGER)',
  'CREATE TABLE c (cid INTEGER, name VARCHAR, rank_key INTEGER)',
];

const WINDOW_DTS: DtSpec[] = [
  [
    'w_qualified',
    'SELECT t.d, t.id, RANK() OVER (ORDER BY d DESC) AS r, LAG(t.id, 0) OVER (ORDER BY t.d DESC) AS same FROM t',
  ],
  [
    'w_frame_uf',
    'SELECT id, d, SUM(v) OVER (ORDER BY d, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING) AS s FROM t',
  ],
  [
    'w_frame_cf',
    'SELECT id, d, SUM(v) OVER (ORDER BY d RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS s FROM t',
  ],
  [
    'w_nth',
    'SELECT id, d, NTH_VALUE(id, 2) OVER (ORDER BY d, id) AS n2, LAST_VALUE(id) OVER (ORDER BY d, id) AS lv FROM t',
  ],
  ['w_filter', 'SELECT id, d, COUNT(*) FILTER (WHERE v > 0) OVER (ORDER BY d) AS c FROM t'],
  [
    'w_cast_key',
    'SELECT id, CAST(d AS VARCHAR) AS ds, RANK() OVER (ORDER BY CAST(d AS VARCHAR)) AS r FROM t',
  ],
  // Negative offsets read the other side (found broken, see below).
  ['w_lag_neg', 'SELECT id, d, LAG(id, -1) OVER (ORDER BY d, id) AS nx FROM t'],
  ['w_lead_neg', 'SELECT id, d, LEAD(id, -2, 0) OVER (ORDER BY d DESC, id) AS pv FROM t'],
  ['w_lag_col', 'SELECT id, d, LAG(id, cid) OVER (ORDER BY d, id) AS p FROM t'],
  [
    'w_sub',
    'SELECT id, rn FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY d DESC, id) AS rn FROM t) x WHERE rn <= 3',
  ],
  ['w_coalesce', 'SELECT id, COALESCE(d, 0) AS cd, RANK() OVER (ORDER BY COALESCE(d, 0) DESC) AS r FROM t'],
  [
    'q_where',
    'SELECT id, d, v FROM t WHERE v IS NOT NULL QUALIFY DENSE_RANK() OVER (ORDER BY d NULLS FIRST) <= 2',
  ],
  [
    'w_cte',
    'WITH u AS (SELECT id, d, v FROM t WHERE d > 0) SELECT id, d, SUM(v) OVER (ORDER BY d) AS s FROM u',
  ],
  [
    'w_union_under',
    'SELECT k, RANK() OVER (ORDER BY k) AS r FROM (SELECT d AS k FROM t UNION ALL SELECT v FROM t) u',
  ],
  [
    'w_desc_nf',
    'SELECT id, d, ROW_NUMBER() OVER (ORDER BY d DESC NULLS FIRST, id) AS rn, SUM(v) OVER (ORDER BY d DESC NULLS FIRST, id) AS run FROM t',
  ],
  [
    'w_desc_nl',
    'SELECT id, d, RANK() OVER (ORDER BY d DESC NULLS LAST) AS r, DENSE_RANK() OVER (ORDER BY d DESC NULLS LAST) AS dr, COUNT(v) OVER (ORDER BY d DESC NULLS LAST) AS c FROM t',
  ],
  [
    'w_asc_nf',
    'SELECT id, d, RANK() OVER (ORDER BY d NULLS FIRST) AS r, MIN(v) OVER (ORDER BY d NULLS FIRST) AS mn, MAX(v) OVER (ORDER BY d NULLS FIRST) AS mx FROM t',
  ],
  [
    'w_mixed',
    'SELECT id, d, v, ROW_NUMBER() OVER (ORDER BY d ASC NULLS FIRST, v DESC, id DESC) AS rn, LAG(id, 1, -1) OVER (ORDER BY d ASC NULLS FIRST, v DESC, id DESC) AS prev, AVG(v) OVER (ORDER BY d ASC NULLS FIRST, v DESC, id DESC) AS av FROM t',
  ],
  [
    'w_rows_prec',
    'SELECT id, d, SUM(v) OVER (ORDER BY d, id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS s3, MAX(v) OVER (ORDER BY d, id ROWS 2 PRECEDING) AS m2 FROM t',
  ],
  [
    'w_range',
    'SELECT id, d, SUM(v) OVER (ORDER BY d RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s FROM t',
  ],
  [
    'w_range_off',
    'SELECT id, d, SUM(v) OVER (ORDER BY d RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM t',
  ],
  ['w_where', 'SELECT id, d, v, RANK() OVER (ORDER BY d DESC, v) AS r FROM t WHERE v > 0 AND s IS NOT NULL'],
  [
    'w_join_key',
    'SELECT t.id, c.rank_key, SUM(t.v) OVER (ORDER BY c.rank_key DESC NULLS LAST, t.id) AS run FROM t JOIN c ON t.cid = c.cid',
  ],
  [
    'w_left_join',
    'SELECT t.id, c.name, ROW_NUMBER() OVER (ORDER BY c.name NULLS FIRST, t.id) AS rn FROM t LEFT JOIN c ON t.cid = c.cid',
  ],
  ['w_text', 'SELECT id, s, RANK() OVER (ORDER BY s) AS r, COUNT(*) OVER (ORDER BY s DESC) AS c FROM t'],
  ['w_text2', 'SELECT id, s, DENSE_RANK() OVER (ORDER BY s DESC NULLS FIRST) AS r FROM t'],
  [
    'w_decimal',
    'SELECT id, x, SUM(x) OVER (ORDER BY x DESC) AS run, RANK() OVER (ORDER BY x DESC) AS r FROM t',
  ],
  [
    'w_date',
    'SELECT id, dt, COUNT(*) OVER (ORDER BY dt NULLS FIRST) AS c, FIRST_VALUE(id) OVER (ORDER BY dt NULLS FIRST, id) AS f FROM t',
  ],
  ['w_ts', 'SELECT id, ts, ROW_NUMBER() OVER (ORDER BY ts DESC, id) AS rn FROM t'],
  ['q_top3', 'SELECT id, v FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY v DESC NULLS LAST, id) <= 3'],
  ['q_rank', 'SELECT id, d FROM t QUALIFY RANK() OVER (ORDER BY d DESC) <= 2'],
  [
    'w_lead_desc',
    'SELECT id, d, LEAD(id) OVER (ORDER BY d DESC NULLS FIRST, id) AS nx, SUM(v) OVER (ORDER BY d DESC NULLS FIRST, id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS s FROM t',
  ],
  [
    'w_lead_range',
    'SELECT id, d, SUM(v) OVER (ORDER BY d NULLS LAST RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest FROM t',
  ],
  ['w_hidden_key', 'SELECT id, ROW_NUMBER() OVER (ORDER BY d, id) AS rn FROM t'],
  ['w_alias', 'SELECT id, d AS dd, RANK() OVER (ORDER BY d) AS r FROM t'],
  [
    'w_groupby',
    'SELECT d, SUM(v) AS s, RANK() OVER (ORDER BY SUM(v) DESC NULLS LAST) AS r FROM t GROUP BY d',
  ],
  ['w_groupby2', 'SELECT d, COUNT(*) AS n, SUM(COUNT(*)) OVER (ORDER BY d) AS run FROM t GROUP BY d'],
  ['w_distinct', 'SELECT DISTINCT d, DENSE_RANK() OVER (ORDER BY d) AS r FROM t'],
  ['w_lag_default', 'SELECT id, d, LAG(d, 2, 99) OVER (ORDER BY d DESC, id) AS p FROM t WHERE d IS NOT NULL'],
];

const TEXT = fc.constantFrom('a', 'B', '_', 'b', 'A', 'ab', null);
const dateLit = (n: number | null) =>
  n === null ? 'NULL' : `DATE '2024-01-${String(10 + n).padStart(2, '0')}'`;
const tsLit = (n: number | null) =>
  n === null ? 'NULL' : `TIMESTAMP '2024-01-10 0${Math.abs(n) % 10}:${String(10 + n).padStart(2, '0')}:00'`;
const decLit = (n: number | null) => (n === null ? 'NULL' : (n / 4).toFixed(2));
const textLit = (s: string | null) => lit(s);

const tRow = fc.tuple(small(4), small(3), TEXT, small(4), small(3), small(3), fc.integer({ min: 0, max: 3 }));
const insertT = fc
  .array(tRow, { minLength: 1, maxLength: 3 })
  .map((rows) =>
    rows
      .map(
        ([d, v, s, x, dt, ts, cid]) =>
          `INSERT INTO t SELECT coalesce(max(id), 0) + 1, ${lit(d)}, ${lit(v)}, ${textLit(s)}, ${decLit(x)}, ${dateLit(dt)}, ${tsLit(ts)}, ${cid} FROM t`,
      )
      .join('; '),
  );
const ID = fc.integer({ min: 1, max: 10 });
const windowStep = fc.oneof(
  insertT,
  ID.map((id) => `DELETE FROM t WHERE id = ${id}`),
  fc.constant('DELETE FROM t WHERE id = (SELECT min(id) FROM t)'),
  fc.constant('DELETE FROM t WHERE d = (SELECT max(d) FROM t)'),
  // Move a row across the whole order (to either end or to NULL).
  fc
    .tuple(fc.constantFrom(-100, 100, null, 0), ID)
    .map(([d, id]) => `UPDATE t SET d = ${lit(d)} WHERE id = ${id}`),
  fc.tuple(small(4), ID).map(([d, id]) => `UPDATE t SET d = ${lit(d)} WHERE id = ${id}`),
  fc.tuple(small(3), ID).map(([v, id]) => `UPDATE t SET v = ${lit(v)} WHERE id = ${id}`),
  fc.tuple(TEXT, ID).map(([s, id]) => `UPDATE t SET s = ${textLit(s)} WHERE id = ${id}`),
  fc
    .tuple(small(4), ID)
    .map(([x, id]) => `UPDATE t SET x = ${decLit(x)}, dt = ${dateLit(x)}, ts = ${tsLit(x)} WHERE id = ${id}`),
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), ID)
    .map(([cid, id]) => `UPDATE t SET cid = ${cid} WHERE id = ${id}`),
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), small(5))
    .map(([cid, k]) => `UPDATE c SET rank_key = ${lit(k)}, name = name || 'z' WHERE cid = ${cid}`),
  fc.constant('DELETE FROM t'),
  fc.constant('TRUNCATE TABLE t'),
);
const T_START = [
  'DELETE FROM t; DELETE FROM c',
  "INSERT INTO c VALUES (0, 'a', 1), (1, 'B', NULL), (2, '_', 3)",
  "INSERT INTO t VALUES (1, 1, 2, 'a', 1.25, DATE '2024-01-11', TIMESTAMP '2024-01-10 01:11:00', 0), (2, 3, NULL, 'B', NULL, NULL, NULL, 1), (3, 3, 1, '_', -0.5, DATE '2024-01-09', TIMESTAMP '2024-01-10 01:09:00', 2), (4, NULL, 3, NULL, 0.75, DATE '2024-01-12', TIMESTAMP '2024-01-10 02:12:00', 3), (5, -2, -1, 'ab', 1.25, DATE '2024-01-11', TIMESTAMP '2024-01-10 01:11:00', 0)",
].join('; ');

describe.each(BACKEND_KINDS)('adversarial windows without PARTITION BY on %s', (kind) => {
  let oracle: Oracle;
  beforeAll(async () => {
    oracle = await Oracle.open(kind, { setup: T_SETUP, dts: WINDOW_DTS, mode: 'AUTO' });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('LAG / LEAD with a negative offset read the other side of their row', async () => {
    // Found by this oracle: LAG was taken to read rows ordered before its own whatever its offset, so
    // LAG(id, -1) (the next row's id) kept a stale value in the rows before a change: after an insert
    // ordered first, or a delete, the DT differed from its query after a successful INCREMENTAL refresh.
    const e = oracle.engine;
    const dts = await e.listDynamicTables();
    const reason = (name: string) => dts.find((d) => d.name === name)?.refreshModeReason;
    expect(reason('w_lag_neg')).toMatch(/reads only rows ordered after its own/);
    expect(reason('w_lead_neg')).toMatch(/reads only rows ordered before its own/);
    expect(reason('w_lag_col')).toMatch(/the offset of LAG is not a constant/);
    await e.execute('DELETE FROM t; INSERT INTO t (id, d, v) VALUES (1, 1, 1), (2, 2, 1), (3, 3, 1)');
    await oracle.check('three rows');
    await e.execute('INSERT INTO t (id, d, v) VALUES (4, 0, 1)');
    await oracle.check('a row ordered first');
    await e.execute('DELETE FROM t WHERE id = 2');
    await oracle.check('a row in the middle deleted');
    await e.execute('UPDATE t SET d = 10 WHERE id = 1');
    await oracle.check('a row moved to the end');
  });

  it('every DT equals its query after every refresh', async () => {
    const dts = await oracle.engine.listDynamicTables();
    console.log(`${kind} modes: ${JSON.stringify(dts.map((d) => [d.name, d.effectiveMode]))}`);
    await fc.assert(oracle.batches(windowStep, { writes: 3, batches: 4 }, T_START), {
      numRuns: RUNS,
      seed: SEED,
    });
    console.log(`${kind} window actions: ${JSON.stringify(oracle.tally.perDt())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 600_000);
});

// ---------------------------------------------------------------- outer joins around an aggregating subquery
const PER_K = '(SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k)';
const NESTED_DTS: DtSpec[] = [
  ['o_from_anti', `SELECT r.k, r.s FROM ${PER_K} r LEFT JOIN b ON b.k = r.k WHERE b.w IS NULL`],
  // Other anti-joins, and NOT IN over a subquery that may yield a NULL (then no row passes).
  ['not_exists', 'SELECT b.k, b.w FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.k = b.k)'],
  ['not_in', 'SELECT b.k, b.w FROM b WHERE b.k NOT IN (SELECT k FROM a)'],
  ['in_having', 'SELECT b.k, b.w FROM b WHERE b.k IN (SELECT k FROM a GROUP BY k HAVING SUM(v) > 0)'],
  [
    'exists_left',
    'SELECT b.k, r.s FROM b LEFT JOIN (SELECT k, SUM(v) AS s FROM a GROUP BY k) r ON r.k = b.k WHERE EXISTS (SELECT 1 FROM a a2 WHERE a2.g = b.w)',
  ],
  ['o_right_anti', `SELECT b.k, b.w FROM ${PER_K} r RIGHT JOIN b ON r.k = b.k WHERE r.k IS NULL`],
  [
    'o_full_anti',
    `SELECT b.k, r.k AS rk FROM b FULL JOIN ${PER_K} r ON r.k = b.k WHERE b.k IS NULL OR r.k IS NULL`,
  ],
  [
    'plain_chain_anti',
    'SELECT b.k FROM b LEFT JOIN a ON a.k = b.k LEFT JOIN b b2 ON b2.w = a.g WHERE b2.k IS NULL',
  ],
  [
    'plain_count',
    'SELECT b.k, COUNT(a.k) AS c FROM b LEFT JOIN a ON a.k = b.k WHERE a.v IS NULL OR a.v > 0 GROUP BY b.k',
  ],
  [
    'o_multi_on',
    'SELECT b.k, b.w, r.s FROM b LEFT JOIN (SELECT k, g, SUM(v) AS s FROM a GROUP BY k, g) r ON r.k = b.k AND r.g = b.w',
  ],
  [
    'o_having',
    'SELECT b.k, r.s FROM b LEFT JOIN (SELECT k, SUM(v) AS s FROM a GROUP BY k HAVING COUNT(*) > 1) r ON r.k = b.k',
  ],
  [
    'o_expr_key',
    'SELECT b.k, r.n FROM b LEFT JOIN (SELECT k % 2 AS p, COUNT(*) AS n FROM a GROUP BY k % 2) r ON r.p = b.k',
  ],
  ['o_where_null_side', `SELECT b.k, r.s FROM b LEFT JOIN ${PER_K} r ON r.k = b.k WHERE r.s > 0`],
  // Anti-joins: a WHERE on the optional side that holds of NULL-extended rows (found broken, see below).
  ['o_where_is_null', `SELECT b.k, b.w FROM b LEFT JOIN ${PER_K} r ON r.k = b.k WHERE r.k IS NULL`],
  ['o_where_or_null', `SELECT b.k FROM b LEFT JOIN ${PER_K} r ON r.k = b.k WHERE r.s IS NULL OR r.n > 1`],
  ['plain_anti', 'SELECT b.k, b.w FROM b LEFT JOIN a ON a.k = b.k WHERE a.v IS NULL AND b.w IS NOT NULL'],
  [
    'o_coalesce',
    `SELECT b.k, COALESCE(r.s, 0) AS s, COALESCE(r.n, 0) AS n FROM b LEFT JOIN ${PER_K} r ON r.k = b.k`,
  ],
  [
    'o_full_agg',
    `SELECT COALESCE(b.k, r.k) AS kk, COUNT(*) AS c, SUM(r.s) AS total, COUNT(b.w) AS nw FROM b FULL JOIN ${PER_K} r ON r.k = b.k GROUP BY COALESCE(b.k, r.k)`,
  ],
  [
    'o_self',
    'SELECT a.k, a.g, r.s FROM a LEFT JOIN (SELECT k, SUM(v) AS s FROM a GROUP BY k) r ON r.k = a.g',
  ],
  [
    'o_self_from',
    'SELECT r.k, r.s, a.v FROM (SELECT k, SUM(v) AS s FROM a GROUP BY k) r LEFT JOIN a ON a.g = r.k',
  ],
  [
    'o_filtered_sub',
    "SELECT b.k, r.s FROM b LEFT JOIN (SELECT k, SUM(v) AS s FROM a WHERE s = 'x' GROUP BY k) r ON r.k = b.k",
  ],
  ['o_on_pred', `SELECT b.k, b.w, r.s FROM b LEFT JOIN ${PER_K} r ON r.k = b.k AND b.w > 0`],
  [
    'o_right_agg',
    `SELECT r.k, COUNT(b.k) AS c, MAX(b.w) AS mw FROM b RIGHT JOIN ${PER_K} r ON r.k = b.k GROUP BY r.k`,
  ],
  [
    'o_minmax',
    'SELECT b.k, r.mn, r.mx FROM b LEFT JOIN (SELECT k, MIN(v) AS mn, MAX(v) AS mx, COUNT(DISTINCT g) AS dg FROM a GROUP BY k) r ON r.k = b.k',
  ],
  [
    'o_two_subs',
    'SELECT x.k, x.s, y.n FROM (SELECT k, SUM(v) AS s FROM a GROUP BY k) x FULL JOIN (SELECT k, COUNT(*) AS n FROM b GROUP BY k) y ON x.k = y.k',
  ],
  [
    'o_cte_full',
    'WITH t AS (SELECT g, COUNT(*) AS n FROM a GROUP BY g) SELECT b.k, b.w, t.g, t.n FROM t FULL JOIN b ON t.g = b.w',
  ],
  ['o_view_right', 'SELECT x.g, x.s, b.k FROM b RIGHT JOIN vagg x ON x.g = b.w'],
  ['o_dup_side', `SELECT b.k, r.s, COUNT(*) AS c FROM b LEFT JOIN ${PER_K} r ON r.k = b.k GROUP BY b.k, r.s`],
  [
    'o_is_not_distinct',
    `SELECT b.k, r.s FROM b LEFT JOIN (SELECT g, SUM(v) AS s FROM a GROUP BY g) r ON r.g IS NOT DISTINCT FROM b.w`,
  ],
  [
    'o_global_sub',
    'SELECT b.k, r.total FROM b LEFT JOIN (SELECT SUM(v) AS total, 1 AS one FROM a) r ON r.one = b.k',
  ],
];

const key = fc.option(fc.integer({ min: 0, max: 4 }), { nil: null, freq: 6 });
const aRow = fc.tuple(key, small(2), small(3), fc.constantFrom('x', 'y', null));
const bRow = fc.tuple(key, small(2));
const nestedStep = fc.oneof(
  fc.array(aRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('a', rows)),
  fc.array(bRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('b', rows)),
  fc.tuple(key, key).map(([to, k]) => `UPDATE a SET k = ${lit(to)} WHERE k = ${lit(k ?? 0)}`),
  fc.tuple(small(2), key).map(([g, k]) => `UPDATE a SET g = ${lit(g)} WHERE k = ${lit(k ?? 1)}`),
  fc.integer({ min: -2, max: 2 }).map((g) => `UPDATE a SET v = v + 1, s = 'x' WHERE g = ${g}`),
  fc.integer({ min: 0, max: 4 }).map((k) => `DELETE FROM a WHERE k = ${k}`),
  fc.constant('DELETE FROM a WHERE k IS NULL'),
  fc.tuple(key, key).map(([to, k]) => `UPDATE b SET k = ${lit(to)} WHERE k = ${lit(k ?? 2)}`),
  fc.tuple(small(2), key).map(([w, k]) => `UPDATE b SET w = ${lit(w)} WHERE k = ${lit(k ?? 3)}`),
  fc.integer({ min: 0, max: 4 }).map((k) => `DELETE FROM b WHERE k = ${k}`),
  // A group emptied and refilled in one batch.
  fc
    .integer({ min: 0, max: 4 })
    .map((k) => `DELETE FROM a WHERE k = ${k}; INSERT INTO a VALUES (${k}, 1, 7, 'y')`),
  fc.constant('DELETE FROM a'),
);

describe.each(BACKEND_KINDS)('adversarial outer joins around an aggregating subquery on %s', (kind) => {
  let oracle: Oracle;
  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [
        'CREATE TABLE a (k INTEGER, g INTEGER, v INTEGER, s VARCHAR(5)); CREATE TABLE b (k INTEGER, w INTEGER)',
        'CREATE VIEW vagg AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g',
      ],
      dts: NESTED_DTS,
      mode: 'AUTO',
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('an anti-join (LEFT JOIN … WHERE optional IS NULL) drops the preserved row its new match hides', async () => {
    // Found by this oracle: the changed optional side was joined inner to find the affected keys with the
    // WHERE clause kept, and `r.k IS NULL` is false of every matched change row, so no key was found and the
    // row (3, 2) stayed in the DT after a successful INCREMENTAL refresh (VERIFY: ["+", 3, 2]). Both a plain
    // table and an aggregating subquery on the optional side.
    const e = oracle.engine;
    await e.execute('DELETE FROM a; DELETE FROM b; INSERT INTO b VALUES (3, 2)');
    await oracle.check('b only');
    await e.execute("INSERT INTO a VALUES (3, NULL, 1, 'x')");
    await oracle.check('a match for b (3, 2)');
    for (const name of ['o_where_is_null', 'plain_anti'])
      expect((await e.execute(`SELECT count(*) FROM ${name}`)).at(-1)?.rows.map((r) => Number(r[0]))).toEqual(
        [0],
      );
    await e.execute('DELETE FROM a');
    await oracle.check('the match gone');
  });

  it('an anti-join from an aggregating subquery drops the row of a group that vanishes as its match appears', async () => {
    // Found by this oracle (seed -1212409543): the keys of the optional side's change were looked up in the
    // subquery's kept rows as they are, without the group its change took away, so the row (3, 1) of
    // `o_from_anti` stayed after a successful INCREMENTAL refresh (VERIFY: ["+", 3, 1]).
    const e = oracle.engine;
    await e.execute(
      "DELETE FROM a; DELETE FROM b; INSERT INTO a VALUES (3, 1, 1, 'x'), (1, 1, 1, 'x'); INSERT INTO b VALUES (1, 1)",
    );
    await oracle.check('group 3 unmatched');
    await e.execute('DELETE FROM a WHERE k = 3; INSERT INTO b VALUES (3, 2)');
    await oracle.check('group 3 gone, b (3, 2) new');
    const dts = await e.listDynamicTables();
    expect(dts.find((d) => d.name === 'o_from_anti')?.effectiveMode).toBe('INCREMENTAL');
  });

  it('every DT equals its query after every refresh', async () => {
    const dts = await oracle.engine.listDynamicTables();
    console.log(`${kind} modes: ${JSON.stringify(dts.map((d) => [d.name, d.effectiveMode]))}`);
    const start =
      "DELETE FROM a; DELETE FROM b; INSERT INTO a VALUES (1, 1, 2, 'x'), (1, 0, 1, 'y'), (2, NULL, 3, 'x'), (NULL, 1, 1, NULL); INSERT INTO b VALUES (1, 1), (1, 0), (2, NULL), (NULL, 1), (3, 2)";
    await fc.assert(oracle.batches(nestedStep, { writes: 4, batches: 3 }, start), {
      numRuns: Math.ceil(RUNS / 2),
      seed: SEED,
    });
    console.log(`${kind} nested actions: ${JSON.stringify(oracle.tally.perDt())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 600_000);
});

// ---------------------------------------------------------------- declared key types over other strategies
const DECL_DTS: DtSpec[] = [
  [
    'k_tail_text',
    'SELECT s, DENSE_RANK() OVER (ORDER BY s DESC) AS r FROM t',
    undefined,
    's VARCHAR(1), r BIGINT',
  ],
  // Every ts of the writes falls on one date: the declared DATE merges the tail's ORDER BY keys.
  [
    'k_tail_date',
    'SELECT ts, RANK() OVER (ORDER BY ts) AS r, COUNT(*) OVER (ORDER BY ts) AS c FROM t',
    undefined,
    'ts DATE, r BIGINT, c BIGINT',
  ],
  [
    'k_tail_lead',
    'SELECT ts, id, LEAD(id) OVER (ORDER BY ts DESC, id) AS nx FROM t',
    undefined,
    'ts DATE, id INTEGER, nx INTEGER',
  ],
  [
    'k_anti',
    'SELECT c.rank_key FROM c LEFT JOIN t ON t.cid = c.cid WHERE t.id IS NULL',
    undefined,
    'rank_key SMALLINT',
  ],
  [
    'k_date_ts',
    'SELECT ts, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY ts',
    undefined,
    'ts DATE, n BIGINT, s BIGINT',
  ],
  ['k_int_dec', 'SELECT x, COUNT(*) AS n FROM t GROUP BY x', undefined, 'x INTEGER, n BIGINT'],
  ['k_union', 'SELECT x, v FROM t WHERE v > 0 UNION SELECT x, 0 FROM t', undefined, 'x INTEGER, v INTEGER'],
  [
    'k_union_all',
    'SELECT x, v FROM t WHERE v > 0 UNION ALL SELECT x, d FROM t',
    undefined,
    'x INTEGER, v INTEGER',
  ],
  [
    'k_window',
    'SELECT id, x, RANK() OVER (ORDER BY x) AS r FROM t',
    undefined,
    'id INTEGER, x INTEGER, r BIGINT',
  ],
  [
    'k_window_part',
    'SELECT x, v, SUM(v) OVER (PARTITION BY x ORDER BY v) AS s FROM t',
    undefined,
    'x INTEGER, v INTEGER, s BIGINT',
  ],
  [
    'k_nested',
    'SELECT c.cid, r.n FROM c LEFT JOIN (SELECT x, COUNT(*) AS n FROM t GROUP BY x) r ON r.x = c.rank_key',
    undefined,
    'cid INTEGER, n BIGINT',
  ],
  [
    'k_nested_key',
    'SELECT r.x, r.n, c.cid FROM (SELECT x, COUNT(*) AS n FROM t GROUP BY x) r LEFT JOIN c ON r.x = c.rank_key',
    undefined,
    'x INTEGER, n BIGINT, cid INTEGER',
  ],
  ['k_outer', 'SELECT t.x, c.name FROM t LEFT JOIN c ON t.cid = c.cid', undefined, 'x INTEGER, name VARCHAR'],
  ['k_dist_date', 'SELECT DISTINCT ts FROM t', undefined, 'ts DATE'],
  // PostgreSQL truncates to VARCHAR(1) ('ab' and 'a' are both 'a'); DuckDB keeps the text whole.
  ['k_text_short', 'SELECT s, COUNT(*) AS n FROM t GROUP BY s', undefined, 's VARCHAR(1), n BIGINT'],
];

describe.each(BACKEND_KINDS)('adversarial declared key types on %s', (kind) => {
  let oracle: Oracle;
  beforeAll(async () => {
    oracle = await Oracle.open(kind, { setup: T_SETUP, dts: DECL_DTS, mode: 'AUTO' });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT equals its query after every refresh', async () => {
    const dts = await oracle.engine.listDynamicTables();
    console.log(`${kind} modes: ${JSON.stringify(dts.map((d) => [d.name, d.effectiveMode]))}`);
    await fc.assert(oracle.batches(windowStep, { writes: 3, batches: 4 }, T_START), {
      numRuns: RUNS,
      seed: SEED,
    });
    console.log(`${kind} declared actions: ${JSON.stringify(oracle.tally.perDt())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 600_000);
});
