/**
 * Where a clock move's lag samples are written, on the backends the DuckDB magic-session test does not cover:
 * once, at the end of the move, outside every refresh's transaction (schedule/lag-buffer.ts). On the
 * PostgreSQL server a transaction's unread statements wait for its next call (Queryable.defer), so a sample
 * handed to a refresh would ride in its transaction; none may, scheduled refreshes that read changes
 * included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIME } from '../src/display/bundle.js';
import { MagicSession } from '../src/magics/session.js';
import type { RefreshRecord } from '../src/types.js';
import { freshBackend } from './helpers/backends.js';
import { recording } from './helpers/recording.js';

describe.each(['pglite', 'postgres'] as const)('lag samples of a clock move on %s', (kind) => {
  let session: MagicSession;
  beforeAll(async () => {
    const backend = await freshBackend(kind);
    session = new MagicSession({ open: async () => backend, defaultSpec: kind, start: Date.UTC(2026, 0, 1) });
    await session.run('%dt load tpch --sf 0.01');
    await session.run(`%%dynamic_table revenue_inc TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL
SELECT o_orderstatus, COUNT(*) AS orders, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderstatus`);
  });
  afterAll(() => session.close());

  const count = async (sql: string) => {
    const { engine } = await session.connect();
    return Number((await engine.backend.query(sql)).rows[0]?.[0]);
  };

  it('writes them in one statement at the end of the move, none with a refresh', async () => {
    const { engine } = await session.connect();
    const samples = (sql: string[]) => sql.filter((q) => /INSERT INTO dtlab\.lag_samples/.test(q)).length;
    const before = await count('SELECT count(*) FROM dtlab.lag_samples');
    const refreshedBefore = await count(
      "SELECT count(*) FROM dtlab.refresh_history WHERE name = 'revenue_inc' AND refresh_action = 'INCREMENTAL'",
    );
    await session.run('%dt simulate orders --rate 2');
    const calls = recording(engine.backend, { direct: true });
    calls.on = true;
    await session.run('%dt clock +5m');
    calls.on = false;
    await session.run('%dt simulate stop');
    // The move ran refreshes that read the simulated orders: their transactions carried no sample.
    const refreshed = await count(
      "SELECT count(*) FROM dtlab.refresh_history WHERE name = 'revenue_inc' AND refresh_action = 'INCREMENTAL'",
    );
    expect(refreshed).toBeGreaterThan(refreshedBefore);
    expect(samples(calls.deferred)).toBe(0);
    expect(samples(calls.finished)).toBe(0);
    expect(samples(calls.queries)).toBe(1);
    expect(await count('SELECT count(*) FROM dtlab.lag_samples')).toBeGreaterThan(before);
    const [hist] = (await session.run('%dt history revenue_inc --limit 5')) ?? [];
    const records = (hist?.data[MIME.history] as { records: RefreshRecord[] } | undefined)?.records;
    expect(records?.length).toBeGreaterThan(0);
    expect(records?.every((r) => r.state === 'SUCCEEDED')).toBe(true);
  });
});
