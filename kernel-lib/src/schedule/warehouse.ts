/**
 * Warehouses as the scheduler sees them: a number of slots (MAX_CONCURRENCY_LEVEL) refreshes queue for, and a
 * bill. The credit model (docs/scheduler.md):
 *
 * - A warehouse is suspended until a refresh needs it; it then resumes and runs until it has been idle for
 *   AUTO_SUSPEND seconds after its last refresh ended, then suspends.
 * - Each run (resume → suspend) is billed per second (rounded up) at the size's credits per hour, with Snowflake's
 *   minimum of 60 seconds per resume. The idle tail before auto-suspend is billed too: that is what a short
 *   AUTO_SUSPEND saves and what a lag short enough to keep the warehouse always up costs.
 * - Concurrent refreshes share the run: a warehouse is billed for being up, not per query. Each refresh's
 *   `credits_used` in the refresh history is its own duration × rate (what it would cost alone), which is
 *   what compares refresh strategies; the bill is `dtlab.warehouse_metering_history`.
 */
import type { WarehouseSize } from '../sql/ddl.js';
import { CREDITS_PER_HOUR, type Warehouse } from '../types.js';

export const MINIMUM_BILLED_SECONDS = 60;

/** Seconds billed for a run from resume to suspend: whole seconds (rounded up), at least 60. */
export function billedSeconds(startMs: number, endMs: number): number {
  return Math.max(MINIMUM_BILLED_SECONDS, Math.ceil((endMs - startMs) / 1000 - 1e-9));
}

/** Credits for one run of a warehouse from resume to suspend. */
export function creditsForRun(size: WarehouseSize, startMs: number, endMs: number): number {
  return (CREDITS_PER_HOUR[size] * billedSeconds(startMs, endMs)) / 3600;
}

export interface WarehouseRun {
  warehouse: string;
  size: WarehouseSize;
  startMs: number;
  endMs: number;
  busyMs: number;
  refreshes: number;
  credits: number;
}

export class WarehouseState {
  /** When each slot is next free (simulated time; used under a manual clock). */
  private slots: number[];
  /** Real-time slot accounting (used under real and accelerated clocks). */
  private inUse = 0;
  private readonly waiters: (() => void)[] = [];
  private run: { startMs: number; lastEndMs: number; busyMs: number; refreshes: number } | null = null;

  constructor(public spec: Warehouse) {
    this.slots = new Array(spec.maxConcurrency).fill(Number.NEGATIVE_INFINITY);
  }

  /** Picks up ALTER/CREATE OR REPLACE WAREHOUSE changes between cycles. */
  update(spec: Warehouse): void {
    if (spec.maxConcurrency !== this.spec.maxConcurrency) {
      const sorted = [...this.slots].sort((a, b) => a - b);
      this.slots = Array.from(
        { length: spec.maxConcurrency },
        (_, i) => sorted[i] ?? Number.NEGATIVE_INFINITY,
      );
    }
    this.spec = spec;
  }

  /** Simulated: the earliest slot free at or after `readyAt`; returns the refresh's start and end. */
  reserve(readyAt: number, durationMs: number): { startMs: number; endMs: number } {
    let best = 0;
    for (let i = 1; i < this.slots.length; i++)
      if ((this.slots[i] as number) < (this.slots[best] as number)) best = i;
    const startMs = Math.max(readyAt, this.slots[best] as number);
    const endMs = startMs + durationMs;
    this.slots[best] = endMs;
    return { startMs, endMs };
  }

  /** Real time: waits for a free slot; call the returned function to give it back. */
  async acquire(): Promise<() => void> {
    if (this.inUse >= this.spec.maxConcurrency) await new Promise<void>((r) => this.waiters.push(r));
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.waiters.shift()?.();
    };
  }

  /** Records that a refresh kept the warehouse busy over [start, end]; says whether that resumed it. */
  noteBusy(startMs: number, endMs: number): { resumed: boolean } {
    if (this.run && startMs <= this.run.lastEndMs + this.spec.autoSuspendSeconds * 1000) {
      this.run.lastEndMs = Math.max(this.run.lastEndMs, endMs);
      this.run.busyMs += endMs - startMs;
      this.run.refreshes++;
      return { resumed: false };
    }
    this.run = { startMs, lastEndMs: endMs, busyMs: endMs - startMs, refreshes: 1 };
    return { resumed: true };
  }

  /** When the current run auto-suspends (if nothing else comes), or null when suspended. */
  suspendsAt(): number | null {
    return this.run ? this.run.lastEndMs + this.spec.autoSuspendSeconds * 1000 : null;
  }

  /** Ends the run if it has auto-suspended by `now`; returns it, billed. */
  closeIfIdle(now: number, busy: boolean): WarehouseRun | null {
    const at = this.suspendsAt();
    if (!this.run || at === null || busy || at > now) return null;
    const r = this.run;
    this.run = null;
    return {
      warehouse: this.spec.name,
      size: this.spec.size,
      startMs: r.startMs,
      endMs: at,
      busyMs: r.busyMs,
      refreshes: r.refreshes,
      credits: creditsForRun(this.spec.size, r.startMs, at),
    };
  }

  /** The run so far, billed as if it suspended now (for a live cost display). */
  openRun(now: number): WarehouseRun | null {
    if (!this.run) return null;
    const end = Math.max(now, this.run.lastEndMs);
    return {
      warehouse: this.spec.name,
      size: this.spec.size,
      startMs: this.run.startMs,
      endMs: end,
      busyMs: this.run.busyMs,
      refreshes: this.run.refreshes,
      credits: creditsForRun(this.spec.size, this.run.startMs, end),
    };
  }
}
