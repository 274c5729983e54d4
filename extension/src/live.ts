/**
 * Live widgets: a rendered DAG, lag chart or refresh history keeps following the engine's events (refreshes,
 * states, lag samples) while the lesson clock moves — `%dt clock run x60` in one cell animates the outputs
 * above it. The events carry what changes and kernel-lib's pure folds (display/live.ts) apply them; nothing
 * polls the database.
 */
import { auditTime, catchError, EMPTY, from, map, merge, type Subscription, scan } from 'rxjs';
import type { Connection, SchedulerEvent } from '../../kernel-lib/dist/magics/browser.js';
import { connection$ } from './connection.js';

/**
 * Folds the current connection's events into `model` from now on, calling `onModel` at most four times a
 * second while the clock races — for an output of the page's session (`data-dtlab-live="page"`, set by the
 * renderer from the output's metadata). Null when no session is connected: an output opened from a saved notebook
 * shows what was saved, it does not follow an engine that did not make it.
 */
export function follow<M>(
  element: HTMLElement,
  model: M,
  fold: (m: M, e: SchedulerEvent) => M,
  onModel: (m: M) => void,
  catchUp?: (connection: Connection) => Promise<(m: M) => M>,
): Subscription | null {
  // Outputs a kernel made (the kernel runtime) are the kernel's to update, with update_display_data.
  if (element.dataset.dtlabLive !== 'page') return null;
  const connection = connection$.value;
  if (!connection) return null;
  // An output drawn again from its saved bundle first catches up with the engine (when it can), then folds.
  const patches = merge(
    connection.scheduler.events$.pipe(map((e) => (m: M) => fold(m, e))),
    catchUp ? from(catchUp(connection)).pipe(catchError(() => EMPTY)) : EMPTY,
  );
  return patches
    .pipe(
      scan((m: M, patch: (m: M) => M) => patch(m), model),
      auditTime(250),
    )
    .subscribe(onModel);
}
