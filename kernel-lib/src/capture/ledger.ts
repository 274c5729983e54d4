/**
 * What an engine that sees every write knows without asking the database: which tables were written since a
 * dynamic table last refreshed. On DuckDB every write a learner makes goes through the engine (it has to: that
 * is how it is captured, capture/duckdb.ts), so a refresh whose sources nobody wrote since its previous one is
 * NO_DATA without a single statement.
 *
 * The ledger counts writes per table, and "something was written that I cannot name" (a DDL statement, a
 * DT's redefinition, a reinitialized capture) as a new epoch, which makes every DT ask the database again.
 * Ordering is what makes it exact: a writer counts its write after the write committed, and a refresh takes
 * its mark before its transaction (so before its snapshot). A write counted before the mark was committed
 * before the snapshot, and so was read; one counted after the mark makes the next refresh look.
 */
export interface LedgerMark {
  readonly epoch: number;
  readonly counts: ReadonlyMap<string, number>;
}

export class WriteLedger {
  private epoch = 0;
  private readonly counts = new Map<string, number>();
  private readonly marks = new Map<string, LedgerMark>();

  /** A write to `table` committed; undefined: a write whose tables are not known (a new epoch). */
  wrote(table: string | undefined): void {
    if (table === undefined) this.epoch++;
    else this.counts.set(table, (this.counts.get(table) ?? 0) + 1);
  }

  /** The ledger now, for the tables a refresh reads (taken before the refresh's transaction starts). */
  markFor(tables: readonly string[]): LedgerMark {
    return { epoch: this.epoch, counts: new Map(tables.map((t) => [t, this.counts.get(t) ?? 0])) };
  }

  /** A refresh of `dt` that started at `mark` succeeded (undefined: it failed; nothing is known then). */
  settle(dt: string, mark: LedgerMark | undefined): void {
    if (mark) this.marks.set(dt, mark);
    else this.marks.delete(dt);
  }

  /** Whether no table of `tables` was written since `dt`'s last successful refresh started. */
  unchangedSince(dt: string, tables: readonly string[]): boolean {
    const mark = this.marks.get(dt);
    if (!mark || mark.epoch !== this.epoch) return false;
    return tables.every((t) => mark.counts.has(t) && mark.counts.get(t) === (this.counts.get(t) ?? 0));
  }
}
