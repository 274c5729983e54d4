/**
 * Lag samples waiting to be written. The scheduler takes CYCLE samples at its looks and PEAK / REFRESHED ones
 * at refresh ends; writing each batch on its own cost a statement per look (issue 13). They wait here, held by
 * the engine, and go to `dtlab.lag_samples` (not with every refresh: a statement in each cost more than all
 * the flushes):
 * - before anything reads them (`flush`): a statement the engine runs (a user's query, an alert's
 *   condition), `%dt lag`, an alert preview, the end of a clock move, the engine's close;
 * - once `FLUSH_AT` of them wait (a long real-clock run without refreshes or reads).
 * The 'lag' events the scheduler publishes (the live chart) do not wait.
 */
import type { Queryable } from '../backends/backend.js';
import { insertLagSamples, type LagSample } from '../catalog/catalog.js';

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

  /** Samples taken for a write that failed wait again (oldest first). */
  restore(samples: readonly LagSample[]): void {
    this.pending = [...samples, ...this.pending];
  }

  private take(): LagSample[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }
}
