/**
 * Change capture on all three backends: what a consumer reads after writes, truncation, garbage collection,
 * and — on the server, with two connections — the snapshot rule under concurrent writers.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { pgConfig } from '../src/backends/postgres.js';
import {
  capturedSources,
  capturedWrite,
  changeRowsSql,
  changesSince,
  collectGarbage,
  currentPosition,
  ensureCapture,
  releaseCapture,
  setPositions,
} from '../src/capture/capture.js';
import { planCapture } from '../src/capture/duckdb.js';
import { installCatalog } from '../src/catalog/catalog.js';
import { tokenize } from '../src/sql/lexer.js';
import { splitStatements } from '../src/sql/split.js';
import { BACKEND_KINDS, freshBackend, serverUrlOf } from './helpers/backends.js';

describe('DuckDB write planning (pure)', () => {
  const captured = new Set(['orders']);
  const plan = (sql: string) => planCapture(sql, tokenize(sql), captured);
  it.each([
    [
      "INSERT INTO orders VALUES (1, 'a')",
      {
        kind: 'captured',
        before: [`INSERT INTO dtlab."chg_orders" SELECT $seq, 1, * FROM (VALUES (1, 'a')) AS dtlab_rows`],
        write: 'INSERT INTO "orders" SELECT * EXCLUDE (_seq, _w) FROM dtlab."chg_orders" WHERE _seq = $seq',
      },
    ],
    [
      "INSERT INTO orders (k, s) VALUES (1, 'a')",
      { kind: 'captured', write: "INSERT INTO orders (k, s) VALUES (1, 'a') RETURNING *", returning: 1 },
    ],
    [
      'DELETE FROM orders o WHERE o.k IN (SELECT 1)',
      {
        kind: 'captured',
        before: ['INSERT INTO dtlab."chg_orders" SELECT $seq, -1, * FROM orders o WHERE o.k IN (SELECT 1)'],
      },
    ],
    [
      // The condition reads no assigned column: the new rows are read back by it, inside the database.
      "UPDATE orders SET s = 'F' WHERE k = 2",
      {
        kind: 'captured',
        before: ['INSERT INTO dtlab."chg_orders" SELECT $seq, -1, * FROM orders  WHERE k = 2'],
        write: "UPDATE orders SET s = 'F' WHERE k = 2",
        after: ['INSERT INTO dtlab."chg_orders" SELECT $seq, 1, * FROM orders  WHERE k = 2'],
      },
    ],
    // Otherwise the new rows come back through RETURNING: the condition reads an assigned column, calls a
    // function, or has a subquery; or the SET is a column list.
    ["UPDATE orders SET s = 'F' WHERE s = 'O'", { kind: 'captured', returning: 1 }],
    ['UPDATE orders SET "S" = 1 WHERE "S" > 0', { kind: 'captured', returning: 1 }],
    ['UPDATE orders o SET s = 1 WHERE o.s > 0', { kind: 'captured', returning: 1 }],
    ['UPDATE orders SET v = v + 1 WHERE random() < 0.5', { kind: 'captured', returning: 1 }],
    [
      'UPDATE orders SET v = 1 WHERE k IN (SELECT k FROM orders WHERE v = 0)',
      { kind: 'captured', returning: 1 },
    ],
    ['UPDATE orders SET (v, s) = (1, 2) WHERE k = 1', { kind: 'captured', returning: 1 }],
    ['UPDATE orders SET v = v * 2', { kind: 'captured', write: 'UPDATE orders SET v = v * 2' }],
    [
      'UPDATE orders SET v = CASE k WHEN 1 THEN 2 ELSE v END WHERE k IN (1, 2) AND NOT (k = 3)',
      { kind: 'captured', after: [expect.stringContaining('SELECT $seq, 1, *')] },
    ],
    ['UPDATE orders SET s = x.s FROM x WHERE x.k = orders.k', { kind: 'untracked' }],
    ['INSERT OR REPLACE INTO orders VALUES (1)', { kind: 'untracked' }],
    ['TRUNCATE orders', { kind: 'untracked', table: 'orders' }],
    ["COPY orders FROM 'x.csv'", { kind: 'untracked' }],
  ])('%s', (sql, expected) => {
    expect(plan(sql)).toMatchObject(expected);
  });
  it('leaves writes to other tables and reads alone', () => {
    expect(plan('INSERT INTO lineitem SELECT * FROM orders')).toBeUndefined();
    expect(plan('SELECT * FROM orders')).toBeUndefined();
    expect(plan('UPDATE lineitem SET a = (SELECT 1 FROM orders)')).toBeUndefined();
  });
});

describe.each(BACKEND_KINDS)('change capture on %s', (kind) => {
  let db: Backend;
  /** A write as the engine makes it: captured by triggers (Postgres) or by rewriting (DuckDB). */
  const write = async (script: string) => {
    for (const stmt of splitStatements(script)) {
      if (db.family === 'postgres') await db.query(stmt.text);
      else {
        const captured = await capturedSources(db);
        await db.transaction(
          async (tx) => (await capturedWrite(tx, stmt.text, stmt.tokens, captured)) ?? tx.query(stmt.text),
        );
      }
    }
  };
  const since = (position: string) => changesSince(db, db.family, 't', position);

  beforeAll(async () => {
    db = await freshBackend(kind);
    // Garbage collection reads the catalog (which consumers refresh in FULL mode: capture/marks.ts).
    await installCatalog(db);
    await db.query('CREATE TABLE t (k INTEGER, v VARCHAR(10), d DECIMAL(10,2))');
    await db.query("INSERT INTO t VALUES (1, 'one', 1.50), (2, 'two', 2.00)");
    await ensureCapture(db, db.family, 't');
    await ensureCapture(db, db.family, 't'); // idempotent
  });
  afterAll(async () => {
    await db?.close();
  });

  it('records inserts, updates and deletes with weights, in the same transaction as the write', async () => {
    const p0 = await currentPosition(db, db.family);
    await write("INSERT INTO t VALUES (3, 'three', 3.00), (4, NULL, NULL)");
    await write("UPDATE t SET v = 'uno' WHERE k = 1");
    await write('DELETE FROM t WHERE k = 2');
    expect(await since(p0)).toEqual({ inserted: 3, deleted: 2, untracked: false, pruned: false });
    const rows = (await db.query(`${changeRowsSql(db.family, 't')} ORDER BY 2, 3`, [p0])).rows.map((r) =>
      r.slice(1),
    );
    expect(rows).toEqual([
      [-1, 1, 'one', '1.50'],
      [-1, 2, 'two', '2.00'],
      [1, 1, 'uno', '1.50'],
      [1, 3, 'three', '3.00'],
      [1, 4, null, null],
    ]);
    // A write that fails is rolled back with its change rows.
    await expect(
      write("INSERT INTO t SELECT 9, 'x', 1.00 UNION ALL SELECT 10, 'y', CAST('bad' AS DECIMAL(10,2))"),
    ).rejects.toThrow();
    const p1 = await currentPosition(db, db.family);
    expect(await since(p1)).toEqual({ inserted: 0, deleted: 0, untracked: false, pruned: false });
  });

  it('marks TRUNCATE as an untracked change', async () => {
    const p = await currentPosition(db, db.family);
    await write('TRUNCATE t');
    expect((await since(p)).untracked).toBe(true);
    await write("INSERT INTO t VALUES (7, 'seven', 7.00)");
  });

  it('collects change rows every consumer has passed, and removes capture with the last consumer', async () => {
    const before = Number((await db.query(`SELECT count(*) FROM dtlab."chg_t"`)).rows[0]?.[0]);
    expect(before).toBeGreaterThan(0);
    const position = await currentPosition(db, db.family);
    await setPositions(db, 'dt_a', ['t'], position);
    await write("INSERT INTO t VALUES (8, 'eight', 8.00)");
    await collectGarbage(db, db.family, 't');
    // (Counting changes: the PostgreSQL family's change table also holds a sentinel row, _w = 0.)
    const changes = async (where = '') =>
      Number((await db.query(`SELECT count(*) FROM dtlab."chg_t" WHERE _w <> 0${where}`)).rows[0]?.[0]);
    if (kind === 'postgres') {
      // On a shared server another session's open transaction can hold the oldest xmin back, keeping rows
      // the consumer has passed but that snapshot might not: what must be gone is every row before its xmin.
      expect(await changes(` AND _xid < pg_snapshot_xmin(CAST('${position}' AS pg_snapshot))`)).toBe(0);
      expect(await changes()).toBeGreaterThanOrEqual(1);
    } else expect(await changes()).toBe(1);
    await releaseCapture(db, db.family, 't');
    expect((await capturedSources(db)).has('t')).toBe(true);
    await db.query("DELETE FROM dtlab.capture_positions WHERE dt_name = 'dt_a'");
    await releaseCapture(db, db.family, 't');
    expect((await capturedSources(db)).has('t')).toBe(false);
  });
});

