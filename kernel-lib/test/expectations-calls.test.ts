/**
 * Expectations cost no call of their own (docs/quality.md, "Cost"): on DuckDB-WASM every call into the
 * worker costs 1.5–5 ms, on a PostgreSQL server a round trip. An incremental refresh of a DT with five
 * expectations (WARN, DROP ROW, QUARANTINE, FAIL UPDATE) makes as many calls as the same DT without them —
 * counting every call from the refresh's start to its REFRESH quality score — for a linear aggregate (the
 * affected keys rewritten) and a projection (row deltas), also when rows fail and are dropped or
 * quarantined. The contents stay right (VERIFY, the quarantine) and the score is recorded. PGlite runs in
 * this process and defers nothing: only the contents are checked there. Nor does it add a statement when no
 * row fails (deferred ones counted too, on every backend): the counts and the REFRESH score are in the history
 * row (catalog/refresh-quality.ts), not INSERTs of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Queryable } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { nullKeysGate } from '../src/refresh/replace.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

/**
 * Counts, while `on`, every call whose answer the engine waits for: in transactions and outside. The delivery
 * worker's outbox poll (every 5 s of wall time, delivery/worker.ts) is not the refresh's: a slow refresh on a
 * busy machine could otherwise count it.
 */
function counting(backend: Backend) {
  // calls: what waits for an answer; statements: those and the deferred ones (each a statement to run).
  const state = { on: false, calls: [] as string[], statements: [] as string[] };
  const counts = (sql: string) => state.on && !/notification_outbox/.test(sql);
  const wrap = (tx: Queryable): Queryable => {
    const out: Queryable = {
      query: (sql, params) => {
        if (counts(sql)) state.calls.push(sql);
        if (counts(sql)) state.statements.push(sql);
        return tx.query(sql, params);
      },
    };
    const defer = tx.defer?.bind(tx);
    if (defer)
      out.defer = (sql, params) => {
        if (counts(sql)) state.statements.push(`(deferred) ${sql}`);
        defer(sql, params);
      };
    return out;
  };
  const transaction = backend.transaction.bind(backend);
  backend.transaction = (fn, options) => transaction((tx) => fn(wrap(tx)), options);
  const query = backend.query.bind(backend);
  backend.query = (sql, params) => {
    if (counts(sql)) state.calls.push(sql);
    if (counts(sql)) state.statements.push(sql);
    return query(sql, params);
  };
  return state;
}

const FIVE_AGG = `CONSTRAINT positive EXPECT (total > 0) ON VIOLATION QUARANTINE,
  CONSTRAINT known EXPECT (ck IS NOT NULL) ON VIOLATION DROP ROW, CONSTRAINT few EXPECT (n < 100),
  CONSTRAINT small EXPECT (total < 1000), CONSTRAINT some EXPECT (n > 0) ON VIOLATION FAIL UPDATE`;
const FIVE_ROWS = `CONSTRAINT positive EXPECT (price > 0) ON VIOLATION QUARANTINE,
  CONSTRAINT known EXPECT (ck IS NOT NULL) ON VIOLATION DROP ROW, CONSTRAINT low_key EXPECT (ok < 100),
  CONSTRAINT small EXPECT (price < 1000), CONSTRAINT keyed EXPECT (ok > 0) ON VIOLATION FAIL UPDATE`;
const SHAPES = [
  {
    name: 'per_ck',
    query: 'SELECT ck, COUNT(*) AS n, SUM(price) AS total FROM ords GROUP BY ck',
    five: FIVE_AGG,
  },
  { name: 'big', query: 'SELECT ok, ck, price FROM ords WHERE price <> 0', five: FIVE_ROWS },
];

