/** The `%dt check` grammar and the exercise planner (pure); the checks themselves run in lessons.test.ts. */
import { describe, expect, it } from 'vitest';
import type { DtError } from '../src/errors.js';
import { EXERCISES } from '../src/exercises/registry.js';
import { planChecks } from '../src/exercises/spec.js';
import { DT_USAGE } from '../src/magics/dt-line.js';
import { parseCell } from '../src/magics/parse.js';

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
  it('every exercise has a unique name and at least one check per table', () => {
    const names = EXERCISES.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const e of EXERCISES) expect(planChecks(e).length).toBeGreaterThan(e.dts.length);
  });
  it('at least three exercises for each scenario', () => {
    for (const lesson of ['scenario-a-exercises', 'scenario-b'])
      expect(EXERCISES.filter((e) => e.lesson === lesson).length).toBeGreaterThanOrEqual(3);
  });
});
