/**
 * The refresh fast path (issue 11): a refresh that finds nothing changed reads no catalog — one probe
 * statement on the PostgreSQL family, none on DuckDB, whose engine saw every write — and every way the
 * shortcut could be wrong takes the long way instead: a write through the engine, a change of the catalog
 * by another process, CURRENT_DATE moving, a source altered behind the engine's back.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Backend, Queryable, Value } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { planCapture } from '../src/capture/duckdb.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { tokenize } from '../src/sql/lexer.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';

/** Every statement the backend is sent from now on (deferred ones too), in order. */
function record(backend: Backend): string[] {
  const sent: string[] = [];
  const wrap =
    (q: Queryable['query']): Queryable['query'] =>
    (sql, params) => {
      sent.push(sql);
      return q(sql, params);
    };
  const query = backend.query.bind(backend);
  const transaction = backend.transaction.bind(backend);
  backend.query = wrap(query);
  backend.transaction = (fn, options) =>
    transaction((tx) => {
      const defer = tx.defer?.bind(tx);
      return fn({
        query: wrap(tx.query.bind(tx)),
        ...(defer
          ? {
              defer: (sql: string, params?: Value[]) => {
                sent.push(sql);
                defer(sql, params);
              },
            }
          : {}),
      });
    }, options);
  return sent;
}

/** Statements that read the catalog or the database's own dictionary. */
const CATALOG_READ =
  /duckdb_columns|duckdb_tables|information_schema|pg_attribute|dtlab\.dependencies|dtlab\.warehouses|capture_sources|FROM dtlab\.dynamic_tables/i;

const T0 = Date.UTC(2024, 0, 10, 12);

