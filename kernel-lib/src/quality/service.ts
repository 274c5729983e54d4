/**
 * Data metric functions on the lesson clock. The engine owns one QualityService:
 * - `run` executes the DMF statements (quality/statements.ts);
 * - `tick(now)` is called by the scheduler at every look: each table with an '<n> MINUTE' schedule is
 *   evaluated at every multiple of n minutes since the epoch (UTC), one with 'USING CRON <expr> <tz>' at each
 *   instant of its cron expression (croner), that has passed since its last one (once, at the latest such
 *   instant, if several passed in one step), and `nextDueAt` tells the scheduler's manual clock where the
 *   next one is. The schedules are read once and held (again after `forget`), so a look costs no statement;
 * - `changed(tables)` is called after a write the engine ran (a statement or `Engine.write`) and after a
 *   dynamic table's refresh that changed rows: tables whose schedule is TRIGGER_ON_CHANGES are evaluated;
 * - `refreshed(record)` records a score for a DT whose expectations wrote results at that refresh (written
 *   with the refresh's own history row when it can: `refreshScore`).
 * Every evaluation is published as a `quality` event; one that fails (a column dropped since) as
 * `quality-error`, without failing the write that triggered it.
 */
import { nextRunAfter, parseSchedule as parseAlertSchedule } from '../alerts/schedule.js';
import { type Backend, formatTimestamp } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import { DtError, messageOf } from '../errors.js';
import { parseTimestamp } from '../schedule/record.js';
import type { RefreshRecord, RefreshScore } from '../types.js';
import { evaluateTable, type QualityEvaluation, recordScore } from './evaluate.js';
import { expectationCheck, scoreOf } from './score.js';

const LOOK_SQL = `SELECT 'S', s.table_name, s.schedule, CAST(s.last_scheduled AS VARCHAR), CAST(s.set_on AS VARCHAR)
    FROM dtlab.dmf_schedules s
   WHERE EXISTS (SELECT 1 FROM dtlab.dmf_associations a WHERE a.table_name = s.table_name)`;

export type QualityEvent =
  | { type: 'quality'; evaluation: QualityEvaluation }
  | { type: 'quality-error'; table: string; at: number; message: string };

interface Due {
  table: string;
  /** The schedule's first instant strictly after `after` (null: none). */
  next(after: number): number | null;
  lastScheduled: number | null;
  setOn: number;
}

/** At most this many instants are stepped over when the clock jumps past several (a cron every minute: 69 days). */
const MAX_STEPS = 100_000;

/** The schedule's latest instant in (after, now], or null. */
export function latestDue(next: (after: number) => number | null, after: number, now: number): number | null {
  let due = next(after);
  if (due === null || due > now) return null;
  for (let i = 0; i < MAX_STEPS; i++) {
    const n = next(due);
    if (n === null || n > now) break;
    due = n;
  }
  return due;
}

/** The instants of a stored schedule: '<n> MINUTE' (multiples of n minutes since the epoch) or a cron. */
export function scheduleTimes(text: string): ((after: number) => number | null) | undefined {
  const m = /^(\d+) MINUTE$/.exec(text);
  if (m) {
    const period = Number(m[1]) * 60_000;
    return (after) => (Math.floor(after / period) + 1) * period;
  }
  if (!/^USING CRON /.test(text)) return undefined;
  const cron = parseAlertSchedule(text);
  return (after) => nextRunAfter(cron, after, 0);
}

export class QualityService {
  /** What the last look read: minute schedules (for nextDueAt) and TRIGGER_ON_CHANGES tables. */
  private timedSchedules: Due[] = [];
  private triggerTables = new Set<string>();
  /** REFRESH scores written with a refresh's history row (`refreshScore`), published by `refreshed`. */
  private readonly scored = new Map<string, { refreshId: number; evaluation: QualityEvaluation }>();
  private known = false;

  constructor(
    private readonly backend: Backend,
    private readonly now: () => number,
    private readonly publish: (e: QualityEvent) => void,
  ) {}

  /**
   * Forget what the last look read: after a DMF statement of this engine, or when another process may have
   * changed the schedules (a PostgreSQL server: catalog/stamps.ts). The next look reads them again.
   */
  forget(): void {
    this.known = false;
  }

  /**
   * One query: schedules of tables with DMFs. Read once and held: this engine writes
   * its own changes through (`forget` after a DMF statement, `lastScheduled` after a run), so a look at an
   * instant with nothing due costs no statement.
   */
  private async look(): Promise<void> {
    const { rows } = await this.backend.query(LOOK_SQL);
    const schedules = rows.filter((r) => r[0] === 'S');
    this.timedSchedules = schedules.flatMap((r) => {
      const next = scheduleTimes(String(r[2]));
      if (!next) return [];
      return [
        {
          table: String(r[1]),
          next,
          lastScheduled: r[3] === null ? null : parseTimestamp(String(r[3])),
          setOn: parseTimestamp(String(r[4])),
        },
      ];
    });
    this.triggerTables = new Set(
      schedules.filter((r) => r[2] === 'TRIGGER_ON_CHANGES').map((r) => String(r[1])),
    );
    this.known = true;
  }

