/**
 * `%dt compare A B`: two DTs side by side — the same contents? (EXCEPT ALL both ways) — and the work their
 * refreshes did, summed over every successful refresh in their history (creation and manual ones included,
 * so the figures are the history's): source rows read, rows written, credits; then, in words, which did
 * less work and which cost less, and why (the cost model, schedule/cost.ts).
 */
import { quoteIdent, type ResultColumn } from '../backends/backend.js';
import { escapeHtml, type JsonValue, MIME, type OutputBundle, tableBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import type { RefreshRecord } from '../types.js';

export interface Totals {
  refreshes: number;
  incremental: number;
  full: number;
  noData: number;
  rowsRead: number;
  rowsWritten: number;
  executionMs: number;
  credits: number;
}

/** The metrics' names as the table shows them, in order. */
export const TOTAL_LABELS: Record<keyof Totals, string> = {
  refreshes: 'successful refreshes',
  incremental: 'INCREMENTAL refreshes',
  full: 'FULL refreshes (incl. REINITIALIZE)',
  noData: 'NO_DATA refreshes (free)',
  rowsRead: 'source rows read',
  rowsWritten: 'rows written (inserted + deleted)',
  executionMs: 'warehouse time (ms)',
  credits: 'credits',
};

export function totals(records: readonly RefreshRecord[]): Totals {
  const ok = records.filter((r) => r.state === 'SUCCEEDED');
  const sum = (f: (r: RefreshRecord) => number) => ok.reduce((a, r) => a + f(r), 0);
  return {
    refreshes: ok.length,
    incremental: ok.filter((r) => r.refreshAction === 'INCREMENTAL').length,
    full: ok.filter((r) => r.refreshAction === 'FULL' || r.refreshAction === 'REINITIALIZE').length,
    noData: ok.filter((r) => r.refreshAction === 'NO_DATA').length,
    rowsRead: sum((r) => r.rowsRead),
    rowsWritten: sum((r) => r.rowsInserted + r.rowsDeleted),
    executionMs: Math.round(sum((r) => r.executionMs) * 10) / 10,
    credits: Math.round(sum((r) => r.creditsUsed) * 1e6) / 1e6,
  };
}

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number, y: number) => {
  const p = (100 * x) / y;
  return p >= 10 ? `${p.toFixed(0)}%` : p >= 1 ? `${p.toFixed(1)}%` : `${p.toFixed(2)}%`;
};

/** What each DT's refreshes were, in words: why their work differs. */
function how(name: string, t: Totals): string {
  const parts: string[] = [];
  if (t.full > 0)
    parts.push(`${t.full} FULL refresh${t.full === 1 ? '' : 'es'} each read every row of its sources`);
  if (t.incremental > 0)
    parts.push(
      `${t.incremental} INCREMENTAL refresh${t.incremental === 1 ? '' : 'es'} read only the changed rows`,
    );
  if (t.noData > 0)
    parts.push(`${t.noData} NO_DATA refresh${t.noData === 1 ? '' : 'es'} read nothing and cost nothing`);
  return `${name}: ${parts.length ? parts.join('; ') : 'no successful refresh'}`;
}

/** The comparison in words: which did less work, which cost less, and why. Pure. */
export function compareWords(a: string, ta: Totals, b: string, tb: Totals): string[] {
  const work = (t: Totals) => t.rowsRead + t.rowsWritten;
  const [wa, wb] = [work(ta), work(tb)];
  const lines: string[] = [];
  if (wa === wb) lines.push(`${a} and ${b} did the same work: ${n(wa)} rows read and written each.`);
  else {
    const [less, more, tl, tm] = wa < wb ? [a, b, ta, tb] : [b, a, tb, ta];
    lines.push(
      `${less} did less work: it read ${n(tl.rowsRead)} source rows and wrote ${n(tl.rowsWritten)}, against ` +
        `${n(tm.rowsRead)} and ${n(tm.rowsWritten)} for ${more}` +
        (work(tm) > 0 ? ` (${pct(work(tl), work(tm))} of the rows).` : '.'),
    );
  }
  if (ta.credits === tb.credits) lines.push(`Both cost ${ta.credits} credits.`);
  else {
    const [cheap, dear, tc, td] = ta.credits < tb.credits ? [a, b, ta, tb] : [b, a, tb, ta];
    lines.push(`${cheap} cost less: ${tc.credits} credits against ${td.credits} for ${dear}.`);
  }
  lines.push(
    `Why: a refresh holds its warehouse for the rows it reads and writes (credits follow them). ${how(a, ta)}. ${how(b, tb)}.`,
  );
  return lines;
}

export async function compare(engine: Engine, a: string, b: string): Promise<OutputBundle> {
  const dts = await engine.listDynamicTables();
  for (const name of [a, b])
    if (!dts.some((d) => d.name === name))
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
  const [qa, qb] = [quoteIdent(a), quoteIdent(b)];
  const diff = await engine.backend.query(
    `SELECT count(*) FROM ((SELECT * FROM ${qa} EXCEPT ALL SELECT * FROM ${qb})
       UNION ALL (SELECT * FROM ${qb} EXCEPT ALL SELECT * FROM ${qa})) d`,
  );
  const differing = Number(diff.rows[0]?.[0] ?? 0);
  const [ta, tb] = [totals(await engine.history(a)), totals(await engine.history(b))];
  const metrics = Object.keys(TOTAL_LABELS) as (keyof Totals)[];
  const columns: ResultColumn[] = [
    { name: 'metric', type: 'varchar' },
    { name: a, type: 'double' },
    { name: b, type: 'double' },
  ];
  const table = tableBundle({ columns, rows: metrics.map((m) => [TOTAL_LABELS[m], ta[m], tb[m]]) });
  const verdict = differing === 0 ? 'contents equal' : `contents differ in ${differing} rows`;
  const words = compareWords(a, ta, b, tb);
  return {
    data: {
      [MIME.compare]: {
        a,
        b,
        equal: differing === 0,
        differingRows: differing,
        totals: { [a]: { ...ta }, [b]: { ...tb } },
        labels: { ...TOTAL_LABELS },
        words,
      } as JsonValue,
      'text/plain': `${a} vs ${b}: ${verdict}\n${table.data['text/plain']}\n${words.join('\n')}`,
      'text/html': `<p>${escapeHtml(`${a} vs ${b}: ${verdict}`)}</p>${table.data['text/html']}${words
        .map((w) => `<p>${escapeHtml(w)}</p>`)
        .join('')}`,
    },
    metadata: {},
  };
}
