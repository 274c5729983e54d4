/** The monitor's pure model and series (display/monitor.ts), and its first read on a real engine. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import {
  creditsByWarehouse,
  durations,
  errorRates,
  foldMonitor,
  MONITOR_LIMIT,
  monitorFrom,
  rowCounts,
} from '../src/display/monitor.js';
import { readMonitor } from '../src/display/monitor-read.js';
import { Engine } from '../src/engine/engine.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import type { RefreshRecord } from '../src/types.js';
import { freshBackend } from './helpers/backends.js';

const record = (over: Partial<RefreshRecord>): RefreshRecord => ({
  refreshId: 1,
  name: 'd',
  state: 'SUCCEEDED',
  stateMessage: null,
  refreshAction: 'INCREMENTAL',
  refreshTrigger: 'SCHEDULED',
  dataTimestamp: '2030-01-01 00:00:00',
  refreshStartTime: '2030-01-01 00:00:00',
  refreshEndTime: '2030-01-01 00:00:02',
  completionTarget: null,
  rowsInserted: 0,
  rowsDeleted: 0,
  changesRead: {},
  planningMs: 0,
  executionMs: 0,
  queuedMs: 0,
  reason: null,
  warehouse: 'compute_wh',
  creditsUsed: 0,
  rowsRead: 0,
  ...over,
});

describe('monitor series', () => {
  const history = [
    record({
      refreshId: 3,
      refreshAction: 'INCREMENTAL',
      rowsInserted: 2,
      rowsDeleted: 1,
      refreshStartTime: '2030-01-01 01:10:00',
      refreshEndTime: '2030-01-01 01:10:05',
    }),
    record({
      refreshId: 2,
      state: 'FAILED',
      refreshAction: null,
      refreshStartTime: '2030-01-01 01:00:00',
      refreshEndTime: '2030-01-01 01:00:01',
    }),
    record({
      refreshId: 1,
      refreshAction: 'FULL',
      rowsInserted: 10,
      refreshStartTime: '2030-01-01 00:00:00',
      refreshEndTime: '2030-01-01 00:00:03',
    }),
  ];
  const model = monitorFrom(
    history,
    [],
    [
      { warehouse: 'a', endMs: 2, credits: 0.5 },
      { warehouse: 'a', endMs: 1, credits: 0.25 },
    ],
  );

  it('durations, error rate per hour, cumulative credits and row counts', () => {
    expect(durations(model).map((d) => [d.action, d.seconds])).toEqual([
      ['FULL', 3],
      ['FAILED', 1],
      ['INCREMENTAL', 5],
    ]);
    expect(errorRates(model).map((e) => [e.failed, e.total, e.rate])).toEqual([
      [0, 1, 0],
      [1, 2, 0.5],
    ]);
    expect(creditsByWarehouse(model).map((c) => c.credits)).toEqual([0.25, 0.75]);
    expect(rowCounts(model).map((r) => r.rows)).toEqual([10, 11]);
  });

  it('folds refreshes, lag samples and warehouse runs, and stays bounded', () => {
    let m = foldMonitor(model, { type: 'refresh', record: record({ refreshId: 4, rowsInserted: 1 }) });
    m = foldMonitor(m, {
      type: 'lag',
      sample: {
        sampleTime: '2030-01-01 02:00:00',
        name: 'd',
        kind: 'CYCLE',
        dataTimestamp: null,
        lagSeconds: 30,
        targetLagSeconds: 60,
      },
    });
    m = foldMonitor(m, {
      type: 'warehouse',
      action: 'suspended',
      warehouse: 'a',
      at: 5,
      run: { warehouse: 'a', size: 'XSMALL', startMs: 0, endMs: 5, busyMs: 1, refreshes: 1, credits: 1 },
    });
    expect([m.refreshes.length, m.lag.length, m.runs.length]).toEqual([4, 1, 3]);
    expect(rowCounts(m).at(-1)?.rows).toBe(12);
    let big = model;
    for (let i = 0; i < MONITOR_LIMIT + 5; i++)
      big = foldMonitor(big, { type: 'refresh', record: record({ refreshId: i }) });
    expect(big.refreshes).toHaveLength(MONITOR_LIMIT);
  });
});

describe('monitor read on a real engine', () => {
  it('reads history, lag samples and warehouse runs after a scheduled hour', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const engine = await Engine.open(await freshBackend('duckdb'), { clock });
    const scheduler = new Scheduler(engine);
    try {
      await engine.execute(`CREATE TABLE src (k INTEGER); INSERT INTO src VALUES (1);
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' AS SELECT k FROM src`);
      for (let h = 0; h < 3; h++) {
        await engine.execute(`INSERT INTO src VALUES (${h + 2})`);
        await scheduler.advance(3_600_000);
      }
      const m = await readMonitor(engine);
      expect(m.refreshes.length).toBeGreaterThan(1);
      expect(m.lag.length).toBeGreaterThan(0);
      expect(m.runs.length).toBeGreaterThan(0);
      expect(rowCounts(m).at(-1)?.rows).toBe(
        Number((await engine.execute('SELECT count(*) FROM d'))[0]?.rows[0]?.[0]),
      );
    } finally {
      await scheduler.stop();
      await engine.close();
    }
  });
});
