/**
 * History rows written later (issue 11). Where the engine captured every write itself (DuckDB:
 * capture/ledger.ts), a refresh that finds nothing changed needs no statement to decide, and this object, held
 * by the engine, keeps it from needing one to record: its history row and its DT's new data timestamp wait
 * here. So do those of every other refresh that succeeded with an id drawn ahead and without expectations
 * (refresh/full.ts runAndRecordRefresh). What waits is written
 * - ahead of the first statement of the next transaction the engine runs that may read it (not a refresh's,
 *   nor the engine's own writes: `keepWaiting`, engine/flushing-backend.ts);
 * - before any other statement the engine sends (a user's `%%sql`, `%dt history`, SHOW, the monitor's and
 *   the scheduler's reads), so every reader of `dtlab.refresh_history` and `dtlab.dynamic_tables` through the
 *   engine sees them;
 * - once `FLUSH_AT` of them wait, and at the engine's close.
 * Meanwhile the engine's own catalog (catalog/known.ts) already has the new data timestamp. The rows of a DT
 * whose refresh is under way (`refreshing`) wait for it to end: its transaction may update the DT's row of
 * `dtlab.dynamic_tables` (a FULL settling a constraint, a history row with expectations), and DuckDB would
 * fail whichever of two transactions updated that row second.
 *
 * History ids: a row needs its id when the refresh returns (events, EXPLAIN REFRESH), and `refresh_id`
 * orders the history. Ids are drawn ahead in blocks (`drawIds`, one statement for ID_BLOCK of them, the first
 * block in the engine's opening transaction); every refresh of the engine takes its id from the block while
 * it lasts, and a row whose id was drawn elsewhere (higher than the block's) drops what is left (`drawnElsewhere`),
 * so ids keep following the order refreshes ran in.
 */
import { exec, type Queryable, type Value } from '../backends/backend.js';
import { refreshRecordsInsert } from '../catalog/catalog.js';
import type { RefreshRecord } from '../types.js';

/** History ids drawn with one statement. */
export const ID_BLOCK = 64;
/** Rows that are written at the next refresh however quiet the engine is otherwise. */
export const FLUSH_AT = 200;

/** Pure: the statements that write `records`: each DT's latest data timestamp, then every row in one INSERT. */
export function deferredHistoryStatements(
  records: readonly RefreshRecord[],
): { sql: string; params: Value[] }[] {
  if (records.length === 0) return [];
  const latest = new Map<string, RefreshRecord>();
  for (const r of records) if (r.dataTimestamp) latest.set(r.name, r);
  const updates = [...latest.values()].map((r) => ({
    sql: 'UPDATE dtlab.dynamic_tables SET data_timestamp = $2 WHERE name = $1',
    params: [r.name, r.dataTimestamp],
  }));
  return [...updates, refreshRecordsInsert(records)];
}

export class DeferredHistory {
  private pending: RefreshRecord[] = [];
  /** DTs with a refresh under way, and how many. */
  private readonly busy = new Map<string, number>();
  private ids: number[] = [];
  /** A flush under way outside any transaction: readers wait for it. */
  private writing: Promise<void> = Promise.resolve();

  /** Rows waiting. */
  get size(): number {
    return this.pending.length;
  }

  /** The rows waiting, oldest first (for the engine's own readers; the database has them after a flush). */
  get waiting(): readonly RefreshRecord[] {
    return this.pending;
  }

  /** An id drawn ahead, if the block has one left. */
  takeId(): number | undefined {
    return this.ids.shift();
  }

  /** Draws ID_BLOCK ids with one statement. */
  async drawIds(db: Queryable): Promise<void> {
    const { rows } = await db.query(
      `SELECT nextval('dtlab.refresh_id_seq') FROM range(${ID_BLOCK}) ORDER BY 1`,
    );
    this.ids = rows.map((r) => Number(r[0]));
  }

  /** A history row got `id` from elsewhere: ids of the block below it would sort before it, so they go. */
  drawnElsewhere(id: number): void {
    if (this.ids.length > 0 && id > (this.ids[0] as number)) this.ids = [];
  }

  /** A refresh of `name` begins: its rows wait until the returned function (once is enough) says it ended. */
  refreshing(name: string): () => void {
    this.busy.set(name, (this.busy.get(name) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.busy.get(name) ?? 1) - 1;
      if (n > 0) this.busy.set(name, n);
      else this.busy.delete(name);
    };
  }

  /** A refresh's row and its DT's data timestamp wait. */
  add(record: RefreshRecord): void {
    this.pending.push(record);
  }

  /**
   * Writes what waits into `tx` (a transaction the engine runs anyway), ahead of its statements, deferred
   * where the backend defers; returns the rows for `restore` if that transaction does not commit.
   */
  async writeInto(tx: Queryable): Promise<RefreshRecord[]> {
    const taken = this.take();
    for (const { sql, params } of this.statements(taken)) await exec(tx, sql, params);
    return taken;
  }

  /** Writes what waits in a transaction of its own (nothing waits: no statement); put back if it fails. */
  async flush(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }): Promise<void> {
    const taken = this.take();
    if (taken.length === 0) return this.writing;
    const write = db
      .transaction(async (tx) => {
        for (const { sql, params } of this.statements(taken)) await exec(tx, sql, params);
      })
      .catch((e) => {
        this.restore(taken);
        throw e;
      });
    this.writing = write.catch(() => {});
    return write;
  }

  /** Rows taken for a write that did not commit wait again (oldest first). */
  restore(records: readonly RefreshRecord[]): void {
    this.pending = [...records, ...this.pending];
  }

  private statements(records: readonly RefreshRecord[]) {
    return deferredHistoryStatements(records);
  }

  /** The rows to write now: all but those of a DT being refreshed. */
  private take(): RefreshRecord[] {
    const taken = this.pending.filter((r) => !this.busy.has(r.name));
    this.pending = this.pending.filter((r) => this.busy.has(r.name));
    return taken;
  }
}
