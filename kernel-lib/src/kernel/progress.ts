/**
 * Progress of a long magic cell in the kernel runtime: after a second, a text output with a display id says
 * where the lesson clock is and how many refreshes ran (or how many rows a load copied), updated twice a second
 * with update_display_data; when the cell ends, a clear_output (wait) lets its results or its error replace it.
 * The same line the page shows (magics/interrupt.ts).
 */
import { randomBytes } from 'node:crypto';
import { type MagicProgress, progressLine } from '../magics/interrupt.js';

const SHOW_AFTER_MS = 1000;
const EVERY_MS = 500;

export interface ProgressSink {
  /** A display_data (update false) or update_display_data (true) of `text` under `displayId`. */
  show(text: string, displayId: string, update: boolean): void;
  /** clear_output with wait: the cell's next output replaces what it shows. */
  clear(): void;
}

/** Follows one cell: `report` is its onProgress; call `stop()` when it has ended, before its outputs go out. */
export function followProgress(
  sink: ProgressSink,
  clock: () => number,
): {
  report: (p: MagicProgress) => void;
  stop: () => void;
} {
  const started = performance.now();
  const id = `dtlab-progress-${randomBytes(6).toString('hex')}`;
  let latest: MagicProgress | undefined;
  let shown = false;
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    if (elapsed < SHOW_AFTER_MS) return;
    sink.show(progressLine(elapsed, latest, clock()), id, shown);
    shown = true;
  }, EVERY_MS);
  return {
    report: (p) => {
      latest = p;
    },
    stop: () => {
      clearInterval(timer);
      if (shown) sink.clear();
    },
  };
}
