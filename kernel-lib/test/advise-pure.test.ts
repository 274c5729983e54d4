/**
 * The cost calculator's estimate, the advisor's rules and the `%dt calc` / `%dt advise` grammar, pure: figures
 * worked out by hand from the formula in docs/scheduler.md, and every bad argument refused at its column.
 */
import { describe, expect, it } from 'vitest';
import { type AdviseFacts, advise, type DtFacts, lagOutlasting } from '../src/advise/advise.js';
import { estimate, warehouseCreditsPerDay } from '../src/advise/calc.js';
import { DtError } from '../src/errors.js';
import { calcBundle } from '../src/magics/advise.js';
import { CALC_BOUNDS } from '../src/magics/calc-line.js';
import { DT_USAGE } from '../src/magics/dt-line.js';
import { parseCell } from '../src/magics/parse.js';

const base = {
  lagSeconds: 600,
  mode: 'FULL' as const,
  size: 'XSMALL' as const,
  changesPerMinute: 60,
  sourceRows: 15_000,
  outputRows: 2_400,
  autoSuspendSeconds: 60,
};

describe('estimate', () => {
  it('a FULL 10-minute lag on a 60 s warehouse: one 62-second run per refresh', () => {
    const e = estimate(base);
    expect(e.periodSeconds).toBe(240);
    expect(e.refreshesPerDay).toBe(360);
    expect(e.workRowsPerRefresh).toBe(15_000 + 2 * 2_400);
    expect(e.secondsPerRefresh).toBe(1.98);
    expect(e.alwaysUp).toBe(false);
    expect(e.billedSecondsPerDay).toBe(360 * 62);
    expect(e.creditsPerDay).toBeCloseTo((360 * 62) / 3600, 9);
    expect(e.worstLagSeconds).toBeCloseTo(241.98, 9);
  });

  it('incremental does a fraction of the work but pays the same 60-second minimum', () => {
    const e = estimate({ ...base, mode: 'INCREMENTAL' });
    expect(e.changesPerRefresh).toBe(240);
    expect(e.workRowsPerRefresh).toBe(240 + 480);
    expect(e.billedSecondsPerDay).toBe(360 * 61);
  });

  it('a 1-minute lag keeps the warehouse up all day; a bigger size costs proportionally', () => {
    expect(estimate({ ...base, lagSeconds: 60 })).toMatchObject({ alwaysUp: true, creditsPerDay: 24 });
    expect(estimate({ ...base, lagSeconds: 60, size: 'MEDIUM' }).creditsPerDay).toBe(96);
    // The same work is twice as fast on a size up.
    expect(estimate({ ...base, size: 'SMALL' }).secondsPerRefresh).toBe(0.99);
  });

  it('no change: every refresh is NO_DATA, nothing is billed', () => {
    const e = estimate({ ...base, changesPerMinute: 0 });
    expect(e).toMatchObject({ workingRefreshesPerDay: 0, billedSecondsPerDay: 0, creditsPerDay: 0 });
  });

  it('a working share below 1 batches the changes into fewer, larger refreshes', () => {
    const e = estimate({ ...base, mode: 'INCREMENTAL', workingShare: 0.5 });
    expect(e.workingRefreshesPerDay).toBe(180);
    expect(e.changesPerRefresh).toBe(480);
  });

  it('the default AUTO_SUSPEND is 600 s, so a 10-minute lag never suspends', () => {
    const { autoSuspendSeconds: _, ...rest } = base;
    expect(estimate(rest).alwaysUp).toBe(true);
  });
});

const dt = (over: Partial<DtFacts>): DtFacts => ({
  name: 'x',
  lagSeconds: 60,
  mode: 'INCREMENTAL',
  warehouse: 'w',
  size: 'XSMALL',
  autoSuspendSeconds: 600,
  readers: [],
  refreshes: 120,
  noData: 0,
  rowsReadPerWorkingRefresh: 30,
  sourceRows: 15_000,
  outputRows: 2_400,
  changesPerMinute: 60,
  ...over,
});
const facts = (dts: DtFacts[], up = 3500, busy = 10): AdviseFacts => ({
  windowSeconds: 3600,
  dts,
  warehouses: [{ name: 'w', size: 'XSMALL', autoSuspendSeconds: 600, upSeconds: up, busySeconds: busy }],
});

describe('warehouseCreditsPerDay', () => {
  it('one DT: the same as its estimate; DTs meet at the shortest period, their work added', () => {
    expect(warehouseCreditsPerDay([base], 60)).toBeCloseTo(estimate(base).creditsPerDay, 9);
    // 240 s and 480 s: 360 instants a day, each with 1.98 + 1.98 / 2 s of work → ⌈62.97⌉ = 63 s billed.
    const both = warehouseCreditsPerDay([base, { ...base, lagSeconds: 1200 }], 60);
    expect(both).toBeCloseTo((360 * 63) / 3600, 9);
    expect(warehouseCreditsPerDay([{ ...base, lagSeconds: 60 }, base], 60)).toBe(24);
    expect(warehouseCreditsPerDay([{ ...base, changesPerMinute: 0 }], 60)).toBe(0);
  });
});

