/**
 * Exercises that check themselves (`%dt check NAME`). Pure: an exercise's expected spec → the list of checks
 * to run, in order; `run.ts` runs them against an engine. A check that fails stops the list: the learner
 * gets the first thing that is wrong and a hint, not a cascade of consequences.
 */
import type { EffectiveMode, SchedulingState, SuspendReason } from '../types.js';

/** What one exercise expects of one dynamic table. */
export interface ExpectedDt {
  name: string;
  /** The refresh mode the engine must have chosen (SHOW's refresh_mode). */
  mode?: EffectiveMode;
  /** The target lag: a duration in seconds, or 'DOWNSTREAM'. */
  lag?: number | 'DOWNSTREAM';
  /** Sources the DT must read (directly). */
  reads?: string[];
  /** Sources it must not read (e.g. the base table, when it should read the previous tier). */
  notReads?: string[];
  state?: SchedulingState;
  /** Required when `state` is SUSPENDED and the reason matters. */
  reason?: SuspendReason;
  /** Its contents must equal this query's result on the current data (VERIFY's comparison). */
  query?: string;
  /** Its contents must equal its own query on the current data (it caught up). */
  upToDate?: boolean;
  /** At least one row. */
  nonEmpty?: boolean;
}

/**
 * A fact about the lesson's objects that are not dynamic tables' contents (an expectation, an alert, an
 * incident, the quarantine): a query over the engine's catalog (Snowflake SQL, translated per backend) that
 * returns at least one row when the fact holds.
 */
export interface ExpectedFact {
  /** `<object>.<what>`, e.g. `clean_orders.quarantine`: how it is reported and how its hint is keyed. */
  id: string;
  /** Said when it holds. */
  holds: string;
  /** Said when it does not. */
  fails: string;
  query: string;
  hint: string;
}

export interface Exercise {
  name: string;
  /** The lesson it belongs to (content/<lesson>.md). */
  lesson: string;
  /** One sentence: what the learner does. */
  task: string;
  dts: ExpectedDt[];
  /** Checked after the dynamic tables, in order. */
  facts?: ExpectedFact[];
  /** A check of the lesson's own result (the gallery's), not a task for the learner: it has no solution. */
  lessonCheck?: boolean;
  /** Hints for particular checks, by check id (`<dt>.<kind>`), replacing the generic one. */
  hints?: Record<string, string>;
}

export type Check =
  | { kind: 'exists'; dt: string }
  | { kind: 'reads'; dt: string; sources: string[] }
  | { kind: 'not_reads'; dt: string; sources: string[] }
  | { kind: 'mode'; dt: string; mode: EffectiveMode }
  | { kind: 'lag'; dt: string; lag: number | 'DOWNSTREAM' }
  | { kind: 'state'; dt: string; state: SchedulingState; reason?: SuspendReason }
  | { kind: 'equals'; dt: string; query: string }
  | { kind: 'up_to_date'; dt: string }
  | { kind: 'non_empty'; dt: string }
  | { kind: 'fact'; dt: string; fact: ExpectedFact };

export interface PlannedCheck {
  /** `<dt>.<kind>`: how hints are keyed. */
  id: string;
  check: Check;
  /** Said when it fails (after the what-is-wrong message). */
  hint: string;
}

/** The checks of an exercise, in the order they run: existence first, contents last (the dearest). */
export function planChecks(exercise: Exercise): PlannedCheck[] {
  const out: PlannedCheck[] = [];
  const add = (check: Check, hint: string) => {
    const id = check.kind === 'fact' ? check.fact.id : `${check.dt}.${check.kind}`;
    out.push({ id, check, hint: exercise.hints?.[id] ?? hint });
  };
  for (const d of exercise.dts) {
    const dt = d.name;
    add({ kind: 'exists', dt }, `create it with a %%dynamic_table ${dt} … cell (the name must be ${dt})`);
    if (d.reads) add({ kind: 'reads', dt, sources: d.reads }, `its query must read ${d.reads.join(' and ')}`);
    if (d.notReads)
      add(
        { kind: 'not_reads', dt, sources: d.notReads },
        `read the tier above instead of ${d.notReads.join(', ')}`,
      );
    if (d.lag !== undefined)
      add(
        { kind: 'lag', dt, lag: d.lag },
        `set TARGET_LAG = ${lagText(d.lag)} (in the cell's first line, or ALTER DYNAMIC TABLE ${dt} SET TARGET_LAG = …)`,
      );
    if (d.mode)
      add(
        { kind: 'mode', dt, mode: d.mode },
        d.mode === 'INCREMENTAL'
          ? 'write REFRESH_MODE = INCREMENTAL to make the engine say why it cannot, and use only what it can maintain (aggregates such as COUNT and SUM, joins, no window functions or CURRENT_TIMESTAMP)'
          : 'write REFRESH_MODE = FULL',
      );
    if (d.state) {
      const check: Check = d.reason
        ? { kind: 'state', dt, state: d.state, reason: d.reason }
        : { kind: 'state', dt, state: d.state };
      add(
        check,
        d.state === 'ACTIVE'
          ? `ALTER DYNAMIC TABLE ${dt} RESUME (after fixing what made it fail)`
          : `ALTER DYNAMIC TABLE ${dt} SUSPEND`,
      );
    }
    if (d.nonEmpty) add({ kind: 'non_empty', dt }, 'load the data first (%dt load tpch) and refresh it');
    if (d.query)
      add(
        { kind: 'equals', dt, query: d.query },
        'compare your query with the task: its columns (names and order), its filter and its grouping',
      );
    if (d.upToDate)
      add(
        { kind: 'up_to_date', dt },
        `let the scheduler catch up (%dt clock +10m) or refresh it (%dt refresh ${dt})`,
      );
  }
  for (const fact of exercise.facts ?? [])
    add({ kind: 'fact', dt: fact.id.split('.')[0] ?? fact.id, fact }, fact.hint);
  return out;
}

export function lagText(lag: number | 'DOWNSTREAM'): string {
  if (lag === 'DOWNSTREAM') return 'DOWNSTREAM';
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const)
    if (lag % size === 0) return `'${lag / size} ${unit}${lag === size ? '' : 's'}'`;
  return `'${lag} seconds'`;
}
