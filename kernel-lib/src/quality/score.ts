/**
 * The quality score of a table (docs/quality.md, "Quality score"). Pure.
 *
 * Every check counts equally and scores from 0 to 1:
 * - a data metric function with an EXPECTATION: 1 if its latest value meets the expectation, else 0;
 * - an expectation on a dynamic table (dtlab.expectation_results, its latest refresh): the share of rows
 *   that passed, rows_passed / (rows_passed + rows_failed) (1 when it saw no rows).
 * score = 100 × the mean of the checks, rounded to 2 decimals. No check: no score (state NO_CHECKS).
 * State: HEALTHY when score ≥ 95, WARNING when 80 ≤ score < 95, ERROR below 80.
 */

export const HEALTHY_AT = 95;
export const WARNING_AT = 80;

export type QualityState = 'HEALTHY' | 'WARNING' | 'ERROR' | 'NO_CHECKS';

export interface Check {
  /** 'metric' (a DMF expectation) or 'expectation' (a DT expectation). */
  source: 'metric' | 'expectation';
  name: string;
  /** 0..1. */
  score: number;
}

export interface Score {
  score: number | null;
  state: QualityState;
  checks: number;
  /** Checks that are not fully met. */
  failing: number;
}

export function stateOf(score: number | null): QualityState {
  if (score === null) return 'NO_CHECKS';
  return score >= HEALTHY_AT ? 'HEALTHY' : score >= WARNING_AT ? 'WARNING' : 'ERROR';
}

export function scoreOf(checks: readonly Check[]): Score {
  if (checks.length === 0) return { score: null, state: 'NO_CHECKS', checks: 0, failing: 0 };
  const mean = checks.reduce((a, c) => a + Math.min(1, Math.max(0, c.score)), 0) / checks.length;
  const score = Math.round(mean * 10_000) / 100;
  return {
    score,
    state: stateOf(score),
    checks: checks.length,
    failing: checks.filter((c) => c.score < 1).length,
  };
}

/** A DT expectation's check from its latest refresh's counts. */
export function expectationCheck(name: string, passed: number, failed: number): Check {
  const total = passed + failed;
  return { source: 'expectation', name, score: total === 0 ? 1 : passed / total };
}
