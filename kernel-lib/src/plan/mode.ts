/**
 * Which refresh mode a dynamic table gets, and why. Pure: (requested mode, query analysis) → decision.
 * A query is maintained incrementally when, with its CTEs, views and `*` written out (plan/normalize.ts),
 * `describeQuery` can describe it (see plan/shape.ts) and it reads no view it could not write out (a
 * materialized view: its refreshes are not captured); otherwise the reason says exactly why not.
 */

import type { QueryAnalysis } from '../sql/analyze.js';
import type { RefreshMode } from '../sql/ddl.js';
import type { EffectiveMode, SourceKind } from '../types.js';
import type { TypeOf } from './avg-scale.js';
import { normalizeQuery, plannedReadsUntracked } from './normalize.js';
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
  viewOf: (name: string) => string | undefined = () => undefined,
): { ok: true; reason: string } | { ok: false; reason: string } {
  if (analysis.parseError) {
    return { ok: false, reason: `the query could not be analysed (${analysis.parseError})` };
  }
  const planned = normalizeQuery(query, analysis.ast, { columnsOf: columnsOf ?? (() => undefined), viewOf });
  if ('reason' in planned) return { ok: false, reason: planned.reason };
  const views = sources
    .filter((s) => s.kind === 'VIEW' && !planned.views.includes(s.name))
    .map((s) => s.name);
  if (views.length > 0)
    return { ok: false, reason: `it reads view ${views.join(', ')}, whose changes are not captured` };
  const untracked = plannedReadsUntracked(planned.text, sources);
  if (untracked) return { ok: false, reason: untracked };
  const strategy = chooseStrategy(planned.text, planned.ast, columnsOf, typeOf);
  return { ok: strategy.kind !== 'full', reason: strategy.reason };
}

export function decideRefreshMode(
  requested: RefreshMode,
  query: string,
  analysis: QueryAnalysis,
  sources: { name: string; kind: SourceKind }[],
  columnsOf?: ColumnsOf,
  typeOf?: TypeOf,
  viewOf?: (name: string) => string | undefined,
): ModeDecision {
  if (requested === 'FULL') return { mode: 'FULL', reason: 'REFRESH_MODE = FULL was requested' };
  const verdict = incrementalVerdict(query, analysis, sources, columnsOf, typeOf, viewOf);
  if (verdict.ok) {
    return { mode: 'INCREMENTAL', reason: verdict.reason };
  }
  if (requested === 'INCREMENTAL') return { error: `cannot refresh incrementally: ${verdict.reason}` };
  return { mode: 'FULL', reason: `AUTO chose FULL: ${verdict.reason}` };
}