describe('advise', () => {
  it('a FULL DT AUTO would refresh incrementally: incremental, with the reason and a positive saving', () => {
    const d = dt({
      name: 'f',
      mode: 'FULL',
      lagSeconds: 600,
      autoSuspendSeconds: 60,
      auto: { mode: 'INCREMENTAL', reason: 'linear delta' },
    });
    const r = advise({ ...facts([d]), warehouses: [] });
    const inc = r.find((x) => x.kind === 'incremental');
    expect(inc?.reason).toContain('linear delta');
    expect(inc?.savingPerDay).toBeCloseTo(
      estimate({ ...base, changesPerMinute: 60, workingShare: 1 }).creditsPerDay -
        estimate({ ...base, mode: 'INCREMENTAL' }).creditsPerDay,
      3,
    );
  });

  it('a FULL DT with no scheduled refresh yet: the saving is said to be unknown', () => {
    const d = dt({
      mode: 'FULL',
      refreshes: 0,
      changesPerMinute: 0,
      auto: { mode: 'INCREMENTAL', reason: 'r' },
    });
    const r = advise({ ...facts([d]), warehouses: [] }).find((x) => x.kind === 'incremental');
    expect(r?.reason).toContain('are not known');
    expect(r?.savingPerDay).toBe(0);
  });

  it('a FULL DT that cannot be incremental is not told to be, but a long read for few changes is flagged', () => {
    const d = dt({
      name: 'f',
      mode: 'FULL',
      rowsReadPerWorkingRefresh: 17_000,
      changesPerMinute: 10,
      auto: { mode: 'FULL', reason: 'the query reads the clock' },
    });
    const kinds = advise(facts([d])).map((x) => x.kind);
    expect(kinds).not.toContain('incremental');
    const r = advise(facts([d])).find((x) => x.kind === 'full_small_changes');
    expect(r?.reason).toContain('the query reads the clock');
    expect(r?.action).toContain("TARGET_LAG = '4 minutes'");
  });

  it('a lag tighter than every reader needs: DOWNSTREAM; not when a reader is DOWNSTREAM or tighter', () => {
    const r = advise(facts([dt({ name: 'base', readers: [{ name: 'weekly', lagSeconds: 600 }] })]));
    expect(r.find((x) => x.kind === 'downstream')?.action).toBe(
      'ALTER DYNAMIC TABLE base SET TARGET_LAG = DOWNSTREAM',
    );
    for (const lagSeconds of [null, 60])
      expect(
        advise(facts([dt({ readers: [{ name: 'r', lagSeconds }] })])).some((x) => x.kind === 'downstream'),
      ).toBe(false);
  });

  it('one tight lag keeps an idle warehouse up: a lag that outlasts AUTO_SUSPEND, saving the idle day', () => {
    const r = advise(facts([dt({ name: 'tight' })])).find((x) => x.kind === 'tight_lag');
    expect(r?.action).toBe(`ALTER DYNAMIC TABLE tight SET TARGET_LAG = '32 minutes'`);
    expect(r?.creditsPerDayNow).toBe(24);
    expect(r?.savingPerDay).toBeGreaterThan(5);
    // Busy warehouse, or a second DT keeping it up too: no tight_lag.
    expect(advise(facts([dt({})], 3500, 3000)).some((x) => x.kind === 'tight_lag')).toBe(false);
    expect(advise(facts([dt({ name: 'a' }), dt({ name: 'b' })])).some((x) => x.kind === 'tight_lag')).toBe(
      false,
    );
  });

  it('an idle warehouse whose refreshes could let it suspend: AUTO_SUSPEND = 60', () => {
    const r = advise(facts([dt({ lagSeconds: 600 })])).find((x) => x.kind === 'idle_warehouse');
    expect(r?.action).toBe('CREATE OR REPLACE WAREHOUSE w WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60');
    expect(r?.savingPerDay).toBeGreaterThan(10);
  });

  it('an idle warehouse kept up by a 2-minute FULL: AUTO_SUSPEND = 60 and the lag that lets it suspend', () => {
    const dash = dt({
      name: 'dash',
      mode: 'FULL',
      lagSeconds: 120,
      rowsReadPerWorkingRefresh: 17_000,
      sourceRows: 17_000,
      outputRows: 1,
    });
    const slow = dt({ name: 'slow', lagSeconds: 600 });
    const r = advise(facts([dash, slow])).find((x) => x.kind === 'idle_warehouse');
    expect(r?.action).toBe(
      "CREATE OR REPLACE WAREHOUSE w WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60; ALTER DYNAMIC TABLE dash SET TARGET_LAG = '4 minutes'",
    );
    expect(r?.reason).toContain('dash refreshes too often');
    expect(r?.creditsPerDayAfter).toBeLessThan(r?.creditsPerDayNow ?? 0);
  });

  it('NO_DATA-heavy: says how often the data changes; never recommends what the model prices higher', () => {
    const r = advise(facts([dt({ noData: 90 })]));
    const nd = r.find((x) => x.kind === 'no_data');
    expect(nd?.reason).toContain('90 of its 120 refreshes found no change');
    expect(r.every((x) => x.savingPerDay >= 0)).toBe(true);
  });

  it('DOWNSTREAM DTs and a quiet catalog get no advice', () => {
    expect(advise({ ...facts([dt({ lagSeconds: null })]), warehouses: [] })).toEqual([]);
    expect(advise({ windowSeconds: 0, dts: [], warehouses: [] })).toEqual([]);
  });

  it('lagOutlasting: the shortest lag whose period is longer than the idle tail', () => {
    expect(lagOutlasting(60)).toBe(240); // period 120 s
    expect(lagOutlasting(600.5)).toBe(1920);
    expect(lagOutlasting(1)).toBe(60);
  });
});

