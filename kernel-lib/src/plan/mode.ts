/**
 * Which refresh mode a dynamic table gets, and why. Pure: (requested mode, query analysis) → decision.
 * A query is maintained incrementally when `describeQuery` can describe it (see plan/shape.ts) and it reads
 * no view (a view's changes are not captured); otherwise the reason says exactly why not.
 */

import type { QueryAnalysis } from '../sql/analyze.js';
import type { RefreshMode } from '../sql/ddl.js';
import type { EffectiveMode, SourceKind } from '../types.js';
import { type ColumnsOf, describeQuery } from './shape.js';

export type ModeDecision = { mode: EffectiveMode; reason: string } | { error: string };

/** Whether the query can be maintained incrementally, and if not, why. */
export function incrementalVerdict(
  query: string,
  analysis: QueryAnalysis,
  sources: { name: string; kind: SourceKind }[],
  columnsOf?: ColumnsOf,
): { ok: true } | { ok: false; reason: string } {
  if (analysis.parseError) {
    return { ok: false, reason: `the query could not be analysed (${analysis.parseError})` };
  }
  const views = sources.filter((s) => s.kind === 'VIEW').map((s) => s.name);
  if (views.length > 0)
    return { ok: false, reason: `it reads view ${views.join(', ')}, whose changes are not captured` };
  const shape = describeQuery(query, analysis.ast, columnsOf);
  return 'reason' in shape ? { ok: false, reason: shape.reason } : { ok: true };
}

export function decideRefreshMode(
  requested: RefreshMode,
  query: string,
  analysis: QueryAnalysis,
  sources: { name: string; kind: SourceKind }[],
  columnsOf?: ColumnsOf,
): ModeDecision {
  if (requested === 'FULL') return { mode: 'FULL', reason: 'REFRESH_MODE = FULL was requested' };
  const verdict = incrementalVerdict(query, analysis, sources, columnsOf);
  if (verdict.ok) {
    return { mode: 'INCREMENTAL', reason: 'changes are applied by recomputing only the groups they touch' };
  }
  if (requested === 'INCREMENTAL') return { error: `cannot refresh incrementally: ${verdict.reason}` };
  return { mode: 'FULL', reason: `AUTO chose FULL: ${verdict.reason}` };
}
