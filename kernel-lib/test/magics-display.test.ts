/** Output bundles, pure: every one has text/plain; HTML fallbacks never let data become markup. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, MAX_TABLE_ROWS, MIME, tableBundle } from '../src/display/bundle.js';
import { errorOutput } from '../src/display/error.js';
import { dagBundle, dagModel } from '../src/display/graph.js';
import { historyBundle, type LagPoint, lagBundle } from '../src/display/history.js';
import {
  catchUpDag,
  emptySidebar,
  foldDag,
  foldHistory,
  foldLag,
  foldSidebar,
  type HistoryView,
  sidebarFromCatalog,
} from '../src/display/live.js';
import { dagSvg, lagSvg } from '../src/display/svg.js';
import { refreshTimeline, timelineSvg } from '../src/display/timeline.js';
import { compareWords, totals } from '../src/magics/compare.js';
import { parseCell } from '../src/magics/parse.js';
import { billSummary, refreshSummary, simulatorSummary, statementStatus } from '../src/magics/summary.js';
import type { SchedulerEvent } from '../src/schedule/events.js';
import type { DynamicTable, RefreshRecord } from '../src/types.js';

const evil = '<img src=x onerror="alert(1)">&\'';

describe('table bundles', () => {
  it('escape HTML and keep JSON-safe values', () => {
    const b = tableBundle({
      columns: [
        { name: evil, type: 'varchar' },
        { name: 'n', type: 'bigint' },
      ],
      rows: [[evil, 2n ** 70n]],
    });
    const html = String(b.data['text/html']);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    expect(b.data[MIME.table]).toMatchObject({ rows: [[evil, (2n ** 70n).toString()]], rowCount: 1 });
    expect(b.data['text/plain']).toContain('1 row');
    expect(JSON.parse(JSON.stringify(b.data))).toEqual(b.data);
  });

  it('keep at most MAX_TABLE_ROWS rows and say how many more there were', () => {
    const rows = Array.from({ length: MAX_TABLE_ROWS + 5 }, (_, i) => [i]);
    const b = tableBundle({ columns: [{ name: 'i', type: 'integer' }], rows });
    expect((b.data[MIME.table] as { rows: unknown[] }).rows).toHaveLength(MAX_TABLE_ROWS);
    expect(b.data[MIME.table]).toMatchObject({ rowCount: MAX_TABLE_ROWS + 5 });
    expect(b.data['text/plain']).toContain('(5 more rows not shown)');
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});

describe('graph and history bundles', () => {
  const dt = (name: string, sources: string[], dataTimestamp: string | null): DynamicTable => ({
    name,
    query: 'SELECT 1',
    targetLag: { kind: 'duration', seconds: 60 },
    warehouse: 'compute_wh',
    refreshMode: 'AUTO',
    effectiveMode: 'INCREMENTAL',
    refreshModeReason: '',
    initialize: 'ON_CREATE',
    scheduler: 'ENABLE',
    schedulingState: 'ACTIVE',
    createdOn: '2026-01-01 00:00:00',
    dataTimestamp,
    sources: sources.map((s) => ({ name: s, kind: s.startsWith('dt') ? 'DYNAMIC TABLE' : 'TABLE' })),
  });

  it('builds one node per DT and source, edges source → reader, lag from the data timestamp', () => {
    const now = Date.UTC(2026, 0, 1, 0, 2, 0);
    const model = dagModel(
      [dt('dt_a', ['orders'], '2026-01-01 00:01:30'), dt('dt_b', ['dt_a', 'orders'], null)],
      now,
    );
    expect(model.nodes.map((n) => n.id)).toEqual(['dt_a', 'dt_b', 'orders']);
    expect(model.edges).toEqual([
      { from: 'orders', to: 'dt_a' },
      { from: 'dt_a', to: 'dt_b' },
      { from: 'orders', to: 'dt_b' },
    ]);
    expect(model.nodes[0]).toMatchObject({ lagSeconds: 30, targetLagSeconds: 60 });
    expect(model.nodes[1]).toMatchObject({ lagSeconds: null });
    const b = dagBundle(model);
    expect(b.data['text/plain']).toContain('orders → dt_a');
    expect(dagBundle(dagModel([], now)).data['text/plain']).toBe('No dynamic tables yet.');
  });

  it('history text/plain lists action and reason', () => {
    const r: RefreshRecord = {
      refreshId: 1,
      name: 'dt_a',
      state: 'SUCCEEDED',
      stateMessage: null,
      refreshAction: 'INCREMENTAL',
      refreshTrigger: 'SCHEDULED',
      dataTimestamp: '2026-01-01 00:01:00',
      refreshStartTime: '2026-01-01 00:01:00',
      refreshEndTime: '2026-01-01 00:01:01',
      completionTarget: null,
      rowsInserted: 3,
      rowsDeleted: 1,
      changesRead: { orders: 4 },
      planningMs: 1,
      executionMs: 2.345,
      queuedMs: 0,
      reason: 'changes in orders',
      warehouse: 'compute_wh',
      creditsUsed: 0.0001,
      rowsRead: 0,
    };
    const b = historyBundle([r]);
    expect(b.data['text/plain']).toMatch(/INCREMENTAL.*SCHEDULED.*changes in orders/);
    expect(b.data[MIME.history]).toEqual({ records: [r] });
  });
});

const record = (refreshId: number, name: string, patch: Partial<RefreshRecord> = {}): RefreshRecord => ({
  refreshId,
  name,
  state: 'SUCCEEDED',
  stateMessage: null,
  refreshAction: 'INCREMENTAL',
  refreshTrigger: 'SCHEDULED',
  dataTimestamp: `2026-01-01 00:0${refreshId}:00`,
  refreshStartTime: `2026-01-01 00:0${refreshId}:00`,
  refreshEndTime: `2026-01-01 00:0${refreshId}:01`,
  completionTarget: null,
  rowsInserted: 1,
  rowsDeleted: 0,
  changesRead: {},
  planningMs: 1,
  executionMs: 2,
  queuedMs: 0,
  reason: null,
  warehouse: 'compute_wh',
  creditsUsed: 0.001,
  rowsRead: 1,
  ...patch,
});

const lagPoint = (name: string, minute: number, lagSeconds: number | null): LagPoint => ({
  name,
  sampleTime: `2026-01-01 00:${String(minute).padStart(2, '0')}:00`,
  kind: 'CYCLE',
  lagSeconds,
  targetLagSeconds: 600,
});

const dtRow = (name: string, dataTimestamp: string | null, sources = ['orders']): DynamicTable => ({
  name,
  query: 'SELECT 1',
  targetLag: { kind: 'duration', seconds: 60 },
  warehouse: 'compute_wh',
  refreshMode: 'AUTO',
  effectiveMode: 'INCREMENTAL',
  refreshModeReason: '',
  initialize: 'ON_CREATE',
  scheduler: 'ENABLE',
  schedulingState: 'ACTIVE',
  createdOn: '2026-01-01 00:00:00',
  dataTimestamp,
  sources: sources.map((s) => ({ name: s, kind: 'TABLE' })),
});

/** No script, no event-handler attribute, no javascript: URL: the fallbacks cannot run anything. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<script|<iframe|<object|<foreignObject/i);
  // Inside a tag: escaped text may well read onerror=.
  expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
  expect(html).not.toContain('<img');
}

const now = Date.UTC(2026, 0, 1, 0, 10, 0);

describe('static fallbacks: every widget bundle reads without the extension', () => {
  it('the DAG carries an SVG drawing with every node, escaped, and its description', () => {
    const model = dagModel([dtRow(evil, '2026-01-01 00:09:30'), dtRow('dt_b', null, [evil])], now);
    const html = String(dagBundle(model).data['text/html']);
    expectInert(html);
    expect(html).toContain('<svg');
    expect(html.match(/<rect /g)).toHaveLength(3); // orders, the evil-named DT, dt_b
    expect(html.match(/marker-end=/g)).toHaveLength(2); // orders → evil, evil → dt_b
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    expect(html).toContain('INCREMENTAL · lag 30 s / 1 minute');
    // Columns by depth: dt_b, which reads the evil DT, is drawn to the right of it.
    const x = (name: string) =>
      Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${name}</text>`).exec(dagSvg(model))?.[1]);
    expect(x('dt_b')).toBeGreaterThan(x('orders'));
  });

  it('the lag chart carries an SVG chart (one line per DT, dashed targets) and a table of the latest lags', () => {
    const points = [
      lagPoint('dt_a', 1, 30),
      lagPoint('dt_a', 2, 90),
      lagPoint(evil, 1, null),
      lagPoint(evil, 2, 1200),
    ];
    const b = lagBundle(points, ['dt_a', evil]);
    const html = String(b.data['text/html']);
    expectInert(html);
    expect(html.match(/<polyline /g)).toHaveLength(2);
    expect(html.match(/stroke-dasharray/g)).toHaveLength(2);
    // dt_a: two samples joined by a straight line (2 vertices: lag grows linearly between samples, the
    // sawtooth; a step would hide it); the evil-named DT's null lag is left out (1 vertex).
    const vertices = [...html.matchAll(/points="([^"]*)"/g)].map((m) => m[1]?.split(' ').length);
    expect(vertices.sort()).toEqual([1, 2]);
    expect(html).toContain(
      '<td>dt_a</td><td>90 s</td><td>2026-01-01 00:02:00</td><td>90 s</td><td>10 min</td>',
    );
    expect(html).toContain('&lt;img src=x');
    expect(b.data[MIME.lag]).toEqual({ points, names: ['dt_a', evil] });
    expect(lagSvg([])).toContain('No lag samples yet');
    expect(String(lagBundle([]).data['text/html'])).toContain('No lag samples yet');
  });

  it('the history carries a timeline: a lane per DT, a mark per refresh coloured by action or failure', () => {
    const records = [
      record(4, 'dt_b', { state: 'FAILED', refreshAction: null, reason: evil }),
      record(3, evil, { refreshAction: 'FULL' }),
      record(2, 'dt_b', { refreshAction: 'NO_DATA' }),
      record(1, 'dt_b'),
    ];
    const t = refreshTimeline(records);
    expect(t?.lanes.map((l) => l.name)).toEqual([evil, 'dt_b'].sort());
    expect(t?.marks.map((m) => m.kind)).toEqual(['FAILED', 'FULL', 'NO_DATA', 'INCREMENTAL']);
    expect(t?.kinds).toEqual(['INCREMENTAL', 'FULL', 'NO_DATA', 'FAILED']);
    // Later refreshes sit further right; a DT's marks share its lane.
    const [failed, full, noData, first] = t?.marks ?? [];
    expect(failed?.x).toBeGreaterThan(noData?.x ?? Infinity);
    expect(noData?.x).toBeGreaterThan(first?.x ?? Infinity);
    expect(failed?.y).toBe(first?.y);
    expect(full?.y).not.toBe(first?.y);
    const html = String(historyBundle(records).data['text/html']);
    expectInert(html);
    expect(html.indexOf('<svg')).toBeLessThan(html.indexOf('<table'));
    expect(html.match(/<title>/g)).toHaveLength(4);
    // One refresh: no timeline, the table alone.
    expect(refreshTimeline([record(1, 'a')])).toBeNull();
    expect(timelineSvg([record(1, 'a')])).toBe('');
    expect(String(historyBundle([record(1, 'a')]).data['text/html'])).toMatch(/^<table/);
  });

  it('every widget bundle has text/plain and inert text/html, and survives JSON', () => {
    const bundles = [
      dagBundle(dagModel([dtRow('dt_a', '2026-01-01 00:09:00')], now)),
      lagBundle([lagPoint('dt_a', 1, 30)]),
      historyBundle([record(1, evil, { reason: evil })], { name: evil, limit: 5 }),
      tableBundle({ columns: [{ name: 'x', type: 'varchar' }], rows: [[evil]] }),
    ];
    for (const b of bundles) {
      expect(typeof b.data['text/plain']).toBe('string');
      expect(String(b.data['text/plain']).length).toBeGreaterThan(0);
      expectInert(String(b.data['text/html']));
      expect(JSON.parse(JSON.stringify(b))).toEqual(b);
    }
  });
});

describe('live folds', () => {
  const lagEvent = (name: string, minute: number, lagSeconds: number): SchedulerEvent => ({
    type: 'lag',
    sample: { ...lagPoint(name, minute, lagSeconds), kind: 'CYCLE', dataTimestamp: '2026-01-01 00:00:00' },
  });

  it('the lag chart takes the new samples of the DTs it shows', () => {
    let view = { points: [lagPoint('a', 1, 10)], names: ['a'] };
    view = foldLag(view, lagEvent('a', 2, 70));
    view = foldLag(view, lagEvent('b', 2, 5));
    view = foldLag(view, { type: 'state', name: 'a', state: 'SUSPENDED', reason: null });
    expect(view.points.map((p) => [p.name, p.lagSeconds])).toEqual([
      ['a', 10],
      ['a', 70],
    ]);
    // A chart of every DT takes them all.
    expect(foldLag({ points: [], names: [] }, lagEvent('b', 2, 5)).points).toHaveLength(1);
  });

  it('a history takes its DT’s refreshes on top, replaces a record it has, keeps its limit', () => {
    let view: HistoryView = { records: [record(2, 'a'), record(1, 'a')], name: 'a', limit: 2 };
    view = foldHistory(view, { type: 'refresh', record: record(3, 'a', { refreshAction: 'FULL' }) });
    view = foldHistory(view, { type: 'refresh', record: record(4, 'b') });
    expect(view.records.map((r) => r.refreshId)).toEqual([3, 2]);
    view = foldHistory(view, { type: 'refresh', record: record(3, 'a', { state: 'FAILED' }) });
    expect(view.records.map((r) => [r.refreshId, r.state])).toEqual([
      [3, 'FAILED'],
      [2, 'SUCCEEDED'],
    ]);
    const all = foldHistory(
      { records: [], name: null, limit: null },
      { type: 'refresh', record: record(4, 'b') },
    );
    expect(all.records).toHaveLength(1);
  });

  it('the DAG follows lags, states and data timestamps', () => {
    let model = dagModel([dtRow('a', null)], now);
    model = foldDag(model, lagEvent('a', 9, 45));
    model = foldDag(model, {
      type: 'state',
      name: 'a',
      state: 'SUSPENDED',
      reason: 'USER_SUSPENDED',
    });
    expect(model.nodes.find((n) => n.id === 'a')).toMatchObject({ lagSeconds: 45 });
    // A refresh (a manual one brings no lag sample) sets the lag right after it: its end − its data timestamp.
    const r = record(5, 'a');
    model = foldDag(model, { type: 'refresh', record: r });
    const after =
      (Date.parse(`${r.refreshEndTime?.replace(' ', 'T')}Z`) - Date.parse('2026-01-01T00:05:00Z')) / 1000;
    expect(model.nodes.find((n) => n.id === 'a')).toMatchObject({
      lagSeconds: after,
      state: 'SUSPENDED',
      dataTimestamp: '2026-01-01 00:05:00',
    });
    expect(after).not.toBe(45);
    expect(foldDag(model, lagEvent('zz', 9, 1))).toBe(model);
  });

  it('a DAG drawn again from its bundle catches up with the catalog', () => {
    const saved = dagModel([dtRow('a', '2026-01-01 00:01:00')], Date.parse('2026-01-01T00:01:30Z'));
    const now = Date.parse('2026-01-01T00:10:00Z');
    const caught = catchUpDag(
      saved,
      [{ ...dtRow('a', '2026-01-01 00:09:00'), schedulingState: 'SUSPENDED' }],
      now,
    );
    expect(caught.nodes.find((n) => n.id === 'a')).toMatchObject({
      dataTimestamp: '2026-01-01 00:09:00',
      state: 'SUSPENDED',
      lagSeconds: 60,
    });
    // Sources and DTs the catalog no longer has stay as drawn.
    expect(caught.nodes.find((n) => n.id === 'orders')).toEqual(saved.nodes.find((n) => n.id === 'orders'));
    expect(catchUpDag(saved, [], now)).toEqual(saved);
    // A catalog read before a refresh the widget already folded does not take it back.
    const older = catchUpDag(caught, [dtRow('a', '2026-01-01 00:05:00')], now);
    expect(older.nodes.find((n) => n.id === 'a')?.dataTimestamp).toBe('2026-01-01 00:09:00');
  });

  it('the sidebar: rows from the catalog, last refresh from history or events, lag, state, drops', () => {
    // The creation's refresh event arrives before the catalog is read again: it is kept.
    let m = foldSidebar(emptySidebar, {
      type: 'refresh',
      record: record(1, 'b', { refreshTrigger: 'CREATION', refreshAction: 'FULL' }),
    });
    m = sidebarFromCatalog(m, [dtRow('b', '2026-01-01 00:01:00'), dtRow('a', null)], now, [
      record(2, 'a', { state: 'FAILED', refreshAction: null }),
    ]);
    expect(m.rows.map((r) => [r.name, r.lagSeconds, r.targetLag])).toEqual([
      ['a', null, '1 minute'],
      ['b', 540, '1 minute'],
    ]);
    expect(m.last.a).toMatchObject({ state: 'FAILED', action: null });
    expect(m.last.b).toMatchObject({ action: 'FULL', trigger: 'CREATION' });
    m = foldSidebar(m, lagEvent('b', 10, 20));
    // A refresh (a manual one brings no lag sample) sets the lag to its end minus its data timestamp.
    m = foldSidebar(m, {
      type: 'refresh',
      record: record(3, 'a', { dataTimestamp: '2026-01-01 00:09:00', refreshEndTime: '2026-01-01 00:09:04' }),
    });
    m = foldSidebar(m, { type: 'state', name: 'b', state: 'SUSPENDED', reason: 'USER_SUSPENDED' });
    expect(m.rows.find((r) => r.name === 'b')).toMatchObject({ lagSeconds: 20, state: 'SUSPENDED' });
    expect(m.rows.find((r) => r.name === 'a')).toMatchObject({
      dataTimestamp: '2026-01-01 00:09:00',
      lagSeconds: 4,
    });
    expect(m.last.a).toMatchObject({ state: 'SUCCEEDED', action: 'INCREMENTAL' });
    m = foldSidebar(m, { type: 'catalog', action: 'dropped', name: 'a' });
    expect(m.rows.map((r) => r.name)).toEqual(['b']);
    expect(Object.keys(m.last)).toEqual(['b']);
  });
});

describe('error outputs', () => {
  it('carry the code, the position and a caret under the cell line', () => {
    let error: unknown;
    try {
      parseCell('%dt show\n%dt shwo');
    } catch (e) {
      error = e;
    }
    const out = errorOutput(error);
    expect(out.ename).toBe('DT_ERR_SYNTAX');
    expect(out.evalue).toMatch(/at line 2, column 5$/);
    expect(out.traceback[1]).toBe('2 | %dt shwo\n        ^');
    expect(errorOutput(new Error('boom'))).toEqual({
      ename: 'Error',
      evalue: 'boom',
      traceback: ['Error: boom'],
    });
  });
});

describe('what a step, a stream and a statement did, in words (magics/summary.ts)', () => {
  const rec = (over: Partial<RefreshRecord>): RefreshRecord => ({
    refreshId: 1,
    name: 'a',
    state: 'SUCCEEDED',
    stateMessage: null,
    refreshAction: 'INCREMENTAL',
    refreshTrigger: 'SCHEDULED',
    dataTimestamp: '2026-01-01 00:00:00',
    refreshStartTime: '2026-01-01 00:00:00',
    refreshEndTime: '2026-01-01 00:00:00',
    completionTarget: null,
    rowsInserted: 1,
    rowsDeleted: 1,
    rowsRead: 10,
    changesRead: {},
    planningMs: 0,
    executionMs: 1,
    queuedMs: 0,
    reason: null,
    warehouse: 'w',
    creditsUsed: 0.001,
    ...over,
  });

  it('counts only the scheduled refreshes of a clock step, with rows read and credits', () => {
    const s = refreshSummary([
      rec({ refreshTrigger: 'CREATION', refreshAction: 'FULL', rowsRead: 1000 }),
      rec({ refreshTrigger: 'MANUAL' }),
      rec({}),
      rec({ refreshAction: 'NO_DATA', rowsRead: 0, creditsUsed: 0 }),
    ]);
    expect(s).toBe(
      '2 scheduled refreshes ran: a 2 (INCREMENTAL 1, NO_DATA 1; 10 source rows read, 0.001 credits)',
    );
    expect(refreshSummary([rec({ refreshTrigger: 'MANUAL' })])).toBe('no refresh was due');
  });

  it('bills each warehouse from its runs', () => {
    expect(billSummary([])).toMatch(/no warehouse ran/);
    const run = { warehouse: 'w', startMs: 0, endMs: 3600_000, busyMs: 240_000, refreshes: 120, credits: 1 };
    expect(billSummary([run])).toBe(
      'warehouse w: up 3,600 s since it resumed, busy 240 s of it, billed 1 credits',
    );
  });

  it('says what the simulator wrote and what a statement without a result did', () => {
    expect(
      simulatorSummary({
        events: { newOrder: 5, statusChange: 1, correction: 2, cancellation: 0 },
        lineitems: 20,
        faults: { duplicateKey: 0, nullCustomer: 1, unknownCustomer: 0 } as never,
      }),
    ).toBe(
      'simulation stopped after 8 events: 5 new orders (20 line items), 1 status changes, 2 price corrections, 0 cancellations; faults: nullCustomer 1',
    );
    expect(statementStatus('INSERT INTO t VALUES (1), (2)', 2)).toBe('2 rows inserted');
    expect(statementStatus('-- c\nWITH x AS (SELECT 1) DELETE FROM t', 1)).toBe('1 row deleted');
    expect(statementStatus('CREATE TABLE t (a INT)', 0)).toBe('CREATE TABLE done');
  });

  it('compares in words: which did less work, which cost less, and why', () => {
    const inc = totals([
      rec({}),
      rec({ refreshAction: 'NO_DATA', rowsRead: 0, rowsInserted: 0, rowsDeleted: 0, creditsUsed: 0 }),
    ]);
    const full = totals([
      rec({
        refreshAction: 'FULL',
        rowsRead: 15_000,
        rowsInserted: 2400,
        rowsDeleted: 2400,
        creditsUsed: 0.5,
      }),
    ]);
    expect(inc).toMatchObject({ refreshes: 2, incremental: 1, noData: 1, rowsRead: 10, rowsWritten: 2 });
    const words = compareWords('inc', inc, 'full', full).join('\n');
    expect(words).toContain(
      'inc did less work: it read 10 source rows and wrote 2, against 15,000 and 4,800 for full',
    );
    expect(words).toContain('inc cost less: 0.001 credits against 0.5 for full');
    expect(words).toContain('1 NO_DATA refresh read nothing and cost nothing');
    expect(compareWords('full', full, 'inc', inc).join(' ')).toContain('inc did less work');
  });
});
