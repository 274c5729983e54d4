/**
 * The statements that write a refresh's rows with its expectations evaluated inside them (pure builders;
 * refresh/expectations.ts runs them, docs/quality.md "Cost"). Each computes every expectation's flag once per
 * row (`evaluatedSql`) and answers, in the same call, the rows written and per expectation the rows that
 * passed, so five expectations cost a few expressions rather than extra statements:
 *
 * - `writeEvaluatedSql` (families with data-modifying CTEs): one statement deletes the rows being replaced,
 *   inserts the evaluated rows that belong to the DT, inserts the quarantined ones into the quarantine, and
 *   counts, all from one computed set;
 * - `judgeWrittenSql` (the others): the rows are inserted as they are (a deferred statement, in the same
 *   call), and this one statement judges them where they now are; the few that do not belong are moved out
 *   after, only when there are some;
 * - `judgeDeltaSql` (a projection's weighted change): the change's summary (what the refresh deletes and
 *   inserts) restricted to the rows that belong, with the counts, in one statement over the change table.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import type { Expectation } from '../sql/expectations.js';
import { discardedCountSql } from './discards.js';
import { evaluatedSql, keepSql, passed, quarantinedSql, quarantineInsertSql } from './expectations.js';
import { ROWS_TABLE } from './rows.js';

/**
 * Select-list items over evaluated rows: the rows `where` selects (or the sum of their `weight`), then per
 * expectation those of them that passed. Failed = the first minus the expectation's.
 */
export function tallySql(list: Expectation[], where = 'TRUE', weight?: string): string[] {
  const agg = (condition: string) =>
    weight
      ? `coalesce(sum(${weight}) FILTER (WHERE ${condition}), 0)`
      : `count(*) FILTER (WHERE ${condition})`;
  return [agg(where), ...list.map((_e, i) => agg(`${where} AND ${passed(i)}`))];
}

/** Where a write's rows go and what else its statement answers. */
export interface EvaluatedWrite {
  dt: string;
  /** The DT's storage columns, in order. */
  columns: string[];
  list: Expectation[];
  family: SqlFamily;
  /** The rows to write: a SELECT of the DT's columns by name. */
  rows: string;
  /** The part of the DT (and of its quarantine) being written, as a condition on `table`'s columns. */
  where: (table: string) => string;
  /** Delete the DT's rows `where` selects in the same statement (they are being replaced). */
  remove: boolean;
  /** Answer the DT's discarded rows in the part written (else 0: the caller knows them). */
  discards: boolean;
  /** The quarantine's refresh id and data timestamp, when the DT has a QUARANTINE expectation. */
  quarantine?: { refreshId: number; dataTimestamp: string };
}

/**
 * One statement of data-modifying CTEs. Answers one row: rows deleted, rows inserted into the DT, the tally
 * (`tallySql`), and the DT's discarded rows in the part written (when `discards`, else 0).
 */
export function writeEvaluatedSql(w: EvaluatedWrite): string {
  const t = quoteIdent(w.dt);
  const cols = w.columns.map(quoteIdent).join(', ');
  const ctes = [
    ...(w.remove ? [`dtlab_deleted AS (DELETE FROM ${t} WHERE ${w.where(t)} RETURNING 1)`] : []),
    `dtlab_rows AS (${evaluatedSql(w.rows, w.list, w.family)})`,
    `dtlab_inserted AS (INSERT INTO ${t} (${cols}) SELECT ${cols} FROM dtlab_rows WHERE ${keepSql(w.list)} RETURNING 1)`,
    ...(w.quarantine
      ? [
          `dtlab_quarantined AS (${quarantineInsertSql(w.dt, w.columns, w.list, w.quarantine.refreshId, w.quarantine.dataTimestamp, 'dtlab_rows')})`,
        ]
      : []),
  ];
  const items = [
    w.remove ? '(SELECT count(*) FROM dtlab_deleted)' : '0',
    '(SELECT count(*) FROM dtlab_inserted)',
    ...tallySql(w.list),
    w.discards ? discardedCountSql(w.dt, w.where) : '0',
  ];
  return `WITH ${ctes.join(',\n')}\nSELECT ${items.join(', ')} FROM dtlab_rows`;
}

/** The DT's rows `where` selects, by column name (what `judgeWrittenSql` judges). */
export const writtenRowsSql = (dt: string, columns: string[], where: (table: string) => string) =>
  `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(dt)} WHERE ${where(quoteIdent(dt))}`;

/**
 * Over the rows just written (the DT's rows `where` selects): the tally, the rows that do not belong to the
 * DT, and the DT's discarded rows in that part (when `discards`).
 */
export function judgeWrittenSql(
  dt: string,
  columns: string[],
  list: Expectation[],
  family: SqlFamily,
  where: (table: string) => string,
  discards: boolean,
): string {
  const items = [
    ...tallySql(list),
    `count(*) FILTER (WHERE NOT (${keepSql(list)}))`,
    discards ? discardedCountSql(dt, where) : '0',
  ];
  return `SELECT ${items.join(', ')} FROM (${evaluatedSql(writtenRowsSql(dt, columns, where), list, family)}) AS dtlab_x`;
}

/** A projection's change rows by the DT's column names, with their weight and row number. */
export const deltaRowsSql = (columns: string[]) =>
  `SELECT ${columns.map((n, i) => `dtlab_d.k${i + 1} AS ${quoteIdent(n)}`).join(', ')}, dtlab_d.dtlab_w, dtlab_d.dtlab_i FROM ${ROWS_TABLE} AS dtlab_d`;

/**
 * One row over a projection's change: of the change rows that belong to the DT, those with a NULL column,
 * the copies to delete and to insert (plan/rows.ts `rowsSummarySql`'s three); the tally of the inserted
 * copies (weighted); the change rows that do not belong; the removed rows that are quarantined.
 */
export function judgeDeltaSql(columns: string[], list: Expectation[], family: SqlFamily): string {
  const keep = keepSql(list);
  const anyNull = columns.map((n) => `${quoteIdent(n)} IS NULL`).join(' OR ');
  const items = [
    `count(*) FILTER (WHERE ${keep} AND (${anyNull}))`,
    `coalesce(sum(-dtlab_w) FILTER (WHERE dtlab_w < 0 AND ${keep}), 0)`,
    `coalesce(sum(dtlab_w) FILTER (WHERE dtlab_w > 0 AND ${keep}), 0)`,
    ...tallySql(list, 'dtlab_w > 0', 'dtlab_w'),
    `count(*) FILTER (WHERE NOT (${keep}))`,
    `count(*) FILTER (WHERE dtlab_w < 0 AND (${quarantinedSql(list)}))`,
  ];
  return `SELECT ${items.join(', ')} FROM (${evaluatedSql(deltaRowsSql(columns), list, family)}) AS dtlab_x`;
}
