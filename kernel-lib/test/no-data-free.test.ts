/**
 * NO_DATA for free (issue 11). On DuckDB the engine saw every write, so a refresh that finds nothing changed
 * sends no statement at all: its history row and its DT's data timestamp wait in the engine's DeferredHistory
 * (refresh/deferred-history.ts) and are written before anything else the engine sends. Every reader through
 * the engine still sees them — engine.history, SHOW, a user's SQL on dtlab.*, `%%sql`, `%dt history`, a
 * downstream refresh, the scheduler — in refresh order, and a rolled-back transaction or the engine's close
 * loses none. A user's queries in between change nothing of that. On the PostgreSQL family the probe
 * decides and the rows are written at once (one round trip before COMMIT on a server).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, Queryable, Value } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { MagicSession } from '../src/magics/session.js';
import { DeferredHistory, deferredHistoryStatements } from '../src/refresh/deferred-history.js';
import type { RefreshRecord } from '../src/types.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const T0 = Date.UTC(2024, 0, 10, 12);

describe.each(BACKEND_KINDS)('NO_DATA for free on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  let clock: ManualClock;
  let closed = false;
  const rows = async (sql: string) => (await engine.execute(sql)).at(-1)?.rows ?? [];

  beforeEach(async () => {
    backend = await freshBackend(kind);
    clock = new ManualClock(T0);
    engine = await Engine.open(backend, { clock });
    closed = false;
    await engine.execute(`
      CREATE TABLE src (id INTEGER, grp INTEGER, amount INTEGER);
      INSERT INTO src VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7);
      CREATE DYNAMIC TABLE totals TARGET_LAG = '1 minute' AS
        SELECT grp, COUNT(*) AS n, SUM(amount) AS total FROM src GROUP BY grp;
      CREATE DYNAMIC TABLE big TARGET_LAG = DOWNSTREAM AS SELECT grp, n FROM totals WHERE n > 1;`);
    await engine.refresh('big');
  });
  afterEach(async () => {
    if (!closed) await engine?.close();
  });

  it('a NO_DATA refresh sends no statement on DuckDB, one statement on the PostgreSQL family, one round trip in all on a server', async () => {
    const rec = recording(backend, { direct: true });
    clock.advance(60_000);
    rec.on = true;
    const r = await engine.refresh('totals');
    rec.on = false;
    expect(r.refreshAction).toBe('NO_DATA');
    if (kind === 'duckdb') expect([...rec.queries, ...rec.deferred]).toEqual([]);
    if (kind !== 'duckdb') {
      // One statement probes and writes the history row and the data timestamp (refresh/no-data.ts)…
      const probe = rec.queries.filter((q) => /dtlab\.changes_since/.test(q));
      expect(probe).toHaveLength(1);
      expect(probe[0]).toMatch(/INSERT INTO dtlab\.refresh_history/);
      expect(probe[0]).toMatch(/UPDATE dtlab\.dynamic_tables SET data_timestamp/);
      expect(rec.deferred.filter((q) => /refresh_history|UPDATE/.test(q))).toEqual([]);
    }
    // … and on a server goes with BEGIN, LOCK and COMMIT in one message: one round trip in all.
    if (kind === 'postgres') expect(rec.finished).toEqual(rec.queries);
    const written = (await engine.history('totals')).find((h) => h.refreshId === r.refreshId);
    expect(written?.refreshAction).toBe('NO_DATA');
    expect(written?.dataTimestamp).toBe(r.dataTimestamp);
  });

  it("a user's queries between two refreshes leave it free: no look at capture, no statement for the NO_DATA", async () => {
    await engine.refresh('totals');
    const rec = recording(backend, { direct: true });
    rec.on = true;
    for (const q of [
      'SELECT * FROM totals',
      'SELECT count(*) FROM src',
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
    ])
      await engine.execute(q);
    rec.on = false;
    // The queries went as they are (DuckDB: no look at which sources capture keeps).
    expect(rec.queries.filter((q) => /capture_sources|duckdb_tables/.test(q))).toEqual([]);
    clock.advance(60_000);
    rec.queries.length = 0;
    rec.deferred.length = 0;
    rec.on = true;
    const r = await engine.refresh('totals');
    rec.on = false;
    expect(r.refreshAction).toBe('NO_DATA');
    if (kind === 'duckdb') expect([...rec.queries, ...rec.deferred]).toEqual([]);
  });

  it.runIf(kind !== 'duckdb')(
    'a write the engine did not see: the one statement writes nothing, the long way refreshes',
    async () => {
      const count = async () =>
        Number((await rows("SELECT count(*) FROM dtlab.refresh_history WHERE name = 'totals'"))[0]?.[0]);
      const before = await count();
      // Straight to the database, as another program would: captured by the triggers, unseen by the engine.
      await backend.query('INSERT INTO src VALUES (9, 2, 1)');
      clock.advance(60_000);
      const r = await engine.refresh('totals');
      expect(r.refreshAction).toBe('INCREMENTAL');
      expect((await engine.verify('totals')).equal).toBe(true);
      expect(await count()).toBe(before + 1);
      // A server: refreshed by another engine meanwhile, the data timestamp the engine knows is not the stored
      // one; the statement writes nothing, and the long way records the NO_DATA.
      const url = serverUrlOf(backend);
      if (url) {
        const other = await Engine.open(await openBackend(url), { clock });
        try {
          clock.advance(60_000);
          expect((await other.refresh('totals')).refreshAction).toBe('NO_DATA');
        } finally {
          await other.close();
        }
      }
      clock.advance(60_000);
      const again = await engine.refresh('totals');
      expect(again.refreshAction).toBe('NO_DATA');
      expect(await count()).toBe(before + (url ? 3 : 2));
      const stored = await rows(
        "SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = 'totals'",
      );
      expect(stored[0]?.[0]).toBe(again.dataTimestamp);
    },
  );

  it('every reader through the engine sees the rows and the data timestamp, in refresh order', async () => {
    const ids: number[] = [];
    const stamps: string[] = [];
    for (const write of [false, true, false, false]) {
      clock.advance(60_000);
      if (write) await engine.execute('INSERT INTO src VALUES (9, 2, 1)');
      const r = await engine.refresh('totals');
      expect(r.refreshAction).toBe(write ? 'INCREMENTAL' : 'NO_DATA');
      ids.push(r.refreshId);
      stamps.push(r.dataTimestamp as string);
    }
    const last = stamps.at(-1) as string;
    // The engine's history, newest first, ids in the order the refreshes ran.
    const history = (await engine.history('totals')).slice(0, 4);
    expect(history.map((h) => h.refreshId)).toEqual([...ids].reverse());
    expect(history.map((h) => h.refreshAction)).toEqual(['NO_DATA', 'NO_DATA', 'INCREMENTAL', 'NO_DATA']);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // A user's SQL on the catalog (engine.execute is what %%sql runs) and the backend the engine hands out.
    expect(
      await rows(
        `SELECT CAST(refresh_id AS INTEGER) FROM dtlab.refresh_history
          WHERE name = 'totals' AND refresh_action = 'NO_DATA' AND refresh_id >= ${ids[0]} ORDER BY refresh_id`,
      ),
    ).toEqual(ids.filter((_id, i) => i !== 1).map((id) => [id]));
    const stored = await engine.backend.query(
      "SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = 'totals'",
    );
    expect(String(stored.rows[0]?.[0])).toMatch(new RegExp(`^${last.replace(/\.0+$/, '')}`));
    // SHOW, and the engine's catalog.
    const shown = (await engine.execute("SHOW DYNAMIC TABLES LIKE 'totals'")).at(-1);
    const at = shown?.columns.findIndex((c) => c.name === 'data_timestamp') ?? -1;
    expect(String(shown?.rows[0]?.[at])).toMatch(new RegExp(`^${last.replace(/\.0+$/, '')}`));
    const dt = (await engine.listDynamicTables()).find((d) => d.name === 'totals');
    expect(dt?.dataTimestamp).toBe(last);
  });

  it.runIf(kind === 'duckdb')(
    'an INCREMENTAL refresh writes its history row later too, and no waiting row or lag sample, in its transaction',
    async () => {
      clock.advance(60_000);
      expect((await engine.refresh('totals')).refreshAction).toBe('NO_DATA');
      await engine.execute('INSERT INTO src VALUES (9, 2, 1)');
      const rec = recording(backend, { direct: true });
      clock.advance(60_000);
      rec.on = true;
      const r = await engine.refresh('totals');
      rec.on = false;
      expect(r.refreshAction).toBe('INCREMENTAL');
      const sent = [...rec.queries, ...rec.deferred];
      expect(sent.filter((q) => /refresh_history|lag_samples/.test(q))).toEqual([]);
      // Its data timestamp waits with its row: no UPDATE of the DT's catalog row in its transaction.
      expect(sent.filter((q) => /UPDATE dtlab\.dynamic_tables/.test(q))).toEqual([]);
      // The NO_DATA row went with the user's write (a transaction that may read it); this one's waits.
      expect(engine.deferred.waiting.map((h) => h.refreshId)).toEqual([r.refreshId]);
      const history = (await engine.history('totals')).slice(0, 2);
      expect(history.map((h) => [h.refreshId, h.refreshAction])).toEqual([
        [r.refreshId, 'INCREMENTAL'],
        [r.refreshId - 1, 'NO_DATA'],
      ]);
      expect(engine.deferred.size).toBe(0);
      // Written for every reader: the data timestamp the refresh returned.
      const stored = await rows(
        "SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = 'totals'",
      );
      expect(stored[0]?.[0]).toBe(r.dataTimestamp);
      expect((await engine.verify('totals')).equal).toBe(true);
    },
  );

  it('a downstream DT refreshes on the upstream data timestamp; a rolled-back transaction loses nothing', async () => {
    clock.advance(60_000);
    const up = await engine.refresh('totals');
    expect(up.refreshAction).toBe('NO_DATA');
    // A transaction of the engine's that rolls back: what waited goes into the next write, not lost.
    await expect(
      engine.backend.transaction(async (tx) => {
        await tx.query('SELECT 1');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    clock.advance(60_000);
    const down = await engine.refresh('big');
    expect(down.refreshAction).toBe('NO_DATA');
    expect(
      await rows(
        "SELECT refresh_action FROM dtlab.refresh_history WHERE name = 'totals' ORDER BY refresh_id",
      ),
    ).toEqual([['FULL'], ['NO_DATA'], ['NO_DATA'], ['NO_DATA']]);
    // The downstream refresh read the upstream's data timestamp as the upstream's last refresh left it.
    const [stamp] = await rows(
      "SELECT CAST(data_timestamp AS VARCHAR) FROM dtlab.dynamic_tables WHERE name = 'big'",
    );
    expect(String(stamp?.[0])).toMatch(new RegExp(`^${String(down.dataTimestamp).replace(/\.0+$/, '')}`));
    expect(
      await rows(`SELECT count(*) FROM dtlab.refresh_history WHERE refresh_id = ${up.refreshId}`),
    ).toEqual([[1]]);
  });

  it('the rows are in the database when the engine closes', async () => {
    clock.advance(60_000);
    const r = await engine.refresh('totals');
    expect(r.refreshAction).toBe('NO_DATA');
    let atClose: unknown[][] = [];
    const close = backend.close.bind(backend);
    backend.close = async () => {
      atClose = (
        await backend.query('SELECT refresh_action FROM dtlab.refresh_history WHERE refresh_id = $1', [
          r.refreshId,
        ])
      ).rows;
      await close();
    };
    closed = true;
    await engine.close();
    expect(atClose).toEqual([['NO_DATA']]);
  });
});

describe('NO_DATA for free in a magic session on DuckDB (the scheduler, %%sql, %dt history)', () => {
  let session: MagicSession;
  beforeEach(() => {
    session = new MagicSession({ defaultSpec: 'duckdb', open: (spec) => openBackend(spec), start: T0 });
  });
  afterEach(() => session.close());

  it('scheduled NO_DATA refreshes show in %dt history and in %%sql on dtlab.refresh_history', async () => {
    await session.run(`%%sql
      CREATE TABLE src (id INTEGER, grp INTEGER);
      INSERT INTO src VALUES (1, 1), (2, 2);
      CREATE DYNAMIC TABLE per_grp TARGET_LAG = '1 minute' AS SELECT grp, COUNT(*) AS n FROM src GROUP BY grp;`);
    const { scheduler } = await session.connect();
    let noData = 0;
    const sub = scheduler.events$.subscribe((e) => {
      if (e.type === 'refresh' && e.record.refreshAction === 'NO_DATA') noData++;
    });
    await session.run('%dt clock +10m');
    sub.unsubscribe();
    expect(noData).toBeGreaterThan(3);
    const counted = await session.run(
      "%%sql\nSELECT count(*) AS n FROM dtlab.refresh_history WHERE name = 'per_grp' AND refresh_action = 'NO_DATA'",
    );
    expect(counted?.[0]?.data['text/plain']).toMatch(new RegExp(`\\b${noData}\\b`));
    const history = await session.run('%dt history per_grp --limit 1000');
    const text = String(history?.[0]?.data['text/plain']);
    expect(text.match(/NO_DATA/g)?.length).toBe(noData);
  });
});

describe('DeferredHistory (pure)', () => {
  const row = (refreshId: number, name: string, dataTimestamp: string) =>
    ({ refreshId, name, dataTimestamp, changesRead: {} }) as unknown as RefreshRecord;

  it('writes each DT its latest data timestamp, then every row in one INSERT', () => {
    const statements = deferredHistoryStatements([
      row(7, 'a', '2024-01-10 12:01:00'),
      row(8, 'b', '2024-01-10 12:01:00'),
      row(9, 'a', '2024-01-10 12:02:00'),
    ]);
    expect(statements.map((s) => s.params.slice(0, 2)).slice(0, 2)).toEqual([
      ['a', '2024-01-10 12:02:00'],
      ['b', '2024-01-10 12:01:00'],
    ]);
    expect(statements).toHaveLength(3);
    expect(statements[2]?.sql).toMatch(
      /^INSERT INTO dtlab\.refresh_history \(refresh_id, name, .*, rows_read\) VALUES \(7, \$1,.*\), \(8, \$20,.*\), \(9, \$39,/,
    );
    expect(deferredHistoryStatements([])).toEqual([]);
  });

  it("keeps a DT's rows while it is being refreshed (its transaction updates the DT's row), then writes them", async () => {
    const sent: Value[][] = [];
    const db = {
      transaction: async <T>(fn: (tx: Queryable) => Promise<T>) =>
        fn({
          query: async (_sql: string, params?: Value[]) => {
            sent.push(params ?? []);
            return { columns: [], rows: [], rowCount: 0 };
          },
        }),
    };
    const history = new DeferredHistory();
    history.add(row(1, 'a', '2024-01-10 12:01:00'));
    history.add(row(2, 'b', '2024-01-10 12:01:00'));
    const ended = history.refreshing('a');
    await history.flush(db);
    // b's data timestamp, then b's row (the INSERT's first value is the DT's name).
    expect(sent.map((p) => p[0])).toEqual(['b', 'b']);
    expect(history.waiting.map((r) => r.name)).toEqual(['a']);
    ended();
    ended();
    sent.length = 0;
    await history.flush(db);
    expect(sent.map((p) => p[0])).toEqual(['a', 'a']);
    expect(history.size).toBe(0);
  });

  it('an id drawn elsewhere, above the block, ends the block; one below it does not', async () => {
    const db = await openBackend('duckdb');
    try {
      await db.query('CREATE SCHEMA dtlab');
      await db.query('CREATE SEQUENCE dtlab.refresh_id_seq');
      const history = new DeferredHistory();
      await history.drawIds(db);
      expect(history.takeId()).toBe(1);
      history.drawnElsewhere(1);
      expect(history.takeId()).toBe(2);
      const [[elsewhere]] = (await db.query("SELECT nextval('dtlab.refresh_id_seq')")).rows as [[number]];
      expect(elsewhere).toBe(65);
      history.drawnElsewhere(elsewhere);
      expect(history.takeId()).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
