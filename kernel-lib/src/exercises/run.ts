/**
 * Runs an exercise's checks (spec.ts) against an engine: the first failing check stops the run and says what
 * is wrong and a hint. `%dt check NAME` shows the result; a failure is a DT_ERR_CHECK error, so a notebook's
 * Run All stops at a wrong answer and CI sees it.
 */
import { quoteIdent } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { closest } from '../magics/words.js';
import { verifyDynamicTable } from '../refresh/verify.js';
import { formatLag } from '../sql/lag.js';
import { translateSql } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import { type Check, type Exercise, lagText, type PlannedCheck, planChecks } from './spec.js';

export interface CheckOutcome {
  id: string;
  ok: boolean;
  /** What was found: "exists", "TARGET_LAG is '5 minutes', expected '1 minute'". */
  message: string;
  hint?: string;
}

export interface ExerciseResult {
  exercise: string;
  passed: boolean;
  outcomes: CheckOutcome[];
}

/** Runs the exercise's checks in order, stopping at the first failure. */
export async function runExercise(engine: Engine, exercise: Exercise): Promise<ExerciseResult> {
  const outcomes: CheckOutcome[] = [];
  for (const planned of planChecks(exercise)) {
    const failure = await runCheck(engine, planned.check).catch(
      (e: unknown) => `checking ${planned.id} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    outcomes.push(outcome(planned, failure));
    if (failure !== undefined) return { exercise: exercise.name, passed: false, outcomes };
  }
  return { exercise: exercise.name, passed: true, outcomes };
}

function outcome(planned: PlannedCheck, failure: string | undefined): CheckOutcome {
  if (failure === undefined) return { id: planned.id, ok: true, message: passedText(planned.check) };
  return { id: planned.id, ok: false, message: failure, hint: planned.hint };
}

function passedText(c: Check): string {
  switch (c.kind) {
    case 'exists':
      return `${c.dt} exists`;
    case 'reads':
      return `${c.dt} reads ${c.sources.join(', ')}`;
    case 'not_reads':
      return `${c.dt} does not read ${c.sources.join(', ')}`;
    case 'mode':
      return `${c.dt} refreshes ${c.mode}`;
    case 'lag':
      return `${c.dt} has TARGET_LAG = ${lagText(c.lag)}`;
    case 'state':
      return `${c.dt} is ${c.state}${c.reason ? ` (${c.reason})` : ''}`;
    case 'equals':
      return `${c.dt} holds the expected rows`;
    case 'up_to_date':
      return `${c.dt} equals its query on the current data`;
    case 'non_empty':
      return `${c.dt} has rows`;
    case 'fact':
      return c.fact.holds;
  }
}

/** One check: undefined when it passes, else what is wrong. */
async function runCheck(engine: Engine, c: Check): Promise<string | undefined> {
  if (c.kind === 'fact') {
    const sql = translateSql(c.fact.query, engine.backend.family, { now: engine.clock.now() }).text;
    return (await engine.backend.query(sql)).rows.length > 0 ? undefined : c.fact.fails;
  }
  const dts = await engine.listDynamicTables();
  const dt = dts.find((d) => d.name === c.dt);
  if (!dt) {
    const guess = closest(
      c.dt,
      dts.map((d) => d.name),
    );
    return `there is no dynamic table ${c.dt}${guess ? ` (there is ${guess}: a typo?)` : ''}`;
  }
  const sources = dt.sources.map((s) => s.name.toLowerCase());
  switch (c.kind) {
    case 'exists':
      return undefined;
    case 'reads': {
      const missing = c.sources.filter((s) => !sources.includes(s.toLowerCase()));
      return missing.length
        ? `${c.dt} reads ${sources.join(', ') || 'nothing'}, not ${missing.join(', ')}`
        : undefined;
    }
    case 'not_reads': {
      const bad = c.sources.filter((s) => sources.includes(s.toLowerCase()));
      return bad.length ? `${c.dt} reads ${bad.join(', ')}` : undefined;
    }
    case 'mode':
      return dt.effectiveMode === c.mode
        ? undefined
        : `${c.dt} refreshes ${dt.effectiveMode}, expected ${c.mode} (the engine says: ${dt.refreshModeReason})`;
    case 'lag': {
      const has = dt.targetLag.kind === 'downstream' ? 'DOWNSTREAM' : dt.targetLag.seconds;
      return has === c.lag
        ? undefined
        : `${c.dt} has TARGET_LAG = ${lagText(has)}, expected ${lagText(c.lag)}`;
    }
    case 'state': {
      const ok = dt.schedulingState === c.state && (!c.reason || dt.suspendReason === c.reason);
      const reason = dt.suspendReason ? ` (${dt.suspendReason})` : '';
      return ok
        ? undefined
        : `${c.dt} is ${dt.schedulingState}${reason}, expected ${c.state}${c.reason ? ` (${c.reason})` : ''}`;
    }
    case 'non_empty': {
      const { rows } = await engine.backend.query(`SELECT count(*) FROM ${quoteIdent(dt.name)}`);
      return Number(rows[0]?.[0]) > 0 ? undefined : `${c.dt} is empty`;
    }
    case 'up_to_date': {
      const v = await engine.verify(dt.name);
      return v.equal ? undefined : behind(dt, v.rows.length);
    }
    case 'equals':
      return equals(engine, dt, c.query);
  }
}

function behind(dt: DynamicTable, rows: number): string {
  return `${dt.name} differs from its own query in ${rows}${rows >= 100 ? '+' : ''} rows: it is behind its sources (data timestamp ${dt.dataTimestamp ?? 'none'}, target lag ${formatLag(dt.targetLag)})`;
}

/** The DT's contents against the expected query: columns first, then rows (VERIFY's comparison). */
async function equals(engine: Engine, dt: DynamicTable, query: string): Promise<string | undefined> {
  const { backend } = engine;
  const mine = (await describeColumns(backend, backend.family, dt.name)).map((c) => c.name.toLowerCase());
  const translated = translateSql(query, backend.family, { now: engine.clock.now() }).text;
  const expected = (await backend.query(`SELECT * FROM (${translated}) AS expected LIMIT 0`)).columns.map(
    (c) => c.name.toLowerCase(),
  );
  if (mine.join(',') !== expected.join(','))
    return `${dt.name} has the columns (${mine.join(', ')}), expected (${expected.join(', ')})`;
  const v = await verifyDynamicTable(backend, { ...dt, query }, engine.clock.now());
  if (v.equal) return undefined;
  const own = await engine.verify(dt.name);
  if (!own.equal) return behind(dt, own.rows.length);
  const extra = v.rows.filter((r) => r[0] === '+');
  const missing = v.rows.filter((r) => r[0] === '-');
  const sample = (v.rows[0] ?? []).slice(1).map(String).join(', ');
  const more = v.rows.length >= 100 ? ' (at least)' : '';
  return `${dt.name} has ${extra.length} rows the expected result has not and lacks ${missing.length} of its rows${more}; e.g. ${v.rows[0]?.[0] === '+' ? 'extra' : 'missing'} (${sample})`;
}

/** The result as text: one line per check run; the failure's hint last. */
export function resultText(r: ExerciseResult): string {
  const lines = r.outcomes.map((o) => `${o.ok ? '✔' : '✘'} ${o.message}`);
  const failed = r.outcomes.find((o) => !o.ok);
  if (failed?.hint) lines.push(`hint: ${failed.hint}`);
  lines.unshift(r.passed ? `exercise ${r.exercise}: passed` : `exercise ${r.exercise}: not yet`);
  return lines.join('\n');
}

/** A failed exercise as the error `%dt check` raises. */
export function checkError(r: ExerciseResult): DtError {
  const failed = r.outcomes.find((o) => !o.ok);
  return new DtError('DT_ERR_CHECK', resultText(r), failed?.hint ? { hint: failed.hint } : {});
}
