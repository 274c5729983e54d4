/** Tests with sessions of their own on the PostgreSQL server: waiting until another session waits for a lock. */
import type pg from 'pg';

/**
 * Until `n` sessions other than `client`'s wait for a lock in its database, or `done()` (the awaited work
 * finished without waiting); polled every 25 ms, for at most 10 s.
 */
export async function untilLockWaiters(client: pg.Client, n: number, done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}
