/**
 * Which refresh mode a dynamic table gets, and why. Pure: (requested mode, query analysis) → decision.
 * A query is maintained incrementally when `describeQuery` can describe it (see plan/shape.ts) and it reads
 * no view (a view's changes are not captured); otherwise the reason says exactly why not.
 */

import type { QueryAnalysis } from '../sql/analyze.js';
import type { RefreshMode } from '../sql/ddl.js';
import type { EffectiveMode, SourceKind } from '../types.js';
import type { TypeOf } from './avg-scale.js';
import type { ColumnsOf } from './shape.js';
import { chooseStrategy } from './strategy.js';

export type ModeDecision = { mode: EffectiveMode; reason: string } | { error: string };

/** Whether the query can be maintained incrementally, and if not, why. */
export function incrementalVerdict(
  query: string,
  analysis: QueryAnalysis,
  sources: { name: string; kind: SourceKind }[],
  columnsOf?: ColumnsOf,
  typeOf?: TypeOf,
): { ok: true; reason: string } | { ok: false; reason: string } {
  if (analysis.parseError) {
    return { ok: false, reason: `the query could not be analysed (${analysis.parseError})` };
  }
  const views = sources.filter((s) => s.kind === 'VIEW').map((s) => s.name);
  if (views.length > 0)
    return { ok: false, reason: `it reads view ${views.join(', ')}, whose changes are not captured` };
  const strategy = chooseStrategy(query, analysis.ast, columnsOf, typeOf);
  return { ok: strategy.kind !== 'full', reason: strategy.reason };
}

export function decideRefreshMode(
  requested: RefreshMode,
  query: string,
  analysis: QueryAnalysis,
  sources: { name: string; kind: SourceKind }[],
  columnsOf?: ColumnsOf,
  typeOf?: TypeOf,
): ModeDecision {
  if (requested === 'FULL') return { mode: 'FULL', reason: 'REFRESH_MODE = FULL was requested' };
  const verdict = incrementalVerdict(query, analysis, sources, columnsOf, typeOf);
  if (verdict.ok) {
    return { mode: 'INCREMENTAL', reason: verdict.reason };
  }
  if (requested === 'INCREMENTAL') return { error: `cannot refresh incrementally: ${verdict.reason}` };
  return { mode: 'FULL', reason: `AUTO chose FULL: ${verdict.reason}` };
}