describe.each(BACKEND_KINDS)('refresh fast path on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  let clock: ManualClock;
  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const action = async (dt: string) => (await engine.refresh(dt)).refreshAction;

  beforeEach(async () => {
    backend = await freshBackend(kind);
    clock = new ManualClock(T0);
    engine = await Engine.open(backend, { clock });
    await engine.execute(`
      CREATE TABLE src (id INTEGER, grp INTEGER, amount INTEGER, d DATE);
      INSERT INTO src VALUES (1, 1, 10, DATE '2024-01-09'), (2, 1, 5, DATE '2024-01-10'), (3, 2, 7, DATE '2024-01-03');
      CREATE DYNAMIC TABLE totals TARGET_LAG = '1 minute' AS
        SELECT grp, COUNT(*) AS n, SUM(amount) AS total FROM src GROUP BY grp;
      CREATE DYNAMIC TABLE recent TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS
        SELECT id, amount FROM src WHERE d >= CURRENT_DATE - 1;`);
  });
  afterEach(async () => {
    await engine?.close();
  });

  it('a refresh that finds nothing changed reads no catalog', async () => {
    await engine.execute("INSERT INTO src VALUES (4, 2, 1, DATE '2024-01-10')");
    expect(await action('totals')).toBe('INCREMENTAL');
    const sent = record(backend);
    clock.advance(1000);
    expect(await action('totals')).toBe('NO_DATA');
    const reads = sent.filter((s) => CATALOG_READ.test(s) && !s.includes('dtlab.changes_since'));
    expect(reads).toEqual([]);
    // PostgreSQL family: BEGIN, settings, LOCK, the probe that writes the history, COMMIT.
    // DuckDB: no statement at all (the history row waits for the engine's next one: no-data-free.test.ts).
    if (kind === 'duckdb') expect(sent).toEqual([]);
    const probes = sent.filter((s) => s.includes('dtlab.changes_since'));
    expect(probes).toHaveLength(kind === 'duckdb' ? 0 : 1);
    // PostgreSQL family: one statement probes and writes the history row and data timestamp (no-data.ts).
    const work = sent.filter((s) => !/^(BEGIN|SET LOCAL|LOCK TABLE|COMMIT)/.test(s));
    expect(work).toHaveLength(kind === 'duckdb' ? 0 : 1);
  });

  it('an incremental refresh of a DT whose catalog the engine knows reads no catalog', async () => {
    await engine.execute('INSERT INTO src VALUES (5, 1, 2, NULL)');
    expect(await action('totals')).toBe('INCREMENTAL');
    await engine.execute('INSERT INTO src VALUES (6, 2, 3, NULL)');
    const sent = record(backend);
    expect(await action('totals')).toBe('INCREMENTAL');
    const reads = sent.filter((s) => CATALOG_READ.test(s) && !s.includes('dtlab.changes_since'));
    expect(reads).toEqual([]);
    expect(await rows('ALTER DYNAMIC TABLE totals VERIFY')).toEqual([
      ['Dynamic table totals equals its query.'],
    ]);
  });

  it('a FULL refresh of a DT refreshed in full keeps the known catalog: the next one reads no catalog', async () => {
    await engine.execute("INSERT INTO src VALUES (7, 1, 2, DATE '2024-01-10')");
    expect(await action('recent')).toBe('FULL');
    await engine.execute("INSERT INTO src VALUES (8, 2, 3, DATE '2024-01-10')");
    const sent = record(backend);
    expect(await action('recent')).toBe('FULL');
    const reads = sent.filter((s) => CATALOG_READ.test(s) && !s.includes('dtlab.changes_since'));
    expect(reads).toEqual([]);
    expect(await rows('ALTER DYNAMIC TABLE recent VERIFY')).toEqual([
      ['Dynamic table recent equals its query.'],
    ]);
  });

  it('ALTER DYNAMIC TABLE … REFRESH run as SQL keeps the known catalog: the next refresh stays on the fast path', async () => {
    await engine.execute('INSERT INTO src VALUES (11, 1, 2, NULL)');
    expect(await rows('ALTER DYNAMIC TABLE totals REFRESH')).toEqual([
      ['Dynamic table totals refreshed (INCREMENTAL: 1 row inserted, 1 row deleted).'],
    ]);
    const sent = record(backend);
    clock.advance(1000);
    expect(await action('totals')).toBe('NO_DATA');
    expect(sent.filter((s) => CATALOG_READ.test(s) && !s.includes('dtlab.changes_since'))).toEqual([]);
    // PostgreSQL family: one statement probes and writes the history row and data timestamp (no-data.ts).
    const work = sent.filter((s) => !/^(BEGIN|SET LOCAL|LOCK TABLE|COMMIT)/.test(s));
    expect(work).toHaveLength(kind === 'duckdb' ? 0 : 1);
    // And a change after it is still seen.
    await engine.execute('INSERT INTO src VALUES (12, 2, 2, NULL)');
    expect(await action('totals')).toBe('INCREMENTAL');
    expect(await rows('ALTER DYNAMIC TABLE totals VERIFY')).toEqual([
      ['Dynamic table totals equals its query.'],
    ]);
  });

  it('a write through the engine, then nothing: INCREMENTAL, then NO_DATA, always equal', async () => {
    for (const [i, write] of [
      'INSERT INTO src VALUES (10, 3, 4, NULL)',
      'UPDATE src SET amount = amount + 1 WHERE grp = 1',
      'DELETE FROM src WHERE id = 3',
    ].entries()) {
      await engine.execute(write);
      clock.advance(1000);
      expect(await action('totals')).toBe('INCREMENTAL');
      clock.advance(1000);
      expect(await action('totals')).toBe('NO_DATA');
      expect(await rows('ALTER DYNAMIC TABLE totals VERIFY'), `after write ${i}`).toEqual([
        ['Dynamic table totals equals its query.'],
      ]);
    }
  });

  it('a listener of a catalog event sees the catalog as changed (the known catalog is read again first)', async () => {
    const seen: string[][] = [];
    const sub = engine.events$.subscribe((e) => {
      if (e.type === 'catalog')
        void engine.listDynamicTables().then((dts) => seen.push(dts.map((d) => d.name)));
    });
    await engine.execute("CREATE DYNAMIC TABLE third TARGET_LAG = '1 minute' AS SELECT id FROM src");
    await engine.execute('DROP DYNAMIC TABLE third');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    sub.unsubscribe();
    expect(seen).toEqual([
      ['recent', 'third', 'totals'],
      ['recent', 'totals'],
    ]);
  });

  it('writes to a source by a qualified name, under WITH or by MERGE are never missed (DuckDB said NO_DATA)', async () => {
    const schema = kind === 'duckdb' ? 'main' : 'public';
    for (const write of [
      `INSERT INTO ${schema}.src VALUES (7, 3, 9, NULL)`,
      `UPDATE ${schema}.src SET amount = amount * 2 WHERE grp = 3`,
      `DELETE FROM ${schema}.src WHERE id = 1`,
      `WITH x AS (SELECT 8 AS id) INSERT INTO src SELECT id, 1, 1, NULL FROM x`,
      `MERGE INTO src USING (SELECT 9 AS id) AS n ON src.id = n.id WHEN NOT MATCHED THEN INSERT VALUES (n.id, 1, 2, NULL)`,
    ]) {
      await engine.execute(write);
      clock.advance(1000);
      // DuckDB reinitializes after a write it could not capture row by row (WITH …, MERGE).
      expect(await action('totals'), write).toMatch(/^(INCREMENTAL|REINITIALIZE)$/);
      expect(await rows('ALTER DYNAMIC TABLE totals VERIFY'), write).toEqual([
        ['Dynamic table totals equals its query.'],
      ]);
    }
  });

  it('CURRENT_DATE moving refreshes a DT that reads it although no source changed', async () => {
    expect(await rows('SELECT id FROM recent ORDER BY id')).toEqual([[1], [2]]);
    clock.advance(86_400_000);
    expect(await action('recent')).toBe('FULL');
    expect(await rows('SELECT id FROM recent ORDER BY id')).toEqual([[2]]);
    expect(await action('recent')).toBe('NO_DATA');
  });

  it('a source altered behind the engine is noticed: REINITIALIZE, not NO_DATA', async () => {
    expect(await action('totals')).toBe('NO_DATA');
    // Straight to the database, as another program would (on DuckDB the engine cannot see it, so the
    // alteration goes through the engine there).
    const alter = 'ALTER TABLE src ADD COLUMN note VARCHAR';
    if (kind === 'duckdb') await engine.execute(alter);
    else await backend.query(alter);
    clock.advance(1000);
    expect(await action('totals')).toBe('REINITIALIZE');
  });
});

