/**
 * `%dt advise` on an engine: the facts it reads from the catalog, the history and the bills, and the
 * recommendations they lead to, through the magics on every backend. Nothing is changed by advising.
 */
import { describe, expect, it } from 'vitest';
import { gatherFacts } from '../src/advise/facts.js';
import { DtError } from '../src/errors.js';
import { MagicSession } from '../src/magics/session.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('%s', (kind) => {
  it('reads the facts and recommends, with reasons and savings; unknown names are refused', async () => {
    const backend = await freshBackend(kind);
    const session = new MagicSession({
      open: async () => backend,
      defaultSpec: kind,
      start: Date.UTC(2026, 0, 5, 12),
    });
    try {
      await session.run(`%%sql
CREATE TABLE events (id INTEGER, kind VARCHAR, amount INTEGER);
INSERT INTO events SELECT i, CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END, i FROM generate_series(1, 3000) g(i);
CREATE WAREHOUSE solo_wh WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 600`);
      // FULL by request though incremental would do; a base whose only reader needs 10 minutes.
      await session.run(`%%dynamic_table by_kind TARGET_LAG = '1 minute' WAREHOUSE = solo_wh REFRESH_MODE = FULL
SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM events GROUP BY kind`);
      await session.run(`%%dynamic_table base TARGET_LAG = '1 minute'
SELECT id, kind FROM events`);
      await session.run(`%%dynamic_table reader TARGET_LAG = '10 minutes'
SELECT kind, COUNT(*) AS n FROM base GROUP BY kind`);
      // FULL over a DT whose rows are updated, not added: its change rate is what by_kind writes.
      await session.run(`%%dynamic_table kinds_full TARGET_LAG = '1 minute' REFRESH_MODE = FULL
SELECT kind, n FROM by_kind`);
      for (let i = 0; i < 20; i++) {
        await session.run(`%%sql\nINSERT INTO events VALUES (${5000 + i}, 'c', ${i})`);
        await session.run('%dt clock +1m');
      }
      const { engine, scheduler } = await session.connect();
      const before = await engine.history();
      const facts = await gatherFacts(engine, scheduler.openRuns());
      const f = facts.dts.find((d) => d.name === 'by_kind');
      expect(f).toMatchObject({
        mode: 'FULL',
        lagSeconds: 60,
        size: 'XSMALL',
        autoSuspendSeconds: 600,
        sourceRows: 3020,
      });
      expect(f?.auto?.mode).toBe('INCREMENTAL');
      expect(facts.dts.find((d) => d.name === 'kinds_full')?.changesPerMinute).toBeGreaterThan(1);
      expect(facts.dts.find((d) => d.name === 'base')?.readers).toEqual([
        { name: 'reader', lagSeconds: 600 },
      ]);
      expect(facts.warehouses.find((w) => w.name === 'solo_wh')?.upSeconds).toBeGreaterThan(
        0.9 * facts.windowSeconds,
      );

      const [out] = (await session.run('%dt advise')) ?? [];
      const text = String(out?.data['text/plain']);
      expect(text).toMatch(
        /by_kind \(incremental, saves about [\d.]+ credits\/day\): REFRESH_MODE = FULL re-reads/,
      );
      expect(text).toContain('ALTER DYNAMIC TABLE base SET TARGET_LAG = DOWNSTREAM');
      expect(text).toMatch(
        /by_kind \(tight_lag, saves about [1-9][\d.]* credits\/day\): by_kind alone keeps solo_wh up/,
      );
      expect(out?.data['application/vnd.dtlab.table+json']).toBeTruthy();
      // Advising changed nothing: same DTs, same modes, no new refresh.
      expect((await engine.history()).length).toBe(before.length);
      expect((await engine.listDynamicTables()).find((d) => d.name === 'by_kind')?.effectiveMode).toBe(
        'FULL',
      );

      const [one] = (await session.run('%dt advise reader')) ?? [];
      expect(String(one?.data['text/plain'])).not.toContain('by_kind');
      const e = await session.run('%dt advise nope').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DtError);
      expect((e as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    } finally {
      await session.close();
    }
  }, 120_000);
});