describe.each(BACKEND_KINDS)('calls of an incremental refresh with expectations on %s', (kind) => {
  let engine: Engine;
  let counter: ReturnType<typeof counting>;

  beforeAll(async () => {
    const backend = await freshBackend(kind);
    counter = counting(backend);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE ords (ok INTEGER, ck INTEGER, price INTEGER);
      INSERT INTO ords VALUES (1, 1, 10), (2, 2, 20), (3, 2, 5), (4, NULL, 7)`);
    for (const s of SHAPES) {
      const opts = "TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL";
      await engine.execute(`CREATE DYNAMIC TABLE ${s.name}_plain ${opts} AS ${s.query}`);
      await engine.execute(`CREATE DYNAMIC TABLE ${s.name}_five (${s.five}) ${opts} AS ${s.query}`);
    }
  });
  afterAll(async () => {
    await engine?.close();
  });

  const callsOf = async (name: string) => {
    counter.calls.length = 0;
    counter.statements.length = 0;
    counter.on = true;
    const record = await engine.refresh(name).finally(() => {
      counter.on = false;
    });
    expect(record.refreshAction, name).toBe('INCREMENTAL');
    return counter.calls.length;
  };
  const scores = async (name: string) =>
    Number(
      (await engine.execute(`SELECT count(*) FROM dtlab.quality_scores WHERE table_name = '${name}'`))[0]
        ?.rows[0]?.[0],
    );

  it('five expectations add no call, also when rows fail; the contents, quarantine and score are right', async () => {
    const changes = [
      'INSERT INTO ords VALUES (5, 1, 1), (6, 3, 2)', // warms up: the engine learns what it reads
      'INSERT INTO ords VALUES (7, 1, 4); UPDATE ords SET price = price + 1 WHERE ok = 2',
      // Fail: a negative price (quarantined: its row, and its group's total), a NULL customer (dropped),
      // a large one (a WARN).
      'INSERT INTO ords VALUES (8, 4, -50), (9, NULL, 3), (10, 5, 2000)',
      'DELETE FROM ords WHERE ok = 8; UPDATE ords SET ck = 6 WHERE ok = 9',
    ];
    for (const [round, change] of changes.entries()) {
      await engine.execute(change);
      for (const s of SHAPES) {
        const before = await scores(`${s.name}_five`);
        const plain = await callsOf(`${s.name}_plain`);
        const five = await callsOf(`${s.name}_five`);
        // PostgreSQL family: the plain aggregate does not look for NULL keys (its NULL-key statements go gated,
        // refresh/replace.ts); with expectations the look stays, for the DT's quarantined and discarded rows.
        // The twins then differ: the plain one reads the probe and the replace, NULL keys or not.
        if (round > 0 && kind !== 'duckdb' && s.name === 'per_ck') {
          expect(plain, `${s.name} after ${change}`).toBe(2);
          expect(five, `${s.name} after ${change}`).toBeGreaterThan(plain);
        } else if (round > 0) expect(five, `${s.name} after ${change}`).toBe(plain);
        // DuckDB: the aggregate's INSERT answers the flags of the rows it writes.
        if (kind === 'duckdb' && s.name === 'per_ck')
          expect(counter.calls.some((c) => /^INSERT INTO "per_ck_five".* RETURNING /s.test(c))).toBe(true);
        for (const twin of ['plain', 'five'])
          expect((await engine.verify(`${s.name}_${twin}`)).equal, `${s.name}_${twin} after ${change}`).toBe(
            true,
          );
        // Its REFRESH score, written in the refresh's transaction once the engine knows the schedules.
        if (round > 0) expect(await scores(`${s.name}_five`)).toBe(before + 1);
      }
    }
    // The quarantine holds the failing rows of the current result: none left (order 8 went).
    for (const s of SHAPES) {
      const [q] = await engine.execute(`SELECT count(*) FROM dtlab.quarantine_${s.name}_five`);
      expect(Number(q?.rows[0]?.[0]), s.name).toBe(0);
    }
    const [failed] = await engine.execute(
      "SELECT sum(rows_failed) FROM dtlab.expectation_results WHERE name = 'big_five' AND expectation = 'positive'",
    );
    expect(Number(failed?.rows[0]?.[0])).toBe(1);
  });

  it('five expectations add no statement when no row fails: their counts and score go in the history row', async () => {
    await engine.execute(
      'INSERT INTO ords VALUES (11, 1, 3); UPDATE ords SET price = price + 1 WHERE ok = 7',
    );
    for (const s of SHAPES) {
      const before = await scores(`${s.name}_five`);
      await callsOf(`${s.name}_plain`);
      const plain = [...counter.statements];
      await callsOf(`${s.name}_five`);
      const five = [...counter.statements];
      // The aggregate: the plain DT looks at nothing first — on the PostgreSQL family its NULL-key statements
      // go gated, on DuckDB one statement matches every key and the DELETE answers its count
      // (refresh/replace.ts) — while with expectations the look stays, for the DT's quarantined and
      // discarded rows: one statement more (in as many calls, above), the gated ones fewer.
      // The PostgreSQL family keeps the plain DT's keys table (refresh/keys-steps.ts keptKeys), named by its
      // shape: one statement more than creating and dropping it, as a DT with expectations still does.
      const logical = (c: string) => c.replace(/\bdtlab_keys_[0-9a-z]+\b/g, 'dtlab_keys');
      const kept = plain.some((c) => /CREATE TEMP TABLE IF NOT EXISTS dtlab_keys_/.test(c)) ? 1 : 0;
      const looked =
        s.name !== 'per_ck'
          ? plain.length
          : kind === 'duckdb'
            ? plain.length + 1
            : plain.filter((c) => !(logical(c).includes(nullKeysGate(1)) && !/^WITH/.test(c))).length +
              1 -
              kept;
      // On DuckDB the plain DT's history row and data timestamp wait and are written later
      // (refresh/deferred-history.ts); a DT with expectations writes both in the refresh, its row with the
      // counts and the score.
      const ownRow = kind === 'duckdb' ? 2 : 0;
      expect(plain.some((c) => /INSERT INTO dtlab\.refresh_history/.test(c))).toBe(kind !== 'duckdb');
      expect(five.length, `${s.name}: ${five.join('\n')}\n---\n${plain.join('\n')}`).toBe(looked + ownRow);
      // None of its own for the counts or the score: both are in the history row, read back by the views.
      expect(five.some((c) => /INSERT INTO dtlab\.(expectation_results|quality_score)/.test(c))).toBe(false);
      expect(await scores(`${s.name}_five`)).toBe(before + 1);
      const [counts] = await engine.execute(
        `SELECT count(*), sum(rows_passed), sum(rows_failed) FROM dtlab.expectation_results
          WHERE name = '${s.name}_five' AND refresh_id = (SELECT max(refresh_id) FROM dtlab.refresh_history)`,
      );
      // The aggregate rewrote one group (customer 1), the projection wrote two rows (11, and 7 updated).
      expect(counts?.rows[0]?.map(Number)).toEqual([5, 5 * (s.name === 'big' ? 2 : 1), 0]);
    }
  });

  it('a change of many keys (judged where written on DuckDB, not returned) keeps the contents and quarantine right', async () => {
    // 6000 new groups, every 7th with a negative total: more keys than an INSERT returns flags for.
    await engine.execute(
      'INSERT INTO ords SELECT 1000 + i, 1000 + i, CASE WHEN i % 7 = 0 THEN -1 ELSE i END FROM generate_series(1, 6000) AS t(i)',
    );
    for (const twin of ['plain', 'five']) {
      await callsOf(`per_ck_${twin}`);
      expect((await engine.verify(`per_ck_${twin}`)).equal).toBe(true);
    }
    if (kind === 'duckdb') {
      expect(counter.calls.some((c) => /RETURNING/.test(c))).toBe(false);
      expect(counter.calls.some((c) => /^SELECT count\(\*\) FILTER \(WHERE TRUE\)/.test(c))).toBe(true);
    }
    const [q] = await engine.execute('SELECT count(*) FROM dtlab.quarantine_per_ck_five');
    expect(Number(q?.rows[0]?.[0])).toBe(Math.floor(6000 / 7));
    const [rows] = await engine.execute('SELECT count(*) FROM per_ck_plain');
    const [kept] = await engine.execute('SELECT count(*) FROM per_ck_five');
    // per_ck_plain has the NULL customer's group, which per_ck_five drops.
    expect(Number(kept?.rows[0]?.[0])).toBe(Number(rows?.rows[0]?.[0]) - Math.floor(6000 / 7) - 1);
  });
});
