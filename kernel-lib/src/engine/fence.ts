/**
 * One snapshot per refresh cycle. The DTs of a cycle are refreshed one transaction each, so two of them that
 * read the same source would see different states of it if a write committed in between. A cycle therefore
 * holds a fence on writes for its duration:
 *
 * - in the engine (every backend): writes through the engine (`execute` of a writing statement, `write`)
 *   wait while a cycle holds the fence, and a cycle waits for the writes under way to end before it starts;
 * - on a PostgreSQL server, other processes write too: the cycle also holds `LOCK TABLE … IN SHARE MODE` on
 *   the base tables it reads, in a transaction of its own, so their writers wait at the database. If the
 *   lock is not granted within `lockTimeoutMs` (a transaction left open by a writer holds a conflicting
 *   lock) or a source's change capture needs reinstalling (which needs a stronger lock than SHARE), the
 *   cycle runs unfenced at the database and says so.
 *
 * Cycles do not exclude each other (refreshes already lock their DTs); only writes wait, and a write that
 * waits goes before any cycle that has not started yet.
 */
import { type Backend, quoteIdent } from '../backends/backend.js';
import { captureIntact } from '../capture/capture.js';
import type { SourceKind } from '../types.js';

export class WriteFence {
  private cycles = 0;
  private writes = 0;
  /** Writes waiting for the cycles under way: no new cycle starts before they have run. */
  private waiting = 0;
  private waiters: (() => void)[] = [];

  private wakeAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs a write once no cycle holds the fence. */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    try {
      await this.until(() => this.cycles === 0);
    } finally {
      this.waiting--;
    }
    this.writes++;
    try {
      return await fn();
    } finally {
      this.writes--;
      this.wakeAll();
    }
  }

  /**
   * Runs a cycle once the writes waiting for earlier cycles have run (overlapping cycles must not starve
   * them): new writes wait from then on, and the writes under way end first.
   */
  async cycle<T>(fn: () => Promise<T>): Promise<T> {
    await this.until(() => this.waiting === 0);
    this.cycles++;
    try {
      await this.until(() => this.writes === 0);
      return await fn();
    } finally {
      this.cycles--;
      this.wakeAll();
    }
  }
}

/** A PostgreSQL server, which other processes may write to (PGlite and DuckDB are this process's alone). */
export const isServer = (backend: Backend) => /^postgres(ql)?:\/\//i.test(backend.description);

/**
 * Runs `fn` with the sources (tables, and views: locking one locks the tables it reads) locked against
 * writers of other processes (PostgreSQL server only; elsewhere it just runs `fn`). Returns whether the lock
 * was held, and `fn`'s result.
 */
export async function withSourcesLocked<T>(
  backend: Backend,
  sources: { name: string; kind: SourceKind }[],
  lockTimeoutMs: number,
  fn: () => Promise<T>,
): Promise<{ locked: boolean; result: T }> {
  if (!isServer(backend) || sources.length === 0) return { locked: false, result: await fn() };
  const names = [...new Set(sources.map((s) => s.name))].sort();
  const tables = sources.filter((s) => s.kind === 'TABLE').map((s) => s.name);
  let outcome: { ok: true; result: T } | { ok: false; error: unknown } | undefined;
  try {
    await backend.transaction(async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      await tx.query(`LOCK TABLE ${names.map(quoteIdent).join(', ')} IN SHARE MODE`);
      for (const t of tables) if (!(await captureIntact(tx, backend.family, t))) return;
      try {
        outcome = { ok: true, result: await fn() };
      } catch (error) {
        outcome = { ok: false, error };
      }
    });
  } catch {
    // The lock was not granted in time, or its transaction failed after the cycle ran (the cycle's
    // refreshes commit on their own): neither is the cycle's error.
  }
  if (outcome?.ok) return { locked: true, result: outcome.result };
  if (outcome) throw outcome.error;
  return { locked: false, result: await fn() };
}
