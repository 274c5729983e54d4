/**
 * The oracle for IMMUTABLE WHERE (plan/immutable.ts) on DuckDB, PGlite, PostgreSQL: under random inserts,
 * updates, deletes, TRUNCATEs and ALTER … SET / UNSET IMMUTABLE WHERE, after every refresh of every DT
 * (1) its immutable region (the rows matching its predicate) is exactly what it was just before the refresh,
 * (2) VERIFY finds its mutable region equal to the query's rows outside the region, and (3) a DT reading it
 * incrementally equals its own query (VERIFY) — the reader sees the immutable DT as it is.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const DTS = [
  {
    name: 'rows_i',
    cols: 'k, day, v',
    where: 'day < 3',
    query: 'SELECT k, day, v FROM t WHERE v IS NOT NULL',
  },
  {
    name: 'agg_i',
    cols: 'day, n, sv',
    where: 'day < 3',
    query: 'SELECT day, COUNT(*) AS n, SUM(v) AS sv FROM t GROUP BY day',
  },
  {
    name: 'join_i',
    cols: 'k, day, w',
    where: 'w IS NULL OR day < 2',
    query: 'SELECT t.k, t.day, u.w FROM t LEFT JOIN u ON t.k = u.k',
  },
];
const READER = {
  name: 'reader_i',
  query: 'SELECT day, COUNT(*) AS n, SUM(v) AS sv FROM rows_i GROUP BY day',
};

const small = fc.option(fc.integer({ min: -3, max: 3 }), { nil: null, freq: 6 });
const day = fc.integer({ min: 0, max: 5 });
const lit = (v: number | null) => (v === null ? 'NULL' : String(v));
const step = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(fc.integer({ min: 0, max: 6 }), day, small), { minLength: 1, maxLength: 3 })
      .map((rs) => `INSERT INTO t VALUES ${rs.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 6 }), small)
      .map(([k, w]) => `INSERT INTO u VALUES (${k}, ${lit(w)})`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(day, fc.integer({ min: 1, max: 3 }))
      .map(([d, x]) => `UPDATE t SET v = v + ${x} WHERE day = ${d}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 6 }), day)
      .map(([k, d]) => `UPDATE t SET day = ${d} WHERE k = ${k}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 6 }), small)
      .map(([k, w]) => `UPDATE u SET w = ${lit(w)} WHERE k = ${k}`),
  },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 6 }).map((k) => `DELETE FROM t WHERE k = ${k}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 6 }).map((k) => `DELETE FROM u WHERE k = ${k}`) },
  { weight: 1, arbitrary: fc.constant('TRUNCATE u') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: DTS.length - 1 }),
        fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 4 }),
      )
      .map(([i, n]) =>
        n === null
          ? `ALTER DYNAMIC TABLE ${DTS[i]?.name} UNSET IMMUTABLE WHERE`
          : `ALTER DYNAMIC TABLE ${DTS[i]?.name} SET IMMUTABLE WHERE (day < ${n})`,
      ),
  },
);
const SEED = 20261205;
const BATCHES = fc.sample(fc.array(step, { minLength: 1, maxLength: 4 }), { numRuns: 14, seed: SEED });

describe.each(BACKEND_KINDS)('IMMUTABLE WHERE oracle on %s', (kind) => {
  let engine: Engine;
  const rows = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const sorted = (rs: Value[][]) =>
    rs.map((r) => JSON.stringify(r.map((v) => (v === null ? null : String(v))))).sort();

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE t (k INTEGER, day INTEGER, v INTEGER); CREATE TABLE u (k INTEGER, w INTEGER);
      INSERT INTO t VALUES (1, 0, 1), (2, 1, 2), (3, 2, 3), (4, 3, 4), (5, 4, NULL); INSERT INTO u VALUES (1, 1), (4, NULL)`);
    for (const d of DTS)
      await engine.execute(
        `CREATE DYNAMIC TABLE ${d.name} TARGET_LAG = '1 minute' IMMUTABLE WHERE (${d.where}) AS ${d.query}`,
      );
    await engine.execute(
      `CREATE DYNAMIC TABLE ${READER.name} TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${READER.query}`,
    );
  });
  afterAll(async () => {
    await engine?.close();
  });

  it(`keeps the immutable region and the mutable region equal to the query (seed ${SEED}, ${BATCHES.length} batches)`, async () => {
    const actions = new Map<string, number>();
    let frozenRows = 0;
    for (const [b, batch] of BATCHES.entries()) {
      for (const sql of batch) await engine.execute(sql);
      const context = `batch ${b}: ${batch.join('; ')}`;
      for (const d of DTS) {
        const where = (await engine.listDynamicTables()).find((x) => x.name === d.name)?.immutableWhere;
        const region = `SELECT ${d.cols} FROM ${d.name} WHERE (${where ?? 'FALSE'}) IS TRUE`;
        const before = sorted(await rows(region));
        const r = await engine.refresh(d.name);
        actions.set(r.refreshAction ?? '-', (actions.get(r.refreshAction ?? '-') ?? 0) + 1);
        expect(sorted(await rows(region)), `${d.name} immutable region after ${context}`).toEqual(before);
        frozenRows += before.length;
        const v = await engine.verify(d.name);
        if (!v.equal)
          throw new Error(`${d.name} mutable region differs after ${context}: ${JSON.stringify(v.rows)}`);
      }
      await engine.refresh(READER.name);
      const v = await engine.verify(READER.name);
      if (!v.equal) throw new Error(`${READER.name} differs after ${context}: ${JSON.stringify(v.rows)}`);
    }
    console.log(
      `[immutable oracle ${kind}] refresh actions ${JSON.stringify(Object.fromEntries(actions))}, immutable rows checked ${frozenRows}`,
    );
    expect(frozenRows).toBeGreaterThan(0);
  });
});
