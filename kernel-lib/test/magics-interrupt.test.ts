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

/**
 * A statement interrupted while it runs: on DuckDB (cancelled between two execution slices) and on a PostgreSQL
 * server (pg_cancel_backend) a `%%sql` statement, a `%%sql` ALTER … REFRESH and `%dt refresh` answer
 * DT_ERR_INTERRUPTED soon after the abort, the statement having changed nothing. PGlite runs a statement to its
 * end (docs/kernel.md). The long statements count a three-way cross join of 100,000 rows each: 10^15 rows, days
 * of work on either backend (DuckDB counts some 4·10^9 rows a second here, the server some 3·10^7), so an
 * answer within the bound below can only come from the interrupt.
 */
const ANSWER_WITHIN_MS = 5000;
const LONG = 'SELECT count(*) AS n FROM src a, src b, src c';

describe.each(['duckdb', 'postgres'] as const)('interrupting a running statement on %s', (kind) => {
  let session: MagicSession;
  const text = async (cell: string) =>
    ((await session.run(cell)) ?? []).map((b) => String(b.data['text/plain'])).join('\n');
  /** Runs `cell`, aborting it `afterMs` after it started; the error and how long after the abort it came. */
  const interrupted = async (cell: string, afterMs = 1500) => {
    const abort = new AbortController();
    let abortedAt = Number.NaN;
    const timer = setTimeout(() => {
      abortedAt = performance.now();
      abort.abort();
    }, afterMs);
    const e = await rejection(session.run(cell, { signal: abort.signal })).finally(() => clearTimeout(timer));
    return { e, answeredAfterMs: performance.now() - abortedAt };
  };

  beforeAll(async () => {
    session = new MagicSession({ defaultSpec: kind, open: () => freshBackend(kind), start: START });
    await session.run(`%%sql
CREATE TABLE src (k INTEGER, v INTEGER);
INSERT INTO src SELECT i, i FROM generate_series(1, 3) AS g(i)`);
    // Three source rows: the first refresh counts 27. 100,000 make the next one count 10^15.
    await session.run(`%%dynamic_table slow TARGET_LAG = '1 hour' REFRESH_MODE = FULL\n${LONG}`);
    await session.run(`%%dynamic_table sums TARGET_LAG = '1 hour'
SELECT k % 10 AS g, COUNT(*) AS n, SUM(v) AS s FROM src GROUP BY k % 10`);
    await session.run('%%sql\nINSERT INTO src SELECT i, i FROM generate_series(4, 100000) AS g(i)');
  }, 120_000);
  afterAll(() => session.close());

  it('a long %%sql query stops mid-statement, and the session goes on', { timeout: 60_000 }, async () => {
    const { e, answeredAfterMs } = await interrupted(`%%sql\n${LONG}`);
    expect(e).toBeInstanceOf(InterruptedError);
    expect(e.code).toBe('DT_ERR_INTERRUPTED');
    expect(e.message).toBe('interrupted: the statement was cancelled while it ran and changed nothing');
    expect(answeredAfterMs).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await text('%%sql\nSELECT 40 + 2 AS answer')).toMatch(/\b42\b/);
  });

  it('a cell interrupted in its second statement keeps the first, nothing of the second, not the third', {
    timeout: 60_000,
  }, async () => {
    // The second statement inserts 1,000 rows at once, then waits for the long count: all or nothing.
    const { e, answeredAfterMs } = await interrupted(`%%sql
INSERT INTO src VALUES (-1, 1);
INSERT INTO src SELECT i, i FROM generate_series(200001, 201000) AS g(i) UNION ALL ${LONG.replace('AS n', ', 0')};
INSERT INTO src VALUES (-3, 3)`);
    expect(e.code).toBe('DT_ERR_INTERRUPTED');
    expect(e.message).toBe(
      'interrupted: statement 2 of 3 was cancelled while it ran and changed nothing; the one before it ran to completion, the 1 after it did not run',
    );
    expect(answeredAfterMs).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await text('%%sql\nSELECT count(*) AS n, min(k) AS lo, max(k) AS hi FROM src')).toMatch(
      /\b100,?001\s*\|\s*-1\s*\|\s*100,?000\b/,
    );
    // Capture saw exactly the committed write: the DT refreshes to its query.
    await session.run('%dt refresh sums');
    expect(await text('%dt verify sums')).toBe('sums equals its query: verified');
  });

  it('%dt refresh and ALTER … REFRESH stop mid-refresh: CANCELLED, previous contents kept', {
    timeout: 60_000,
  }, async () => {
    const engine = session.connected?.engine;
    if (!engine) throw new Error('not connected');
    for (const cell of ['%dt refresh slow', '%%sql\nALTER DYNAMIC TABLE slow REFRESH']) {
      const { e, answeredAfterMs } = await interrupted(cell);
      expect(e.code, cell).toBe('DT_ERR_INTERRUPTED');
      expect(e.message).toBe(
        'interrupted: the refresh of slow was cancelled; slow keeps its previous contents',
      );
      expect(answeredAfterMs).toBeLessThan(ANSWER_WITHIN_MS);
      expect(await text('%%sql\nSELECT n FROM slow')).toMatch(/\b27\b/);
      const [last] = await engine.history('slow');
      expect(last).toMatchObject({
        state: 'CANCELLED',
        stateMessage: 'refresh interrupted: cancelled on request while it ran; previous contents kept',
      });
    }
    expect((await engine.listDynamicTables()).find((d) => d.name === 'slow')?.dataTimestamp).toBe(
      '2026-01-01 00:00:00',
    );
  });

  it('a CREATE DYNAMIC TABLE interrupted in its initial refresh creates nothing', {
    timeout: 60_000,
  }, async () => {
    const engine = session.connected?.engine;
    if (!engine) throw new Error('not connected');
    const { e, answeredAfterMs } = await interrupted(
      `%%sql\nCREATE DYNAMIC TABLE slow2 TARGET_LAG = '1 hour' REFRESH_MODE = FULL AS ${LONG}`,
    );
    expect(e.code).toBe('DT_ERR_INTERRUPTED');
    expect(e.message).toBe('interrupted: the statement was cancelled while it ran and changed nothing');
    expect(answeredAfterMs).toBeLessThan(ANSWER_WITHIN_MS);
    expect((await engine.listDynamicTables()).map((d) => d.name).sort()).toEqual(['slow', 'sums']);
    expect(
      await text("%%sql\nSELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'slow2'"),
    ).toMatch(/\b0\b/);
  });
});
