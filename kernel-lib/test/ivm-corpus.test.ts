/**
 * A corpus in the manner of pg_ivm's regression suite, written here on tables of our own: the constructs an
 * incremental view maintainer is judged by — inner joins, self-joins, outer joins (LEFT, RIGHT, FULL and
 * chains of them), aggregates (COUNT, SUM, AVG, MIN, MAX, with and without GROUP BY, HAVING), DISTINCT and
 * duplicates, subqueries in FROM, EXISTS / NOT EXISTS / IN, CTEs (also referenced twice), UNION ALL and
 * UNION, views, SELECT *, NULL keys and values, windows — each a DT in REFRESH_MODE = AUTO. Random writes
 * follow (inserts with NULLs and duplicates, updates that move rows between groups and join partners,
 * deletes), then a TRUNCATE of a source; after every step every DT is refreshed and VERIFYed, on DuckDB,
 * PGlite and PostgreSQL. Any difference fails the test.
 *
 * It measures rather than asserts what AUTO chose: it prints the corpus size, the share of DTs AUTO made
 * INCREMENTAL per backend, and each FULL DT with its construct and reason.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { insertSql, lit, Oracle } from './helpers/oracle.js';

/** Name, construct, query. */
const CORPUS: [string, string, string][] = [
  ['j_inner', 'inner join', 'SELECT i.id, i.price, c.name FROM item i JOIN cat c ON i.cat = c.id'],
  [
    'j_three',
    'inner join',
    'SELECT s.qty, i.price, c.zone FROM sale s JOIN item i ON s.item = i.id JOIN cat c ON c.id = i.cat',
  ],
  ['j_comma', 'inner join', 'SELECT i.id, c.name FROM item i, cat c WHERE i.cat = c.id AND c.zone > 0'],
  [
    'j_using',
    'inner join',
    'SELECT item, qty, price FROM sale JOIN (SELECT id AS item, price FROM item) p USING (item)',
  ],
  [
    'self_pairs',
    'self-join',
    'SELECT a.id, b.id AS peer FROM item a JOIN item b ON a.cat = b.cat AND a.id < b.id',
  ],
  [
    'self_count',
    'self-join',
    'SELECT a.cat, COUNT(*) AS pairs FROM item a JOIN item b ON a.cat = b.cat GROUP BY a.cat',
  ],
  ['o_left', 'outer join', 'SELECT c.id, c.name, i.id AS item FROM cat c LEFT JOIN item i ON i.cat = c.id'],
  [
    'o_right',
    'outer join',
    'SELECT c.id, i.id AS item, i.price FROM cat c RIGHT JOIN item i ON i.cat = c.id',
  ],
  ['o_full', 'outer join', 'SELECT c.id AS cat, i.id AS item FROM cat c FULL JOIN item i ON i.cat = c.id'],
  [
    'o_left_left',
    'outer join chain',
    'SELECT c.id, i.id AS item, s.qty FROM cat c LEFT JOIN item i ON i.cat = c.id LEFT JOIN sale s ON s.item = i.id',
  ],
  [
    'o_full_full',
    'outer join chain',
    'SELECT c.id, i.id AS item, s.qty FROM cat c FULL JOIN item i ON i.cat = c.id FULL JOIN sale s ON s.item = i.id',
  ],
  [
    'o_left_right',
    'outer join chain',
    'SELECT c.id, i.id AS item, s.qty FROM cat c LEFT JOIN item i ON i.cat = c.id RIGHT JOIN sale s ON s.item = i.id',
  ],
  [
    'o_full_inner',
    'outer join chain',
    'SELECT c.id, i.id AS item, s.qty FROM cat c FULL JOIN item i ON i.cat = c.id JOIN sale s ON s.item = i.id',
  ],
  [
    'o_left_agg',
    'outer join + aggregate',
    'SELECT c.id, COUNT(i.id) AS n, SUM(i.price) AS total FROM cat c LEFT JOIN item i ON i.cat = c.id GROUP BY c.id',
  ],
  [
    'o_left_optkey',
    'outer join + aggregate',
    'SELECT i.cat, COUNT(*) AS n FROM cat c LEFT JOIN item i ON i.cat = c.id GROUP BY i.cat',
  ],
  [
    'a_group',
    'aggregate',
    'SELECT cat, COUNT(*) AS n, SUM(price) AS s, AVG(price) AS av FROM item GROUP BY cat',
  ],
  ['a_count_col', 'aggregate', 'SELECT cat, COUNT(price) AS n FROM item GROUP BY cat'],
  ['a_minmax', 'aggregate MIN/MAX', 'SELECT cat, MIN(price) AS lo, MAX(price) AS hi FROM item GROUP BY cat'],
  ['a_whole', 'aggregate', 'SELECT COUNT(*) AS n, SUM(price) AS s, AVG(price) AS av FROM item'],
  ['a_whole_minmax', 'aggregate MIN/MAX', 'SELECT MIN(price) AS lo, MAX(price) AS hi FROM item'],
  [
    'a_join',
    'aggregate',
    'SELECT c.zone, SUM(s.qty * i.price) AS revenue, COUNT(*) AS n FROM sale s JOIN item i ON s.item = i.id JOIN cat c ON c.id = i.cat GROUP BY c.zone',
  ],
  ['a_expr', 'aggregate', 'SELECT cat, SUM(price) * 2 + COUNT(*) AS score FROM item GROUP BY cat'],
  ['a_having', 'aggregate HAVING', 'SELECT cat, SUM(price) AS s FROM item GROUP BY cat HAVING COUNT(*) > 1'],
  ['a_count_distinct', 'aggregate DISTINCT', 'SELECT cat, COUNT(DISTINCT price) AS d FROM item GROUP BY cat'],
  ['d_distinct', 'DISTINCT', 'SELECT DISTINCT cat, price FROM item'],
  ['d_distinct_join', 'DISTINCT', 'SELECT DISTINCT c.zone, i.price FROM item i JOIN cat c ON i.cat = c.id'],
  ['d_duplicates', 'duplicates', 'SELECT price FROM item'],
  [
    'f_simple',
    'subquery in FROM',
    'SELECT x.id, x.price FROM (SELECT id, price FROM item WHERE price > 0) AS x',
  ],
  [
    'f_join',
    'subquery in FROM',
    'SELECT x.id, c.name FROM (SELECT id, cat FROM item) AS x JOIN cat c ON c.id = x.cat',
  ],
  [
    'f_agg',
    'subquery in FROM',
    'SELECT n, COUNT(*) AS cats FROM (SELECT cat, COUNT(*) AS n FROM item GROUP BY cat) AS per GROUP BY n',
  ],
  [
    'e_exists',
    'EXISTS',
    'SELECT i.id, i.price FROM item i WHERE EXISTS (SELECT 1 FROM sale s WHERE s.item = i.id)',
  ],
  [
    'e_exists_and',
    'EXISTS',
    'SELECT i.id FROM item i WHERE EXISTS (SELECT 1 FROM sale s WHERE s.item = i.id) AND i.price > 2',
  ],
  [
    'e_not_exists',
    'EXISTS',
    'SELECT i.id, i.cat FROM item i WHERE NOT EXISTS (SELECT 1 FROM sale s WHERE s.item = i.id)',
  ],
  ['e_in', 'IN subquery', 'SELECT id, price FROM item WHERE cat IN (SELECT id FROM cat WHERE zone = 1)'],
  [
    'w_cte',
    'CTE',
    'WITH z AS (SELECT id, zone FROM cat WHERE zone IS NOT NULL) SELECT i.id, z.zone FROM item i JOIN z ON z.id = i.cat',
  ],
  [
    'w_two',
    'CTE',
    'WITH a AS (SELECT id, cat FROM item), b AS (SELECT id, name FROM cat) SELECT a.id, b.name FROM a JOIN b ON a.cat = b.id',
  ],
  [
    'w_twice',
    'CTE',
    'WITH t AS (SELECT id, cat FROM item) SELECT t1.id, t2.id AS peer FROM t t1 JOIN t t2 ON t1.cat = t2.cat',
  ],
  [
    'w_agg',
    'CTE',
    'WITH per AS (SELECT cat, SUM(price) AS s FROM item GROUP BY cat) SELECT c.name, per.s FROM cat c JOIN per ON per.cat = c.id',
  ],
  ['u_all', 'UNION ALL', 'SELECT id, price FROM item UNION ALL SELECT item, qty FROM sale'],
  ['u_distinct', 'UNION', 'SELECT cat AS k FROM item UNION SELECT id FROM cat'],
  ['v_view', 'view', 'SELECT v.id, v.price FROM cheap v'],
  ['v_join', 'view', 'SELECT v.id, c.name FROM cheap v JOIN cat c ON c.id = v.cat'],
  ['v_agg', 'view', 'SELECT cat, COUNT(*) AS n FROM cheap GROUP BY cat'],
  ['n_group', 'NULLs', 'SELECT zone, COUNT(*) AS n, MIN(id) AS lo FROM cat GROUP BY zone'],
  ['n_sum', 'NULLs', 'SELECT name, SUM(zone) AS z, COUNT(zone) AS nz FROM cat GROUP BY name'],
  ['s_star', 'SELECT *', 'SELECT * FROM item'],
  ['s_star_join', 'SELECT *', 'SELECT i.*, c.name FROM item i JOIN cat c ON i.cat = c.id'],
  [
    'win_groups',
    'window',
    'SELECT cat, SUM(price) AS s, RANK() OVER (ORDER BY SUM(price)) AS r FROM item GROUP BY cat',
  ],
  [
    'win_partition',
    'window',
    'SELECT id, cat, price, SUM(price) OVER (PARTITION BY cat) AS cat_total FROM item',
  ],
];