describe('change capture under concurrent writers (PostgreSQL server, two connections)', () => {
  let db: Backend;
  let writer: pg.Client;
  beforeAll(async () => {
    db = await freshBackend('postgres');
    await db.query('CREATE TABLE t (k INTEGER)');
    await ensureCapture(db, 'postgres', 't');
    writer = new pg.Client(pgConfig(serverUrlOf(db) as string));
    await writer.connect();
  });
  afterAll(async () => {
    await writer?.end();
    await db?.close();
  });

  it('a transaction that writes before a refresh and commits after it is read once, by the next refresh', async () => {
    const consume = () =>
      db.transaction(
        async (tx) => {
          const position = await currentPosition(tx, 'postgres');
          return position;
        },
        { isolation: 'repeatable read' },
      );
    const p0 = await consume();
    await writer.query('BEGIN');
    await writer.query('INSERT INTO t VALUES (1)'); // written early …
    await db.query('INSERT INTO t VALUES (2)'); // … another writer commits meanwhile
    const p1 = await consume(); // a refresh runs now: it sees row 2, not row 1
    expect(await changesSince(db, 'postgres', 't', p0)).toMatchObject({ inserted: 1 });
    await writer.query('COMMIT'); // … and commits late
    const p2 = await consume();
    // The next refresh reads exactly the late row: nothing lost, nothing counted twice.
    const window = await db.query(`${changeRowsSql('postgres', 't')}`, [p1]);
    expect(window.rows.map((r) => r[2])).toEqual([1]);
    expect(await changesSince(db, 'postgres', 't', p2)).toMatchObject({ inserted: 0 });
  });
});
