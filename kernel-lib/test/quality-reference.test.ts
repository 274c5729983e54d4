/**
 * Every system data metric function, as the one-statement evaluation measures it (quality/plan.ts, the
 * expressions of quality/metrics.ts), equals a plain reference query written here from its definition, on
 * seeded random data with NULLs, blanks ('', spaces only, spaces around text), duplicates and multi-column
 * keys, on the three backends. The evaluation's forms are chosen for speed (LIKE before TRIM, one GROUP BY
 * per distinct column set, what a table's keys and NOT NULL columns settle, …); this holds them to the plain
 * meaning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { random } from '../src/tpch/simulator.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const TEXTS = ['', ' ', '   ', ' x', 'x ', ' x ', 'x', 'y', 'x y', '  y  '];
const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

/** Metric use → reference query over ref_t (one value; the table is renamed per seed). */
const REFERENCE: [string, string][] = [
  ['NULL_COUNT ON (s)', 'SELECT COUNT(*) FROM ref_t WHERE s IS NULL'],
  ['NULL_COUNT ON (a)', 'SELECT COUNT(*) FROM ref_t WHERE a IS NULL'],
  [
    'NULL_PERCENT ON (n)',
    'SELECT 100.0 * (SELECT COUNT(*) FROM ref_t WHERE n IS NULL) / (SELECT COUNT(*) FROM ref_t)',
  ],
  ['BLANK_COUNT ON (s)', "SELECT COUNT(*) FROM ref_t WHERE TRIM(s) = ''"],
  ['BLANK_COUNT ON (c)', "SELECT COUNT(*) FROM ref_t WHERE TRIM(c) = ''"],
  [
    'BLANK_PERCENT ON (s)',
    "SELECT 100.0 * (SELECT COUNT(*) FROM ref_t WHERE TRIM(s) = '') / (SELECT COUNT(*) FROM ref_t)",
  ],
  [
    'DUPLICATE_COUNT ON (a)',
    'SELECT (SELECT COUNT(*) FROM ref_t) - (SELECT COUNT(*) FROM (SELECT DISTINCT a FROM ref_t) AS d)',
  ],
  [
    'DUPLICATE_COUNT ON (a, b)',
    'SELECT (SELECT COUNT(*) FROM ref_t) - (SELECT COUNT(*) FROM (SELECT DISTINCT a, b FROM ref_t) AS d)',
  ],
  [
    'DUPLICATE_COUNT ON (s)',
    'SELECT (SELECT COUNT(*) FROM ref_t) - (SELECT COUNT(*) FROM (SELECT DISTINCT s FROM ref_t) AS d)',
  ],
  ['UNIQUE_COUNT ON (a)', 'SELECT COUNT(*) FROM (SELECT DISTINCT a FROM ref_t WHERE a IS NOT NULL) AS d'],
  [
    'UNIQUE_COUNT ON (a, b)',
    'SELECT COUNT(*) FROM (SELECT DISTINCT a, b FROM ref_t WHERE a IS NOT NULL AND b IS NOT NULL) AS d',
  ],
  [
    'UNIQUE_COUNT ON (b, s)',
    'SELECT COUNT(*) FROM (SELECT DISTINCT b, s FROM ref_t WHERE b IS NOT NULL AND s IS NOT NULL) AS d',
  ],
  ['ROW_COUNT ON ()', 'SELECT COUNT(*) FROM ref_t'],
  [
    "ACCEPTED_VALUES ON (s, s -> s IN ('x', 'y'))",
    "SELECT COUNT(*) FROM ref_t WHERE s IS NOT NULL AND s NOT IN ('x', 'y')",
  ],
  ['AVG ON (n)', 'SELECT AVG(n) FROM ref_t'],
  ['MIN ON (n)', 'SELECT MIN(n) FROM ref_t'],
  ['MAX ON (a)', 'SELECT MAX(a) FROM ref_t'],
  ['STDDEV ON (n)', 'SELECT STDDEV_SAMP(n) FROM ref_t'],
];

