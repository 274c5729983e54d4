/**
 * Expectations during a refresh (docs/quality.md): the rows a step would write into a DT are evaluated once,
 * counted per expectation, and split — into the DT those passing every DROP ROW / QUARANTINE expectation, into
 * the quarantine those failing a QUARANTINE one; a failing FAIL UPDATE expectation fails the refresh (the
 * transaction rolls back, the previous contents stay). Incremental refreshes evaluate only the rows they
 * write. One `ExpectationRun` per refresh carries the counts to the history (dtlab.expectation_results).
 */
import {
  BackendError,
  exec,
  formatTimestamp,
  type Queryable,
  quoteIdent,
  type SqlFamily,
  sqlLiteral,
  type Value,
} from '../backends/backend.js';
import { takeRefreshId } from '../catalog/refresh-metadata.js';
import {
  createQuarantineSql,
  evaluatedFrom,
  inlineCountsSql,
  keepConditionSql,
  quarantinedConditionSql,
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

export class ExpectationRun {
  readonly list: Expectation[];
  private readonly passedN: number[];
  private readonly failedN: number[];
  /** The history row's id, drawn when a quarantined row needs it before the row is written. */
  refreshId: number | undefined;
  readonly hasQuarantine: boolean;
  /** The DT's storage columns, set when the refresh has read them. */
  columns: string[] = [];

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

  /**
   * Judges the rows of `rowsSql` (the DT's columns by name, and `weight`'s column): counts (weighted) those
   * `where` selects, fails on a FAIL UPDATE expectation (with a sample row), quarantines. `copies`: each row's
   * number of copies (a change's weight); absent: one. Returns the `extra` conditions' counts.
   */
  private async judge(
    tx: Queryable,
    columns: string[],
    rowsSql: string,
    weight: string,
    where: string,
    extra: string[],
    copies?: string,
  ): Promise<number[]> {
    const counts = inlineCountsSql(this.list, this.family, `(${rowsSql}) AS dtlab_x`, weight, where, extra);
    const row = (await tx.query(counts)).rows[0] ?? [];
    const failed = (i: number) => Number(row[2 * i + 1] ?? 0);
    this.list.forEach((_e, i) => {
      this.passedN[i] = (this.passedN[i] as number) + Number(row[2 * i] ?? 0);
      this.failedN[i] = (this.failedN[i] as number) + failed(i);
    });
    const evaluated = evaluatedFrom(rowsSql, this.list, this.family);
    for (const [i, e] of this.list.entries()) {
      if (e.action !== 'FAIL UPDATE' || failed(i) === 0) continue;
      const sample = (await tx.query(sampleSql(columns, i, evaluated, where))).rows[0] ?? [];
      throw new ExpectationFailed(
        `expectation ${e.name} (${e.condition}) failed ON VIOLATION FAIL UPDATE for ${failed(i)} row(s), e.g. (${columns.map((c, k) => `${c}=${show(sample[k])}`).join(', ')}); the previous contents are kept`,
        this.counts(),
      );
    }
    if (this.list.some((e, i) => e.action === 'QUARANTINE' && failed(i) > 0)) {
      const id = await this.id(tx);
      const ts = formatTimestamp(this.dataTimestamp);
      await exec(tx, quarantineInsertSql(this.dt.name, columns, this.list, id, ts, evaluated, copies));
    }
    return extra.map((_x, k) => Number(row[2 * this.list.length + k] ?? 0));
  }

  /**
   * Writes `rowsSql` (the DT's columns in order) into the DT, then judges the rows written — those `inserted`
   * selects in the DT (the affected keys; TRUE for a full recompute) — and deletes those that do not belong.
   * Without expectations, the plain INSERT. Returns the rows the DT gained.
   */
  async insert(tx: Queryable, rowsSql: string, inserted: string): Promise<number> {
    const target = quoteIdent(this.dt.name);
    const n = (await tx.query(`INSERT INTO ${target} ${rowsSql}`)).rowCount;
    if (!this.active) return n;
    const cols = this.columns.map(quoteIdent).join(', ');
    const keep = keepConditionSql(this.list, this.family);
    const written = `SELECT ${cols} FROM ${target} WHERE ${inserted}`;
    const [out = 0] = await this.judge(tx, this.columns, written, '1', 'TRUE', [`NOT (${keep})`]);
    if (out === 0) return n;
    await exec(tx, `DELETE FROM ${target} WHERE (${inserted}) AND NOT (${keep})`);
    return n - out;
  }

  /**
   * A projection's change (plan/rows.ts, ROWS_TABLE: k1…kn, weight dtlab_w, row number dtlab_i): the inserted
   * rows are judged (weighted), removed copies of quarantined rows leave the quarantine, and the rows that do
   * not belong to the DT leave the change, which is then applied as it is. A row's place depends on its values
   * only, so a removed copy is in the DT exactly when an inserted one would be.
   */
  async judgeDelta(tx: Queryable, output: OutputColumn[]): Promise<void> {
    const names = output.map((c) => c.name);
    const rows = `SELECT ${names.map((n, i) => `dtlab_d.k${i + 1} AS ${quoteIdent(n)}`).join(', ')}, dtlab_d.dtlab_w, dtlab_d.dtlab_i FROM ${ROWS_TABLE} AS dtlab_d`;
    const keep = keepConditionSql(this.list, this.family);
    const quarantined = quarantinedConditionSql(this.list, this.family);
    const [out = 0, unquarantined = 0] = await this.judge(
      tx,
      names,
      rows,
      'dtlab_w',
      'dtlab_w > 0',
      [`NOT (${keep})`, `dtlab_w < 0 AND (${quarantined})`],
      'dtlab_w',
    );
    if (unquarantined > 0) {
      const target = quarantineTable(this.dt.name);
      for (const withNulls of [false, true])
        await exec(tx, deleteRowsSql(this.dt.name, this.family, output, withNulls, target));
    }
    if (out > 0)
      await exec(
        tx,
        `DELETE FROM ${ROWS_TABLE} WHERE dtlab_i IN (SELECT dtlab_i FROM (${rows}) AS dtlab_x WHERE NOT (${keep}))`,
      );
  }

  /**
   * A full recompute: the quarantine is made if missing and emptied (it is recomputed with the DT). After DROP
   * CONSTRAINT took the last QUARANTINE expectation, it is dropped.
   */
  async clearQuarantine(tx: Queryable): Promise<void> {
    if (!this.hasQuarantine && this.dt.pendingRecompute !== undefined)
      await exec(tx, `DROP TABLE IF EXISTS ${quarantineTable(this.dt.name)}`);
    if (!this.hasQuarantine) return;
    await exec(tx, createQuarantineSql(this.dt.name));
    await exec(tx, `DELETE FROM ${quarantineTable(this.dt.name)}`);
  }

  /**
   * An incremental step deleting the DT's rows where `condition` (of the table its columns are qualified by):
   * the quarantine's too.
   */
  async deleteQuarantined(tx: Queryable, condition: (table: string) => string): Promise<void> {
    const q = quarantineTable(this.dt.name);
    if (this.hasQuarantine) await exec(tx, `DELETE FROM ${q} WHERE ${condition(q)}`);
  }

  /** After the history row is written: its per-expectation counts. */
  async record(tx: Queryable, refreshId: number): Promise<void> {
    if (!this.active) return;
    await writeResults(tx, this.dt.name, refreshId, this.counts(), formatTimestamp(this.dataTimestamp));
  }
}

/** Rows of dtlab.expectation_results for one refresh (also for a FAILED one, written after its rollback). */
export async function writeResults(
  db: Queryable,
  dt: string,
  refreshId: number,
  counts: ExpectationCount[],
  dataTimestamp: string | null,
): Promise<void> {
  if (counts.length === 0) return;
  const ts = dataTimestamp === null ? 'NULL' : `CAST(${sqlLiteral(dataTimestamp)} AS TIMESTAMP)`;
  const values = counts.map(
    (c) =>
      `(${refreshId}, ${sqlLiteral(dt)}, ${sqlLiteral(c.expectation)}, ${sqlLiteral(c.action)}, ${c.rowsPassed}, ${c.rowsFailed}, ${ts})`,
  );
  await exec(
    db,
    `INSERT INTO dtlab.expectation_results (refresh_id, name, expectation, action, rows_passed, rows_failed, data_timestamp) VALUES ${values.join(', ')}`,
  );
}

const show = (v: Value | undefined) =>
  v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v);
