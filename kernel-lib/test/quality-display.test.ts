/**
 * The validation console's pure parts: folding `quality` events into the model, the static fallback (theme
 * colours only), and the kernel runtime keeping a `%dt quality` output live.
 */
import { describe, expect, it } from 'vitest';
import type { OutputBundle } from '../src/display/bundle.js';
import {
  foldQuality,
  QUALITY_MIME,
  type QualityView,
  qualityBundle,
  trendSvg,
} from '../src/display/quality.js';
import { LiveDisplays } from '../src/kernel/live.js';
import type { QualityEvaluation } from '../src/quality/evaluate.js';
import type { SchedulerEvent } from '../src/schedule/events.js';

const T0 = Date.UTC(2026, 0, 1);
const evaluation = (table: string, at: number, nulls: number): QualityEvaluation => ({
  table,
  measurementTime: at,
  trigger: 'SCHEDULED',
  rows: 10,
  metrics: [
    {
      referenceId: `${table}:NULL_COUNT(c)`,
      metric: 'SNOWFLAKE.CORE.NULL_COUNT',
      arguments: ['c'],
      value: nulls,
      expectation: 'no_null (VALUE = 0)',
      violated: nulls > 0,
      sample: nulls > 0 ? [{ id: 1, c: null }] : null,
    },
  ],
  expectations: [{ name: 'valid', action: 'DROP', rowsPassed: 9, rowsFailed: 1 }],
  score:
    nulls > 0
      ? { score: 45, state: 'ERROR', checks: 2, failing: 2 }
      : { score: 95, state: 'HEALTHY', checks: 2, failing: 1 },
  elapsedMs: 1,
});
const event = (e: QualityEvaluation): SchedulerEvent => ({ type: 'quality', evaluation: e });

describe('the validation console model', () => {
  it('folds evaluations: a trend point each, pass rates over time, the latest sample; other tables and events ignored', () => {
    let view: QualityView = { name: 'orders', tables: [] };
    view = foldQuality(view, event(evaluation('orders', T0, 0)));
    view = foldQuality(view, event(evaluation('orders', T0 + 300_000, 3)));
    view = foldQuality(view, event(evaluation('customer', T0, 3)));
    expect(foldQuality(view, { type: 'error', at: T0, message: 'x' })).toBe(view);
    expect(view.tables.map((t) => t.table)).toEqual(['orders']);
    const t = view.tables[0];
    expect(t?.trend).toEqual([
      [T0, 95],
      [T0 + 300_000, 45],
    ]);
    expect(t?.state).toBe('ERROR');
    const rule = t?.rules.find((r) => r.rule === 'NULL_COUNT(c) no_null (VALUE = 0)');
    expect(rule?.history).toEqual([
      [T0, 1],
      [T0 + 300_000, 0],
    ]);
    expect(rule?.sample).toEqual([{ id: 1, c: null }]);
    expect(t?.rules.find((r) => r.kind === 'expectation')?.passRate).toBe(0.9);
  });

  it('draws a static fallback in theme variables only, and text without the extension', () => {
    const view = foldQuality({ name: null, tables: [] }, event(evaluation('orders', T0, 0)));
    const b = qualityBundle(foldQuality(view, event(evaluation('orders', T0 + 60_000, 3))));
    const html = String(b.data['text/html']);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/(fill|stroke)="#|#[0-9a-f]{6}/i);
    expect(html).toContain('var(--jp-error-color1, currentColor)');
    expect(html).toContain('failing rows of NULL_COUNT(c)');
    expect(String(b.data['text/plain'])).toMatch(/orders.*45.*ERROR/);
    expect(trendSvg({ name: null, tables: [] })).toBe('');
    expect(String(qualityBundle({ name: null, tables: [] }).data['text/html'])).toContain(
      'No data metric function',
    );
  });

  it('keeps a %dt quality output live in the kernel runtime', () => {
    const sent: [string, OutputBundle][] = [];
    const live = new LiveDisplays((id, bundle) => sent.push([id, bundle]), 0);
    const id = live.register(qualityBundle({ name: 'orders', tables: [] }));
    expect(id).toBeDefined();
    (live as unknown as { onEvent(e: SchedulerEvent): void }).onEvent(event(evaluation('orders', T0, 3)));
    live.flush();
    expect(sent.length).toBe(1);
    const model = sent[0]?.[1].data[QUALITY_MIME] as unknown as QualityView;
    expect(model.tables[0]?.score).toBe(45);
    live.close();
  });
});
