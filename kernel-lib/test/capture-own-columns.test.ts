/**
 * A table with a column named like one of the change table's own (`_w`; `_seq` on DuckDB, `_xid` on the
 * PostgreSQL family) cannot be captured: a dynamic table reading it is refused at CREATE with a message that
 * names the table and the column, and nothing is created. Before, PostgreSQL failed the initial refresh with
 * `column "_w" specified more than once`, and DuckDB created the DT and reinitialized it at every refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('a source with a column named like capture’s own, on %s', (kind) => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE odd (k INTEGER, _w INTEGER, "_W2" INTEGER); INSERT INTO odd VALUES (1, 2, 3);
      CREATE TABLE fine (k INTEGER, w INTEGER); INSERT INTO fine VALUES (1, 2)`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('is refused at CREATE, naming the table and the column; nothing is created', async () => {
    const create = engine.execute(
      "CREATE DYNAMIC TABLE sums TARGET_LAG = '1 minute' AS SELECT k, SUM(_w) AS w FROM odd GROUP BY k",
    );
    await expect(create).rejects.toThrow(/changes to odd cannot be captured: its column "_w" is named like/);
    expect((await engine.listDynamicTables()).map((d) => d.name)).toEqual([]);
    const tables = await engine.execute(
      kind === 'duckdb'
        ? "SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('sums', 'chg_odd')"
        : "SELECT count(*) FROM pg_class WHERE relname IN ('sums', 'chg_odd')",
    );
    expect(Number(tables.at(-1)?.rows[0]?.[0])).toBe(0);
  });

  it('a table without such a column is captured as before', async () => {
    await engine.execute(
      "CREATE DYNAMIC TABLE fine_sums TARGET_LAG = '1 minute' AS SELECT k, SUM(w) AS w FROM fine GROUP BY k",
    );
    await engine.execute('INSERT INTO fine VALUES (1, 5)');
    expect((await engine.refresh('fine_sums')).refreshAction).toBe('INCREMENTAL');
  });
});