const small = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: null, freq: 6 });

/** One write, as SQL (pg_ivm's kinds: inserts, updates of join and group columns, deletes). */
const step = fc.oneof(
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 6 }), small(3), small(6)), { minLength: 1, maxLength: 3 })
    .map((rows) => insertSql('item', rows)),
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('n1', 'n2', null), small(2)), {
      minLength: 1,
      maxLength: 2,
    })
    .map((rows) => insertSql('cat', rows)),
  fc
    .array(fc.tuple(small(6), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 3 })
    .map((rows) => insertSql('sale', rows)),
  fc
    .tuple(small(3), fc.integer({ min: 0, max: 6 }))
    .map(([c, id]) => `UPDATE item SET cat = ${lit(c)} WHERE id = ${id}`),
  fc.integer({ min: 0, max: 3 }).map((c) => `UPDATE item SET price = price + 3 WHERE cat = ${c}`),
  fc
    .tuple(small(2), fc.integer({ min: 0, max: 4 }))
    .map(([z, id]) => `UPDATE cat SET zone = ${lit(z)} WHERE id = ${id}`),
  fc.integer({ min: 0, max: 6 }).map((id) => `DELETE FROM item WHERE id = ${id}`),
  fc.integer({ min: 0, max: 4 }).map((id) => `DELETE FROM cat WHERE id = ${id}`),
  fc.integer({ min: 0, max: 6 }).map((id) => `DELETE FROM sale WHERE item = ${id}`),
  fc.constant('DELETE FROM item WHERE price = (SELECT MAX(price) FROM item)'),
);

