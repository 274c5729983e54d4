/**
 * Output bundles: what a magic returns, in the shape of a Jupyter display_data output (`data` keyed by MIME
 * type). Every bundle has text/plain, so a notebook saved with it still reads in a viewer without the
 * extension; tables also carry escaped HTML. Values are made JSON-safe (bigint → number or string).
 */
import type { ResultColumn, Value } from '../backends/backend.js';
import { formatTable } from '../cli/table.js';

export const MIME = {
  table: 'application/vnd.dtlab.table+json',
  dag: 'application/vnd.dtlab.dag+json',
  history: 'application/vnd.dtlab.history+json',
  lag: 'application/vnd.dtlab.lag+json',
  compare: 'application/vnd.dtlab.compare+json',
  calc: 'application/vnd.dtlab.calc+json',
} as const;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface OutputBundle {
  data: { [mime: string]: JsonValue };
  metadata: { [key: string]: JsonValue };
}

/** Rows a table bundle keeps; the widget pages through them, the rest is counted. */
export const MAX_TABLE_ROWS = 1000;

export function jsonValue(v: Value): JsonValue {
  if (typeof v !== 'bigint') return v;
  return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attributes: data never becomes markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

export function htmlTable(
  columns: readonly string[],
  rows: readonly (readonly JsonValue[])[],
  caption?: string,
): string {
  const cell = (v: JsonValue) =>
    escapeHtml(v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return [
    '<table class="dtlab-table">',
    caption ? `<caption>${escapeHtml(caption)}</caption>` : '',
    `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}

/** A result set: the paged-table widget's MIME, an aligned text table and an HTML table. */
export function tableBundle(
  result: { columns: ResultColumn[]; rows: Value[][] },
  title?: string,
): OutputBundle {
  const kept = result.rows.slice(0, MAX_TABLE_ROWS);
  const rows = kept.map((r) => r.map(jsonValue));
  const more = result.rows.length - kept.length;
  const note = more > 0 ? `\n(${more} more rows not shown)` : '';
  return {
    data: {
      [MIME.table]: {
        columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
        rows,
        rowCount: result.rows.length,
        ...(title ? { title } : {}),
      },
      'text/plain': `${title ? `${title}\n` : ''}${formatTable(result.columns, kept)}${note}`,
      'text/html': htmlTable(
        result.columns.map((c) => c.name),
        rows.slice(0, 50),
        title,
      ),
    },
    metadata: {},
  };
}

/** A status line ("Dynamic table x successfully created."). */
export function textBundle(text: string): OutputBundle {
  return { data: { 'text/plain': text }, metadata: {} };
}
