/**
 * DuckDB: which sources capture keeps is looked at once per ledger epoch, not on every write
 * (capture/ledger.ts keepCaptured). Whatever installs or removes capture starts a new epoch before it releases
 * the capture lock; these cases check that the writes after each of them are captured (or go through) as the
 * database now says, and that the DTs stay equal to their queries. The race of a write with CREATE, which
 * needs the epoch inside the lock, is the last case's: writes sent while CREATE's transaction runs wait for
 * its turn, and must look again when it ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, Queryable } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

const LOOK = /capture_sources|duckdb_tables/;

describe("capture's look kept per epoch (DuckDB)", () => {
  let backend: Backend;
  let engine: Engine;

  beforeEach(async () => {
    backend = await freshBackend('duckdb');
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER, v INTEGER); CREATE TABLE u (k INTEGER, v INTEGER);
      INSERT INTO t VALUES (1, 1);
      CREATE DYNAMIC TABLE s TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, SUM(v) AS v FROM t GROUP BY k`);
  });
  afterEach(async () => {
    await engine?.close();
  });

  const looks = async (fn: () => Promise<unknown>) => {
    const rec = recording(backend, { direct: true });
    rec.on = true;
    await fn();
    rec.on = false;
    return [...rec.queries, ...rec.deferred].filter((q) => LOOK.test(q)).length;
  };

  it('writes in one epoch look once: statements and the engine’s own writes', async () => {
    await engine.execute('INSERT INTO t VALUES (2, 2)');
    expect(
      await looks(async () => {
        await engine.execute('INSERT INTO t VALUES (3, 3)');
        await engine.write(['UPDATE t SET v = v + 1 WHERE k = 1']);
        await engine.execute('DELETE FROM t WHERE k = 2');
        await engine.write(['INSERT INTO u VALUES (1, 1)']);
      }),
    ).toBe(0);
    expect((await engine.refresh('s')).refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('an uncounted write is one call: its statements’ sequence numbers are drawn with them', async () => {
    await engine.write(['INSERT INTO t VALUES (2, 2)']);
    const rec = recording(backend);
    rec.on = true;
    await engine.write(
      [
        'INSERT INTO t VALUES (4, 4), (5, 5)',
        'UPDATE t SET v = v * 10 WHERE k = 1',
        'DELETE FROM t WHERE k = 2',
      ],
      { counted: false },
    );
    rec.on = false;
    // Nothing asked on the way: every statement, the draws first, goes with the COMMIT.
    expect(rec.queries).toEqual([]);
    expect(rec.deferred.filter((q) => q.includes("nextval('dtlab.capture_seq')"))).toHaveLength(3);
    // Each statement its own number, in order (read before the refresh collects them).
    const seqs = await backend.query(
      "SELECT string_agg(_w || ':' || k, ' ' ORDER BY _w, k) FROM dtlab.chg_t WHERE k <> 2 OR _w < 0 GROUP BY _seq ORDER BY _seq",
    );
    expect(seqs.rows.map((row) => row[0])).toEqual(['1:4 1:5', '-1:1 1:1', '-1:2']);
    const r = await engine.refresh('s');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect(r.changesRead).toEqual({ t: 6 }); // with the first write's row
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('a DT created on a table writes were not captured for: the next write is captured', async () => {
    await engine.write(['INSERT INTO u VALUES (1, 1)']);
    await engine.execute(`CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
      SELECT k, SUM(v) AS v FROM u GROUP BY k`);
    await engine.write(['INSERT INTO u VALUES (1, 5), (2, 2)']);
    const r = await engine.refresh('d');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect(r.changesRead).toEqual({ u: 2 });
    expect((await engine.verify('d')).equal).toBe(true);
  });

  it('a DT dropped: writes to its source go through uncaptured; UNDROP captures again', async () => {
    await engine.execute('INSERT INTO t VALUES (2, 2)');
    await engine.execute('DROP DYNAMIC TABLE s');
    await engine.write(['INSERT INTO t VALUES (3, 3)']);
    expect((await backend.query('SELECT count(*) FROM t')).rows[0]?.[0]).toBe(3);
    await engine.execute('UNDROP DYNAMIC TABLE s');
    await engine.refresh('s');
    await engine.execute('INSERT INTO t VALUES (4, 4)');
    const r = await engine.refresh('s');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('a change table dropped by hand: the next write goes through, and the DT reinitializes', async () => {
    await engine.execute('INSERT INTO t VALUES (2, 2)');
    await engine.refresh('s');
    await engine.execute('DROP TABLE dtlab.chg_t');
    await engine.write(['INSERT INTO t VALUES (3, 3)']);
    const r = await engine.refresh('s');
    expect(r.refreshAction).toBe('REINITIALIZE');
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('a source altered by a write: the writes after it are captured in the new change table', async () => {
    await engine.refresh('s');
    await engine.write(['ALTER TABLE t ADD COLUMN w INTEGER']);
    await engine.write(['INSERT INTO t VALUES (5, 5, 0)']);
    expect((await engine.refresh('s')).refreshAction).toBe('REINITIALIZE');
    await engine.write(['INSERT INTO t VALUES (6, 6, 0)']);
    const r = await engine.refresh('s');
    expect(r.refreshAction).toBe('INCREMENTAL');
    expect((await engine.verify('s')).equal).toBe(true);
  });

  it('writes sent while CREATE installs capture wait for it, then are captured', async () => {
    // The look is kept in this epoch, without u.
    await engine.write(['INSERT INTO u VALUES (1, 1)']);
    const writes: Promise<unknown>[] = [];
    const transaction = backend.transaction.bind(backend);
    backend.transaction = ((fn: (tx: Queryable) => Promise<unknown>, options?: object) =>
      transaction(async (tx) => {
        const query = tx.query.bind(tx);
        const spy: Queryable = {
          ...tx,
          query: (sql, params) => {
            // Inside CREATE's transaction, under the capture lock: these writes queue behind it.
            if (writes.length === 0 && /^CREATE TABLE "?d"? AS/i.test(sql))
              for (let i = 0; i < 5; i++) writes.push(engine.write([`INSERT INTO u VALUES (${i}, 10)`]));
            return query(sql, params);
          },
        };
        return fn(spy);
      }, options)) as Backend['transaction'];
    try {
      await engine.execute(`CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS
        SELECT k, SUM(v) AS v FROM u GROUP BY k`);
      await Promise.all(writes);
    } finally {
      backend.transaction = transaction;
    }
    expect(writes).toHaveLength(5);
    await engine.refresh('d');
    expect((await engine.verify('d')).equal).toBe(true);
  });
});
