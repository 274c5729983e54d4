/**
 * The PostgreSQL family: the sources whose capture is about to be reinstalled are locked first, ACCESS
 * EXCLUSIVE, all at once (dialect `capture.reinstall`).
 *
 * Reinstalling drops the source's triggers and creates them again. `DROP TRIGGER` takes a weak lock on the
 * table, then the trigger's, and only then upgrades to ACCESS EXCLUSIVE: two transactions reinstalling one
 * source (two DTs reinitializing at once, or a CREATE and a refresh), each holding what the other waits for,
 * deadlocked, and so did a reinstall holding one source while a refresh reading both waited for it; PostgreSQL
 * then aborted one of them, and the victim could be a learner's INSERT waiting in the same queue. Taking the
 * strongest lock first, on every source and change table at once, leaves no upgrade to wait for; an attempt
 * waits at most ATTEMPT_MS for each lock, then gives back what it took (its savepoint) and tries again; and
 * after BUDGET_MS, below PostgreSQL's deadlock_timeout (1 s), it fails, saying which tables stayed locked.
 * A cycle through this transaction that retrying cannot break (the other side waits for a lock this
 * transaction held before, such as a refresh's lock on its DT) is then broken by this transaction giving
 * up, before the server picks a victim: the reinstall is the engine's own work, and the next refresh tries
 * again, where a learner's write or DDL would have failed.
 */
import { BackendError, LOCK_NOT_AVAILABLE, type Queryable, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';

const ATTEMPT_MS = 100;
const BUDGET_MS = 600;
/** How long a CREATE whose reinstall gave way tries again, whole, before it fails (`againWhileGivingWay`). */
const CREATE_RETRY_MS = 15_000;

/** The reinstall gave way (its sources stayed locked): its transaction is to be rolled back and tried again. */
export class ReinstallGaveWay extends BackendError {}

/**
 * A refresh's reinstall found transactions committed after the refresh's snapshot (which may have written the
 * sources: their change rows went with the change table just dropped, and the recompute reads the snapshot).
 * The refresh is rolled back and run again with `sources` locked before its snapshot (refresh/run.ts); where
 * that cannot help (they were locked so already), it fails with this message and the next refresh tries again.
 */
export class ReinstallRaced extends BackendError {
  constructor(readonly sources: readonly string[]) {
    super(
      `capture on ${sources.join(', ')} was reinstalled while other transactions committed: the refresh must run again with them locked first`,
    );
  }
}

export async function lockForReinstall(
  db: Queryable,
  family: SqlFamily,
  sources: readonly string[],
): Promise<void> {
  const lock = dialectOf(family).capture.reinstall;
  if (!lock || sources.length === 0) return;
  const until = Date.now() + BUDGET_MS;
  for (;;) {
    try {
      for (const sql of lock.attempt(sources, ATTEMPT_MS)) await db.query(sql);
      return;
    } catch (e) {
      if (!(e instanceof BackendError && e.sqlState === LOCK_NOT_AVAILABLE)) throw e;
      await db.query(lock.undo);
    }
    if (Date.now() >= until)
      throw new ReinstallGaveWay(
        `capture on ${sources.join(', ')} must be reinstalled, and a lock on ${sources.join(', ')} (a refresh cycle's, or another transaction's) was not released within ${BUDGET_MS / 1000} s: the engine gave way rather than risk a deadlock`,
      );
    // A short pause, uneven so that two reinstalls meeting again do not keep meeting.
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
  }
}

/**
 * Runs `fn` (a transaction that may reinstall capture: CREATE DYNAMIC TABLE's) again, after a short pause,
 * while its reinstall gives way, for up to CREATE_RETRY_MS: the transaction rolled back whole, so it holds
 * nothing between attempts, and a lock held by a slow transaction (a long refresh reading the source) is
 * waited out without holding what that transaction may wait for. A refresh is not retried so: the next one
 * tries again.
 */
export async function againWhileGivingWay<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const until = Date.now() + CREATE_RETRY_MS;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ReinstallGaveWay) || signal?.aborted) throw e;
      if (Date.now() >= until)
        throw new ReinstallGaveWay(
          `${e.message}; it tried again for ${CREATE_RETRY_MS / 1000} s, and the lock was still held: end the transaction holding it, then run the statement again`,
        );
    }
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
  }
}
