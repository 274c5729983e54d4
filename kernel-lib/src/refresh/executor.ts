/**
 * The one executor of refresh plans (refresh/steps.ts): runs each phase's steps on the refresh's
 * transaction, in order. A step whose answer the plan does not read is deferred (`exec`): it goes to the
 * backend with the next step that is read, so a phase of writes ending in one look costs one round trip
 * where the backend allows (PostgreSQL server, DuckDB). Each step run is recorded in the refresh's log,
 * which the engine publishes with the refresh (EngineEvent `refresh-plan`) and EXPLAIN REFRESH shows.
 */
import { exec, type Queryable, type Value } from '../backends/backend.js';
import type { RefreshPlan, RefreshStep, StepAnswer } from './steps.js';

/** A step as it ran. */
export interface ExecutedStep {
  label: string;
  sql: string;
  reads: string[];
  writes: string[];
  /**
   * Milliseconds until its answer came back; absent for a deferred step (its time is counted in the step it
   * was sent with).
   */
  ms?: number;
  /** Rows it answered or touched; absent for a deferred step. */
  rows?: number;
  deferred: boolean;
}

/** The steps of one refresh, in the order they ran. */
export type StepLog = ExecutedStep[];

const NO_ANSWER: StepAnswer = { rows: [], rowCount: 0 };

async function runStep(tx: Queryable, step: RefreshStep, log: StepLog | undefined): Promise<StepAnswer> {
  const t0 = performance.now();
  let answer: StepAnswer;
  let deferred = false;
  if ('call' in step) {
    const row = await step.call(tx);
    answer = { rows: [row], rowCount: 1 };
  } else if (step.needsResult) {
    answer = await tx.query(step.sql, step.params);
  } else {
    deferred = tx.defer !== undefined;
    await exec(tx, step.sql, step.params);
    answer = NO_ANSWER;
  }
  const { label, sql, reads, writes } = step;
  log?.push(
    deferred
      ? { label, sql, reads, writes, deferred }
      : { label, sql, reads, writes, deferred, ms: performance.now() - t0, rows: answer.rowCount },
  );
  return answer;
}

/** Runs `plan` on `tx`, phase after phase, recording each step in `log`; returns the plan's result. */
export async function runPlan<T>(tx: Queryable, plan: RefreshPlan<T>, log?: StepLog): Promise<T> {
  let next = plan.next([]);
  while (!next.done) {
    const answers: StepAnswer[] = [];
    for (const step of next.value) answers.push(await runStep(tx, step, log));
    next = plan.next(answers);
  }
  return next.value;
}

/** A refresh's executed plan, as the engine publishes it (EngineEvent `refresh-plan`) and EXPLAIN REFRESH shows it. */
export interface ExecutedPlan {
  name: string;
  refreshId: number;
  action: string;
  reason: string;
  dataTimestamp: string | null;
  steps: StepLog;
}

const PLAN_COLUMNS = ['step', 'label', 'reads', 'writes', 'ms', 'rows'];

/**
 * EXPLAIN REFRESH's result: a first row (step 0) with the action and why, then one row per step run. A
 * deferred step has no time or rows of its own: it went to the backend with the next step that has.
 */
export function planTable(plan: ExecutedPlan): {
  columns: { name: string; type: string }[];
  rows: Value[][];
} {
  const columns = PLAN_COLUMNS.map((name) => ({ name, type: name === 'step' ? 'integer' : 'varchar' }));
  const head = [0, `${plan.action} at ${plan.dataTimestamp ?? '-'}: ${plan.reason}`, '', '', '', ''];
  const rows = plan.steps.map((s, i) => [
    i + 1,
    s.label,
    s.reads.join(', '),
    s.writes.join(', '),
    s.ms === undefined ? 'deferred' : s.ms.toFixed(1),
    s.rows === undefined ? '' : String(s.rows),
  ]);
  return { columns, rows: [head, ...rows] };
}
