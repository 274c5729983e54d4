/** Output bundles, pure: every one has text/plain; HTML fallbacks never let data become markup. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, MAX_TABLE_ROWS, MIME, tableBundle } from '../src/display/bundle.js';
import { errorOutput } from '../src/display/error.js';
import { dagBundle, dagModel } from '../src/display/graph.js';
import { historyBundle } from '../src/display/history.js';
import { parseCell } from '../src/magics/parse.js';
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
    };
    const b = historyBundle([r]);
    expect(b.data['text/plain']).toMatch(/INCREMENTAL.*SCHEDULED.*changes in orders/);
    expect(b.data[MIME.history]).toEqual({ records: [r] });
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
