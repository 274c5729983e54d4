/**
 * Impact of a source column change, pure: which dynamic tables break if `table.column` is renamed or dropped.
 * A DT breaks directly when it reads `table` and its query names `column` (as an identifier, not inside a string
 * or comment: the SQL lexer's tokens); it breaks through an upstream when it reads a DT that breaks (its
 * refreshes would record UPSTREAM_FAILED, then it is suspended with it). The name match is textual: a column of
 * the same name in another table the DT reads is counted too (say so rather than miss a reader).
 */
import { findIdentifier } from '../sql/analyze.js';
import type { DynamicTable } from '../types.js';

export interface Impact {
  name: string;
  /** 'direct' (its query names the column) or 'upstream' (it reads a DT that breaks). */
  how: 'direct' | 'upstream';
  /** What it reads that breaks: the table, or the upstream DTs. */
  through: string[];
  /** Graph distance from the source table: 1 for direct readers. */
  depth: number;
}

export function columnImpact(dts: readonly DynamicTable[], table: string, column: string): Impact[] {
  const t = table.toLowerCase();
  const c = column.toLowerCase();
  const out = new Map<string, Impact>();
  for (const dt of dts) {
    const reads = dt.sources.some((s) => s.name.toLowerCase() === t);
    if (reads && findIdentifier(dt.query, c) !== undefined)
      out.set(dt.name, { name: dt.name, how: 'direct', through: [table], depth: 1 });
  }
  // Downstream, breadth first: a DT reading a broken DT breaks one level further.
  let frontier = [...out.keys()];
  for (let depth = 2; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const dt of dts) {
      if (out.has(dt.name)) continue;
      const broken = dt.sources.map((s) => s.name).filter((s) => frontier.includes(s));
      if (broken.length === 0) continue;
      out.set(dt.name, { name: dt.name, how: 'upstream', through: broken, depth });
      next.push(dt.name);
    }
    frontier = next;
  }
  return [...out.values()].sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
}
