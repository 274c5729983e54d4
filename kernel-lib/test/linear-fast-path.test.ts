/**
 * The linear fast paths are taken: a projection over an inner join applies its change as weighted rows, and
 * a LEFT JOIN aggregate (customer_ltv's shape) merges its change into per-group state — neither reads the
 * changed source's table (only its change rows), so no group is recomputed; a delete of a group's MAX
 * recomputes that group's extreme only. Checked on the SQL the refresh sends (a recording backend), the
 * refresh's reason, and VERIFY, on the three backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Queryable } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { nullKeysGate } from '../src/refresh/replace.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

/** Records every statement sent inside transactions while `on` is set. */
function recording(backend: Backend) {
  const sent: string[] = [];
  const state = { on: false };
  const wrap = (tx: Queryable): Queryable => {
    const out: Queryable = {
      query: (sql, params) => {
        if (state.on) sent.push(sql);
        return tx.query(sql, params);
      },
    };
    if (tx.defer) {
      const defer = tx.defer.bind(tx);
      out.defer = (sql, params) => {
        if (state.on) sent.push(sql);
        defer(sql, params);
      };
    }
    return out;
  };
  const transaction = backend.transaction.bind(backend);
  backend.transaction = (fn, options) => transaction((tx) => fn(wrap(tx)), options);
  return { sent, state };
}

