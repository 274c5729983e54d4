/**
 * An aggregating subquery kept beside its DT (plan/nested.ts) names the state's columns as the database
 * reads the subquery's: an unquoted `Total` is `total` on PostgreSQL, a quoted `"Total"` stays `Total`.
 * Before, the state's column was `"Total"` for both, and every refresh of a DT reading `t.Total` failed on
 * PostgreSQL and PGlite ("column t.total does not exist").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const DTS: [string, string][] = [
  [
    'inner_mixed',
    'SELECT c.nm, t.Total FROM cu c JOIN (SELECT ck, SUM(amt) AS Total FROM od GROUP BY ck) t ON t.ck = c.ck',
  ],
  [
    'left_mixed',
    'SELECT c.ck, c.nm, t.Total FROM cu c LEFT JOIN (SELECT CK, SUM(amt) AS Total FROM od GROUP BY ck) t ON t.ck = c.ck',
  ],
  [
    'inner_quoted',
    'SELECT c.nm, t."Total" FROM cu c JOIN (SELECT ck, SUM(amt) AS "Total" FROM od GROUP BY ck) t ON t.ck = c.ck',
  ],
];

describe.each(BACKEND_KINDS)('subquery column names as the database folds them, on %s', (kind) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE cu (ck INTEGER, nm VARCHAR(5)); CREATE TABLE od (ok INTEGER, ck INTEGER, amt INTEGER);
      INSERT INTO cu VALUES (1, 'a'), (2, 'b'), (3, 'c'); INSERT INTO od VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7)`);
    for (const [name, query] of DTS)
      await engine.execute(
        `CREATE DYNAMIC TABLE ${name} TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${query}`,
      );
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('refreshes incrementally and equals its query', async () => {
    for (const write of ['INSERT INTO od VALUES (4, 2, 1), (5, 3, 2)', 'DELETE FROM od WHERE ck = 1']) {
      await engine.execute(write);
      for (const [name] of DTS) {
        const record = await engine.refresh(name);
        expect([name, write, record.refreshAction]).toEqual([name, write, 'INCREMENTAL']);
        expect((await engine.verify(name)).equal, `${name} after ${write}`).toBe(true);
      }
    }
  });
});
