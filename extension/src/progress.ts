/**
 * Progress for a magic cell that runs long (`%dt clock +30m` simulates thousands of refreshes): after a second,
 * the cell shows a line that says where the lesson clock is and how many refreshes ran so far, updated twice a
 * second, until the cell's outputs replace it. The session runs in the page, so its clock can be read while the
 * scheduler works (it awaits the database between refreshes).
 */
import type { CodeCell } from '@jupyterlab/cells';
import type { Subscription } from 'rxjs';
import type { MagicSession } from '../../kernel-lib/dist/magics/browser.js';

const SHOW_AFTER_MS = 1000;
const EVERY_MS = 500;

/** "running 4 s · lesson clock 1998-08-02 12:14:30 UTC · 58 refreshes so far". */
export function progressText(elapsedMs: number, clockMs: number, refreshes: number): string {
  const clock = new Date(clockMs).toISOString().slice(0, 19).replace('T', ' ');
  return `running ${Math.round(elapsedMs / 1000)} s · lesson clock ${clock} UTC · ${refreshes} refreshes so far\n`;
}

/** Starts showing progress in `cell` for the session's work; call the result when the cell has finished. */
export function showProgress(cell: CodeCell, session: MagicSession, source: string): () => void {
  let started: number | undefined;
  let refreshes = 0;
  let subscription: Subscription | undefined;
  const follow = () => {
    if (subscription) return;
    const scheduler = session.connected?.scheduler;
    subscription = scheduler?.events$.subscribe((e) => {
      if (e.type === 'refresh') refreshes++;
    });
  };
  follow();
  const timer = setInterval(() => {
    // Run All queues every cell at once: the time counts from when this one starts running.
    if (started === undefined) {
      if (session.current !== source) return;
      started = performance.now();
    }
    follow(); // the first magic cell connects while it runs
    const elapsed = performance.now() - started;
    if (elapsed < SHOW_AFTER_MS) return;
    cell.model.outputs.clear();
    cell.model.outputs.add({
      output_type: 'stream',
      name: 'stdout',
      text: progressText(elapsed, session.clock.now(), refreshes),
    });
  }, EVERY_MS);
  return () => {
    clearInterval(timer);
    subscription?.unsubscribe();
  };
}
