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
  countsSql,
  createQuarantineSql,
  EVAL_TABLE,
  evaluatedSql,
  keepSql,
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
   * Evaluates EVAL_TABLE (already built): counts (weighted), fails on a FAIL UPDATE expectation, quarantines.
   * `columns`: the DT's; `weight`/`copies`: '1' and undefined for plain rows, the change's weight for a delta.
   */
  async judge(tx: Queryable, columns: string[], weight: string, where: string, copies?: string) {
    const row = (await tx.query(countsSql(this.list, weight, where))).rows[0] ?? [];
    this.list.forEach((_e, i) => {
      this.passedN[i] = (this.passedN[i] as number) + Number(row[2 * i] ?? 0);
      this.failedN[i] = (this.failedN[i] as number) + Number(row[2 * i + 1] ?? 0);
    });
    for (const [i, e] of this.list.entries()) {
      if (e.action !== 'FAIL UPDATE' || Number(row[2 * i + 1] ?? 0) === 0) continue;
      const sample = (await tx.query(sampleSql(columns, i, where))).rows[0] ?? [];
      throw new ExpectationFailed(
        `expectation ${e.name} (${e.condition}) failed ON VIOLATION FAIL UPDATE for ${Number(row[2 * i + 1])} row(s), e.g. (${columns.map((c, k) => `${c}=${show(sample[k])}`).join(', ')}); the previous contents are kept`,
        this.counts(),
      );
    }
    const anyQuarantined = this.list.some(
      (e, i) => e.action === 'QUARANTINE' && Number(row[2 * i + 1] ?? 0) > 0,
    );
    if (anyQuarantined) {
      const id = await this.id(tx);
      await exec(
        tx,
        quarantineInsertSql(
          this.dt.name,
          columns,
          this.list,
          id,
          formatTimestamp(this.dataTimestamp),
          copies,
        ),
      );
    }
  }

  /**
   * Writes `rowsSql` (the DT's columns, by name) into the DT, filtered and judged. Without expectations, the
   * plain INSERT. Returns the rows inserted into the DT.
   */
  async insert(tx: Queryable, columns: string[], rowsSql: string): Promise<number> {
    const target = quoteIdent(this.dt.name);
    if (!this.active) return (await tx.query(`INSERT INTO ${target} ${rowsSql}`)).rowCount;
    await exec(tx, `DROP TABLE IF EXISTS ${EVAL_TABLE}`);
    await exec(tx, `CREATE TEMP TABLE ${EVAL_TABLE} AS ${evaluatedSql(rowsSql, this.list, this.family)}`);
    await this.judge(tx, columns, '1', 'TRUE');
    const cols = columns.map(quoteIdent).join(', ');
    const n = (
      await tx.query(
        `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM ${EVAL_TABLE} WHERE ${keepSql(this.list)}`,
      )
    ).rowCount;
    await exec(tx, `DROP TABLE ${EVAL_TABLE}`);
    return n;
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
    await exec(tx, `DROP TABLE IF EXISTS ${EVAL_TABLE}`);
    await exec(tx, `CREATE TEMP TABLE ${EVAL_TABLE} AS ${evaluatedSql(rows, this.list, this.family)}`);
    await this.judge(tx, names, 'dtlab_w', 'dtlab_w > 0', 'dtlab_w');
    if (this.hasQuarantine) {
      const target = quarantineTable(this.dt.name);
      for (const withNulls of [false, true])
        await exec(tx, deleteRowsSql(this.dt.name, this.family, output, withNulls, target));
    }
    await exec(
      tx,
      `DELETE FROM ${ROWS_TABLE} WHERE dtlab_i IN (SELECT dtlab_i FROM ${EVAL_TABLE} WHERE NOT (${keepSql(this.list)}))`,
    );
    await exec(tx, `DROP TABLE ${EVAL_TABLE}`);
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

  /** An incremental step deleting the DT's rows where `condition`: the quarantine's too. */
  async deleteQuarantined(tx: Queryable, condition: string): Promise<void> {
    if (this.hasQuarantine) await exec(tx, `DELETE FROM ${quarantineTable(this.dt.name)} WHERE ${condition}`);
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