const calcLine = (args: string) => parseCell(`%dt calc ${args}`)?.[0];
function refused(cell: string): DtError {
  try {
    parseCell(cell);
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error(`expected ${cell} to be refused`);
}

describe('%dt calc and %dt advise grammar', () => {
  it('parses every option, with rates per second, minute or hour', () => {
    expect(
      calcLine(
        '--lag 10m --mode full --rows 15000 --out 2400 --change-rate 1/s --size small --auto-suspend 60',
      ),
    ).toMatchObject({
      kind: 'calc',
      input: {
        lagSeconds: 600,
        mode: 'FULL',
        size: 'SMALL',
        changesPerMinute: 60,
        sourceRows: 15000,
        outputRows: 2400,
        autoSuspendSeconds: 60,
      },
    });
    expect(calcLine('--lag 1h --mode incremental --rows 5 --change-rate 120/h')).toMatchObject({
      input: { changesPerMinute: 2, size: 'XSMALL' },
    });
    expect(parseCell('%dt advise a b')?.[0]).toMatchObject({ kind: 'advise', names: ['a', 'b'] });
    expect(DT_USAGE).toContain('%dt calc');
    expect(DT_USAGE).toContain('%dt advise');
  });

  it.each([
    ['--mode full --rows 1', 'needs --lag', 'DT_ERR_SYNTAX'],
    ['--lag 30s --mode full --rows 1', '--lag must be from 1m', 'DT_ERR_OPTION'],
    ['--lag 367d --mode full --rows 1', '--lag must be from 1m', 'DT_ERR_OPTION'],
    ['--lag soon --mode full --rows 1', '--lag must be a duration', 'DT_ERR_SYNTAX'],
    ['--lag 1m --rows 1', 'needs --mode', 'DT_ERR_SYNTAX'],
    ['--lag 1m --mode auto --rows 1', '--mode must be incremental or full', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full', 'needs --rows', 'DT_ERR_SYNTAX'],
    ['--lag 1m --mode full --rows -1', '--rows must be', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 100000000001', '--rows must be', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 1 --size HUGE', '--size must be one of', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 1 --change-rate 5/week', '--change-rate must be N', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 1 --change-rate 2000000000', '--change-rate must be', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 1 --auto-suspend 700000', '--auto-suspend must be', 'DT_ERR_OPTION'],
    ['--lag 1m --mode full --rows 1 --speed 3', 'unknown option --speed', 'DT_ERR_SYNTAX'],
  ])('calc %s is refused: %s', (args, message, code) => {
    const cell = `%dt calc ${args}`;
    const e = refused(cell);
    expect(e.message).toContain(message);
    expect(e.code).toBe(code);
    expect(e.details.position?.line).toBe(1);
  });

  it('the bounds are the documented ones', () => {
    expect(CALC_BOUNDS.lag).toMatchObject({ min: 60, max: 366 * 86_400 });
    expect(CALC_BOUNDS['auto-suspend']).toMatchObject({ min: 0, max: 604_800 });
  });

  it('the calculator bundle: the widget MIME with its input, and a static table fallback', () => {
    const b = calcBundle(base);
    expect(b.data['application/vnd.dtlab.calc+json']).toEqual({ input: base });
    expect(b.data['text/plain']).toMatch(/credits per day\s*\|\s*6\.2/);
    expect(b.data['text/html']).toContain('<table');
    expect(String(b.data['text/html'])).not.toContain('<script');
  });
});
