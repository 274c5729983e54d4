/**
 * The shape of a data metric evaluation (quality/plan.ts): every system metric of a table in ONE statement —
 * the scan, cross-joined with one hashed GROUP BY per distinct column set (shared by DUPLICATE_COUNT and
 * UNIQUE_COUNT) unless the dialect puts the distinct counts in the scan (Dialect.distinctInScan). Counts the
 * statements that read the table during one evaluation, checks that what the table's constraints settle
 * (quality/constraints.ts) is left out of the statement, and checks the distinct counts of both plans against
 * counts made here on random data with NULLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent, type Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { dialectOf } from '../src/dialect/index.js';
import { Engine } from '../src/engine/engine.js';
import { SYSTEM_METRICS } from '../src/quality/metrics.js';
import { planMeasure } from '../src/quality/plan.js';
import { random } from '../src/tpch/simulator.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const ALL = [
  'NULL_COUNT ON (a)',
  'NULL_PERCENT ON (b)',
  'BLANK_COUNT ON (s)',
  'BLANK_PERCENT ON (s)',
  'DUPLICATE_COUNT ON (a)',
  'UNIQUE_COUNT ON (a)',
  'DUPLICATE_COUNT ON (a, b)',
  'UNIQUE_COUNT ON (a, b)',
  'DUPLICATE_COUNT ON (s)',
  'UNIQUE_COUNT ON (b, s)',
  'DUPLICATE_COUNT ON (b, s)',
  'ROW_COUNT ON ()',
  'FRESHNESS ON (t)',
  "ACCEPTED_VALUES ON (s, s -> s IN ('x', 'y'))",
  'AVG ON (a)',
  'MIN ON (a)',
  'MAX ON (b)',
  'STDDEV ON (b)',
];

type Row = [number | null, number | null, string | null];

/** DUPLICATE_COUNT and UNIQUE_COUNT of some columns of `rows`, counted here. */
function expected(rows: Row[], idx: number[]) {
  const keys = rows.map((r) => JSON.stringify(idx.map((i) => r[i])));
  const distinct = new Set(keys);
  const uniques = new Set(
    rows.filter((r) => idx.every((i) => r[i] !== null)).map((r) => JSON.stringify(idx.map((i) => r[i]))),
  );
  return { duplicates: rows.length - distinct.size, uniques: uniques.size };
}

