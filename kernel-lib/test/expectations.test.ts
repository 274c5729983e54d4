/**
 * Expectations on dynamic tables (docs/quality.md): the grammar, each ON VIOLATION action, the per-refresh
 * results, FAIL UPDATE keeping the previous contents, ADD / DROP CONSTRAINT recomputing, and bad input
 * (positioned DT_ERR_EXPECTATION, nothing changed), on DuckDB, PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { type MagicCommand, parseCell } from '../src/magics/parse.js';
import { quarantineCommand } from '../src/magics/quarantine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { parse } from './helpers/parse.js';

const failure = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(DtError);
    return e as DtError;
  }
  throw new Error('expected a DtError');
};

describe('expectation grammar', () => {
  it('parses constraints mixed with columns, each action, WARN by default', () => {
    const s =
      parse(`CREATE DYNAMIC TABLE t (id, CONSTRAINT pos EXPECT (price > 0 AND (id IS NOT NULL)) ON VIOLATION DROP ROW,
      price, CONSTRAINT w EXPECT (id < 100), CONSTRAINT q EXPECT (price < 1000) ON VIOLATION QUARANTINE,
      CONSTRAINT f EXPECT (id <> 7) ON VIOLATION FAIL UPDATE, CONSTRAINT w2 EXPECT (TRUE) ON VIOLATION WARN)
      TARGET_LAG = '1 minute' AS SELECT id, price FROM src`);
    expect(s).toMatchObject({
      kind: 'create_dynamic_table',
      columns: [{ name: 'id' }, { name: 'price' }],
      expectations: [
        { name: 'pos', condition: 'price > 0 AND (id IS NOT NULL)', action: 'DROP ROW' },
        { name: 'w', condition: 'id < 100', action: 'WARN' },
        { name: 'q', condition: 'price < 1000', action: 'QUARANTINE' },
        { name: 'f', condition: 'id <> 7', action: 'FAIL UPDATE' },
        { name: 'w2', condition: 'TRUE', action: 'WARN' },
      ],
    });
  });

  it('takes a list of constraints alone (the columns come from the query)', () => {
    const s = parse(
      `CREATE DYNAMIC TABLE t (CONSTRAINT c EXPECT (a > 0)) TARGET_LAG = '1 minute' AS SELECT a FROM s`,
    );
    expect(s).toMatchObject({ expectations: [{ name: 'c', action: 'WARN' }] });
    expect('columns' in s).toBe(false);
  });

  it('parses ALTER … ADD CONSTRAINT and DROP CONSTRAINT', () => {
    expect(
      parse('ALTER DYNAMIC TABLE t ADD CONSTRAINT c EXPECT (a > 0) ON VIOLATION QUARANTINE'),
    ).toMatchObject({
      action: {
        kind: 'add_constraint',
        expectation: { name: 'c', condition: 'a > 0', action: 'QUARANTINE' },
      },
    });
    expect(parse('ALTER DYNAMIC TABLE t DROP CONSTRAINT c')).toMatchObject({
      action: { kind: 'drop_constraint', name: 'c' },
    });
  });

  it('refuses bad constraints with their position', async () => {
    const cases: [string, number, RegExp][] = [
      [
        "CREATE DYNAMIC TABLE t (CONSTRAINT c (a > 0)) TARGET_LAG = '1 minute' AS SELECT 1",
        38,
        /expected EXPECT/,
      ],
      [
        "CREATE DYNAMIC TABLE t (CONSTRAINT c EXPECT (a > 0) ON VIOLATION IGNORE) TARGET_LAG = '1 minute' AS SELECT 1",
        66,
        /WARN, DROP ROW, FAIL UPDATE or QUARANTINE/,
      ],
      [
        "CREATE DYNAMIC TABLE t (CONSTRAINT c EXPECT ()) TARGET_LAG = '1 minute' AS SELECT 1",
        46,
        /a condition/,
      ],
      [
        "CREATE DYNAMIC TABLE t (CONSTRAINT c EXPECT (a > 0), CONSTRAINT c EXPECT (a < 9)) TARGET_LAG = '1 minute' AS SELECT 1",
        65,
        /defined twice/,
      ],
      ['ALTER DYNAMIC TABLE t ADD CONSTRAINT c EXPECT (a > 0) ON VIOLATION', 67, /after ON VIOLATION/],
    ];
    for (const [sql, column, message] of cases) {
      const e = await failure(() => parse(sql));
      expect(e.code, sql).toBe('DT_ERR_SYNTAX');
      expect(e.message, sql).toMatch(message);
      expect(e.details.position?.column, sql).toBe(column);
    }
  });
});

describe('%dt quarantine and %%dynamic_table grammar', () => {
  const one = (cell: string) => (parseCell(cell) as MagicCommand[])[0] as MagicCommand;
  it('parses listing (paged) and review lines, with ids positioned', () => {
    expect(one('%dt quarantine orders_dt')).toMatchObject({
      kind: 'quarantine',
      name: 'orders_dt',
      page: 1,
      pageSize: 20,
    });
    expect(one('%dt quarantine orders_dt --page 3 --page-size 50')).toMatchObject({ page: 3, pageSize: 50 });
    expect(one('%dt quarantine orders_dt readmit 4 7')).toMatchObject({
      kind: 'quarantine_review',
      action: 'READMIT',
      ids: [4, 7],
      at: [33, 35],
    });
    expect(one('%dt quarantine orders_dt discard 9')).toMatchObject({ action: 'DISCARD', ids: [9] });
  });
  it('refuses bad lines at the word at fault', async () => {
    const cases: [string, number, string][] = [
      ['%dt quarantine', 15, 'DT_ERR_SYNTAX'],
      ['%dt quarantine t admit 1', 18, 'DT_ERR_SYNTAX'],
      ['%dt quarantine t readmit', 25, 'DT_ERR_SYNTAX'],
      ['%dt quarantine t readmit x1', 26, 'DT_ERR_OPTION'],
      ['%dt quarantine t --page 0', 25, 'DT_ERR_OPTION'],
      ['%dt quarantine t --page-size 1001', 30, 'DT_ERR_OPTION'],
    ];
    for (const [cell, column, code] of cases) {
      const e = await failure(() => parseCell(cell));
      expect(e.code, cell).toBe(code);
      expect(e.details.position?.column, cell).toBe(column);
    }
  });
  it("takes expectations in %%dynamic_table's first line", () => {
    const c = one(
      "%%dynamic_table t (CONSTRAINT c EXPECT (v > 0) ON VIOLATION QUARANTINE) TARGET_LAG = '1 minute'\nSELECT v FROM s",
    );
    expect(c).toMatchObject({
      kind: 'dynamic_table',
      statement: { expectations: [{ name: 'c', action: 'QUARANTINE' }] },
    });
  });
});

describe.each(BACKEND_KINDS)('expectations on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const one_ = (cell: string) => (parseCell(cell) as MagicCommand[])[0] as never;
  const sorted = async (sql: string) =>
    (await rows(sql)).map((r) => r.map((v) => (v === null ? null : String(v))));

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (id INTEGER, price INTEGER, note VARCHAR(10));
      INSERT INTO src VALUES (1, 10, 'ok'), (2, -5, 'neg'), (3, NULL, 'null'), (4, 2000, 'big'), (4, 2000, 'big')`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('WARN keeps and counts, DROP ROW leaves out, QUARANTINE writes the row with its reasons', async () => {
    await engine.execute(`CREATE DYNAMIC TABLE priced (id, price, note,
        CONSTRAINT known EXPECT (note IS NOT NULL),
        CONSTRAINT positive EXPECT (price > 0) ON VIOLATION DROP ROW,
        CONSTRAINT sane EXPECT (price < 1000) ON VIOLATION QUARANTINE)
      TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT id, price, note FROM src`);
    expect(await sorted('SELECT id, price FROM priced ORDER BY id')).toEqual([['1', '10']]);
    // id 2 fails positive only (dropped); id 3's NULL price fails both (NULL counts as failed); id 4 twice.
    expect(
      await sorted(
        'SELECT id, dtlab_expectations, dtlab_refresh_id IS NOT NULL, dtlab_data_timestamp IS NOT NULL FROM dtlab.quarantine_priced ORDER BY id',
      ),
    ).toEqual([
      ['3', 'positive, sane', 'true', 'true'],
      ['4', 'sane', 'true', 'true'],
      ['4', 'sane', 'true', 'true'],
    ]);
    const results = await sorted(
      `SELECT r.expectation, r.action, r.rows_passed, r.rows_failed FROM dtlab.expectation_results r
        JOIN dtlab.refresh_history h ON h.refresh_id = r.refresh_id WHERE r.name = 'priced' ORDER BY r.expectation`,
    );
    expect(results).toEqual([
      ['known', 'WARN', '5', '0'],
      ['positive', 'DROP ROW', '3', '2'],
      ['sane', 'QUARANTINE', '2', '3'],
    ]);
    // Incremental: only the changed rows are evaluated; a violating row that leaves the result leaves quarantine.
    await engine.execute("INSERT INTO src VALUES (5, 7, NULL), (6, 5000, 'x'); DELETE FROM src WHERE id = 3");
    const r = await engine.refresh('priced');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect(r.expectations).toEqual([
      { expectation: 'known', action: 'WARN', rowsPassed: 1, rowsFailed: 1 },
      { expectation: 'positive', action: 'DROP ROW', rowsPassed: 2, rowsFailed: 0 },
      { expectation: 'sane', action: 'QUARANTINE', rowsPassed: 1, rowsFailed: 1 },
    ]);
    expect(await sorted('SELECT id FROM priced ORDER BY id')).toEqual([['1'], ['5']]);
    expect(await sorted('SELECT id FROM dtlab.quarantine_priced ORDER BY id')).toEqual([['4'], ['4'], ['6']]);
    expect((await engine.verify('priced')).equal).toBe(true);
    const stored = await sorted(
      `SELECT expectation, rows_passed, rows_failed FROM dtlab.expectation_results WHERE refresh_id = ${r.refreshId} ORDER BY expectation`,
    );
    expect(stored).toEqual([
      ['known', '1', '1'],
      ['positive', '2', '0'],
      ['sane', '1', '1'],
    ]);
  });

  it('FAIL UPDATE fails the refresh, keeps the previous contents and names the expectation and a row', async () => {
    await engine.execute(`CREATE TABLE strict_src (id INTEGER, qty INTEGER); INSERT INTO strict_src VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE strict (CONSTRAINT positive_qty EXPECT (qty > 0) ON VIOLATION FAIL UPDATE)
        TARGET_LAG = '1 minute' AS SELECT id, qty FROM strict_src`);
    await engine.execute('INSERT INTO strict_src VALUES (3, -4)');
    const e = await failure(engine.refresh('strict'));
    expect(e.code).toBe('DT_ERR_REFRESH_FAILED');
    expect(e.message).toMatch(/positive_qty/);
    expect(e.message).toMatch(/id=3, qty=-4/);
    expect(await sorted('SELECT id, qty FROM strict ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
    const [last] = await engine.history('strict');
    expect(last?.state).toBe('FAILED');
    expect(last?.stateMessage).toMatch(/positive_qty.*id=3, qty=-4/);
    expect(
      await sorted(
        `SELECT rows_passed, rows_failed FROM dtlab.expectation_results WHERE refresh_id = ${last?.refreshId}`,
      ),
    ).toEqual([['0', '1']]);
    // Fixing the source lets the next refresh through.
    await engine.execute('UPDATE strict_src SET qty = 4 WHERE id = 3');
    await engine.refresh('strict');
    expect(await sorted('SELECT id, qty FROM strict ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '4'],
    ]);
  });

  it('ADD / DROP CONSTRAINT make the next refresh recompute, saying why', async () => {
    await engine.execute(`CREATE TABLE alt_src (id INTEGER, v INTEGER); INSERT INTO alt_src VALUES (1, 1), (2, -2);
      CREATE DYNAMIC TABLE alt TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT id, v FROM alt_src`);
    await engine.execute('ALTER DYNAMIC TABLE alt ADD CONSTRAINT pos EXPECT (v > 0) ON VIOLATION QUARANTINE');
    const r = await engine.refresh('alt');
    expect(r.refreshAction).toBe('REINITIALIZE');
    expect(r.reason).toMatch(/expectation pos was added/);
    expect(await sorted('SELECT id FROM alt')).toEqual([['1']]);
    expect(await sorted('SELECT id FROM dtlab.quarantine_alt')).toEqual([['2']]);
    expect((await engine.refresh('alt')).refreshAction).toBe('NO_DATA');
    await engine.execute('ALTER DYNAMIC TABLE alt DROP CONSTRAINT pos');
    const d = await engine.refresh('alt');
    expect(d.refreshAction).toBe('REINITIALIZE');
    expect(d.reason).toMatch(/expectation pos was dropped/);
    expect(await sorted('SELECT id FROM alt ORDER BY id')).toEqual([['1'], ['2']]);
    // The last QUARANTINE expectation gone, that recompute dropped the quarantine.
    expect((await failure(engine.execute('SELECT * FROM dtlab.quarantine_alt'))).code).toBe('DT_ERR_QUERY');
    const e = await failure(engine.execute('ALTER DYNAMIC TABLE alt DROP CONSTRAINT nope'));
    expect(e.code).toBe('DT_ERR_EXPECTATION');
    expect(e.details.position).toMatchObject({ line: 1, column: 41 });
  });

  it('refuses a condition that is not boolean or names an unknown column, positioned, creating nothing', async () => {
    const notBoolean = await failure(
      engine.execute(`CREATE DYNAMIC TABLE bad1 (CONSTRAINT c EXPECT (price + 1))
        TARGET_LAG = '1 minute' AS SELECT id, price FROM src`),
    );
    expect(notBoolean.code).toBe('DT_ERR_EXPECTATION');
    expect(notBoolean.message).toMatch(/not BOOLEAN/);
    expect(notBoolean.details.position).toMatchObject({ line: 1, column: 49 });
    const unknown = await failure(
      engine.execute(`CREATE DYNAMIC TABLE bad2 (CONSTRAINT c EXPECT (id > 0 AND nosuch > 1))
        TARGET_LAG = '1 minute' AS SELECT id, price FROM src`),
    );
    expect(unknown.code).toBe('DT_ERR_EXPECTATION');
    expect(unknown.message).toMatch(/nosuch/);
    expect(unknown.details.position).toMatchObject({ line: 1, column: 60 });
    const onAlter = await failure(
      engine.execute('ALTER DYNAMIC TABLE priced ADD CONSTRAINT c2 EXPECT (note)'),
    );
    expect(onAlter.code).toBe('DT_ERR_EXPECTATION');
    expect(onAlter.details.position).toMatchObject({ line: 1, column: 54 });
    const names = (await engine.listDynamicTables()).map((d) => d.name);
    expect(names).not.toContain('bad1');
    expect(names).not.toContain('bad2');
    expect((await engine.listDynamicTables()).find((d) => d.name === 'priced')?.expectations).toHaveLength(3);
  });

  it('lists quarantined rows, re-admits fixed ones, refuses those still violating, discards; records each', async () => {
    await engine.execute(`CREATE TABLE rv_src (id INTEGER, v INTEGER);
      INSERT INTO rv_src VALUES (1, -1), (2, 5), (3, -2);
      CREATE DYNAMIC TABLE rv (CONSTRAINT pos EXPECT (v > 0) ON VIOLATION QUARANTINE)
        TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT id, v FROM rv_src`);
    const listed = (await engine.execute('SHOW QUARANTINED ROWS IN rv LIMIT 10')).at(-1);
    expect(listed?.columns.map((c) => c.name)).toEqual([
      'id',
      'failed_expectations',
      'refresh_id',
      'data_timestamp',
      'id',
      'v',
    ]);
    const idOf = async (v: number) =>
      Number((await rows(`SELECT dtlab_id FROM dtlab.quarantine_rv WHERE v = ${v}`))[0]?.[0]);
    const one = await idOf(-1);
    const three = await idOf(-2);
    // Still in the result and still failing pos: refused at the id, nothing recorded.
    const sql = `ALTER DYNAMIC TABLE rv READMIT QUARANTINED ROWS (${three}, ${one})`;
    const refused = await failure(engine.execute(sql));
    expect(refused.code).toBe('DT_ERR_EXPECTATION');
    expect(refused.message).toMatch(/still violates pos/);
    expect(refused.details.position?.column).toBe(sql.indexOf(`(${three}`) + 2);
    expect(await sorted('SELECT count(*) FROM dtlab.quarantine_reviews')).toEqual([['0']]);
    // The magic: positioned in the cell.
    const cell = `%dt quarantine rv readmit ${one}`;
    const magic = await failure(quarantineCommand(engine, one_(cell), cell));
    expect(magic.details.position).toMatchObject({ line: 1, column: 27 });
    // Fix the source: re-admit refreshes, the fixed row enters, the stale one leaves the quarantine.
    await engine.execute('UPDATE rv_src SET v = 1 WHERE id = 1');
    await engine.execute(`ALTER DYNAMIC TABLE rv READMIT QUARANTINED ROWS (${one})`);
    expect(await sorted('SELECT id, v FROM rv ORDER BY id')).toEqual([
      ['1', '1'],
      ['2', '5'],
    ]);
    expect(await sorted('SELECT id FROM dtlab.quarantine_rv')).toEqual([['3']]);
    // Change the expectation: the row passes now, re-admitting it recomputes the DT.
    await engine.execute('ALTER DYNAMIC TABLE rv DROP CONSTRAINT pos');
    await engine.execute('ALTER DYNAMIC TABLE rv ADD CONSTRAINT pos EXPECT (v > -5) ON VIOLATION QUARANTINE');
    await engine.execute(`ALTER DYNAMIC TABLE rv READMIT QUARANTINED ROWS (${three})`);
    expect(await sorted('SELECT id FROM rv ORDER BY id')).toEqual([['1'], ['2'], ['3']]);
    expect(await sorted('SELECT count(*) FROM dtlab.quarantine_rv')).toEqual([['0']]);
    // Discard: out of the quarantine, not into the DT.
    await engine.execute('INSERT INTO rv_src VALUES (4, -9)');
    await engine.refresh('rv');
    const four = await idOf(-9);
    const page = await quarantineCommand(engine, one_('%dt quarantine rv --page 1'), '');
    expect(String(page[0]?.data['text/plain'])).toMatch(/^1 quarantined row\(s\) in rv/);
    const past = await quarantineCommand(engine, one_('%dt quarantine rv --page 2'), '');
    expect(past.map((b) => String(b.data['text/plain']))).toEqual([
      '1 quarantined row(s) in rv (dtlab.quarantine_rv) on 1 page(s) of 20: page 2 is past the last.',
    ]);
    await engine.execute(`ALTER DYNAMIC TABLE rv DISCARD QUARANTINED ROWS (${four})`);
    expect(await sorted('SELECT count(*) FROM dtlab.quarantine_rv')).toEqual([['0']]);
    const none = await quarantineCommand(engine, one_('%dt quarantine rv'), '');
    expect(none.map((b) => String(b.data['text/plain']))).toEqual([
      'rv has no quarantined rows (dtlab.quarantine_rv).',
    ]);
    expect(await sorted('SELECT id FROM rv ORDER BY id')).toEqual([['1'], ['2'], ['3']]);
    expect(
      await sorted(
        'SELECT quarantine_id, review_action, expectations FROM dtlab.quarantine_reviews ORDER BY review_action, quarantine_id',
      ),
    ).toEqual([
      [String(four), 'DISCARD', 'pos'],
      [String(one), 'READMIT', 'pos'],
      [String(three), 'READMIT', 'pos'],
    ]);
    const unknown = await failure(engine.execute('ALTER DYNAMIC TABLE rv DISCARD QUARANTINED ROWS (999999)'));
    expect(unknown.code).toBe('DT_ERR_EXPECTATION');
    expect(unknown.details.position?.column).toBe(50);
    // DESCRIBE and the history show the expectations.
    const described = await sorted('DESCRIBE DYNAMIC TABLE rv');
    expect(described).toContainEqual(['pos', 'v > -5', 'EXPECTATION', 'ON VIOLATION QUARANTINE']);
    const [last] = await engine.history('rv');
    expect(last?.expectations).toEqual([
      { expectation: 'pos', action: 'QUARANTINE', rowsPassed: 0, rowsFailed: 1 },
    ]);
    // RENAME moves the quarantine; DROP drops it.
    await engine.execute('ALTER DYNAMIC TABLE rv RENAME TO rv2');
    expect(await sorted('SELECT count(*) FROM dtlab.quarantine_rv2')).toEqual([['0']]);
    await engine.execute('DROP DYNAMIC TABLE rv2');
    expect((await failure(engine.execute('SELECT count(*) FROM dtlab.quarantine_rv2'))).code).toBe(
      'DT_ERR_QUERY',
    );
  });
});

describe('expectations through the magic session (DuckDB, as in the browser)', () => {
  it('%%dynamic_table with expectations, %dt quarantine listing and review, errors positioned in the cell', async () => {
    const { openBackend } = await import('../src/backends/open.js');
    const { MagicSession } = await import('../src/magics/session.js');
    const session = new MagicSession({
      defaultSpec: 'duckdb',
      open: (spec) => openBackend(spec),
      start: Date.UTC(2026, 0, 1),
    });
    try {
      await session.run(
        '%%sql\nCREATE TABLE s (id INTEGER, v INTEGER); INSERT INTO s VALUES (1, 3), (2, -1)',
      );
      const bad = await failure(
        session.run(
          "%%dynamic_table q (CONSTRAINT c EXPECT (v + 1) ON VIOLATION QUARANTINE) TARGET_LAG = '1 minute'\nSELECT id, v FROM s",
        ),
      );
      expect(bad.code).toBe('DT_ERR_EXPECTATION');
      expect(bad.details.position).toMatchObject({ line: 1, column: 41 });
      await session.run(
        "%%dynamic_table q (CONSTRAINT c EXPECT (v > 0) ON VIOLATION QUARANTINE) TARGET_LAG = '1 minute'\nSELECT id, v FROM s",
      );
      const listed = (await session.run('%dt quarantine q')) ?? [];
      expect(String(listed[0]?.data['text/plain'])).toMatch(/^1 quarantined row\(s\) in q/);
      expect(String(listed[1]?.data['text/plain'])).toMatch(/-1/);
      const refused = await failure(session.run('%dt show\n%dt quarantine q readmit 1'));
      expect(refused.code).toBe('DT_ERR_EXPECTATION');
      expect(refused.details.position).toMatchObject({ line: 2, column: 26 });
      const done = (await session.run('%dt quarantine q discard 1')) ?? [];
      expect(String(done[0]?.data['text/plain'])).toMatch(/Discarded 1/);
    } finally {
      await session.close();
    }
  });
});

describe('expectations with two engines on one PostgreSQL server', () => {
  it("a refresh sees another engine's ADD CONSTRAINT (the definition the probe compares includes expectations)", async () => {
    const { openBackend } = await import('../src/backends/open.js');
    const { serverUrlOf } = await import('./helpers/backends.js');
    const backend = await freshBackend('postgres');
    const a = await Engine.open(backend);
    const b = await Engine.open(await openBackend(serverUrlOf(backend) as string));
    try {
      await a.execute(`CREATE TABLE s (x INTEGER); INSERT INTO s VALUES (1), (-2);
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS SELECT x FROM s`);
      expect((await a.refresh('d')).refreshAction).toBe('NO_DATA');
      await b.execute('ALTER DYNAMIC TABLE d ADD CONSTRAINT pos EXPECT (x > 0) ON VIOLATION DROP ROW');
      // Nothing changed in s, yet a's refresh must not say NO_DATA from what it knew.
      const r = await a.refresh('d');
      expect(r.refreshAction).toBe('REINITIALIZE');
      expect(r.reason).toMatch(/expectation pos was added/);
      expect((await a.execute('SELECT x FROM d')).at(-1)?.rows).toEqual([[1]]);
      expect((await b.refresh('d')).refreshAction).toBe('NO_DATA');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
