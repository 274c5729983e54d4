/**
 * Expectations during a refresh (docs/quality.md): the rows a step writes into a DT are evaluated once, in
 * the statement that writes them (plan/expectation-writes.ts), counted per expectation, and split — into the
 * DT those passing every DROP ROW / QUARANTINE expectation, into the quarantine those failing a QUARANTINE
 * one, less the copies discarded by review (plan/discards.ts); a failing FAIL UPDATE expectation fails the
 * refresh (the transaction rolls back, the previous contents stay). Incremental refreshes evaluate only the
 * rows they write. One `ExpectationRun` per refresh carries the counts to its history row (`counts()`,
 * catalog/refresh-quality.ts; read as dtlab.expectation_results).
 */
import {
  BackendError,
  exec,
  formatTimestamp,
  type Queryable,
  quoteIdent,
  type SqlFamily,
  type Value,
} from '../backends/backend.js';
import { takeRefreshId } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import { createDiscardedSql, discardedTable, reconcileSql, removeDiscardedSql } from '../plan/discards.js';
import {
  deltaRowsSql,
  judgeDeltaSql,
  judgeWrittenSql,
  writeEvaluatedSql,
  writtenRowsSql,
} from '../plan/expectation-writes.js';
import {
  conditionSql,
  createQuarantineSql,
  evaluatedFrom,
  keepConditionSql,
  quarantineInsertSql,
  quarantineTable,
  sampleSql,
} from '../plan/expectations.js';
import type { OutputColumn } from '../plan/full.js';
import { deleteRowsSql, ROWS_TABLE } from '../plan/rows.js';
import type { Expectation } from '../sql/expectations.js';
import type { DynamicTable, ExpectationCount } from '../types.js';

/** A FAIL UPDATE expectation failed: the refresh fails (a BackendError, so it is recorded as FAILED). */
export class ExpectationFailed extends BackendError {
  constructor(
    message: string,
    readonly counts: ExpectationCount[],
  ) {
    super(message);
  }
}

/** A part of the DT being written, as a condition on the columns of `table` (an alias or a name). */
export type Part = (table: string) => string;

/**
 * Up to this many affected keys, an incremental write on a family without data-modifying CTEs has its rows'
 * flags come back with its INSERT (RETURNING), counted here; more, and one statement judges them where written.
 */
const RETURNED_ROWS = 5000;

export class ExpectationRun {
  readonly list: Expectation[];
  private readonly passedN: number[];
  private readonly failedN: number[];
  /** The history row's id, drawn when a quarantined row needs it before the row is written. */
  refreshId: number | undefined;
  readonly hasQuarantine: boolean;
  /** The DT's storage columns, set when the refresh has read them. */
  columns: string[] = [];
  /**
   * What an incremental refresh's first look counted (`lookSql`): the keys of the part it rewrites (about the
   * rows it writes), the DT's quarantined and discarded rows (an upper bound of the part's). Absent: unknown
   * (a full recompute).
   */
  private seen: { keys: number; quarantined: number; discarded: number } | undefined;

  constructor(
    readonly dt: DynamicTable,
    readonly family: SqlFamily,
    readonly dataTimestamp: number,
  ) {
    this.list = dt.expectations ?? [];
    this.passedN = this.list.map(() => 0);
    this.failedN = this.list.map(() => 0);
    this.hasQuarantine = this.list.some((e) => e.action === 'QUARANTINE');
  }

  get active(): boolean {
    return this.list.length > 0;
  }

  counts(): ExpectationCount[] {
    return this.list.map((e, i) => ({
      expectation: e.name,
      action: e.action,
      rowsPassed: this.passedN[i] as number,
      rowsFailed: this.failedN[i] as number,
    }));
  }

  private async id(tx: Queryable): Promise<number> {
    this.refreshId ??=
      takeRefreshId(tx) ?? Number((await tx.query("SELECT nextval('dtlab.refresh_id_seq')")).rows[0]?.[0]);
    return this.refreshId;
  }

  /** Adds a statement's tally (`tallySql`, from column `at`); returns its failures per expectation. */
  private tally(row: Value[], at: number): number[] {
    const total = Number(row[at] ?? 0);
    return this.list.map((_e, i) => {
      const passedHere = Number(row[at + 1 + i] ?? 0);
      this.passedN[i] = (this.passedN[i] as number) + passedHere;
      this.failedN[i] = (this.failedN[i] as number) + total - passedHere;
      return total - passedHere;
    });
  }