describe.each(BACKEND_KINDS)('data metric evaluation shape on %s', (kind) => {
  let backend: Awaited<ReturnType<typeof freshBackend>>;
  let engine: Engine;
  const statements: string[] = [];
  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend, { clock: new ManualClock(Date.UTC(2026, 0, 5)) });
    const query = backend.query.bind(backend);
    backend.query = (sql, params) => {
      statements.push(sql);
      return query(sql, params);
    };
    // Also inside transactions (the scan runs in one after the dialect's measurePreamble).
    const transaction = backend.transaction.bind(backend);
    backend.transaction = (fn, options) =>
      transaction((tx) => {
        const txQuery = tx.query.bind(tx);
        return fn({
          ...(tx.defer
            ? {
                defer: (sql: string, params?: Value[]) => {
                  statements.push(sql);
                  tx.defer?.(sql, params);
                },
              }
            : {}),
          query: (sql, params) => {
            statements.push(sql);
            return txQuery(sql, params);
          },
        });
      }, options);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const reading = (table: string) => statements.filter((s) => s.includes(`FROM "${table}"`));
  const scans = (sql: string, table: string) => sql.split(`FROM "${table}"`).length - 1;

  it('measures in one statement: the scan, plus one GROUP BY per distinct column set', async () => {
    await engine.execute(`CREATE TABLE shape_t (a INTEGER, b INTEGER, s VARCHAR(5), t TIMESTAMP);
      INSERT INTO shape_t VALUES (1, 1, 'x', '2026-01-04 10:00:00'), (1, NULL, ' ', NULL), (NULL, NULL, NULL, NULL);
      ALTER TABLE shape_t ADD ${ALL.map((u) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`).join(', ')}`);
    statements.length = 0;
    const ev = await engine.quality.measure('shape_t');
    expect(ev.metrics.length).toBe(ALL.length);
    // One statement reads the table; it scans it once, or (PostgreSQL) once plus once per distinct column
    // set: (a), (a, b), (s), (b, s).
    const [only, ...more] = reading('shape_t');
    expect(more).toEqual([]);
    // Right after the dialect's settings for it, in its transaction (PostgreSQL: no JIT inlining).
    const preamble = dialectOf(backend.family).measurePreamble;
    const at = statements.indexOf(only as string);
    expect(statements.slice(at - preamble.length, at)).toEqual(preamble);
    if (backend.family === 'postgres') expect(preamble).toContain('SET LOCAL jit_inline_above_cost = -1');
    expect(scans(only as string, 'shape_t')).toBe(dialectOf(backend.family).distinctInScan ? 1 : 1 + 4);
    const v = (name: string) =>
      ev.metrics.find(
        (m) => `${m.metric.replace('SNOWFLAKE.CORE.', '')} ON (${m.arguments.join(', ')})` === name,
      )?.value;
    expect(v('DUPLICATE_COUNT ON (a)')).toBe(1);
    expect(v('UNIQUE_COUNT ON (a)')).toBe(1);
    expect(v('DUPLICATE_COUNT ON (a, b)')).toBe(0);
    expect(v('UNIQUE_COUNT ON (a, b)')).toBe(1);
    expect(v('DUPLICATE_COUNT ON (s)')).toBe(0);
    expect(v('UNIQUE_COUNT ON (b, s)')).toBe(1);
  });

  it("leaves out of the scan what the table's constraints settle (NOT NULL, a key of NOT NULL columns)", async () => {
    await engine.execute(`CREATE TABLE keyed_t (k INTEGER NOT NULL, j INTEGER NOT NULL, u INTEGER UNIQUE, s VARCHAR(5),
        PRIMARY KEY (k, j));
      INSERT INTO keyed_t VALUES (1, 1, NULL, 'x'), (1, 2, NULL, 'x'), (2, 1, 5, NULL);
      ALTER TABLE keyed_t ADD ${[
        'NULL_COUNT ON (k)',
        'NULL_PERCENT ON (j)',
        'NULL_COUNT ON (s)',
        'DUPLICATE_COUNT ON (k, j)',
        'UNIQUE_COUNT ON (j, s, k)',
        'DUPLICATE_COUNT ON (u)',
        'UNIQUE_COUNT ON (s)',
      ]
        .map((u) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`)
        .join(', ')}`);
    statements.length = 0;
    const ev = await engine.quality.measure('keyed_t');
    const [only, ...more] = reading('keyed_t');
    expect(more).toEqual([]);
    // No COUNT of a NOT NULL column; no GROUP BY of a set holding the key: only (u), whose NULLs repeat, and (s).
    expect(only).not.toMatch(/COUNT\("[kj]"\)/);
    expect(only).toMatch(/COUNT\("s"\)/);
    expect(scans(only as string, 'keyed_t')).toBe(dialectOf(backend.family).distinctInScan ? 1 : 1 + 2);
    expect(
      Object.fromEntries(ev.metrics.map((m) => [`${m.metric.slice(15)}(${m.arguments})`, m.value])),
    ).toEqual({
      'NULL_COUNT(k)': 0,
      'NULL_PERCENT(j)': 0,
      'NULL_COUNT(s)': 1,
      'DUPLICATE_COUNT(k,j)': 0,
      'UNIQUE_COUNT(j,s,k)': 2,
      'DUPLICATE_COUNT(u)': 1,
      'UNIQUE_COUNT(s)': 1,
    });
  });

  it('counts duplicates and uniques as a GROUP BY would, NULLs included, on random data', async () => {
    const next = random(14);
    const pick = (n: number) => (next() < 0.2 ? null : Math.floor(next() * n));
    const rows: Row[] = Array.from({ length: 300 }, () => {
      const s = pick(4);
      return [pick(40), pick(3), s === null ? null : `v${s}`];
    });
    const values = rows.map(
      ([a, b, s]) => `(${a ?? 'NULL'}, ${b ?? 'NULL'}, ${s === null ? 'NULL' : `'${s}'`}, NULL)`,
    );
    await engine.execute(`CREATE TABLE rand_t (a INTEGER, b INTEGER, s VARCHAR(5), t TIMESTAMP);
      INSERT INTO rand_t VALUES ${values.join(', ')};
      ALTER TABLE rand_t ADD ${ALL.map((u) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`).join(', ')}`);
    const ev = await engine.quality.measure('rand_t');
    const idx: Record<string, number> = { a: 0, b: 1, s: 2 };
    for (const m of ev.metrics) {
      const name = m.metric.replace('SNOWFLAKE.CORE.', '');
      if (name !== 'DUPLICATE_COUNT' && name !== 'UNIQUE_COUNT') continue;
      const e = expected(
        rows,
        m.arguments.map((c) => idx[c] as number),
      );
      expect([name, m.arguments, m.value]).toEqual([
        name,
        m.arguments,
        name === 'DUPLICATE_COUNT' ? e.duplicates : e.uniques,
      ]);
    }
    expect(ev.rows).toBe(300);
    // Both plans give the same counts: the distinct counts as COUNT(DISTINCT …) inside the scan, too.
    const sets = [['a'], ['b'], ['s'], ['a', 'b'], ['b', 's'], ['a', 'b', 's']];
    const planned = sets.flatMap((cols) =>
      (['DUPLICATE_COUNT', 'UNIQUE_COUNT'] as const).map((name) => {
        const metric = SYSTEM_METRICS[name] as (typeof SYSTEM_METRICS)[string];
        const quoted = cols.map(quoteIdent);
        return { referenceId: `${name}(${cols})`, metric, columns: quoted, expr: metric.sql(quoted) };
      }),
    );
    for (const inScan of [true, false]) {
      const plan = planMeasure('rand_t', planned, inScan);
      const [row] = (await backend.query(plan.sql)).rows;
      for (const r of plan.reads) {
        const [name, cols] = r.referenceId.split('(') as [string, string];
        const e = expected(
          rows,
          cols
            .slice(0, -1)
            .split(',')
            .map((c) => idx[c] as number),
        );
        expect([inScan, r.referenceId, Number(row?.[r.column])]).toEqual([
          inScan,
          r.referenceId,
          name === 'DUPLICATE_COUNT' ? e.duplicates : e.uniques,
        ]);
      }
    }
  });
});
