/**
 * The page session's current engine connection, as an rxjs stream every live view subscribes to: the
 * runtime (runtime.ts) publishes each connection it opens (`%dt connect`, or the first magic cell). A small
 * module of its own so the MIME renderers (mime.ts) can follow events without importing the engine.
 */
import { BehaviorSubject, EMPTY, type Observable, switchMap } from 'rxjs';
import type { Connection, SchedulerEvent } from '../../kernel-lib/dist/magics/browser.js';

export const connection$ = new BehaviorSubject<Connection | undefined>(undefined);

/** The events of whichever connection is current; nothing while there is none. */
export const events$: Observable<SchedulerEvent> = connection$.pipe(
  switchMap((c) => (c ? c.scheduler.events$ : EMPTY)),
);