  /** A failing FAIL UPDATE expectation fails the refresh, naming a sample failing row of `evaluated`. */
  private async failUpdate(tx: Queryable, failed: number[], evaluated: string, where: string) {
    for (const [i, e] of this.list.entries()) {
      const n = failed[i] as number;
      if (e.action !== 'FAIL UPDATE' || n === 0) continue;
      const sample = (await tx.query(sampleSql(this.columns, i, evaluated, where))).rows[0] ?? [];
      throw new ExpectationFailed(
        `expectation ${e.name} (${e.condition}) failed ON VIOLATION FAIL UPDATE for ${n} row(s), e.g. (${this.columns.map((c, k) => `${c}=${show(sample[k])}`).join(', ')}); the previous contents are kept`,
        this.counts(),
      );
    }
  }

  /**
   * Scalar subqueries for the refresh's first look: the DT's quarantined and discarded rows, all of them (a
   * count of a table, cheap to plan and run; the rows of the part rewritten would need a join with its keys).
   * None: the part has none either, and its refresh deletes nothing from the quarantine and reconciles no
   * discards; some: it does both, as if the part had some (statements that then change nothing).
   */
  lookSql(): string[] {
    if (!this.hasQuarantine) return [];
    return [
      `(SELECT count(*) FROM ${quarantineTable(this.dt.name)})`,
      `(SELECT count(*) FROM ${discardedTable(this.dt.name)})`,
    ];
  }

  /** The look's answers: the keys' count, then `lookSql`'s. */
  saw(counts: Value[]): void {
    const [keys, quarantined, discarded] = [0, 1, 2].map((i) => Number(counts[i] ?? 0)) as number[];
    this.seen = { keys: keys as number, quarantined: quarantined as number, discarded: discarded as number };
  }

  /**
   * Whether the part written may hold discarded rows: as the look counted (the DT has some), else as the
   * statement answered.
   */
  private discardsIn = (answered: Value | undefined) =>
    (this.seen ? this.seen.discarded : Number(answered ?? 0)) > 0;

  private quarantines = (failed: number[]) =>
    this.list.some((e, i) => e.action === 'QUARANTINE' && (failed[i] as number) > 0);

  /** After the quarantine received the violating rows of `part`: the discarded ones leave it again. */
  private async reconcile(tx: Queryable, part: Part): Promise<void> {
    for (const sql of reconcileSql(this.dt.name, this.columns, part)) await exec(tx, sql);
  }

  /**
   * Writes `rowsSql` (the DT's columns by name, in order) into the part `part` of the DT, judged: the rows
   * that belong go into the DT, the quarantined ones into the quarantine (less the discarded copies). With
   * `remove` (families with data-modifying CTEs only), the DT's rows of the part are deleted by the same
   * statement. One call: the statement (or the INSERT, deferred, and the statement judging what it wrote).
   * Returns the rows the DT gained and those deleted.
   */
  async write(
    tx: Queryable,
    rowsSql: string,
    part: Part,
    remove = false,
  ): Promise<{ inserted: number; deleted: number }> {
    const n = this.list.length;
    const target = quoteIdent(this.dt.name);
    // The discarded rows of the part are counted by the statement unless the first look counted them.
    const discards = this.hasQuarantine && !this.seen;
    if (dialectOf(this.family).replaceRows === 'one-statement') {
      const quarantine = this.hasQuarantine
        ? { refreshId: await this.id(tx), dataTimestamp: formatTimestamp(this.dataTimestamp) }
        : undefined;
      const sql = writeEvaluatedSql({
        ...{ dt: this.dt.name, columns: this.columns, list: this.list, family: this.family },
        ...{ rows: rowsSql, where: part, remove, discards },
        ...(quarantine ? { quarantine } : {}),
      });
      const row = (await tx.query(sql)).rows[0] ?? [];
      await this.failUpdate(tx, this.tally(row, 2), evaluatedFrom(rowsSql, this.list, this.family), 'TRUE');
      if (this.discardsIn(row[3 + n])) await this.reconcile(tx, part);
      return { deleted: Number(row[0] ?? 0), inserted: Number(row[1] ?? 0) };
    }
    if (remove) throw new Error('a family without data-modifying CTEs deletes the rows it replaces first');
    let row: Value[];
    if (this.seen && this.seen.keys <= RETURNED_ROWS) {
      // The INSERT answers each row's flags, counted here in `judgeWrittenSql`'s layout.
      const flags = this.list.map((e) => `coalesce((${conditionSql(e.condition, this.family)}), FALSE)`);
      const back = await tx.query(`INSERT INTO ${target} ${rowsSql} RETURNING ${flags.join(', ')}`);
      row = tallyRows(this.list, back.rows);
    } else {
      await exec(tx, `INSERT INTO ${target} ${rowsSql}`);
      const judge = judgeWrittenSql(this.dt.name, this.columns, this.list, this.family, part, discards);
      row = (await tx.query(judge)).rows[0] ?? [];
    }
    const failed = this.tally(row, 0);
    const written = evaluatedFrom(writtenRowsSql(this.dt.name, this.columns, part), this.list, this.family);
    await this.failUpdate(tx, failed, written, 'TRUE');
    if (this.quarantines(failed)) {
      const id = await this.id(tx);
      const ts = formatTimestamp(this.dataTimestamp);
      await exec(tx, quarantineInsertSql(this.dt.name, this.columns, this.list, id, ts, written));
    }
    const out = Number(row[1 + n] ?? 0);
    const keep = keepConditionSql(this.list, this.family);
    if (out > 0) await exec(tx, `DELETE FROM ${target} WHERE (${part(target)}) AND NOT (${keep})`);
    if (this.discardsIn(row[2 + n])) await this.reconcile(tx, part);
    return { inserted: Number(row[0] ?? 0) - out, deleted: 0 };
  }

