/**
 * Lag samples waiting to be written. The scheduler takes CYCLE samples at its looks and PEAK / REFRESHED ones
 * at refresh ends; writing each batch on its own cost a statement per look (issue 13). They wait here, held by
 * the engine, and go to `dtlab.lag_samples`:
 * - inside the next refresh's transaction, deferred (no call of its own) where the backend defers
 *   (`deferInto`; put back with `restore` if that refresh does not commit);
 * - before anything reads them (`flush`): a statement the engine runs (a user's query, an alert's
 *   condition), `%dt lag`, an alert preview, the end of a clock move, the engine's close;
 * - once `FLUSH_AT` of them wait (a long real-clock run without refreshes or reads).
 * The 'lag' events the scheduler publishes (the live chart) do not wait.
 */
import type { Queryable } from '../backends/backend.js';
import { insertLagSamples, type LagSample, lagSamplesInsert } from '../catalog/catalog.js';

/** Samples that are written at the next look however quiet the engine is otherwise. */
export const FLUSH_AT = 200;

export class LagSampleBuffer {
  private pending: LagSample[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(samples: readonly LagSample[]): void {
    this.pending.push(...samples);
  }

  /** Writes what waits (nothing: no statement). Put back if the write fails. */
  async flush(db: Queryable): Promise<void> {
    const taken = this.take();
    if (taken.length === 0) return;
    try {
      await insertLagSamples(db, taken);
    } catch (e) {
      this.restore(taken);
      throw e;
    }
  }

  /**
   * Defers what waits into `tx` (a transaction that commits anyway) and returns it, for `restore` if that
   * transaction rolls back. Nothing on a backend that does not defer: those samples wait for a flush.
   */
  deferInto(tx: Queryable): LagSample[] {
    if (!tx.defer || this.pending.length === 0) return [];
    const taken = this.take();
    const { sql, params } = lagSamplesInsert(taken);
    tx.defer(sql, params);
    return taken;
  }

  /** Samples taken for a write that did not commit wait again (oldest first). */
  restore(samples: readonly LagSample[]): void {
    this.pending = [...samples, ...this.pending];
  }

  private take(): LagSample[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }
}
