/**
 * The number of calls an incremental refresh makes (issue 11): on DuckDB-WASM every call into the worker
 * costs 1.5–5 ms, on a PostgreSQL server a round trip. A keyed refresh of a 1-row change on DuckDB is three
 * calls whose answer the refresh reads — the metadata of what writes move, the keys' NULL check (counting the
 * DT's rows to delete), and the INSERT, the DELETE going with it — and on the PostgreSQL family two: the
 * probe, and one statement of DELETE and INSERT (NULL keys not looked for: their parts go gated); then
 * COMMIT with the deferred statements. A DuckDB transaction takes an idle connection instead of connecting and closing.
 * The counts of deleted and inserted rows stay exact (history row against the DT), NULL keys included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

describe.each(BACKEND_KINDS)('calls per incremental refresh on %s', (kind) => {
  let engine: Engine;
  let backend: Backend;
  let rec: ReturnType<typeof recording>;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    rec = recording(backend);
    // Every refresh collects its read sources' change rows here (which ones it collects is tested below);
    // prune.test.ts tests the schedule that spaces collections out.
    engine = await Engine.open(backend, { collectAfterRows: 0 });
    await engine.execute(`
      CREATE TABLE ords (ok INTEGER, ck INTEGER, price INTEGER);
      INSERT INTO ords VALUES (1, 1, 10), (2, 2, 20), (3, 2, 5), (4, NULL, 7);
      CREATE DYNAMIC TABLE per_ck TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT ck, COUNT(*) AS n, SUM(price) AS total FROM ords GROUP BY ck`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const refresh = async () => {
    rec.queries.length = 0;
    rec.deferred.length = 0;
    rec.on = true;
    const record = await engine.refresh('per_ck').finally(() => {
      rec.on = false;
    });
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('per_ck')).equal).toBe(true);
    return { record, queries: [...rec.queries], deferred: [...rec.deferred] };
  };
  const deletesDt = (s: string) => /DELETE FROM "per_ck"/.test(s);

  it('a 1-row change: three calls before COMMIT on DuckDB, two on a server, the DT rewritten in the last', async () => {
    // A first incremental refresh reads the catalog; the engine then knows what the next one needs.
    await engine.execute('INSERT INTO ords VALUES (5, 1, 1)');
    await refresh();
    await engine.execute('INSERT INTO ords VALUES (6, 2, 1)');
    const { record, queries, deferred } = await refresh();
    const last = queries.find((q) => /INSERT INTO "per_ck"/.test(q)) as string;
    // Neither family looks for NULL keys first (refresh/replace.ts): DuckDB matches every key by IS NOT
    // DISTINCT FROM, which it hashes, and its DELETE answers its own count; the PostgreSQL family runs
    // their statements gated. DuckDB: the metadata, the DELETE (with the keys and the MERGE), the INSERT;
    // a server: the probe, then the replace.
    expect(queries).toHaveLength(kind === 'duckdb' ? 3 : 2);
    expect(queries.at(-1)).toBe(last);
    expect(queries.filter((q) => /count\(\*\) FROM (dtlab_keys|"per_ck")/.test(q))).toEqual([]);
    if (kind === 'duckdb') {
      // The keys are computed and the state merged in the DELETE's call, deferred before it.
      expect(queries.filter(deletesDt)).toHaveLength(1);
      expect(deletesDt(queries[1] as string)).toBe(true);
      // One condition for every key (IS NOT DISTINCT FROM hashes on DuckDB), not `=` and NULL keys apart.
      expect(queries[1]).toMatch(/IS NOT DISTINCT FROM "per_ck"/);
      expect(last).toMatch(/IS NOT DISTINCT FROM/);
      // The state absorbs the delta in one MERGE (counts added, new groups inserted, emptied ones deleted).
      const stateWrites = deferred.filter((s) =>
        /^\s*(UPDATE|INSERT|DELETE|MERGE)\b[^(]*state_per_ck/i.test(s),
      );
      expect(stateWrites).toHaveLength(1);
      expect(stateWrites[0]).toMatch(/^MERGE INTO/);
    } else {
      expect(last).toMatch(/^WITH dtlab_deleted AS \(DELETE FROM "per_ck"/);
    }
    expect([record.rowsDeleted, record.rowsInserted]).toEqual([1, 1]);
  });

  it('counts stay exact when keys are NULL (matched apart) and when a group goes away', async () => {
    await engine.execute('INSERT INTO ords VALUES (7, NULL, 1); DELETE FROM ords WHERE ok = 1');
    const before = await refresh();
    // Group NULL rewritten, group 1 kept (order 5 remains): two rows out, two in.
    expect([before.record.rowsDeleted, before.record.rowsInserted]).toEqual([2, 2]);
    await engine.execute('DELETE FROM ords WHERE ck = 1');
    const gone = await refresh();
    expect([gone.record.rowsDeleted, gone.record.rowsInserted]).toEqual([1, 0]);
  });

  it('collects change rows only of the sources whose changes the refresh read, and moves positions in one UPDATE', async () => {
    await engine.execute(`
      CREATE TABLE cks (ck INTEGER, region INTEGER);
      INSERT INTO cks VALUES (1, 10), (2, 20), (3, 30);
      CREATE DYNAMIC TABLE per_region TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.region, SUM(o.price) AS total FROM ords o JOIN cks c ON o.ck = c.ck GROUP BY c.region`);
    await engine.refresh('per_region');
    const once = async () => {
      rec.queries.length = 0;
      rec.deferred.length = 0;
      rec.on = true;
      const record = await engine.refresh('per_region').finally(() => {
        rec.on = false;
      });
      expect(record.refreshAction).toBe('INCREMENTAL');
      expect((await engine.verify('per_region')).equal).toBe(true);
      return [...rec.queries, ...rec.deferred];
    };
    await engine.execute('INSERT INTO ords VALUES (20, 3, 4)');
    await once();
    await engine.execute('INSERT INTO ords VALUES (21, 3, 4)');
    const all = await once();
    const collects = (source: string) =>
      all.filter((s) => new RegExp(`DELETE FROM dtlab\\."chg_${source}"`).test(s));
    expect(collects('ords')).toHaveLength(1);
    expect(collects('cks')).toEqual([]);
    expect(all.filter((s) => /^(UPDATE|INSERT|DELETE)[^(]*capture_positions/.test(s))).toEqual([
      'UPDATE dtlab.capture_positions SET position = $2 WHERE dt_name = $1',
    ]);
    // DuckDB: nobody wrote cks since the last refresh (the engine sees every write), so its changes are not
    // looked at; once written, they are, and the DT still equals its query.
    if (kind === 'duckdb') expect(all.join('\n')).not.toContain('chg_cks');
    await engine.execute('UPDATE cks SET region = 30 WHERE ck = 1');
    const again = await once();
    if (kind === 'duckdb') expect(again.join('\n')).toContain('chg_cks');
    await engine.execute('INSERT INTO ords VALUES (22, 1, 4)');
    await once();
  });

  it.runIf(kind === 'duckdb')(
    'a DuckDB refresh connects to the worker only once, then reuses the connection',
    async () => {
      const db = (backend as unknown as { db: { connect: () => Promise<unknown> } }).db;
      const connect = db.connect.bind(db);
      let connects = 0;
      db.connect = () => {
        connects++;
        return connect();
      };
      try {
        for (let i = 0; i < 3; i++) {
          await engine.execute(`INSERT INTO ords VALUES (${10 + i}, 3, 1)`);
          await refresh();
        }
      } finally {
        db.connect = connect;
      }
      expect(connects).toBe(0);
    },
  );
});
