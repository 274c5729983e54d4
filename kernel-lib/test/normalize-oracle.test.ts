/**
 * The oracle (as in oracle.test.ts) for the shapes plan/normalize.ts writes out before planning: `SELECT *`
 * and `t.*`, WITH (also CTEs reading CTEs), views in FROM (views of views, a view with `*`, an aggregating
 * view read whole) and UNION (distinct). Every DT is created with REFRESH_MODE = INCREMENTAL, so CREATE fails
 * if the shape is not maintained incrementally; after every refresh of random changes (NULLs, duplicate
 * rows, updates moving rows between groups, deletes) each DT equals its query, on DuckDB, PGlite and
 * PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_KINDS } from './helpers/backends.js';
import { AB_TABLES, AB_WRITES, incrementalOnly, Oracle } from './helpers/oracle.js';

export const NORMALIZE_VIEWS = [
  'CREATE VIEW va AS SELECT k, g, v FROM a WHERE v IS NULL OR v > -2',
  'CREATE VIEW vstar AS SELECT * FROM b',
  'CREATE VIEW vva AS SELECT va.k, va.v, vstar.w FROM va JOIN vstar ON va.k = vstar.k',
  'CREATE VIEW vagg AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g',
];

/** Name and query of each DT. */
export const NORMALIZE_DTS: [string, string][] = [
  ['star', 'SELECT * FROM a'],
  ['star_where', 'SELECT * FROM a WHERE g IS NOT NULL OR v > 0'],
  ['star_join', 'SELECT a.*, b.w FROM a JOIN b ON a.k = b.k'],
  ['star_distinct', 'SELECT DISTINCT * FROM b'],
  ['cte', 'WITH x AS (SELECT k, v FROM a WHERE v IS NOT NULL) SELECT x.k, SUM(x.v) AS s FROM x GROUP BY x.k'],
  [
    'cte_chain',
    'WITH x AS (SELECT k, g FROM a), y AS (SELECT x.k, x.g, b.w FROM x JOIN b ON x.k = b.k) SELECT * FROM y',
  ],
  ['cte_agg', 'WITH t AS (SELECT g, COUNT(*) AS n, MAX(v) AS mx FROM a GROUP BY g) SELECT * FROM t'],
  [
    'cte_join',
    'WITH bb AS (SELECT k, w FROM b WHERE w IS NOT NULL) SELECT a.g, bb.w, COUNT(*) AS n FROM a JOIN bb ON a.k = bb.k GROUP BY a.g, bb.w',
  ],
  ['view_rows', 'SELECT * FROM va'],
  ['view_agg', 'SELECT g, COUNT(*) AS n, MIN(v) AS mn FROM va GROUP BY g'],
  ['view_join', 'SELECT x.g, b.w, SUM(x.v) AS s FROM va AS x JOIN b ON x.k = b.k GROUP BY x.g, b.w'],
  ['view_of_views', 'SELECT * FROM vva'],
  ['view_star_def', 'SELECT w, COUNT(*) AS n FROM vstar GROUP BY w'],
  ['view_aggregating', 'SELECT * FROM vagg'],
  ['union_rows', 'SELECT k, v FROM a WHERE v > 0 UNION SELECT k, w FROM b'],
  [
    'union_groups',
    'SELECT g AS key, COUNT(*) AS n FROM a GROUP BY g UNION SELECT k, COUNT(*) FROM b GROUP BY k',
  ],
  ['union_three', 'SELECT g FROM a UNION SELECT w FROM b UNION SELECT k FROM a WHERE v IS NULL'],
];

/** One step of writes: rows repeat (small domains), so duplicates are frequent. */
const { insertA, insertB, moveGroup, bumpGroup, deleteA, deleteB, setW } = AB_WRITES;
const step = fc.oneof(insertA, insertB, moveGroup, bumpGroup, deleteA, deleteB, setW);

describe.each(BACKEND_KINDS)('normalized shapes on %s', (kind) => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await Oracle.open(kind, {
      setup: [AB_TABLES, ...NORMALIZE_VIEWS],
      dts: NORMALIZE_DTS,
      onRefresh: incrementalOnly,
    });
  });
  afterAll(async () => {
    await oracle?.close();
  });

  it('every DT is INCREMENTAL and equals its query after every refresh, under random changes', async () => {
    const shown = await oracle.engine.execute('SHOW DYNAMIC TABLES');
    expect(shown[0]?.rows.length).toBeGreaterThanOrEqual(NORMALIZE_DTS.length);
    const property = oracle.batches(step, { writes: 3, batches: 4 }, 'DELETE FROM a; DELETE FROM b');
    await fc.assert(property, { numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 12) });
    console.log(`${kind} refresh actions: ${JSON.stringify(oracle.tally.totals())}`);
    expect(oracle.tally.count('INCREMENTAL')).toBeGreaterThan(0);
  }, 600_000);
});
