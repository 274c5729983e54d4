/**
 * The order simulator's statements (tpch/simulator-sql.ts), run as they are on each backend against a table of
 * orders' keys, statuses and prices: random ticks of corrections (up to three per order, each rounding to
 * cents), status changes and cancellations, of orders created in the tick and older ones. Every order ends with
 * the price of its factors applied in turn, computed here in exact integer arithmetic (half away from zero),
 * the status it should have, or gone; orders no event hit keep their row.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { tickStatements } from '../src/tpch/simulator-sql.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const KEYS = 40;
const cents = (i: number) => 100_000 + i * 7_919;

/** `price` cents times `factor` (four decimals), rounded half away from zero to cents. */
function corrected(price: bigint, factor: string): bigint {
  const f = BigInt(factor.replace('.', ''));
  const p = price * f;
  const q = p / 10_000n;
  const r = p % 10_000n;
  return r * 2n >= 10_000n ? q + 1n : r * 2n <= -10_000n ? q - 1n : q;
}

const factor = fc.integer({ min: 9_000, max: 11_000 }).map((n) => (n / 10_000).toFixed(4));
const tick = fc.record({
  corrections: fc.dictionary(
    fc.integer({ min: 1, max: KEYS }).map(String),
    fc.array(factor, { minLength: 1, maxLength: 3 }),
  ),
  finished: fc.uniqueArray(fc.integer({ min: 1, max: KEYS })),
  cancelled: fc.uniqueArray(fc.integer({ min: 1, max: KEYS }), { maxLength: 5 }),
  created: fc.uniqueArray(fc.integer({ min: 1, max: KEYS })),
});

describe.each(BACKEND_KINDS)('the order simulator’s statements, on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('leave every order with its corrections applied in turn, its status, or gone', async () => {
    await fc.assert(
      fc.asyncProperty(tick, async (t) => {
        await backend.query('DROP TABLE IF EXISTS lineitem');
        await backend.query('DROP TABLE IF EXISTS orders');
        await backend.query(
          'CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_orderstatus CHAR(1), o_totalprice DECIMAL(15,2))',
        );
        await backend.query('CREATE TABLE lineitem (l_orderkey INTEGER)');
        const keys = Array.from({ length: KEYS }, (_, i) => i + 1);
        await backend.query(
          `INSERT INTO orders VALUES ${keys.map((k) => `(${k}, 'O', ${cents(k) / 100})`).join(', ')}`,
        );
        const corrections = new Map(Object.entries(t.corrections).map(([k, f]) => [Number(k), f]));
        const statements = tickStatements({
          orders: [],
          lineitems: [],
          corrections,
          finished: new Set(t.finished),
          cancelled: new Set(t.cancelled),
          created: new Set(t.created),
        });
        for (const s of statements) await backend.query(s as string);
        const { rows } = await backend.query(
          'SELECT o_orderkey, o_orderstatus, CAST(o_totalprice * 100 AS BIGINT) FROM orders ORDER BY 1',
        );
        const expected = keys
          .filter((k) => !t.cancelled.includes(k))
          .map((k) => [
            k,
            t.finished.includes(k) ? 'F' : 'O',
            String((corrections.get(k) ?? []).reduce(corrected, BigInt(cents(k)))),
          ]);
        expect(rows.map((r) => [Number(r[0]), String(r[1]), String(r[2])])).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});
