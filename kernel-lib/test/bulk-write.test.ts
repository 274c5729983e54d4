/**
 * The engine's own bulk inserts (engine/bulk.ts: the order simulator and TPC-H's RF1 write rows, not SQL
 * text). On DuckDB the rows go through Arrow into a stage table and the write is `INSERT … SELECT` from it (a
 * VALUES list is bound value by value there); on PGlite a COPY in the write's transaction; on a PostgreSQL
 * server one INSERT of the rows as an array of the table's row type. Either way the table gets exactly the rows, typed as its columns, the write is
 * captured (a DT reading the table refreshes incrementally and equals its query), nothing is left behind,
 * and a failing write changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { translateSql } from '../src/sql/translate.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

// The rows' statement is built by the engine in the backend's SQL: counted to prove it is not translated.
vi.mock(import('../src/sql/translate.js'), async (original) => {
  const m = await original();
  return { ...m, translateSql: vi.fn(m.translateSql) };
});

const ROWS: Value[][] = [
  [1, 'plain', '12.50', '2024-02-29', true],
  [2, 'it\'s "quoted" ; -- not a comment', '-0.01', '1998-08-02', false],
  [3, null, null, null, null],
  [4, 'ünïcødé ✓', '99999999.99', '1970-01-01', true],
  [5, '', '0', '2000-12-31', false],
  // What a row or an array literal quotes (the PostgreSQL server's write: sql/rows-insert.ts).
  [42, 'back\\slash {brace} (paren), "q" \\" NULL\nline', '1.00', '2001-01-01', true],
];

describe.each(BACKEND_KINDS)('bulk inserts on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  let rec: ReturnType<typeof recording>;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    rec = recording(backend);
    engine = await Engine.open(backend);
    await engine.execute(`
      CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(60), price DECIMAL(10,2), day DATE, ok BOOLEAN);
      INSERT INTO items VALUES (100, 'before', 1, DATE '2020-01-01', true);
      CREATE DYNAMIC TABLE item_totals TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT ok, COUNT(*) AS n, SUM(price) AS total FROM items GROUP BY ok`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const stages = async () =>
    Number(
      (
        await backend.query(
          kind === 'duckdb'
            ? "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'dtlab' AND table_name LIKE 'stage%'"
            : "SELECT count(*) FROM pg_tables WHERE schemaname = 'dtlab' AND tablename LIKE 'stage%'",
        )
      ).rows[0]?.[0],
    );

  it('writes exactly the rows, captured, and leaves no stage behind', async () => {
    rec.queries.length = 0;
    rec.deferred.length = 0;
    rec.on = true;
    const counts = await engine.write([{ insert: 'items', rows: ROWS }, 'DELETE FROM items WHERE id = 100']);
    rec.on = false;
    expect(counts).toEqual([ROWS.length, 1]);
    const { rows } = await backend.query(
      'SELECT id, label, CAST(price AS VARCHAR), CAST(day AS VARCHAR), ok FROM items ORDER BY id',
    );
    expect(rows.map((r) => [Number(r[0]), r[1], r[2] === null ? null : Number(r[2]), r[3], r[4]])).toEqual(
      ROWS.map((r) => [r[0], r[1], r[2] === null ? null : Number(r[2]), r[3], r[4]]),
    );
    const statements = [...rec.queries, ...rec.deferred];
    const inserts = statements.filter((s) => /^(INSERT INTO|COPY) "?items"?\b/i.test(s.trim()));
    expect(inserts).toHaveLength(1);
    // DuckDB: from a stage, through the change table; PGlite: copied (COPY fires the capture triggers); a
    // PostgreSQL server: one array of the table's row type. Only the server's rows travel as SQL text.
    if (kind === 'duckdb')
      expect(inserts[0]).toMatch(/SELECT \* EXCLUDE \(_seq, _w\) FROM dtlab\."chg_items"/);
    else if (kind === 'pglite') expect(inserts[0]).toBe(`COPY "items" (${ROWS.length} rows)`);
    else
      expect(inserts[0]).toMatch(
        /^INSERT INTO "items" SELECT \* FROM unnest\(CAST\('\{.*\}' AS "items"\[\]\)\)$/s,
      );
    if (kind !== 'postgres') expect(statements.join('\n')).not.toContain('ünïcødé');
    expect(await stages()).toBe(0);
    const refreshed = await engine.refresh('item_totals');
    expect(refreshed.refreshAction).toBe('INCREMENTAL');
    expect(refreshed.changesRead.items).toBe(ROWS.length + 1);
    expect((await engine.verify('item_totals')).equal).toBe(true);
  });

  it('a failing write changes nothing and leaves no stage behind', async () => {
    const before = (await backend.query('SELECT count(*) FROM items')).rows[0]?.[0];
    // Row 6 is new; row 1 breaks the primary key: the whole write fails.
    await expect(
      engine.write([{ insert: 'items', rows: [[6, 'new', '1', '2021-01-01', true], ROWS[0] as Value[]] }]),
    ).rejects.toThrow();
    expect((await backend.query('SELECT count(*) FROM items')).rows[0]?.[0]).toEqual(before);
    expect(await stages()).toBe(0);
    const refreshed = await engine.refresh('item_totals');
    expect([refreshed.refreshAction, refreshed.changesRead]).toEqual(['NO_DATA', { items: 0 }]);
    expect((await engine.verify('item_totals')).equal).toBe(true);
  });

  it('rows are written without translating or parsing their statement', async () => {
    vi.mocked(translateSql).mockClear();
    await engine.write([{ insert: 'items', rows: [[7, 'seven', '7', '2021-07-07', true]] }]);
    expect(vi.mocked(translateSql)).not.toHaveBeenCalled();
    // A statement given as text still is.
    await engine.write(['DELETE FROM items WHERE id = 7']);
    expect(vi.mocked(translateSql)).toHaveBeenCalledTimes(1);
    const refreshed = await engine.refresh('item_totals');
    expect([refreshed.refreshAction, refreshed.changesRead]).toEqual(['INCREMENTAL', { items: 2 }]);
    expect((await engine.verify('item_totals')).equal).toBe(true);
  });

  it('stages the rows in one bulk call per insert and sends no statement of its own outside the write', async () => {
    // Each call into DuckDB's worker costs about a small statement: a simulated minute writes two inserts.
    const direct = recording(backend, { direct: true });
    const stageRows = backend.stageRows?.bind(backend);
    let staged = 0;
    if (stageRows)
      backend.stageRows = (...args) => {
        staged++;
        return stageRows(...args);
      };
    direct.on = true;
    await engine.write([
      { insert: 'items', rows: [[8, 'eight', '8', '2021-08-08', true]] },
      { insert: 'items', rows: [[9, 'nine', '9', '2021-09-09', false]] },
    ]);
    direct.on = false;
    if (stageRows) backend.stageRows = stageRows;
    // Outside the transaction: nothing (no stage created, described or dropped by a statement of its own).
    const outside = direct.queries.filter((q) => !rec.queries.includes(q));
    expect(outside.filter((q) => /stage/i.test(q))).toEqual([]);
    expect(staged).toBe(kind === 'duckdb' ? 2 : 0);
    // The stages are dropped by the write's transaction.
    if (kind === 'duckdb') expect(direct.deferred.filter((q) => /^DROP TABLE/.test(q))).toHaveLength(2);
    expect(await stages()).toBe(0);
    await engine.write(['DELETE FROM items WHERE id IN (8, 9)']);
  });

  it('a write whose counts nobody reads sends its statements with the COMMIT where the backend defers', async () => {
    // The order simulator's tick: rows, an update and deletes, none of whose counts it reads.
    rec.queries.length = 0;
    rec.deferred.length = 0;
    rec.on = true;
    const counts = await engine.write(
      [
        { insert: 'items', rows: [[10, 'ten', '10', '2021-10-10', true]] },
        "UPDATE items SET price = price + 1, label = 'ten!' WHERE id = 10",
        'DELETE FROM items WHERE id = 1',
      ],
      { counted: false },
    );
    rec.on = false;
    expect(counts).toHaveLength(3);
    const writes = (sql: string[]) => sql.filter((q) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(q));
    expect(writes(rec.queries)).toEqual([]);
    const { rows } = await backend.query(
      'SELECT id, label, CAST(price AS VARCHAR) FROM items WHERE id IN (1, 10)',
    );
    expect(rows.map((r) => [Number(r[0]), r[1], Number(r[2])])).toEqual([[10, 'ten!', 11]]);
    const refreshed = await engine.refresh('item_totals');
    expect(refreshed.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('item_totals')).equal).toBe(true);
  });

  it('an insert of no rows writes nothing and counts 0', async () => {
    expect(await engine.write([{ insert: 'items', rows: [] }])).toEqual([0]);
  });
});
