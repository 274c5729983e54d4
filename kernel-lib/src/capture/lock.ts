/**
 * On DuckDB, change rows are numbered by a sequence and a refresh consumes "everything up to the number it
 * sees". A captured write that took a number but has not committed would then be skipped for good, so
 * captured writes and refreshes of one database take turns. (Postgres needs none of this: its snapshot rule
 * handles concurrent writers.)
 */
import type { Backend } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { WriteLedger } from './ledger.js';

const tails = new WeakMap<Backend, Promise<unknown>>();

export async function withCaptureLock<T>(backend: Backend, fn: () => Promise<T>): Promise<T> {
  if (!dialectOf(backend.family).engineCaptures) return fn();
  const previous = tails.get(backend) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  tails.set(
    backend,
    next.catch(() => {}),
  );
  return next;
}

/**
 * `fn`, which may install or remove capture (CREATE, UNDROP, DROP DYNAMIC TABLE), in the lock's turn; it
 * ends with a new epoch of `ledger`, so no write after it uses what a look before it found capture keeps
 * (capture/ledger.ts keepCaptured).
 */
export function withCaptureChange<T>(
  backend: Backend,
  ledger: WriteLedger,
  fn: () => Promise<T>,
): Promise<T> {
  return withCaptureLock(backend, async () => {
    try {
      return await fn();
    } finally {
      ledger.wrote(undefined);
    }
  });
}