  /** The next instant after `now` a minute schedule falls due (null: none). */
  nextDueAt(now: number): number | null {
    const times = this.timedSchedules.flatMap((d) => d.next(now) ?? []);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** Evaluates every table whose schedule fell due by `now`. */
  async tick(now: number): Promise<void> {
    try {
      if (!this.known) await this.look();
    } catch (e) {
      this.publish({ type: 'quality-error', table: '', at: now, message: messageOf(e) });
      return;
    }
    for (const d of this.timedSchedules) {
      const due = latestDue(d.next, d.lastScheduled ?? d.setOn, now);
      if (due === null) continue;
      await this.backend.query(
        'UPDATE dtlab.dmf_schedules SET last_scheduled = CAST($1 AS TIMESTAMP) WHERE table_name = $2',
        [formatTimestamp(due), d.table],
      );
      d.lastScheduled = due;
      await this.evaluate(d.table, { scheduledTime: due, changeCommitTime: null, trigger: 'SCHEDULED' });
    }
  }

  /** After a write: tables with TRIGGER_ON_CHANGES are evaluated now. */
  async changed(tables: Iterable<string | undefined>): Promise<void> {
    if (!this.known) await this.look().catch(() => {});
    const now = this.now();
    for (const t of new Set(tables))
      if (t !== undefined && this.triggerTables.has(t))
        await this.evaluate(t, { scheduledTime: null, changeCommitTime: now, trigger: 'TRIGGER_ON_CHANGES' });
  }

  /**
   * Inside a refresh's transaction, before its history row is written: the REFRESH score of a DT whose
   * expectations counted rows in it, from the record's own counts (nothing to read), which the history row
   * carries (catalog/refresh-quality.ts: no statement of its own); `scoredInRefresh` keeps it for `refreshed`
   * to publish once committed. Only when this service knows the schedules already (a TRIGGER_ON_CHANGES DT
   * whose refresh changed rows is evaluated after instead); otherwise `refreshed` scores it after the commit.
   */
  refreshScore(r: Omit<RefreshRecord, 'refreshId'>): RefreshScore | undefined {
    if (!this.known || !r.expectations?.length) return undefined;
    if (this.triggerTables.has(r.name) && r.rowsInserted + r.rowsDeleted > 0) return undefined;
    const { measurementTime, score } = refreshEvaluation(r.name, this.now(), fromRecord(r.expectations));
    return { measurementTime, ...score };
  }

  /** After the history row: a score it carries, kept for `refreshed` to publish. */
  scoredInRefresh(r: RefreshRecord): void {
    const s = r.qualityScore;
    if (!s || !r.expectations) return;
    const evaluation = refreshEvaluation(r.name, s.measurementTime, fromRecord(r.expectations));
    this.scored.set(r.name, { refreshId: r.refreshId, evaluation });
  }

  /** After a successful refresh of a DT: on changes (TRIGGER_ON_CHANGES) or for its expectations' score. */
  async refreshed(r: RefreshRecord): Promise<void> {
    const scored = this.scored.get(r.name);
    this.scored.delete(r.name);
    if (r.state !== 'SUCCEEDED') return;
    if (scored?.refreshId === r.refreshId)
      return this.publish({ type: 'quality', evaluation: scored.evaluation });
    if (!this.known) await this.look().catch(() => {});
    if (this.triggerTables.has(r.name) && r.rowsInserted + r.rowsDeleted > 0) return this.changed([r.name]);
    // The refresh's own counts come with its record (its history row has them): nothing to read. A refresh
    // without them wrote no results, and has no score to record.
    if (!r.expectations?.length) return;
    const expectations = fromRecord(r.expectations);
    try {
      const evaluation = refreshEvaluation(r.name, this.now(), expectations);
      await recordScore(this.backend, r.name, evaluation.measurementTime, evaluation.score, 'REFRESH');
      this.publish({ type: 'quality', evaluation });
    } catch (e) {
      this.publish({ type: 'quality-error', table: r.name, at: this.now(), message: messageOf(e) });
    }
  }

  /** Evaluates `table` now, as asked (`%dt quality NAME --evaluate`): publishes it; an error is thrown. */
  async measure(table: string): Promise<QualityEvaluation> {
    if ((await describeColumns(this.backend, this.backend.family, table)).length === 0)
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `table ${table} does not exist`);
    const evaluation = await evaluateTable(this.backend, table, {
      now: this.now(),
      scheduledTime: null,
      changeCommitTime: null,
      trigger: 'MANUAL',
    });
    this.publish({ type: 'quality', evaluation });
    return evaluation;
  }

  /** Evaluates `table` now for a schedule or a change; publishes the result or the error. */
  private async evaluate(
    table: string,
    at: { scheduledTime: number | null; changeCommitTime: number | null; trigger: string },
  ): Promise<QualityEvaluation | undefined> {
    const now = this.now();
    try {
      const evaluation = await evaluateTable(this.backend, table, { now, ...at });
      this.publish({ type: 'quality', evaluation });
      return evaluation;
    } catch (e) {
      this.publish({ type: 'quality-error', table, at: now, message: messageOf(e) });
      return undefined;
    }
  }
}

/** A refresh's expectation counts as an evaluation lists them (by name). */
function fromRecord(counts: NonNullable<RefreshRecord['expectations']>): QualityEvaluation['expectations'] {
  return counts
    .map((e) => ({
      name: e.expectation,
      action: e.action,
      rowsPassed: e.rowsPassed,
      rowsFailed: e.rowsFailed,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The evaluation a REFRESH score publishes: the DT's expectations of that refresh, scored. */
function refreshEvaluation(
  table: string,
  at: number,
  expectations: QualityEvaluation['expectations'],
): QualityEvaluation {
  const score = scoreOf(expectations.map((e) => expectationCheck(e.name, e.rowsPassed, e.rowsFailed)));
  return {
    table,
    measurementTime: at,
    trigger: 'REFRESH',
    rows: null,
    metrics: [],
    expectations,
    score,
    elapsedMs: 0,
  };
}
