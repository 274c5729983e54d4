/**
 * Progress for a magic cell that runs long (`%dt clock +12h` simulates thousands of refreshes, `%dt load tpch`
 * copies chunks): after a second, the cell shows a line that says where the lesson clock is and how many
 * refreshes ran of about how many (or how many rows were loaded), updated twice a second, until the cell's
 * outputs replace it. The session reports its progress through `MagicSession.run`'s onProgress; the line is
 * kernel-lib's (magics/interrupt.ts), the one the kernel runtime shows too.
 */
import type { CodeCell } from '@jupyterlab/cells';
import { type MagicProgress, type MagicSession, progressLine } from '../../kernel-lib/dist/magics/browser.js';

const SHOW_AFTER_MS = 1000;
const EVERY_MS = 500;

/** Starts following the cell's run: `report` is its onProgress; call `stop` when the cell has finished. */
export function showProgress(
  cell: CodeCell,
  session: MagicSession,
  source: string,
): { report: (p: MagicProgress) => void; stop: () => void } {
  let started: number | undefined;
  let latest: MagicProgress | undefined;
  const timer = setInterval(() => {
    // Run All queues every cell at once: the time counts from when this one starts running.
    if (started === undefined) {
      if (session.current !== source) return;
      started = performance.now();
    }
    const elapsed = performance.now() - started;
    if (elapsed < SHOW_AFTER_MS) return;
    cell.model.outputs.clear();
    cell.model.outputs.add({
      output_type: 'stream',
      name: 'stdout',
      text: progressLine(elapsed, latest, session.clock.now()),
    });
  }, EVERY_MS);
  return {
    report: (p) => {
      latest = p;
    },
    stop: () => clearInterval(timer),
  };
}
