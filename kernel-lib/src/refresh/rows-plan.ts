/**
 * The plan of a projection's incremental refresh (plan/rows.ts): the change's weighted rows are computed
 * into ROWS_TABLE, summarised, and applied to the DT as they are — k copies deleted per row of weight −k,
 * k inserted per row of weight +k. On DuckDB, a DT that others read records the same rows as its own change.
 * Pure: refresh/executor.ts runs it.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { changeTable, drawnSeq } from '../capture/duckdb.js';
import { dialectOf } from '../dialect/index.js';
import type { OutputColumn } from '../plan/full.js';
import { deleteRowsSql, expandedRowsSql, ROWS_TABLE, rowsDeltaSql, rowsSummarySql } from '../plan/rows.js';
import type { QueryShape } from '../plan/shape.js';
import type { ExpectationRun } from './expectations.js';
import {
  ask,
  dropTempTable,
  type RefreshPlan,
  type RefreshStep,
  type RowCounts,
  run,
  tempTableSteps,
} from './steps.js';

/** What the rows plan needs from the refresh. */
export interface RowsWork {
  dt: string;
  family: SqlFamily;
  query: string;
  shape: QueryShape;
  changed: Map<string, string[]>;
  insertsOnly: ReadonlySet<string>;
  /** Each changed source's change rows in the window (a bound for the planner: plan/delta.ts). */
  rows?: Readonly<Record<string, number>>;
  output: OutputColumn[];
  /** Makes a statement of the plan ready to send: translated, the position bound. */
  bind: (sql: string) => string;
  /** Whether the DT records its own changes (DuckDB, read by other DTs). */
  emits: boolean;
  /** The DT's expectations: the change's rows are judged, and those not in the DT leave the change. */
  expectations?: ExpectationRun;
}

export function* rowsPlan(work: RowsWork): RefreshPlan<RowCounts> {
  const { dt, output, family } = work;
  const sources = [...work.changed.keys()];
  const input = {
    family,
    changed: work.changed,
    insertsOnly: work.insertsOnly,
    ...(work.rows ? { rows: work.rows } : {}),
  };
  const judged = work.expectations?.active ? work.expectations : undefined;
  // With expectations, the statement judging the change answers its summary too (refresh/expectations.ts).
  const summary: RefreshStep = judged
    ? {
        label: 'judge and summarise the change (expectations)',
        sql: `-- refresh/expectations.ts judgeDelta on ${ROWS_TABLE}`,
        reads: [ROWS_TABLE],
        writes: [ROWS_TABLE],
        call: (tx) => judged.judgeDelta(tx, output),
      }
    : ask('summarise the change', rowsSummarySql(output.length), [ROWS_TABLE]);
  const replaces = dialectOf(family).replacesTables;
  const made = tempTableSteps(
    replaces,
    { drop: 'drop the change rows', create: 'compute the weighted change rows' },
    ROWS_TABLE,
    work.bind(rowsDeltaSql(work.query, work.shape, input, output)),
    sources,
  );
  const answers = yield [...made, summary];
  const [withNulls, rowsDeleted, rowsInserted] = (answers.at(-1)?.rows[0] ?? []).map(Number) as [
    number,
    number,
    number,
  ];
  const drawn = drawnSeq('dtlab_emit_seq');
  const seq = work.emits ? drawn.seq : '0';
  const steps: RefreshStep[] = work.emits ? [run('draw a change sequence number', drawn.draw, [], [])] : [];
  const record = (sign: 1 | -1) => {
    const rows = expandedRowsSql(output.length, sign).replace('SELECT ', `SELECT ${seq}, ${sign}, `);
    if (work.emits)
      steps.push(
        run(
          `record the DT's own change (${sign})`,
          `INSERT INTO ${changeTable(dt)} ${rows}`,
          [ROWS_TABLE],
          [changeTable(dt)],
        ),
      );
  };
  if (rowsDeleted > 0) {
    record(-1);
    steps.push(
      run('delete the removed copies', deleteRowsSql(dt, family, output, false), [ROWS_TABLE], [dt]),
    );
    if (withNulls > 0)
      steps.push(
        run(
          'delete the removed copies with NULLs',
          deleteRowsSql(dt, family, output, true),
          [ROWS_TABLE],
          [dt],
        ),
      );
  }
  if (rowsInserted > 0) {
    const columns = output.map((c) => quoteIdent(c.name)).join(', ');
    steps.push(
      run(
        'insert the added copies',
        `INSERT INTO ${quoteIdent(dt)} (${columns}) ${expandedRowsSql(output.length, 1)}`,
        [ROWS_TABLE],
        [dt],
      ),
    );
    record(1);
  }
  const changes = Object.values(work.rows ?? {}).reduce((a, b) => a + b, 0);
  steps.push(...dropTempTable(replaces, 'drop the change rows', ROWS_TABLE, work.rows ? changes : Infinity));
  yield steps;
  return { rowsInserted, rowsDeleted };
}
