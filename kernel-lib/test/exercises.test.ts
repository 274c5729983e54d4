/** The `%dt check` grammar and the exercise planner (pure); the checks themselves run in lessons.test.ts. */
import { describe, expect, it } from 'vitest';
import { columnImpact } from '../src/catalog/impact.js';
import type { DtError } from '../src/errors.js';
import { EXERCISES } from '../src/exercises/registry.js';
import { planChecks } from '../src/exercises/spec.js';
import { DT_USAGE } from '../src/magics/dt-line.js';
import { parseCell } from '../src/magics/parse.js';
import type { DynamicTable } from '../src/types.js';

const fail = (cell: string) => {
  try {
    parseCell(cell);
  } catch (e) {
    return e as DtError;
  }
  throw new Error(`parsed: ${cell}`);
};

describe('%dt check', () => {
  it('parses an exercise name', () => {
    expect(parseCell('%dt check b_monthly')).toEqual([
      expect.objectContaining({ kind: 'check', exercise: 'b_monthly' }),
    ]);
    expect(DT_USAGE).toMatch(/%dt check EXERCISE/);
  });
  it('refuses an unknown exercise at its position, with a guess', () => {
    const e = fail('%dt show\n%dt check b_montly');
    expect(e.code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect(e.message).toMatch(
      /no exercise 'b_montly' \(did you mean b_monthly\?\); exercises: a_by_status, .*b_monthly/,
    );
    expect(e.details.position).toEqual(expect.objectContaining({ line: 2, column: 11 }));
  });
  it('needs exactly one name', () => {
    expect(fail('%dt check').message).toMatch(/expected an exercise name/);
    expect(fail('%dt check b_monthly extra').message).toMatch(/unexpected 'extra'/);
  });
});

describe('planChecks', () => {
  it('checks existence first and contents last, with hints', () => {
    const plan = planChecks(EXERCISES.find((e) => e.name === 'b_monthly') as (typeof EXERCISES)[number]);
    expect(plan.map((p) => p.id)).toEqual([
      'monthly_orders.exists',
      'monthly_orders.reads',
      'monthly_orders.not_reads',
      'monthly_orders.lag',
      'monthly_orders.mode',
      'monthly_orders.equals',
    ]);
    expect(plan[1]?.hint).toMatch(/read daily_orders/); // the exercise's own hint replaces the generic one
    expect(plan[3]?.hint).toMatch(/TARGET_LAG = '1 hour'/);
  });
  it("runs an exercise's catalog facts after its tables' checks, each with its own hint", () => {
    const plan = planChecks(EXERCISES.find((e) => e.name === 'c_close') as (typeof EXERCISES)[number]);
    expect(plan.map((p) => p.id)).toEqual([
      'clean_orders.exists',
      'clean_orders.state',
      'clean_orders.up_to_date',
      'orders.fixed',
      'clean_orders.quarantine',
      'incident.resolved',
    ]);
    expect(plan.at(-1)?.check).toEqual(
      expect.objectContaining({
        kind: 'fact',
        dt: 'incident',
        fact: expect.objectContaining({ query: expect.stringContaining('dtlab.incidents') }),
      }),
    );
    expect(plan.at(-1)?.hint).toMatch(/%dt alerts resolve 1/);
  });
  it('every exercise has a unique name and at least one check per table', () => {
    const names = EXERCISES.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const e of EXERCISES) expect(planChecks(e).length).toBeGreaterThan(e.dts.length);
  });
  it('at least three exercises for each scenario', () => {
    for (const lesson of ['scenario-a-exercises', 'scenario-b', 'scenario-c', 'scenario-d'])
      expect(EXERCISES.filter((e) => e.lesson === lesson).length).toBeGreaterThanOrEqual(3);
  });
});

describe('%dt impact', () => {
  const dt = (name: string, query: string, sources: string[]) =>
    ({ name, query, sources: sources.map((s) => ({ name: s, kind: 'TABLE' })) }) as unknown as DynamicTable;
  const dts = [
    dt('facts', 'SELECT o_orderkey, o_orderpriority FROM orders', ['orders']),
    dt(
      'by_status',
      "SELECT o_orderstatus, COUNT(*) FROM orders WHERE o_comment <> 'o_orderpriority' GROUP BY 1",
      ['orders'],
    ),
    dt('mix', 'SELECT o_orderpriority, COUNT(*) FROM facts GROUP BY 1', ['facts']),
    dt('top', 'SELECT * FROM mix', ['mix']),
    dt('other', 'SELECT o_orderpriority FROM archive', ['archive']),
  ];
  it('finds direct readers naming the column, then everything downstream', () => {
    expect(columnImpact(dts, 'orders', 'O_ORDERPRIORITY')).toEqual([
      { name: 'facts', how: 'direct', through: ['orders'], depth: 1 },
      { name: 'mix', how: 'upstream', through: ['facts'], depth: 2 },
      { name: 'top', how: 'upstream', through: ['mix'], depth: 3 },
    ]);
    // A string literal is not a column; another table's column of that name is not this one's.
    expect(columnImpact(dts, 'orders', 'o_comment').map((i) => i.name)).toEqual(['by_status']);
    expect(columnImpact(dts, 'orders', 'o_clerk')).toEqual([]);
  });
  it('parses TABLE.COLUMN, refuses anything else at its position', () => {
    expect(parseCell('%dt impact orders.o_totalprice')).toEqual([
      expect.objectContaining({ kind: 'impact', table: 'orders', column: 'o_totalprice' }),
    ]);
    const e = fail('%dt impact o_totalprice');
    expect(e.message).toMatch(/expected TABLE.COLUMN \(e.g. orders.o_totalprice\), got 'o_totalprice'/);
    expect(e.details.position).toEqual(expect.objectContaining({ line: 1, column: 12 }));
    expect(DT_USAGE).toMatch(/%dt impact TABLE.COLUMN/);
  });
});
