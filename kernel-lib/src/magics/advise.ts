/**
 * `%dt calc` and `%dt advise` outputs. The calculator's bundle carries its input under the calc MIME type, so
 * the extension's widget (extension/src/components/calc.ts) shows inputs for each parameter and recomputes in
 * the page with the same `estimate`; the text and the HTML table are the static fallback.
 */
import { advise, type Recommendation } from '../advise/advise.js';
import { type CalcInput, estimate, estimateRows } from '../advise/calc.js';
import { gatherFacts } from '../advise/facts.js';
import { escapeHtml, type JsonValue, MIME, type OutputBundle, tableBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import type { WarehouseRun } from '../schedule/warehouse.js';

/** "lag 10m, FULL, XSMALL, 60 change rows/min, 15,000 source rows, 2,400 rows, AUTO_SUSPEND 60 s". */
export function describeInput(i: CalcInput): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `lag ${i.lagSeconds} s`,
    i.mode,
    i.size,
    `${n(i.changesPerMinute)} change rows/min`,
    `${n(i.sourceRows)} source rows`,
    `${n(i.outputRows ?? i.sourceRows)} rows`,
    `AUTO_SUSPEND ${i.autoSuspendSeconds ?? 600} s`,
  ].join(', ');
}

export function calcBundle(input: CalcInput): OutputBundle {
  const rows = estimateRows(estimate(input));
  const title = `estimate for ${describeInput(input)}`;
  const table = tableBundle(
    {
      columns: [
        { name: 'estimate', type: 'varchar' },
        { name: 'value', type: 'varchar' },
      ],
      rows,
    },
    title,
  );
  return {
    data: {
      [MIME.calc]: { input: { ...input } } as unknown as JsonValue,
      'text/plain': table.data['text/plain'] as string,
      'text/html': table.data['text/html'] as string,
    },
    metadata: {},
  };
}

const COLUMNS = ['target', 'recommendation', 'credits/day now', 'after', 'saving/day', 'action', 'why'];

export function adviceBundle(recs: readonly Recommendation[]): OutputBundle {
  if (recs.length === 0)
    return {
      data: {
        'text/plain':
          'no recommendation: every dynamic table looked at refreshes as its settings and data call for',
      },
      metadata: {},
    };
  const total = recs.reduce((a, r) => a + r.savingPerDay, 0);
  const t = tableBundle(
    {
      columns: COLUMNS.map((name, i) => ({ name, type: i >= 2 && i <= 4 ? 'double' : 'varchar' })),
      rows: recs.map((r) => [
        r.target,
        r.kind,
        r.creditsPerDayNow,
        r.creditsPerDayAfter,
        r.savingPerDay,
        r.action,
        r.reason,
      ]),
    },
    `${recs.length} recommendation${recs.length === 1 ? '' : 's'} (savings estimated by %dt calc's model; a DT on a warehouse another DT keeps up is priced by its work alone; they do not add up when they concern one DT)`,
  );
  const words = recs.map(
    (r) => `${r.target} (${r.kind}, saves about ${r.savingPerDay} credits/day): ${r.reason}. ${r.action}`,
  );
  return {
    data: {
      ...t.data,
      'text/plain': `${t.data['text/plain']}\n${words.join('\n')}`,
      'text/html': `${t.data['text/html']}${words.map((w) => `<p>${escapeHtml(w)}</p>`).join('')}`,
    },
    metadata: { largestSaving: Math.max(...recs.map((r) => r.savingPerDay)), total },
  };
}

export async function adviseCommand(
  engine: Engine,
  openRuns: readonly Omit<WarehouseRun, 'size'>[],
  names: readonly string[],
): Promise<OutputBundle> {
  return adviceBundle(advise(await gatherFacts(engine, openRuns, names)));
}
