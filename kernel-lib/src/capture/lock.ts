/**
 * On DuckDB, change rows are numbered by a sequence and a refresh consumes "everything up to the number it
 * sees". A captured write that took a number but has not committed would then be skipped for good, so
 * captured writes and refreshes of one database take turns. (Postgres needs none of this: its snapshot rule
 * handles concurrent writers.)
 */
import type { Backend } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';

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
