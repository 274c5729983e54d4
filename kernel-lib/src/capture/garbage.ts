/**
 * When a refresh collects a source's change-table garbage (capture/marks.ts). A collection costs the same few
 * statements whatever it deletes (three on DuckDB, one on the PostgreSQL family: 4–6 ms of a 1-row refresh's
 * 20 on DuckDB-WASM), so collecting in every refresh made small refreshes pay more for housekeeping than for
 * their own work. A refresh collects a source's change table when the refreshes since its last collection
 * have read `afterRows` of its change rows (each refresh counting its own window), and in the first refresh
 * that reads the source after the engine opened. So the rows every incremental consumer has passed and that
 * wait for a collection number fewer than `afterRows` plus one refresh's window; readers skip them by
 * position, and FULL-mode consumers see a change either way (a row or a mark past their position).
 *
 * The count is the engine's, in memory, and advances when a refresh decides (a refresh that then rolls back
 * has still reset it: its source is collected one round later, never wrongly).
 */
export class GarbageSchedule {
  /** Change rows read per source since its last collection; absent: not collected since the engine opened. */
  private readonly read = new Map<string, number>();

  /** Whether a collection was due since `reclaimDue` last answered (at first: yes, for what a process left). */
  private collected = true;

  /** `afterRows`: 0 collects in every refresh that read changes. */
  constructor(readonly afterRows: number) {}

  /** Of the sources a refresh read changes of (`changes`: rows read, per source), those it collects. */
  due(changed: readonly string[], changes: Readonly<Record<string, number>>): string[] {
    return changed.filter((source) => {
      const seen = this.read.get(source);
      const total = (seen ?? 0) + (changes[source] ?? 0);
      const now = seen === undefined || total >= this.afterRows;
      this.read.set(source, now ? 0 : total);
      if (now) this.collected = true;
      return now;
    });
  }

  /**
   * Whether reclaiming the change tables' space may pay after a cycle (capture/capture.ts reclaimChangeRows,
   * two statements): only if a collection deleted rows since the last time this said yes. (A rolled-back write's
   * change rows are dead too; they wait for the next collection's reclaim.)
   */
  reclaimDue(): boolean {
    const due = this.collected;
    this.collected = false;
    return due;
  }
}

/** Change rows read between two collections of a source's change table, by default. */
export const COLLECT_AFTER_ROWS = 1000;