  /**
   * A projection's change (plan/rows.ts, ROWS_TABLE: k1…kn, weight dtlab_w, row number dtlab_i), judged in
   * the statement that summarises it: the inserted copies are counted (weighted) and quarantined; removed
   * copies of quarantined rows leave the quarantine (then, beyond its copies, the discarded rows); the rows
   * that do not belong to the DT leave the change, which is then applied as it is. A row's place depends on
   * its values only, so a removed copy is in the DT exactly when an inserted one would be. Returns the
   * summary of what belongs: change rows with a NULL column, copies to delete, copies to insert.
   */
  async judgeDelta(tx: Queryable, output: OutputColumn[]): Promise<[number, number, number]> {
    const names = output.map((c) => c.name);
    const n = this.list.length;
    const row = (await tx.query(judgeDeltaSql(names, this.list, this.family))).rows[0] ?? [];
    const failed = this.tally(row, 3);
    const evaluated = evaluatedFrom(deltaRowsSql(names), this.list, this.family);
    await this.failUpdate(tx, failed, evaluated, 'dtlab_w > 0');
    if (this.quarantines(failed)) {
      const id = await this.id(tx);
      const ts = formatTimestamp(this.dataTimestamp);
      await exec(tx, quarantineInsertSql(this.dt.name, names, this.list, id, ts, evaluated, 'dtlab_w'));
    }
    if (Number(row[5 + n] ?? 0) > 0) {
      await exec(tx, removeDiscardedSql(this.dt.name, names));
      const target = quarantineTable(this.dt.name);
      for (const withNulls of [false, true])
        await exec(tx, deleteRowsSql(this.dt.name, this.family, output, withNulls, target));
    }
    if (Number(row[4 + n] ?? 0) > 0)
      await exec(
        tx,
        `DELETE FROM ${ROWS_TABLE} WHERE dtlab_i IN (SELECT dtlab_i FROM (${deltaRowsSql(names)}) AS dtlab_x WHERE NOT (${keepConditionSql(this.list, this.family)}))`,
      );
    return [Number(row[0] ?? 0), Number(row[1] ?? 0), Number(row[2] ?? 0)];
  }

  /**
   * A full recompute of `part` (TRUE, or the mutable region): the quarantine (and the discarded rows' table)
   * are made if missing and the quarantine's rows of the part deleted (it is recomputed with the DT; the
   * discarded rows are reconciled by `write`). After DROP CONSTRAINT took the last QUARANTINE expectation,
   * both are dropped.
   */
  clearQuarantineSql(part = 'TRUE'): string[] {
    if (!this.hasQuarantine && this.dt.pendingRecompute !== undefined)
      return [
        `DROP TABLE IF EXISTS ${quarantineTable(this.dt.name)}`,
        `DROP TABLE IF EXISTS ${discardedTable(this.dt.name)}`,
      ];
    if (!this.hasQuarantine) return [];
    return [
      createQuarantineSql(this.dt.name),
      createDiscardedSql(this.dt.name),
      `DELETE FROM ${quarantineTable(this.dt.name)} WHERE ${part}`,
    ];
  }

  /**
   * An incremental step deleting the DT's rows where `condition` (of the table its columns are qualified by):
   * the quarantine's too, when it may hold some.
   */
  deleteQuarantinedSql(condition: (table: string) => string): string | undefined {
    const q = quarantineTable(this.dt.name);
    return this.hasQuarantine && this.seen?.quarantined !== 0
      ? `DELETE FROM ${q} WHERE ${condition(q)}`
      : undefined;
  }
}

/** Rows of flags (one per expectation), counted as `judgeWrittenSql` answers: rows, passed each, rows out. */
function tallyRows(list: Expectation[], rows: Value[][]): Value[] {
  const kept = list.flatMap((e, i) => (e.action === 'DROP ROW' || e.action === 'QUARANTINE' ? [i] : []));
  const passedN = list.map((_e, i) => rows.filter((r) => r[i] === true).length);
  const out = rows.filter((r) => kept.some((i) => r[i] !== true)).length;
  return [rows.length, ...passedN, out];
}

const show = (v: Value | undefined) =>
  v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v);
