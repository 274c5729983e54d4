/**
 * Two refreshes of one DT at once (two engines on one database; a manual REFRESH while another engine's
 * refresh runs): each waits for the other or fails as a user error, never DT_ERR_INTERNAL; the DT equals
 * its query after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';
import { expectEqualsQuery } from './helpers/pipeline.js';

describe.each(BACKEND_KINDS)('concurrent refreshes of one DT on %s', (kind) => {
  let backend: Backend;
  let other: Backend | undefined;
  let a: Engine;
  let b: Engine;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    a = await Engine.open(backend);
    const url = serverUrlOf(backend);
    other = url ? await openBackend(url) : undefined;
    // One process per database on DuckDB and PGlite: the second engine shares the backend.
    b = other ? await Engine.open(other) : await Engine.open(backend);
    await a.execute(`CREATE TABLE src (k INTEGER, v INTEGER);
      INSERT INTO src SELECT g, g % 7 FROM generate_series(1, 2000) AS t(g);
      CREATE DYNAMIC TABLE agg TARGET_LAG = '1 minute' REFRESH_MODE = FULL
        AS SELECT v, count(*) AS n, sum(k) AS s FROM src GROUP BY v`);
  });
  afterAll(async () => {
    await b?.close();
    if (!other) return;
    await a?.close();
  });

  it('two engines refreshing at once: both succeed or one says the DT is busy', async () => {
    for (let round = 0; round < 6; round++) {
      await a.execute(`INSERT INTO src VALUES (${10_000 + round}, ${round})`);
      const results = await Promise.allSettled([
        a.execute('ALTER DYNAMIC TABLE agg REFRESH'),
        b.execute('ALTER DYNAMIC TABLE agg REFRESH'),
      ]);
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        expect(r.reason).toBeInstanceOf(DtError);
        expect((r.reason as DtError).code, (r.reason as DtError).message).toBe('DT_ERR_BUSY');
      }
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    }
    await expectEqualsQuery(a, 'agg', 'SELECT v, count(*) AS n, sum(k) AS s FROM src GROUP BY v');
  });

  it('a manual refresh while another engine keeps changing the catalog waits or says busy', async () => {
    await a.execute("CREATE DYNAMIC TABLE side TARGET_LAG = '1 minute' AS SELECT k FROM src WHERE k < 10");
    // b knows the catalog as it is now; a then changes it again and again while b refreshes.
    await b.execute('SHOW DYNAMIC TABLES');
    let churn = true;
    const churner = (async () => {
      for (let i = 0; churn; i++)
        await a.execute(`ALTER DYNAMIC TABLE side SET TARGET_LAG = '${2 + (i % 5)} minutes'`);
    })();
    try {
      for (let round = 0; round < 15; round++) {
        await b.execute(`INSERT INTO src VALUES (${20_000 + round}, ${round})`);
        const err = await b.execute('ALTER DYNAMIC TABLE agg REFRESH').then(
          () => undefined,
          (e: unknown) => e as DtError,
        );
        if (err) expect(err.code, err.message).toBe('DT_ERR_BUSY');
      }
    } finally {
      churn = false;
      await churner;
    }
    // A refresh that said BUSY kept the previous contents, as it should: bring agg up to date, then compare.
    await b.execute('ALTER DYNAMIC TABLE agg REFRESH');
    await expectEqualsQuery(a, 'agg', 'SELECT v, count(*) AS n, sum(k) AS s FROM src GROUP BY v');
  });
});
