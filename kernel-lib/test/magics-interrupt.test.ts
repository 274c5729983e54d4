/**
 * Interrupting long magic cells, on every backend: a `%dt clock` step with the order simulator running stops
 * between two clock instants when its signal is aborted — every DT equal to its query, no refresh past the
 * clock, the clock where the message says, the history holding exactly the refreshes it counts — and the
 * session goes on from there; cells queued behind it do not start; an interrupted TPC-H load keeps nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOutput } from '../src/display/error.js';
import { DtError, InterruptedError } from '../src/errors.js';
import type { MagicProgress } from '../src/magics/interrupt.js';
import { MagicSession } from '../src/magics/session.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const START = Date.UTC(2026, 0, 1);

async function rejection(p: Promise<unknown>): Promise<DtError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error('expected the cell to fail');
}

describe.each(BACKEND_KINDS)('interrupting magics on %s', (kind) => {
  let session: MagicSession;
  const text = async (cell: string) =>
    ((await session.run(cell)) ?? []).map((b) => String(b.data['text/plain'])).join('\n');
  const tables = async () =>
    text(
      "%%sql\nSELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('orders', 'lineitem', 'customer')",
    );

  /**
   * Brings both DTs up to date by hand (upstream first) and VERIFYs them: an incremental refresh from a
   * half-applied state would not end equal to the query. (Between instants a DT lags its query: VERIFY alone
   * would compare `total`, refreshed every minute, with `by_status`, refreshed every 30 s.)
   */
  const whole = async () => {
    await session.run('%dt refresh by_status');
    await session.run('%dt refresh total');
    expect(await text('%dt verify by_status')).toBe('by_status equals its query: verified');
    expect(await text('%dt verify total')).toBe('total equals its query: verified');
  };

  beforeAll(() => {
    session = new MagicSession({ defaultSpec: kind, open: () => freshBackend(kind), start: START });
  });
  afterAll(() => session.close());

  it('an interrupted TPC-H load stops after a chunk and keeps nothing', { timeout: 240_000 }, async () => {
    const empty = await tables();
    const reports: MagicProgress[] = [];
    const abort = new AbortController();
    const e = await rejection(
      session.run('%dt load tpch --sf 0.01', {
        signal: abort.signal,
        onProgress: (p) => {
          reports.push(p);
          abort.abort();
        },
      }),
    );
    expect(e).toBeInstanceOf(InterruptedError);
    expect(e.code).toBe('DT_ERR_INTERRUPTED');
    expect(reports).toHaveLength(1);
    const first = reports[0] as Extract<MagicProgress, { kind: 'load' }>;
    expect(e.message).toBe(
      `interrupted after loading ${first.rows} of ${first.total} rows of TPC-H SF 0.01; nothing was kept (its tables were dropped)`,
    );
    expect(first.rows).toBeLessThan(first.total);
    expect(await tables()).toBe(empty);
    expect(await text('%%sql\nSELECT count(*) AS n FROM dtlab.tpch')).toMatch(/\b0\b/);
    expect(errorOutput(e)).toEqual({
      ename: 'KeyboardInterrupt',
      evalue: e.message,
      traceback: [`KeyboardInterrupt: ${e.message}`],
    });
  });

  it('an interrupted clock step stops between instants with every DT whole, and goes on from there', {
    timeout: 240_000,
  }, async () => {
    await session.run('%dt load tpch --sf 0.01');
    await session.run(`%%dynamic_table by_status TARGET_LAG = '1 minute'
SELECT o_orderstatus, COUNT(*) AS n, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderstatus`);
    await session.run(`%%dynamic_table total TARGET_LAG = '2 minutes'
SELECT SUM(n) AS n FROM by_status`);
    await session.run('%dt simulate orders --rate 0.5 --seed 7');
    const engine = session.connected?.engine;
    if (!engine) throw new Error('not connected');
    const lastId = (await engine.history())[0]?.refreshId ?? 0;
    const before = session.clock.now();
    const reports: Extract<MagicProgress, { kind: 'clock' }>[] = [];
    const abort = new AbortController();
    const e = await rejection(
      session.run('%dt clock +6h', {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.kind !== 'clock') return;
          reports.push(p);
          if (p.refreshes >= 37) abort.abort();
        },
      }),
    );
    expect(e.code, e.message).toBe('DT_ERR_INTERRUPTED');
    const m =
      /^interrupted after (\d+) of about (\d+) refreshes; clock at (\S+ \S+) UTC \((.+) of \+6h\)/.exec(
        e.message,
      );
    expect(m, e.message).not.toBeNull();
    const [, done, expected, clockAt] = m as RegExpExecArray;
    // The estimate: a 1-minute DT refreshes every 30 s (720 in 6 h), a 2-minute one every minute (360).
    expect(Number(expected)).toBe(1080);
    // It stopped at the first instant boundary after the 37th refresh: both DTs' refreshes of that instant ran.
    expect(Number(done)).toBeGreaterThanOrEqual(37);
    expect(Number(done)).toBeLessThanOrEqual(38);
    const now = session.clock.now();
    expect(now).toBeGreaterThan(before);
    expect(now).toBeLessThan(before + 6 * 3_600_000);
    expect(`${new Date(now).toISOString().slice(0, 19).replace('T', ' ')}`).toBe(clockAt);
    expect(reports.at(-1)?.refreshes).toBe(Number(done));
    // The history holds exactly the refreshes it counted, none of them past the clock, all of them whole.
    const records = (await engine.history()).filter((r) => r.refreshId > lastId);
    expect(records).toHaveLength(Number(done));
    expect(records.every((r) => r.state === 'SUCCEEDED')).toBe(true);
    for (const r of records) expect(Date.parse(`${r.dataTimestamp}Z`)).toBeLessThanOrEqual(now);
    expect(records.filter((r) => r.name === 'by_status').length).toBeGreaterThan(0);
    expect(records.filter((r) => r.name === 'total').length).toBeGreaterThan(0);
    await whole();
    // The session goes on from the instant it stopped at.
    await session.run('%dt clock +10m');
    expect(session.clock.now()).toBe(now + 600_000);
    await whole();
  });

  it('interrupt() stops the running cell and the queued ones do not start', {
    timeout: 240_000,
  }, async () => {
    const before = session.clock.now();
    let interrupted = false;
    const running = session.run('%dt clock +2h', {
      onProgress: (p) => {
        if (p.kind === 'clock' && p.refreshes >= 5 && !interrupted) {
          interrupted = true;
          session.interrupt();
        }
      },
    });
    const queued = session.run('%dt clock +1h');
    const e = await rejection(running);
    expect(e.code).toBe('DT_ERR_INTERRUPTED');
    const q = await rejection(queued);
    expect(q).toBeInstanceOf(InterruptedError);
    expect((q as InterruptedError).notStarted).toBe(true);
    expect(q.message).toBe('not run: interrupted before it started');
    const now = session.clock.now();
    expect(now).toBeLessThan(before + 2 * 3_600_000);
    // A cell run after the interrupt runs.
    await session.run('%dt clock +1m');
    expect(session.clock.now()).toBe(now + 60_000);
    await whole();
  });
});
