/**
 * A statement or refresh interrupted while it ran (JupyterLab's stop button, Kernel → Interrupt, the kernel's
 * SIGINT): the backend cancelled it (backends/backend.ts `cancellable`), it changed nothing, and the learner is
 * told so with DT_ERR_INTERRUPTED. Pure.
 */
import { BackendError, QUERY_CANCELED } from '../backends/backend.js';
import { DtError, InterruptedError } from '../errors.js';

/** Whether `e` (or what caused it) is a statement the backend cancelled. */
export function wasCancelled(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 8; depth++) {
    if (x instanceof InterruptedError) return true;
    if (x instanceof BackendError && x.sqlState === QUERY_CANCELED) return true;
    x = x instanceof DtError ? (x.details.cause ?? x.cause) : x instanceof Error ? x.cause : undefined;
  }
  return false;
}

/** A script's statement `index` (0-based, of `count`) was cancelled while it ran. */
export function statementInterrupted(index: number, count: number) {
  if (count === 1)
    return new InterruptedError('interrupted: the statement was cancelled while it ran and changed nothing');
  const before = index === 0 ? '' : `; the ${index === 1 ? 'one' : index} before it ran to completion`;
  const after =
    count > index + 1 ? `${before ? ',' : ';'} the ${count - index - 1} after it did not run` : '';
  return new InterruptedError(
    `interrupted: statement ${index + 1} of ${count} was cancelled while it ran and changed nothing${before}${after}`,
  );
}

/** The script was interrupted between two statements: `done` of `count` ran. */
export function interruptedBetween(done: number, count: number) {
  return new InterruptedError(
    done === 0
      ? 'interrupted before the first statement ran; nothing changed'
      : `interrupted after ${done} of ${count} statements (each ran to completion); the rest did not run`,
  );
}

/** `ALTER … REFRESH` / `%dt refresh` of `name` interrupted: `done` DTs (upstream first) refreshed before it. */
export function refreshInterrupted(name: string, done: string[]) {
  const first = done.length > 0 ? ` (refreshed before it, each whole: ${done.join(', ')})` : '';
  return new InterruptedError(
    `interrupted: the refresh of ${name} was cancelled; ${name} keeps its previous contents${first}`,
  );
}
