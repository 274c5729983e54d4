/**
 * The oracle on a generated corpus (issue 12 item 6): queries nobody wrote by hand, over a small TPC-H
 * (test/helpers/tpch-queries.ts) — joins, outer joins, aggregates, subqueries, CTEs, set operations — each a DT
 * in AUTO mode; then random change sequences, and after every step every DT is refreshed and VERIFYed, on
 * DuckDB, PGlite and PostgreSQL. Prints the seed, how many queries were generated and the INCREMENTAL share.
 *
 * Another corpus: DTLAB_GEN_SEED=<integer> (default 20261205), DTLAB_GEN_QUERIES (default 60),
 * DTLAB_GEN_STEPS (default 6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { random } from '../src/tpch/simulator.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { changeStep, generateQueries, tpchRows, tpchSetup } from './helpers/tpch-queries.js';

const SEED = Number(process.env.DTLAB_GEN_SEED ?? 20261205);
const COUNT = Number(process.env.DTLAB_GEN_QUERIES ?? 60);
const STEPS = Number(process.env.DTLAB_GEN_STEPS ?? 6);

describe('the query generator (pure)', () => {
  it('is a function of its seed, and covers every family', () => {
    const a = generateQueries(7, 200);
    expect(generateQueries(7, 200)).toEqual(a);
    expect(generateQueries(8, 200)).not.toEqual(a);
    const families = new Set(a.map((q) => q.family.replace(/ \(.*/, '')));
    for (const f of [
      'aggregate',
      'global aggregate',
      'left join aggregate',
      'left join rows',
      'projection',
      'distinct',
      'subquery',
      'cte',
      'set operation',
      'aggregate over aggregate',
      'star or view',
    ])
      expect(families, f).toContain(f);
    const steps = (seed: number) => Array.from({ length: 20 }, (_x, _i, r = random(seed)) => changeStep(r));
    expect(steps(3)).toEqual(steps(3));
    expect(steps(3).flat().join(';')).toMatch(/NULL/);
  });
});

describe.each(BACKEND_KINDS)('generated oracle on %s', (kind) => {
  let engine: Engine;
  const queries = generateQueries(SEED, COUNT);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    for (const sql of [...tpchSetup(), ...tpchRows(SEED)]) await engine.execute(sql);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it(`every generated DT equals its query after every step (seed ${SEED})`, async () => {
    const started = Date.now();
    const failures: string[] = [];
    const names: string[] = [];
    for (const [i, q] of queries.entries()) {
      const name = `g${i}`;
      try {
        await engine.execute(`CREATE DYNAMIC TABLE ${name} TARGET_LAG = '1 minute' AS ${q.sql}`);
        names.push(name);
      } catch (e) {
        failures.push(`${name} (${q.family}) could not be created: ${(e as Error).message}\n  ${q.sql}`);
      }
    }
    const dts = await engine.listDynamicTables();
    const incremental = dts.filter((d) => d.effectiveMode === 'INCREMENTAL').length;
    const actions = new Map<string, number>();
    const rnd = random(SEED ^ 0xc4a6e);
    const history: string[] = [];
    const broken = new Set<string>();
    for (let step = 0; step < STEPS; step++) {
      const writes = changeStep(rnd);
      history.push(...writes);
      for (const sql of writes) await engine.execute(sql);
      for (const name of names) {
        if (broken.has(name)) continue;
        const q = queries[Number(name.slice(1))];
        try {
          const record = await engine.refresh(name);
          const action = record.refreshAction ?? record.state;
          actions.set(action, (actions.get(action) ?? 0) + 1);
          const v = await engine.verify(name);
          if (!v.equal) {
            broken.add(name);
            failures.push(
              `${name} (${q?.family}, ${record.refreshAction}) differs from its query after step ${step + 1}: ${JSON.stringify(v.rows.slice(0, 6))}\n  ${q?.sql}\n  changes: ${history.join('; ')}`,
            );
          }
        } catch (e) {
          broken.add(name);
          failures.push(
            `${name} (${q?.family}) failed to refresh at step ${step + 1}: ${(e as Error).message}\n  ${q?.sql}`,
          );
        }
      }
    }
    const share = dts.length ? Math.round((100 * incremental) / dts.length) : 0;
    console.log(
      `generated oracle on ${kind}: seed ${SEED}, ${queries.length} queries generated, ${dts.length} DTs, ` +
        `${incremental} INCREMENTAL (${share} %), ${STEPS} steps, refreshes ${JSON.stringify(Object.fromEntries(actions))}, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(failures, failures.join('\n')).toEqual([]);
  }, 900_000);
});
