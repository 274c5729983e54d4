/** Result sets as aligned text tables, the way psql and snowsql print them. */
import type { ResultColumn, Value } from '../backends/backend.js';

/** Cells longer than this are cut with '…' so a table stays readable in a terminal. */
const MAX_CELL = 80;

function cell(v: Value): string {
  if (v === null) return 'NULL';
  const text = String(v).replace(/\s+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

const isNumeric = (type: string) =>
  /^(integer|bigint|smallint|tinyint|double|float|real|decimal|numeric)/.test(type);

export function formatTable(columns: ResultColumn[], rows: Value[][]): string {
  const texts = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...texts.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], right: boolean[]) =>
    `| ${cells.map((s, i) => (right[i] ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const right = columns.map((c) => isNumeric(c.type));
  return [
    rule,
    line(
      columns.map((c) => c.name),
      columns.map(() => false),
    ),
    rule,
    ...texts.map((r) => line(r, right)),
    rule,
    `${rows.length} row${rows.length === 1 ? '' : 's'}`,
  ].join('\n');
}