describe.each(BACKEND_KINDS)('every system metric against a reference query on %s', (kind) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind), { clock: new ManualClock(NOW) });
  });
  afterAll(async () => {
    await engine?.close();
  });

  const one = async (sql: string): Promise<Value> => (await engine.execute(sql))[0]?.rows[0]?.[0] ?? null;
  const num = (v: Value) => (v === null ? null : Number(v));

  it.each([7, 8])('seed %i: each value equals its reference', async (seed) => {
    const next = random(seed);
    const maybe = <T>(v: T, p = 0.15): T | null => (next() < p ? null : v);
    const lit = (v: string | number | null) =>
      v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`;
    const rows = Array.from({ length: 400 }, () => {
      const text = TEXTS[Math.floor(next() * TEXTS.length)] as string;
      const day = Math.floor(next() * 30);
      return [
        maybe(Math.floor(next() * 60)),
        maybe(Math.floor(next() * 4)),
        maybe(text),
        maybe(text.trim() === '' ? text : text.slice(0, 4)),
        maybe(Math.round(next() * 100000) / 100 - 300),
        maybe(`2026-01-${String(1 + (day % 4)).padStart(2, '0')} 0${day % 10}:00:00`),
      ].map(lit);
    });
    const table = `ref_${seed}`;
    const on = (sql: string) => sql.replaceAll('ref_t', table);
    await engine.execute(`CREATE TABLE ${table} (a INTEGER, b INTEGER, s VARCHAR(8), c CHAR(4), n NUMERIC(12, 2), t TIMESTAMP);
      INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')};
      ALTER TABLE ${table} ADD ${[...REFERENCE.map(([u]) => u), 'FRESHNESS ON (t)']
        .map((u) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`)
        .join(', ')}`);
    const ev = await engine.quality.measure(table);
    const value = (use: string) =>
      ev.metrics.find(
        (m) => `${m.metric.replace('SNOWFLAKE.CORE.', '')} ON (${m.arguments.join(', ')})` === use,
      )?.value;
    for (const [use, sql] of REFERENCE) {
      const want = num(await one(on(sql)));
      const got = value(use);
      // AVG, STDDEV and the percentages are doubles in the result: equal to the reference as a double.
      expect([use, got], sql).toEqual([use, want]);
    }
    // FRESHNESS: seconds from the latest t to the lesson clock's now.
    const latest = Date.parse(
      `${String(await one(on('SELECT CAST(MAX(t) AS VARCHAR) FROM ref_t'))).replace(' ', 'T')}Z`,
    );
    expect(value('FRESHNESS ON (t)')).toBe((NOW - latest) / 1000);
    expect(ev.rows).toBe(rows.length);
    // The data has what the metrics are about.
    expect(num(await one(on("SELECT COUNT(*) FROM ref_t WHERE TRIM(s) = '' AND s <> ''")))).toBeGreaterThan(
      0,
    );
    expect(value('DUPLICATE_COUNT ON (a, b)')).toBeGreaterThan(0);
  });

  // The same on a table whose constraints settle some metrics (quality/constraints.ts): NOT NULL columns, a
  // primary key, a UNIQUE column with repeated NULLs (not a key), and sets that contain the key or not.
  const KEYED: [string, string][] = [
    ['NULL_COUNT ON (k)', 'SELECT COUNT(*) FROM key_t WHERE k IS NULL'],
    [
      'NULL_PERCENT ON (s)',
      'SELECT 100.0 * (SELECT COUNT(*) FROM key_t WHERE s IS NULL) / (SELECT COUNT(*) FROM key_t)',
    ],
    ['NULL_COUNT ON (a)', 'SELECT COUNT(*) FROM key_t WHERE a IS NULL'],
    [
      'NULL_PERCENT ON (u)',
      'SELECT 100.0 * (SELECT COUNT(*) FROM key_t WHERE u IS NULL) / (SELECT COUNT(*) FROM key_t)',
    ],
    ...['k, j', 'j, a, k', 'k', 'u', 'a', 'u, s', 'a, u, k'].flatMap((cols): [string, string][] => [
      [
        `DUPLICATE_COUNT ON (${cols})`,
        `SELECT (SELECT COUNT(*) FROM key_t) - (SELECT COUNT(*) FROM (SELECT DISTINCT ${cols} FROM key_t) AS d)`,
      ],
      [
        `UNIQUE_COUNT ON (${cols})`,
        `SELECT COUNT(*) FROM (SELECT DISTINCT ${cols} FROM key_t WHERE ${cols
          .split(', ')
          .map((c) => `${c} IS NOT NULL`)
          .join(' AND ')}) AS d`,
      ],
    ]),
  ];

  it.each([7, 8])('seed %i: on a table with keys, each value equals its reference', async (seed) => {
    const next = random(seed);
    const maybe = (v: number, p = 0.2) => (next() < p ? 'NULL' : String(v));
    const rows = Array.from({ length: 300 }, (_, i) => [
      String(i % 23),
      String(Math.floor(i / 23)),
      maybe(Math.floor(next() * 20)),
      maybe(i * 7, 0.3),
      `'${TEXTS[Math.floor(next() * TEXTS.length)]}'`,
    ]);
    const table = `key_${seed}`;
    const on = (sql: string) => sql.replaceAll('key_t', table);
    await engine.execute(`CREATE TABLE ${table} (k INTEGER NOT NULL, j INTEGER NOT NULL, a INTEGER, u INTEGER UNIQUE,
        s VARCHAR(8) NOT NULL, PRIMARY KEY (k, j));
      INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')};
      ALTER TABLE ${table} ADD ${KEYED.map(([u]) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`).join(', ')}`);
    const ev = await engine.quality.measure(table);
    for (const [use, sql] of KEYED) {
      const got = ev.metrics.find(
        (m) => `${m.metric.replace('SNOWFLAKE.CORE.', '')} ON (${m.arguments.join(', ')})` === use,
      )?.value;
      expect([use, got], sql).toEqual([use, num(await one(on(sql)))]);
    }
    // The data has what the metrics are about: NULLs, repeated NULLs in the UNIQUE column, duplicates.
    expect(num(await one(on('SELECT COUNT(*) FROM key_t WHERE u IS NULL')))).toBeGreaterThan(1);
    expect(num(await one(on('SELECT COUNT(*) - COUNT(DISTINCT a) FROM key_t')))).toBeGreaterThan(0);
  });
});