const SEED = [
  "INSERT INTO cat VALUES (0, NULL, 0), (1, 'n1', 1), (2, 'n2', NULL), (3, 'n1', 1)",
  'INSERT INTO item VALUES (0, 0, 1), (1, 1, 4), (2, 1, 4), (3, 2, NULL), (4, NULL, 2), (5, 3, 7)',
  'INSERT INTO sale VALUES (1, 2), (1, 2), (2, 1), (5, 3), (NULL, 1), (6, 1)',
];

describe.each(BACKEND_KINDS)('pg_ivm-style corpus on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [
        'CREATE TABLE item (id INTEGER, cat INTEGER, price INTEGER); CREATE TABLE cat (id INTEGER, name VARCHAR(5), zone INTEGER); CREATE TABLE sale (item INTEGER, qty INTEGER)',
        'CREATE VIEW cheap AS SELECT id, cat, price FROM item WHERE price < 5',
        ...SEED,
      ],
      dts: CORPUS.map(([name, , query]) => [name, query]),
      mode: 'AUTO',
    });
  }, 300_000);
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT equals its query after every step; prints the INCREMENTAL share', async () => {
    const { engine } = oracle;
    await oracle.check('creation');
    const property = fc.asyncProperty(
      fc.array(step, { minLength: 2, maxLength: 6 }),
      fc.constantFrom('item', 'cat', 'sale'),
      async (steps, truncated) => {
        for (const [i, sql] of steps.entries()) {
          await engine.execute(sql);
          await oracle.check(`step ${i + 1}: ${steps.slice(0, i + 1).join('; ')}`);
        }
        await engine.execute(`TRUNCATE ${truncated}`);
        await oracle.check(`TRUNCATE ${truncated} after ${steps.join('; ')}`);
        // Back to the seed rows for the next run.
        await engine.execute('DELETE FROM item; DELETE FROM cat; DELETE FROM sale');
        for (const sql of SEED) await engine.execute(sql);
        await oracle.check('reseed');
      },
    );
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_CORPUS_RUNS ?? 3) });

    const dts = new Map((await engine.listDynamicTables()).map((d) => [d.name, d]));
    const full = CORPUS.filter(([name]) => dts.get(name)?.effectiveMode !== 'INCREMENTAL');
    const incremental = CORPUS.length - full.length;
    const lines = [
      `${kind}: corpus ${CORPUS.length} DTs, INCREMENTAL ${incremental} (${((100 * incremental) / CORPUS.length).toFixed(1)} %), FULL ${full.length}`,
      `${kind}: refresh actions ${JSON.stringify(oracle.tally.totals())}`,
      ...full.map(
        ([name, construct]) => `${kind}:   FULL ${name} [${construct}]: ${dts.get(name)?.refreshModeReason}`,
      ),
    ];
    console.log(lines.join('\n'));
  }, 900_000);
});
