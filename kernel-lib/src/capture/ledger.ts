/**
 * What an engine that sees every write knows without asking the database: which tables were written since a
 * dynamic table last refreshed. On DuckDB every write a learner makes goes through the engine (it has to: that
 * is how it is captured, capture/duckdb.ts), so a refresh whose sources nobody wrote since its previous one is
 * NO_DATA without a single statement.
 *
 * The ledger counts writes per table, and "something was written that I cannot name" (a DDL statement, a
 * DT's redefinition, a reinitialized capture, a write to a source whose capture is gone) as a new epoch,
 * which makes every DT ask the database again. Until then a DT's refresh also reuses what its previous one
 * read of the catalog (columns, capture standing: `knownStatics`) and reads only what writes move.
 * Ordering is what makes it exact: a writer counts its write after the write committed and before it releases
 * the capture lock (capture/lock.ts), and a refresh takes its mark under that lock, before its transaction (so
 * before its snapshot). A write counted before the mark was committed before the snapshot, and so was read;
 * one counted after the mark makes the next refresh look; and none is committed but not yet counted at a
 * mark. So a source whose count did not move since a DT's last refresh has no change rows past the DT's
 * position: its summary is empty without a look (catalog/moving-metadata.ts prefetchMovingMetadata).
 */
import type { StaticMetadata } from '../catalog/refresh-metadata.js';

export interface LedgerMark {
  readonly epoch: number;
  readonly counts: ReadonlyMap<string, number>;
}

export class WriteLedger {
  /**
   * `seesEveryWrite`: the engine captures every write itself (DuckDB), so its counts decide NO_DATA. Elsewhere
   * (the PostgreSQL family, captured by triggers) the ledger keeps only what refreshes read of the catalog,
   * valid until the engine's next DDL.
   */
  constructor(readonly seesEveryWrite: boolean) {}

  private epoch = 0;
  private readonly counts = new Map<string, number>();
  private readonly marks = new Map<string, LedgerMark>();
  /**
   * Per DT, the position its last successful refresh that read the database moved it to on every source: a
   * guess that saves a lookup per source, which the next refresh's statement checks
   * (catalog/moving-metadata.ts prefetchMovingMetadata).
   */
  private readonly expected = new Map<string, string>();
  /** Per DT, the metadata of its last incremental refresh that only DDL changes, and the epoch it holds in. */
  private readonly statics = new Map<string, { epoch: number; definition: string; meta: StaticMetadata }>();
  /** The sources capture keeps (DuckDB: capture/capture.ts duckdbCapturedSources), and the epoch it holds in. */
  private captured: { epoch: number; sources: ReadonlySet<string> } | undefined;

  /** A write to `table` committed; undefined: a write whose tables are not known (a new epoch). */
  wrote(table: string | undefined): void {
    if (table === undefined) this.epoch++;
    else this.counts.set(table, (this.counts.get(table) ?? 0) + 1);
  }

  /** The ledger now, for the tables a refresh reads (taken before the refresh's transaction starts). */
  markFor(tables: readonly string[]): LedgerMark {
    return { epoch: this.epoch, counts: new Map(tables.map((t) => [t, this.counts.get(t) ?? 0])) };
  }

  /**
   * A refresh of `dt` that started at `mark` succeeded (undefined: it failed; nothing is known then); `moved`:
   * the position it moved the DT to on every source, if it read the database.
   */
  settle(dt: string, mark: LedgerMark | undefined, moved?: string): void {
    if (mark) this.marks.set(dt, mark);
    else this.marks.delete(dt);
    if (!mark) this.expected.delete(dt);
    else if (moved) this.expected.set(dt, moved);
  }

  /** Where `dt` is expected to stand on its sources (a guess, checked where it is used). */
  expectedPosition(dt: string): string | undefined {
    return this.expected.get(dt);
  }

  /**
   * Keeps (or, undefined, drops) `dt`'s static metadata, read while its definition was `definition`
   * (catalog/known.ts definitionOf): valid until the next epoch or another definition.
   */
  keepStatics(dt: string, meta: StaticMetadata | undefined, definition = ''): void {
    if (meta) this.statics.set(dt, { epoch: this.epoch, definition, meta });
    else this.statics.delete(dt);
  }

  /** `dt`'s static metadata, if nothing unnamed was written and its definition is the same since it was kept. */
  knownStatics(dt: string, definition = ''): StaticMetadata | undefined {
    const kept = this.statics.get(dt);
    return kept?.epoch === this.epoch && kept.definition === definition ? kept.meta : undefined;
  }

  /**
   * Keeps what a look under the capture lock found capture keeps, until the next epoch. Whatever installs or
   * removes capture starts a new epoch before it releases the lock: CREATE, UNDROP and DROP DYNAMIC TABLE
   * (engine/create.ts, undrop.ts, ddl.ts), a REINITIALIZE (refresh/gather.ts settleLedger), a write that
   * altered or dropped a source, and a statement naming the engine's schema (engine/writes.ts).
   */
  keepCaptured(sources: ReadonlySet<string>): void {
    this.captured = { epoch: this.epoch, sources };
  }

  /** The sources capture keeps, if looked at in this epoch. */
  knownCaptured(): ReadonlySet<string> | undefined {
    return this.captured?.epoch === this.epoch ? this.captured.sources : undefined;
  }

  /** Whether no table of `tables` was written since `dt`'s last successful refresh started. */
  unchangedSince(dt: string, tables: readonly string[]): boolean {
    return this.seesEveryWrite && this.sawNoWriteSince(dt, tables);
  }

  /**
   * Whether this engine saw no write to `tables` (nor anything unnamed) since `dt`'s last successful refresh
   * started. Where the engine does not see every write (the PostgreSQL family) a hint only: the refresh then
   * expects NO_DATA, and the database decides (refresh/no-data.ts).
   */
  sawNoWriteSince(dt: string, tables: readonly string[]): boolean {
    const mark = this.marks.get(dt);
    if (!mark || mark.epoch !== this.epoch) return false;
    return tables.every((t) => mark.counts.has(t) && mark.counts.get(t) === (this.counts.get(t) ?? 0));
  }
}
