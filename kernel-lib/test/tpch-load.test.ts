/**
 * TPC-H loading, the refresh functions and the order simulator, on all three backends.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { main } from '../src/cli/main.js';
import type { Clock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { distinctPartSuppliers, scaleInfo, TPCH_COLUMNS } from '../src/tpch/gen/index.js';
import { LAST_ORDER_DATE, loadTpch, loadTpch$, shiftDaysToToday } from '../src/tpch/load.js';
import { applyRf1, applyRf2 } from '../src/tpch/refresh-functions.js';
import { TPCH_TABLES, tpchColumns } from '../src/tpch/schema.js';
import { OrderSimulator } from '../src/tpch/simulator.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const DATA = new URL('../../data/tpch-sf0.01/', import.meta.url).pathname;
const reference = (file: string) =>
  gunzipSync(readFileSync(`${DATA}${file}.gz`))
    .toString('utf8')
    .split('\n')
    .filter(Boolean);

/** A clock a test moves by hand. */
function manualClock(start = Date.UTC(2026, 10, 22, 12)): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function rejects(p: Promise<unknown>, code: DtError['code'], message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DtError);
  expect((e as DtError).code).toBe(code);
  expect((e as DtError).message).toMatch(message);
}

it("knows the scale factors at which dbgen's part-supplier bridge repeats a supplier", () => {
  const at = (sf: number) => {
    const { parts, suppliers } = scaleInfo(sf);
    return distinctPartSuppliers(parts, suppliers);
  };
  expect([0.001, 0.002, 0.005, 0.015].map(at)).toEqual([false, false, false, false]);
  expect([0.01, 0.02, 0.03, 0.1, 1].map(at)).toEqual([true, true, true, true, true]);
});

it("the generator's columns are the schema's columns", () => {
  for (const t of TPCH_TABLES) expect(TPCH_COLUMNS[t].map((c) => c.name)).toEqual(tpchColumns(t));
});

describe('dtlab tpch gen', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dtlab-gen-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes files byte-identical to dbgen at SF 0.01 with two update sets', async () => {
    const code = await main(['tpch', 'gen', '--sf', '0.01', '--updates', '2', '--out', dir], () => {});
    expect(code).toBe(0);
    const files = [
      ...TPCH_TABLES.map((t) => `${t}.tbl`),
      'orders.tbl.u1',
      'orders.tbl.u2',
      'lineitem.tbl.u1',
    ];
    for (const f of [...files, 'lineitem.tbl.u2', 'delete.1', 'delete.2']) {
      const ours = readFileSync(path.join(dir, f));
      const theirs = gunzipSync(readFileSync(`${DATA}${f}.gz`));
      expect(ours.equals(theirs), f).toBe(true);
    }
  });

  it.each([
    [['--sf', '0'], /--sf must be a number greater than 0, got '0'/],
    [['--sf=-1'], /got '-1'/],
    [['--sf', 'ten'], /got 'ten'/],
    [['--sf', '0x10'], /got '0x10'/],
    [['--sf', '0.01', '--table', 'orderz'], /unknown TPC-H table 'orderz'/],
    [['--sf', '0.01', '--updates', 'two'], /--updates must be a whole number/],
    [['--sf', '0.01', '--updates', ''], /--updates must be a whole number/],
  ])('refuses %j, writing nothing', async (args, message) => {
    const out = path.join(dir, 'bad');
    const err: string[] = [];
    const code = await main(
      ['tpch', 'gen', ...args, '--out', out],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(message);
    expect(() => readFileSync(path.join(out, 'orders.tbl'))).toThrow();
  });
});

describe('dtlab tpch load | rf1 | rf2: bad input', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dtlab-load-'));
    db = `pglite:${dir}/pg`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function dtlab(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [...args, '--db', db],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('refuses a bad scale factor, different TPC-H and an update set beyond those loaded, changing nothing', async () => {
    for (const sf of ['0', '-1', 'ten']) {
      const r = await dtlab('tpch', 'load', `--sf=${sf}`);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`error DT_ERR_USAGE: --sf must be a number greater than 0, got '${sf}'`);
    }
    expect((await dtlab('tpch', 'rf1', '--set', '1')).err).toMatch(/no TPC-H data here/);

    expect((await dtlab('tpch', 'load', '--sf', '0.01', '--updates', '1')).code).toBe(0);
    let r = await dtlab('tpch', 'load', '--sf', '0.02', '--updates', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error DT_ERR_EXISTS: this database already has TPC-H at SF 0.01 \(keys primary, dates shifted 0 days, 1 update sets\), not SF 0.02; nothing was changed\nhint: add --replace/,
    );
    r = await dtlab('tpch', 'load', '--sf', '0.01');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/, not 10 update sets; nothing was changed/);
    for (const rf of ['rf1', 'rf2']) {
      r = await dtlab('tpch', rf, '--set', '2');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^error DT_ERR_USAGE: update set 2 was not generated: this database was loaded with 1 update sets \(1\.\.1\)/,
      );
    }
    r = await dtlab(
      'sql',
      '-c',
      'SELECT count(*) AS n FROM orders; SELECT count(*) AS r FROM dtlab.tpch_refresh',
    );
    expect(r.out).toMatch(/\| 15000 \|[\s\S]*\| 0 \|/);
  });
});

