/**
 * Discarded quarantined rows (docs/quality.md, Review): a discarded row stays out of the quarantine while the
 * query result holds it unchanged — through a full refresh and a recompute of its group — and comes back when
 * its source row changes (a new version) or when the expectations it fails change. An engine opening a
 * catalog made before discards were kept makes their table. On DuckDB, PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('discarded quarantined rows on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string): Promise<Value[][]> =>
    ((await engine.execute(sql)).at(-1)?.rows ?? []).map((r) =>
      r.map((v) => (v === null ? null : Number(v))),
    );
  const quarantine = (dt: string) => rows(`SELECT id, price FROM dtlab.quarantine_${dt} ORDER BY id, price`);
  const discard = async (dt: string, id: number) => {
    const [found] = await engine.execute(`SELECT dtlab_id FROM dtlab.quarantine_${dt} WHERE id = ${id}`);
    await engine.execute(
      `ALTER DYNAMIC TABLE ${dt} DISCARD QUARANTINED ROWS (${Number(found?.rows[0]?.[0])})`,
    );
  };

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (id INTEGER, grp INTEGER, price INTEGER);
      INSERT INTO src VALUES (1, 1, -5), (2, 1, -7), (3, 2, 4);
      CREATE DYNAMIC TABLE full_p (CONSTRAINT positive EXPECT (price > 0) ON VIOLATION QUARANTINE)
        TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT id, price FROM src;
      CREATE DYNAMIC TABLE per_grp (CONSTRAINT positive EXPECT (price > 0) ON VIOLATION QUARANTINE)
        TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT grp AS id, SUM(price) AS price FROM src GROUP BY grp`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('stays out while its row is unchanged, comes back as a new version or under changed expectations', async () => {
    expect(await quarantine('full_p')).toEqual([
      [1, -5],
      [2, -7],
    ]);
    expect(await quarantine('per_grp')).toEqual([[1, -12]]);
    await discard('full_p', 1);
    await discard('per_grp', 1);
    // A full refresh and a recompute of group 1 (two rows more, the same sum) evaluate them again.
    await engine.execute('INSERT INTO src VALUES (4, 1, 3), (5, 1, -3)');
    for (const dt of ['full_p', 'per_grp'])
      expect((await engine.refresh(dt)).refreshAction).not.toBe('NO_DATA');
    expect(await quarantine('full_p')).toEqual([
      [2, -7],
      [5, -3],
    ]);
    expect(await quarantine('per_grp')).toEqual([]);
    // Their source rows change: new versions, quarantined; the discards are forgotten.
    await engine.execute('UPDATE src SET price = price - 1 WHERE id = 1; DELETE FROM src WHERE id IN (4, 5)');
    for (const dt of ['full_p', 'per_grp']) await engine.refresh(dt);
    expect(await quarantine('full_p')).toEqual([
      [1, -6],
      [2, -7],
    ]);
    expect(await quarantine('per_grp')).toEqual([[1, -13]]);
    expect(await rows('SELECT count(*) FROM dtlab.discarded_full_p')).toEqual([[0]]);
    // Discarded again, then the expectations it fails change: it is shown again for review.
    await discard('full_p', 1);
    await engine.execute(`ALTER DYNAMIC TABLE full_p ADD CONSTRAINT tiny EXPECT (price > -3)`);
    expect((await engine.refresh('full_p')).refreshAction).toBe('REINITIALIZE');
    expect(await quarantine('full_p')).toEqual([
      [1, -6],
      [2, -7],
    ]);
    const [reasons] = await engine.execute(
      'SELECT dtlab_expectations FROM dtlab.quarantine_full_p WHERE id = 1',
    );
    expect(reasons?.rows).toEqual([['positive, tiny']]);
  });

  it('an engine opening a catalog made before discards were kept makes their table', async () => {
    await engine.backend.query('DROP TABLE dtlab.discarded_per_grp');
    const again = await Engine.open(engine.backend);
    const [r] = await again.execute('SELECT count(*) FROM dtlab.discarded_per_grp');
    expect(Number(r?.rows[0]?.[0])).toBe(0);
    await again.execute('INSERT INTO src VALUES (6, 1, 1)');
    expect((await again.refresh('per_grp')).refreshAction).toBe('INCREMENTAL');
    expect((await again.verify('per_grp')).equal).toBe(true);
  });
});
