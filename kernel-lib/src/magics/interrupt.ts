/**
 * Progress and interruption of long magic cells (`%dt clock +12h`, `%dt load tpch`). Pure: the types a long
 * operation reports, the line a runtime shows for them, and the error an interrupted cell ends with.
 *
 * How an interrupt travels: the runtime (the page's cell executor, the kernel's SIGINT) aborts the AbortSignal
 * it passed to `MagicSession.run`; the long operation checks it between units of work — the scheduler between
 * two clock events (every refresh of an instant has completed by then), the order simulator between two of its
 * one-transaction ticks, the TPC-H load between two copied chunks — and ends with an InterruptedError (errors.ts).
 */
import { formatTimestamp } from '../backends/backend.js';

/** What a long magic has done so far, reported as it goes. */
export type MagicProgress =
  | {
      kind: 'clock';
      /** Refreshes run so far (every outcome, as `%dt history` lists them). */
      refreshes: number;
      /** The estimate made before the step (magics/bounds.ts). */
      expected: number;
      /** Where the lesson clock is, where the step started and where it ends (ms). */
      clock: number;
      from: number;
      to: number;
    }
  | { kind: 'load'; table: string; rows: number; total: number };

export interface RunControl {
  /** Aborted when the learner interrupts (JupyterLab's stop button, the kernel's SIGINT). */
  signal?: AbortSignal;
  onProgress?: (p: MagicProgress) => void;
}

/** "2h 14m": a clock interval, to the second, without zero parts. */
export function spanText(ms: number): string {
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join(' ');
}

const clockText = (ms: number) => `${formatTimestamp(ms).slice(0, 19)} UTC`;

/** What a progress report says, e.g. "lesson clock 1998-08-02 14:14:30 UTC (2h 14m of 6h) · 58 of about 120 refreshes". */
export function describeProgress(p: MagicProgress): string {
  if (p.kind === 'load') return `loading TPC-H: ${p.rows} of ${p.total} rows (${p.table})`;
  return `lesson clock ${clockText(p.clock)} (${spanText(p.clock - p.from)} of ${spanText(p.to - p.from)}) · ${p.refreshes} of about ${p.expected} refreshes`;
}

/** The progress line a runtime shows under a running cell. */
export function progressLine(elapsedMs: number, p: MagicProgress | undefined, clockMs: number): string {
  const what = p ? describeProgress(p) : `lesson clock ${clockText(clockMs)}`;
  return `running ${Math.round(elapsedMs / 1000)} s · ${what} · interrupt (■) to stop\n`;
}

/** The message of an interrupted clock step: how far it got and that every DT is whole. */
export function clockInterrupted(step: string, p: Extract<MagicProgress, { kind: 'clock' }>): string {
  return `interrupted after ${p.refreshes} of about ${p.expected} refreshes; clock at ${clockText(p.clock)} (${spanText(p.clock - p.from)} of ${step}). Every dynamic table is as its last completed refresh left it; %dt clock +DURATION goes on from here`;
}
