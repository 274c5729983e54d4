import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, BackendError } from '../src/backends/backend.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('backend %s', (kind) => {
  let db: Backend;
  beforeAll(async () => {
    db = await freshBackend(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reports its SQL family', () => {
    expect(db.family).toBe(kind === 'duckdb' ? 'duckdb' : 'postgres');
  });

  it('returns normalised values of every common type', async () => {
    const r = await db.query(
      `SELECT 1 AS i, CAST(10000000000 AS BIGINT) AS b, CAST(-1.5 AS DECIMAL(10,2)) AS d, 'x' AS s, TRUE AS t,
              DATE '2020-01-02' AS dt, TIMESTAMP '2020-01-02 03:04:05.25' AS ts, CAST(NULL AS INTEGER) AS n,
              CAST(0.5 AS DOUBLE PRECISION) AS f`,
    );
    expect(r.columns.map((c) => c.name)).toEqual(['i', 'b', 'd', 's', 't', 'dt', 'ts', 'n', 'f']);
    expect(r.rows).toEqual([
      [1, 10000000000, '-1.50', 'x', true, '2020-01-02', '2020-01-02 03:04:05.25', null, 0.5],
    ]);
  });

  it('counts the rows a write touched', async () => {
    await db.query('CREATE TABLE w (a INTEGER)');
    expect((await db.query('INSERT INTO w VALUES (1), (2), (3)')).rowCount).toBe(3);
    expect((await db.query('DELETE FROM w WHERE a > 1')).rowCount).toBe(2);
  });

  it('commits a transaction and rolls one back on error', async () => {
    await db.query('CREATE TABLE tx (a INTEGER)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx VALUES (1)');
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx VALUES (2)');
        await tx.query('SELECT * FROM no_such_table');
      }),
    ).rejects.toBeInstanceOf(BackendError);
    expect((await db.query('SELECT a FROM tx')).rows).toEqual([[1]]);
  });

  it('bulk-loads rows with NULLs, empty strings, quotes and commas through COPY', async () => {
    await db.query('CREATE TABLE bulk (k INTEGER, s VARCHAR(20), d DATE)');
    const rows = Array.from({ length: 5000 }, (_, i) => [
      i,
      i % 3 === 0 ? null : i % 3 === 1 ? '' : `a,"b"${i}`,
      '1998-12-01',
    ]);
    expect(await db.copyRows('bulk', ['k', 's', 'd'], rows)).toBe(5000);
    const r = await db.query('SELECT k, s, d FROM bulk WHERE k IN (0, 1, 2) ORDER BY k');
    expect(r.rows).toEqual([
      [0, null, '1998-12-01'],
      [1, '', '1998-12-01'],
      [2, 'a,"b"2', '1998-12-01'],
    ]);
  });

  it("bulk-loads a lone `\\.` (PostgreSQL's CSV end-of-data marker) as a value, not as the end", async () => {
    await db.query('CREATE TABLE lone (s VARCHAR(10))');
    expect(await db.copyRows('lone', ['s'], [['a'], ['\\.'], ['b']])).toBe(3);
    expect((await db.query('SELECT s FROM lone ORDER BY s')).rows).toEqual([['\\.'], ['a'], ['b']]);
  });

  it('streams a result in batches', async () => {
    let total = 0;
    for await (const batch of db.stream('SELECT k FROM bulk', 1000)) total += batch.length;
    expect(total).toBe(5000);
  });

  it('sends deferred statements ahead of the next query, in order, and commits the ones left at the end', async () => {
    await db.query('CREATE TABLE deferred_t (a INTEGER)');
    await db.transaction(async (tx) => {
      // Every backend batches a transaction's statements whose results nobody reads.
      if (!tx.defer) throw new Error(`${kind}: a transaction that cannot defer`);
      tx.defer('INSERT INTO deferred_t VALUES (1)');
      tx.defer('INSERT INTO deferred_t VALUES ($1)', [2]);
      expect((await tx.query('SELECT count(*) FROM deferred_t')).rows).toEqual([[2]]);
      expect((await tx.query('UPDATE deferred_t SET a = a + 10 WHERE a = $1', [1])).rowCount).toBe(1);
      tx.defer('INSERT INTO deferred_t VALUES (3)');
      tx.defer('DELETE FROM deferred_t WHERE a = 2');
      // The answer and the count are the last statement's, not the batch's.
      expect((await tx.query('INSERT INTO deferred_t VALUES (4), (5)')).rowCount).toBe(2);
      tx.defer('INSERT INTO deferred_t VALUES (6)');
    });
    expect((await db.query('SELECT a FROM deferred_t ORDER BY a')).rows).toEqual([[3], [4], [5], [6], [11]]);
  });

  it("fails the next query with a deferred statement's error (no offset into the batch) and rolls back", async () => {
    await db.query('CREATE TABLE deferred_e (a INTEGER)');
    const err = await db
      .transaction(async (tx) => {
        tx.defer?.('INSERT INTO deferred_e VALUES (1)');
        tx.defer?.('SELECT * FROM no_such_table');
        await tx.query('INSERT INTO deferred_e VALUES (2)');
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toMatch(/no_such_table/);
    expect(err.offset).toBeUndefined();
    expect((await db.query('SELECT count(*) FROM deferred_e')).rows).toEqual([[0]]);
    // The statement sent after deferred ones: its error's offset points into it.
    const sql = 'SELECT 1\nFROM deferred_e WHERE WHERE';
    const late = await db
      .transaction(async (tx) => {
        tx.defer?.('INSERT INTO deferred_e VALUES (3)');
        await tx.query(sql);
      })
      .catch((e) => e);
    expect(late).toBeInstanceOf(BackendError);
    expect(sql.slice(late.offset)).toMatch(/^WHERE$/);
  });

  it('reports the position of a syntax error in the SQL sent', async () => {
    const sql = 'SELECT 1\nFROM bulk WHERE WHERE';
    const err = await db.query(sql).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(sql.slice(err.offset)).toMatch(/^WHERE$/);
  });
});

describe.each(BACKEND_KINDS)('backend %s session', (kind) => {
  it("keeps a user's BEGIN … ROLLBACK on one session", async () => {
    const db = await freshBackend(kind);
    try {
      await db.query('CREATE TABLE s (a INTEGER)');
      await db.query('BEGIN');
      await db.query('INSERT INTO s VALUES (1)');
      await db.query('ROLLBACK');
      expect((await db.query('SELECT count(*) FROM s')).rows).toEqual([[0]]);
    } finally {
      await db.close();
    }
  });
});

describe('backend duckdb integers', () => {
  it('reads HUGEINT (SUM of integers) as an integer, like PostgreSQL', async () => {
    const db = await freshBackend('duckdb');
    try {
      const r = await db.query(
        'SELECT sum(x) AS s, CAST(170141183460469231731687303715884105727 AS HUGEINT) AS big FROM (VALUES (1), (2)) v(x)',
      );
      expect(r.rows).toEqual([[3, 170141183460469231731687303715884105727n]]);
      expect(r.columns.map((c) => c.type)).toEqual(['hugeint', 'hugeint']);
    } finally {
      await db.close();
    }
  });
});
