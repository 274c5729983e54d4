/**
 * A refresh's visible shape (docs/incremental.md "Decision → plan → executor"): a plan is an ordered list of
 * steps, each a SQL text built by pure code with what it reads and writes. Where a later step depends on an
 * earlier step's answer (the keys' NULL check, the rows a change summary counts, whether an extreme was
 * reached), the plan comes in phases: a plan is a generator that yields one phase's steps and is resumed with
 * their answers, from which it builds the next phase. It does no I/O; refresh/executor.ts runs it.
 */
import type { Queryable, Value } from '../backends/backend.js';

/** One statement of a plan. */
export interface SqlStep {
  /** What it does, in a few words ("delete the affected keys' rows"). */
  label: string;
  sql: string;
  params?: Value[];
  /** Relations it reads and writes (the DT, its state, the change tables' sources, temp tables). */
  reads: string[];
  writes: string[];
  /**
   * Whether the plan reads its answer. A step whose answer nobody reads is deferred by the executor: sent
   * with the next step that is not (one round trip where the backend allows, backends/backend.ts `defer`).
   */
  needsResult: boolean;
}

/**
 * A step the expectations of a DT run themselves (refresh/expectations.ts: judging rows as they are written,
 * quarantining the violating ones); `sql` says what, `call` does it and answers one row.
 */
export interface DelegatedStep {
  label: string;
  sql: string;
  reads: string[];
  writes: string[];
  call: (tx: Queryable) => Promise<Value[]>;
}

export type RefreshStep = SqlStep | DelegatedStep;

/** What a step answered: the rows of a query (none for a deferred step), the rows a write touched. */
export interface StepAnswer {
  rows: Value[][];
  rowCount: number;
}

/**
 * A plan: yields each phase's steps, is resumed with their answers (in the same order), returns its result
 * (for a refresh: the rows it inserted and deleted).
 */
export type RefreshPlan<T> = Generator<RefreshStep[], T, StepAnswer[]>;

export interface RowCounts {
  rowsInserted: number;
  rowsDeleted: number;
  /** The sources' rows, where the plan counted them with its writes (refresh/full-plan.ts `oneStatement`). */
  rowsRead?: number;
}

/** A step whose answer is read. */
export function ask(label: string, sql: string, reads: string[], writes: string[] = []): SqlStep {
  return { label, sql, reads, writes, needsResult: true };
}

/** A step whose answer is not read (deferred where the backend can). */
export function run(label: string, sql: string, reads: string[], writes: string[]): SqlStep {
  return { label, sql, reads, writes, needsResult: false };
}

/**
 * A change of more change rows than this is large: after it a refresh's temporary table is dropped, not left
 * on the connection (`dropTempTable`), and a kept keys table truncated, not emptied row by row
 * (refresh/keys-steps.ts `keptKeys`).
 */
export const LARGE_CHANGE = 2_000;

/**
 * Steps that make temporary table `table` from `sql`: where the family replaces tables (dialect
 * `replacesTables`, DuckDB) one `CREATE OR REPLACE`, else a `DROP … IF EXISTS` then a `CREATE`.
 */
export function tempTableSteps(
  replaces: boolean,
  labels: { drop: string; create: string },
  table: string,
  sql: string,
  reads: string[],
): SqlStep[] {
  if (replaces)
    return [run(labels.create, `CREATE OR REPLACE TEMP TABLE ${table} AS ${sql}`, reads, [table])];
  return [
    run(labels.drop, `DROP TABLE IF EXISTS ${table}`, [], [table]),
    run(labels.create, `CREATE TEMP TABLE ${table} AS ${sql}`, reads, [table]),
  ];
}

/**
 * The step that drops temporary table `table` at a plan's end; none where the family replaces tables and the
 * change was small (`changes` rows): the next refresh on the connection replaces it, one statement less.
 */
export function dropTempTable(replaces: boolean, label: string, table: string, changes: number): SqlStep[] {
  return replaces && changes <= LARGE_CHANGE
    ? []
    : [run(label, `DROP TABLE IF EXISTS ${table}`, [], [table])];
}

/** The first value of an answer's first row, as a number (a count). */
export function countOf(answer: StepAnswer | undefined): number {
  return Number(answer?.rows[0]?.[0]);
}

/** A plan with one phase whose steps answer nothing the plan reads. */
export function* onePhase(steps: RefreshStep[]): RefreshPlan<void> {
  if (steps.length > 0) yield steps;
}

/**
 * Drives a plan without a database (tests, docs): every phase is answered by `answer` (default: zero rows,
 * counts 0). Returns the steps in order and the plan's result.
 */
export function stepsOf<T>(
  plan: RefreshPlan<T>,
  answer: (step: RefreshStep) => StepAnswer = () => ({ rows: [[0, 0, 0, 0]], rowCount: 0 }),
): { steps: RefreshStep[]; result: T } {
  const steps: RefreshStep[] = [];
  let next = plan.next([]);
  while (!next.done) {
    steps.push(...next.value);
    next = plan.next(next.value.map(answer));
  }
  return { steps, result: next.value };
}

/**
 * `plan` with table `from` named `to` in every step (its SQL, reads and writes): a plan built for KEYS_TABLE
 * run on the keys table its family keeps (refresh/keys-steps.ts `keptKeys`). Refused (an error; the caller
 * keeps such plans as they are): a delegated step, whose SQL the plan cannot see, and a step that creates or
 * drops `from`, which would replace the table `to` with another of other columns.
 */
export function* renamed<T>(plan: RefreshPlan<T>, from: string, to: string): RefreshPlan<T> {
  const word = new RegExp(`\\b${from}\\b`, 'g');
  const replaces = new RegExp(
    `\\b(?:CREATE (?:OR REPLACE )?TEMP TABLE|DROP TABLE(?: IF EXISTS)?) ${from}\\b`,
    'i',
  );
  const name = (t: string) => (t === from ? to : t);
  let next = plan.next([]);
  while (!next.done) {
    const steps = next.value.map((step) => {
      if ('call' in step || replaces.test(step.sql))
        throw new Error(`a step of this plan cannot run on a kept table: ${step.label}`);
      const { reads, writes } = step;
      return { ...step, sql: step.sql.replace(word, to), reads: reads.map(name), writes: writes.map(name) };
    });
    next = plan.next(yield steps);
  }
  return next.value;
}
