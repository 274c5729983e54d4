/**
 * The PostgreSQL family keeps a refresh's keys table (dialect `keepsKeys`, refresh/keys-steps.ts `keptKeys`):
 * an incremental refresh fills and empties a temporary table named by the shape of its keys' query instead
 * of creating and dropping `dtlab_keys` (which writes the system catalogs). Checked on the SQL the refresh
 * sends, on the table left behind, and on the DT's contents (VERIFY): after small changes, after a change
 * large enough to truncate the table, and after a source column's type changes — which must give the keys a
 * new table, or its values would be cast into the old one's columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const KEPT = /^CREATE TEMP TABLE IF NOT EXISTS (dtlab_keys_[0-9a-z]+) AS /;

describe.each(['pglite', 'postgres'] as const)('kept keys table on %s', (kind) => {
  let engine: Engine;
  let rec: ReturnType<typeof recording>;

  beforeAll(async () => {
    const backend = await freshBackend(kind);
    rec = recording(backend);
    engine = await Engine.open(backend);
    await engine.execute(`
      CREATE TABLE t (g INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 10), (2, 20), (2, 21), (NULL, 5);
      CREATE DYNAMIC TABLE agg (g INTEGER, n BIGINT, s NUMERIC(20, 2)) TARGET_LAG = '1 minute'
        REFRESH_MODE = INCREMENTAL AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY g;
    `);
  });

  afterAll(async () => {
    await engine?.close();
  });

  /** Runs `write`, refreshes agg incrementally; the statements the refresh sent and its kept table. */
  async function refreshAfter(write: string) {
    await engine.execute(write);
    rec.queries.length = 0;
    rec.deferred.length = 0;
    rec.on = true;
    const record = await engine.refresh('agg');
    rec.on = false;
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('agg')).equal).toBe(true);
    const sent = [...rec.queries, ...rec.deferred];
    const kept = sent.map((s) => KEPT.exec(s)?.[1]).filter((n) => n !== undefined);
    expect(kept).toHaveLength(1);
    const name = kept[0] as string;
    // The refresh's last word on the table: deferred into its COMMIT.
    const last = rec.deferred.filter((s) => s.includes(name)).at(-1);
    return { sent, kept: name, last };
  }

  const temporary = async (name: string) =>
    Number(
      (
        await engine.execute(
          `SELECT count(*) FROM pg_class WHERE relname = '${name}' AND relpersistence = 't'`,
        )
      ).at(-1)?.rows[0]?.[0],
    );

  it('fills and empties one kept table: no temporary table created or dropped, refresh after refresh', async () => {
    await engine.refresh('agg');
    const names = new Set<string>();
    for (const [i, g] of [1, 2, 3].entries()) {
      const { sent, kept, last } = await refreshAfter(`INSERT INTO t VALUES (${g}, ${i})`);
      names.add(kept);
      expect(sent.filter((s) => /CREATE TEMP TABLE dtlab_keys\b|DROP TABLE/.test(s))).toEqual([]);
      expect(last).toBe(`DELETE FROM ${kept}`);
      expect(await temporary(kept)).toBe(1);
    }
    // The second and third refresh filled the table the first one created: one name for one shape.
    expect(names.size).toBe(1);
    if (kind === 'pglite') {
      // One connection: the table is this session's, and it is empty between refreshes.
      const [name] = names;
      const left = await engine.execute(`SELECT count(*) FROM ${name}`);
      expect(Number(left.at(-1)?.rows[0]?.[0])).toBe(0);
      // A row left in it (nothing the engine does leaves one) is emptied before the keys go in: a stale
      // delta for group 1 would otherwise be merged into its state.
      await engine.execute(`INSERT INTO ${name} (k1, dtlab_n) VALUES (1, 100)`);
      expect((await refreshAfter('INSERT INTO t VALUES (2, 7)')).kept).toBe(name);
    }
  });

  it('a large change truncates the kept table afterwards', async () => {
    const { kept, last } = await refreshAfter(
      'INSERT INTO t SELECT i % 50, i FROM generate_series(1, 2500) AS s(i)',
    );
    expect(last).toBe(`TRUNCATE ${kept}`);
  });

  it("a source column's new type gives the keys a new table, and its values are not cast into the old one", async () => {
    const before = (await refreshAfter('INSERT INTO t VALUES (70, 1)')).kept;
    await engine.execute('ALTER TABLE t ALTER COLUMN v TYPE NUMERIC(10, 2)');
    await engine.refresh('agg');
    // 0.25 and 1.5: summed into a BIGINT column of the old table they would come back as 0 and 2 (the DT's
    // own column is declared NUMERIC(20, 2), so it holds what the query gives before and after the ALTER).
    const after = await refreshAfter('INSERT INTO t VALUES (70, 0.25), (80, 1.5)');
    expect(after.kept).not.toBe(before);
    const rows = await engine.execute('SELECT g, s FROM agg WHERE g IN (70, 80) ORDER BY g');
    expect(rows.at(-1)?.rows.map((r) => r.map(Number))).toEqual([
      [70, 1.25],
      [80, 1.5],
    ]);
  });
});
