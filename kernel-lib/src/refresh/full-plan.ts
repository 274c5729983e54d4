/**
 * The plan of a full recompute: the DT's rows (or, with IMMUTABLE WHERE, its mutable region's: plan/immutable.ts)
 * deleted and its query's result inserted, in the refresh's one transaction, so readers see the old contents
 * or the new, never an empty or partial table. Pure: refresh/executor.ts runs it.
 */

import { quarantineTable } from '../plan/expectations.js';
import { fullRefreshSql } from '../plan/full.js';
import { mutableRecomputeSql } from '../plan/immutable.js';
import { sourceRowsExpr } from '../schedule/cost.js';
import type { ExpectationRun } from './expectations.js';
import { replaceRowsSql } from './replace.js';
import { ask, type RefreshPlan, type RefreshStep, type RowCounts, run } from './steps.js';

export interface FullRecompute {
  /** The DT's name and its sources (what the query reads). */
  dt: { name: string; sources: { name: string }[] };
  /** The refresh SELECT in the backend's dialect (see plan/full.ts). */
  select: string;
  /** IMMUTABLE WHERE: the mutable region's condition, the only rows a recompute replaces. */
  mutable?: string;
  expectations?: ExpectationRun;
  /**
   * The DT's rows, counted ahead (catalog/moving-metadata.ts): the DELETE answers nothing the plan reads and
   * goes to the backend with the INSERT. Not with a mutable region (its own count).
   */
  rows?: number;
  /**
   * The family replaces rows in one statement (dialect `replaceRows`, PostgreSQL): the DELETE, the INSERT and
   * the count of the sources' rows (the history row's rows read) go as one statement of data-modifying CTEs,
   * one round trip instead of three. Not with a mutable region or expectations (their own statements).
   */
  oneStatement?: boolean;
}

export function* fullRecomputePlan(req: FullRecompute): RefreshPlan<RowCounts> {
  const { name } = req.dt;
  const sources = req.dt.sources.map((s) => s.name);
  const region = req.mutable ? ' of the mutable region' : '';
  const sql = req.mutable
    ? mutableRecomputeSql(name, req.select, req.mutable)
    : { ...fullRefreshSql(name, req.select), rows: req.select };
  const counted = req.mutable ? undefined : req.rows;
  if (req.oneStatement && !req.mutable && counted === undefined && !req.expectations) {
    const read = sourceRowsExpr(sources) ?? '0';
    const sql = replaceRowsSql(name, 'TRUE', req.select, undefined, [read]);
    const label = "replace the rows by the query's, count the sources' rows";
    const [answer] = yield [ask(label, sql, sources, [name])];
    const [deleted, inserted, rowsRead] = (answer?.rows[0] ?? []).map(Number);
    return { rowsDeleted: deleted ?? 0, rowsInserted: inserted ?? 0, rowsRead: rowsRead ?? 0 };
  }
  const label = `delete the rows${region}`;
  const remove =
    counted === undefined ? [ask(label, sql.clear, [name], [name])] : [run(label, sql.clear, [name], [name])];
  const [deleted] = counted === undefined ? yield remove : [{ rows: [], rowCount: counted }];
  const run_ = req.expectations;
  const part = req.mutable ?? 'TRUE';
  const steps: RefreshStep[] = [
    ...(counted === undefined ? [] : remove),
    ...(run_?.clearQuarantineSql(part) ?? []).map((s) =>
      run('clear the quarantine', s, [], [quarantineTable(name)]),
    ),
  ];
  if (run_?.active) {
    const written = (yield [
      ...steps,
      {
        label: `insert the query's rows${region}, judged (expectations)`,
        sql: `-- refresh/expectations.ts write: ${sql.rows}`,
        reads: sources,
        writes: [name],
        call: async (tx) => [(await run_.write(tx, sql.rows, () => part)).inserted],
      },
    ]).at(-1);
    return { rowsInserted: Number(written?.rows[0]?.[0]), rowsDeleted: deleted?.rowCount ?? 0 };
  }
  const [inserted] = (yield [
    ...steps,
    ask(`insert the query's rows${region}`, sql.fill, sources, [name]),
  ]).slice(-1);
  return { rowsInserted: inserted?.rowCount ?? 0, rowsDeleted: deleted?.rowCount ?? 0 };
}