describe.each(BACKEND_KINDS)('TPC-H on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  const clock = manualClock();
  const scalar = async (sql: string) => (await backend.query(sql)).rows[0]?.[0];

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend, { clock });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('refuses a scale factor whose partsupp would repeat a key, unless loaded without keys', async () => {
    const small = await freshBackend(kind);
    try {
      await rejects(
        loadTpch(small, { sf: 0.001, updates: 0 }),
        'DT_ERR_USAGE',
        /^at SF 0\.001 \(10 suppliers\) TPC-H's generator gives some parts the same supplier twice/,
      );
      await expect(small.query('SELECT count(*) FROM partsupp')).rejects.toThrow();
      await loadTpch(small, { sf: 0.001, updates: 0, keys: 'none' });
      expect(Number((await small.query('SELECT count(*) FROM partsupp')).rows[0]?.[0])).toBe(800);
    } finally {
      await small.close();
    }
  });

  it('refuses to load over a table of the same name that it did not create', async () => {
    await backend.query('CREATE TABLE orders (id INT)');
    await backend.query('INSERT INTO orders VALUES (42)');
    await rejects(
      loadTpch(backend, { sf: 0.01, updates: 2 }),
      'DT_ERR_EXISTS',
      /^table orders already exists and was not loaded by dtlab; nothing was changed$/,
    );
    expect(Number(await scalar('SELECT sum(id) FROM orders'))).toBe(42);
    await backend.query('DROP TABLE orders');
  });

  it('loads exactly dbgen’s rows, with progress', async () => {
    const progress: number[] = [];
    const result = await loadTpch(backend, {
      sf: 0.01,
      updates: 2,
      onProgress: (p) => progress.push(p.rows),
    });
    expect(result.status).toBe('loaded');
    for (const t of TPCH_TABLES)
      expect(Number(await scalar(`SELECT count(*) FROM ${t}`))).toBe(reference(`${t}.tbl`).length);
    expect(progress.at(-1)).toBe(86805);
    // Fingerprints against the reference files: key sums, money sums and date extremes.
    const orders = reference('orders.tbl').map((l) => l.split('|'));
    const keySum = orders.reduce((a, f) => a + Number(f[0]), 0);
    const priceCents = orders.reduce((a, f) => a + Math.round(Number(f[3]) * 100), 0);
    expect(Number(await scalar('SELECT sum(o_orderkey) FROM orders'))).toBe(keySum);
    expect(Number(await scalar('SELECT sum(o_totalprice) * 100 FROM orders'))).toBe(priceCents);
    expect(await scalar('SELECT max(o_orderdate) FROM orders')).toBe(LAST_ORDER_DATE);
    const comment = reference('lineitem.tbl')[0]?.split('|')[15];
    expect(await scalar('SELECT l_comment FROM lineitem WHERE l_orderkey = 1 AND l_linenumber = 1')).toBe(
      comment,
    );
  });

  it('is idempotent, and refuses a different load without --replace', async () => {
    expect((await loadTpch(backend, { sf: 0.01, updates: 2 })).status).toBe('unchanged');
    await rejects(
      loadTpch(backend, { sf: 0.02, updates: 2 }),
      'DT_ERR_EXISTS',
      /already has TPC-H at SF 0.01 \(keys primary, dates shifted 0 days, 2 update sets\), not SF 0.02;/,
    );
    await rejects(loadTpch(backend, { sf: 0.01 }), 'DT_ERR_EXISTS', /, not 10 update sets;/);
    await rejects(
      loadTpch(backend, { sf: 0.01, updates: 2, keys: 'none' }),
      'DT_ERR_EXISTS',
      /, not keys none;/,
    );
    await rejects(loadTpch(backend, { sf: 0 }), 'DT_ERR_USAGE', /scale factor/i);
    expect(Number(await scalar('SELECT count(*) FROM orders'))).toBe(15000);
  });

  it('applies RF1 and RF2 through the engine, as dbgen’s update sets say', async () => {
    const rf1 = await applyRf1(engine, 1);
    expect(rf1).toMatchObject({ orders: 10, lineitems: reference('lineitem.tbl.u1').length });
    const inserted = reference('orders.tbl.u1').map((l) => Number(l.split('|')[0]));
    const found = await backend.query(
      `SELECT o_orderkey FROM orders WHERE o_orderkey IN (${inserted.join(', ')})`,
    );
    expect(found.rows.length).toBe(inserted.length);
    const deleted = reference('delete.1').map(Number);
    const rf2 = await applyRf2(engine, 1);
    expect(rf2.orders).toBe(deleted.length);
    expect(
      Number(await scalar(`SELECT count(*) FROM lineitem WHERE l_orderkey IN (${deleted.join(', ')})`)),
    ).toBe(0);
    expect(Number(await scalar('SELECT count(*) FROM orders'))).toBe(15000);
    await rejects(applyRf1(engine, 1), 'DT_ERR_EXISTS', /already applied/);
    await rejects(applyRf2(engine, 3), 'DT_ERR_USAGE', /update set 3 was not generated/);
    expect(Number(await scalar('SELECT count(*) FROM orders'))).toBe(15000);
  });

  it('simulates orders deterministically on the engine clock', async () => {
    const before = Number(await scalar('SELECT count(*) FROM orders'));
    const sim = await OrderSimulator.create(engine, { rate: 5, seed: 7 });
    clock.advance(10_000);
    const tick = await sim.tick();
    expect(tick.events).toBe(50);
    const e = sim.counts.events;
    expect(e.newOrder + e.statusChange + e.correction + e.cancellation).toBe(50);
    expect(Number(await scalar('SELECT count(*) FROM orders'))).toBe(before + e.newOrder - e.cancellation);
    // New orders are dated on the engine clock (some may have been cancelled within the tick).
    expect(
      Number(await scalar("SELECT count(*) FROM orders WHERE o_orderdate = DATE '2026-11-22'")),
    ).toBeGreaterThan(0);
    // Their line items keep dbgen's spacing from the order date (ship 1–121 days after it, commit 30–90,
    // receipt 1–30 after shipping), shifted to the clock's day.
    const spacing = await backend.query(`SELECT count(*), count(*) FILTER (WHERE NOT (
        l_shipdate - o_orderdate BETWEEN 1 AND 121 AND l_commitdate - o_orderdate BETWEEN 30 AND 90
        AND l_receiptdate - l_shipdate BETWEEN 1 AND 30))
      FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_orderdate = DATE '2026-11-22'`);
    expect(Number(spacing.rows[0]?.[0])).toBeGreaterThan(0);
    expect(Number(spacing.rows[0]?.[1])).toBe(0);
    sim.pause();
    clock.advance(60_000);
    expect((await sim.tick()).events).toBe(0);
    sim.resume();
    await sim.stop();
    await rejects(
      OrderSimulator.create(engine, { rate: 1, faults: { duplicateKey: 0.5 } }),
      'DT_ERR_USAGE',
      /orders has a primary key/,
    );
  });

  it('injects and counts faults when loaded without keys, with dates shifted to today', async () => {
    await backend.query('DROP TABLE region');
    await rejects(
      loadTpch(backend, { sf: 0.01, updates: 2 }),
      'DT_ERR_EXISTS',
      /^this database has an incomplete TPC-H load of SF 0.01 \(keys primary, .*\): region is missing; nothing was changed$/,
    );
    // Through the Observable widgets use: progress ends at the total.
    const last = await lastValueFrom(
      loadTpch$(backend, { sf: 0.01, keys: 'none', replace: true, shiftDays: shiftDaysToToday(clock.now()) }),
    );
    expect(last).toMatchObject({ table: 'lineitem', rows: 86805, total: 86805 });
    expect(await scalar('SELECT max(o_orderdate) FROM orders')).toBe('2026-11-22');
    const sim = await OrderSimulator.create(engine, {
      rate: 100,
      seed: 3,
      mix: { newOrder: 1, statusChange: 0, correction: 0, cancellation: 0 },
      faults: { nullCustomer: 0.1, duplicateKey: 0.1, negativePrice: 0.1, unknownCustomer: 0.1 },
    });
    clock.advance(5_000);
    await sim.tick();
    const f = sim.counts.faults;
    expect(Object.values(f).every((n) => n > 0)).toBe(true);
    expect(Number(await scalar('SELECT count(*) FROM orders WHERE o_custkey IS NULL'))).toBe(f.nullCustomer);
    expect(Number(await scalar('SELECT count(*) FROM orders WHERE o_totalprice < 0'))).toBe(f.negativePrice);
    expect(Number(await scalar('SELECT count(*) - count(DISTINCT o_orderkey) FROM orders'))).toBe(
      f.duplicateKey,
    );
    expect(
      Number(
        await scalar('SELECT count(*) FROM orders WHERE o_custkey NOT IN (SELECT c_custkey FROM customer)'),
      ),
    ).toBe(f.unknownCustomer);
    await sim.stop();
  });
});