describe('DuckDB capture of qualified names (pure)', () => {
  const plan = (sql: string) => planCapture(sql, tokenize(sql), new Set(['s']));
  it('main.s is s; a table s of another schema is never written as if it were the captured one', () => {
    expect(plan('INSERT INTO main.s VALUES (1)')).toMatchObject({ kind: 'captured', table: 's' });
    expect(plan('DELETE FROM main.s WHERE a = 1')).toMatchObject({ kind: 'captured', table: 's' });
    expect(plan('UPDATE main.s SET a = 2')).toMatchObject({ kind: 'captured', table: 's' });
    for (const sql of ['INSERT INTO other.s VALUES (1)', 'DELETE FROM db.main.s', 'UPDATE other.s SET a = 1'])
      expect(plan(sql), sql).toMatchObject({ kind: 'untracked', table: 's' });
    expect(plan('INSERT INTO main.t VALUES (1)')).toBeUndefined();
  });
  it('a write under WITH, or a MERGE, is an untracked change of the captured table (was missed)', () => {
    for (const sql of [
      'WITH x AS (SELECT 2 AS a) INSERT INTO s SELECT a FROM x',
      'WITH x AS (SELECT 2 AS a) DELETE FROM main.s WHERE a IN (SELECT a FROM x)',
      'WITH x AS (SELECT 2 AS a) UPDATE s SET a = 3',
      'MERGE INTO s USING (SELECT 3 AS a) AS n ON s.a = n.a WHEN NOT MATCHED THEN INSERT VALUES (n.a)',
    ])
      expect(plan(sql), sql).toMatchObject({ kind: 'untracked', table: 's' });
    expect(plan('WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x')).toBeUndefined();
    expect(plan('WITH x AS (SELECT a FROM s) SELECT * FROM x')).toBeUndefined();
  });
});

describe('refresh fast path on a shared PostgreSQL server', () => {
  it('a DT redefined by another engine is refreshed by its new definition', async () => {
    const backend = await freshBackend('postgres');
    const url = serverUrlOf(backend) as string;
    const a = await Engine.open(backend);
    const b = await Engine.open(await openBackend(url));
    try {
      await a.execute(`CREATE TABLE s (x INTEGER); INSERT INTO s VALUES (1), (2);
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT x, COUNT(*) AS n FROM s GROUP BY x`);
      expect((await a.refresh('d')).refreshAction).toBe('NO_DATA');
      // Two incremental refreshes: the second from what the engine kept of the first's catalog reads.
      for (const x of [1, 2]) {
        await a.execute(`INSERT INTO s VALUES (${x})`);
        expect((await a.refresh('d')).refreshAction).toBe('INCREMENTAL');
      }
      await b.execute(
        "CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT x * 10 AS x, COUNT(*) AS n, SUM(x) AS t FROM s GROUP BY x",
      );
      await b.execute('INSERT INTO s VALUES (3)');
      await a.refresh('d');
      const contents = (await a.execute('SELECT x, n, t FROM d ORDER BY x')).at(-1)?.rows;
      expect(contents).toEqual([
        [10, 2, 2],
        [20, 2, 4],
        [30, 1, 3],
      ]);
      expect((await a.refresh('d')).refreshAction).toBe('NO_DATA');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