/** Statements that read the table itself (not its change table `dtlab.chg_…`, nor a literal naming it). */
const readsTable = (sent: string[], table: string) =>
  sent.filter((s) =>
    new RegExp(`\\b${table}\\b`).test(s.replace(/'[^']*'/g, "''").replaceAll(`"${table}"`, table)),
  );

describe.each(BACKEND_KINDS)('linear fast paths on %s', (kind) => {
  let engine: Engine;
  let rec: ReturnType<typeof recording>;

  beforeAll(async () => {
    const backend = await freshBackend(kind);
    rec = recording(backend);
    engine = await Engine.open(backend);
    await engine.execute(`
      CREATE TABLE cust (ck INTEGER, nm VARCHAR(10));
      CREATE TABLE ords (ok INTEGER, ck INTEGER, price INTEGER, day INTEGER);
      INSERT INTO cust VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'no orders'), (NULL, 'null key');
      INSERT INTO ords VALUES (1, 1, 10, 5), (2, 2, 20, 6), (3, 2, 20, 7), (4, 3, 30, 8), (5, 3, 31, 9),
        (6, NULL, 40, 1), (7, 2, 20, 6);
      CREATE DYNAMIC TABLE proj TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.nm, o.price FROM ords o JOIN cust c ON o.ck = c.ck;
      CREATE DYNAMIC TABLE ltv TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.ck, c.nm, COUNT(o.ok) AS n, SUM(o.price) AS total, AVG(o.price) AS mean, MAX(o.day) AS last
        FROM cust c LEFT JOIN ords o ON c.ck = o.ck GROUP BY c.ck, c.nm`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const refresh = async (name: string) => {
    rec.sent.length = 0;
    rec.state.on = true;
    const record = await engine.refresh(name).finally(() => {
      rec.state.on = false;
    });
    expect(record.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify(name)).equal).toBe(true);
    return { record, sent: [...rec.sent] };
  };

  it('applies a projection over a join as weighted rows, duplicates exact, reading only the change', async () => {
    // Two copies of ('b', 20) go and one comes back: deleting k copies of a row, inserting k copies.
    await engine.execute(
      'DELETE FROM ords WHERE ok IN (2, 7); INSERT INTO ords VALUES (8, 2, 21, 3), (9, NULL, 5, 1)',
    );
    const { record, sent } = await refresh('proj');
    expect(record.reason).toMatch(/weighted inserts and deletes/);
    expect(readsTable(sent, 'ords')).toEqual([]);
    expect([record.rowsDeleted, record.rowsInserted]).toEqual([2, 1]);
    const rows = await engine.execute(
      "SELECT price, count(*) FROM proj WHERE nm = 'b' GROUP BY price ORDER BY price",
    );
    expect(rows.at(-1)?.rows.map((r) => r.map(Number))).toEqual([
      [20, 1],
      [21, 1],
    ]);
  });

  it('merges a LEFT JOIN aggregate into its state: no group recomputed for inserts and other deletes', async () => {
    await engine.execute('INSERT INTO ords VALUES (10, 1, 11, 4), (11, 4, 1, 2)');
    const inserted = await refresh('ltv');
    expect(inserted.record.reason).toMatch(/LEFT JOIN/);
    expect(readsTable(inserted.sent, 'ords')).toEqual([]);
    // The touched groups' rows go by a join with the keys where the family plans DELETE … USING as one.
    const byJoin = inserted.sent.some((q) => /^DELETE FROM "ltv" USING dtlab_keys WHERE/.test(q));
    expect(byJoin).toBe(kind === 'duckdb');
    // A delete below customer 1's MAX(day) (5): merged, not recomputed.
    await engine.execute('DELETE FROM ords WHERE ok = 10');
    expect(readsTable((await refresh('ltv')).sent, 'ords')).toEqual([]);
  });

  it('updates existing groups and inserts new ones in one statement (data-modifying CTE), no second probe', async () => {
    // Customer 5 is a new group; customer 2 an existing one.
    await engine.execute(
      "INSERT INTO cust VALUES (5, 'e'); INSERT INTO ords VALUES (15, 5, 3, 2), (16, 2, 4, 3)",
    );
    const { sent } = await refresh('ltv');
    const state = 'dtlab."state_ltv"';
    const combined = sent.filter((s) =>
      s.startsWith(`WITH dtlab_updated AS (UPDATE ${state} AS dtlab_s SET`),
    );
    // The new groups found again by probing the state per key (the statement the CTE replaces).
    const probing = sent.filter((s) =>
      s.includes(`AND NOT EXISTS (SELECT 1 FROM ${state} AS dtlab_s WHERE dtlab_s.k1 = dtlab_d.k1`),
    );
    if (kind === 'duckdb') expect(sent.some((s) => s.startsWith(`MERGE INTO ${state}`))).toBe(true);
    else expect([combined.length, probing.length]).toEqual([1, 0]);
    const rows = await engine.execute('SELECT ck, n, total FROM ltv WHERE ck IN (2, 5) ORDER BY ck');
    expect(rows.at(-1)?.rows.map((r) => r.map(Number))).toEqual([
      [2, 3, 45],
      [5, 1, 3],
    ]);
  });

  it("recomputes a group's MAX only when a delete reaches it, and only that group", async () => {
    await engine.execute('DELETE FROM ords WHERE ok IN (5, 1)');
    const { sent } = await refresh('ltv');
    // Statements for NULL keys are gated (refresh/replace.ts): with none among the keys they execute nothing.
    // (The PostgreSQL family's keys table is one it keeps, named by its shape: refresh/keys-steps.ts.)
    const logical = (s: string) => s.replace(/\bdtlab_keys_[0-9a-z]+\b/g, 'dtlab_keys');
    const reads = readsTable(sent, 'ords').filter((s) => !logical(s).includes(nullKeysGate(2)));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/dtlab_redo/);
    const last = await engine.execute('SELECT ck, n, last FROM ltv WHERE ck IN (1, 3) ORDER BY ck');
    expect(last.at(-1)?.rows.map((r) => r.map(Number))).toEqual([
      [1, 0, 0],
      [3, 1, 8],
    ]);
  });
  it('tells a planner that plans by estimates how few change rows it joins, and finds the keys by index', async () => {
    // Key indexes only for keys declared with bounded types (a btree entry over ≈2.7 kB fails its INSERT).
    await engine.execute(`CREATE DYNAMIC TABLE ltvd (ck INTEGER, nm VARCHAR(10), n BIGINT, total BIGINT)
        TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.ck, c.nm, COUNT(o.ok), SUM(o.price) FROM cust c LEFT JOIN ords o ON c.ck = o.ck GROUP BY c.ck, c.nm;
      CREATE DYNAMIC TABLE ltvt (ck INTEGER, nm TEXT, n BIGINT) TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT c.ck, c.nm, COUNT(o.ok) FROM cust c LEFT JOIN ords o ON c.ck = o.ck GROUP BY c.ck, c.nm`);
    await engine.execute(
      'INSERT INTO ords VALUES (12, 3, 7, 9), (13, 1, 8, 2); DELETE FROM ords WHERE ok = 11',
    );
    const { sent } = await refresh('ltv');
    await refresh('ltvd');
    // The change of ords holds 3 rows in this window (2 inserted, 1 deleted): read as at most that many.
    const limited = sent.filter((s) => /chg_ords/.test(s) && /LIMIT 3\b/.test(s));
    const indexes = await engine.execute(
      kind === 'duckdb'
        ? "SELECT table_name FROM duckdb_indexes() WHERE table_name LIKE 'ltv%' ORDER BY 1"
        : "SELECT tablename FROM pg_indexes WHERE indexname LIKE 'dtlab_keys_ltv%' ORDER BY 1",
    );
    const indexed = indexes.at(-1)?.rows.map((r) => r[0]);
    // ltv's keys are undeclared and ltvt's nm is TEXT: neither indexed.
    if (kind === 'duckdb') expect([limited.length, indexed]).toEqual([0, []]);
    else expect([limited.length > 0, indexed]).toEqual([true, ['ltvd']]);
  });

  it("moves the key index with a renamed DT (the old name's index does not stay behind)", async () => {
    await engine.execute('ALTER DYNAMIC TABLE ltvd RENAME TO ltvd_r');
    await engine.execute('INSERT INTO ords VALUES (14, 2, 9, 3)');
    expect((await engine.refresh('ltvd_r')).refreshAction).not.toBe('FAILED');
    expect((await engine.verify('ltvd_r')).equal).toBe(true);
    if (kind === 'duckdb') return;
    const names = await engine.execute(
      "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'dtlab_keys_ltvd%' ORDER BY 1",
    );
    expect(names.at(-1)?.rows.map((r) => r[0])).toEqual(['dtlab_keys_ltvd_r']);
  });
});
