/**
 * Which refresh mode a dynamic table gets, and why. Pure: (requested mode, query analysis) → decision.
 *
 * This version of the engine maintains every DT by full refresh; the incremental planner (its own issue)
 * replaces `incrementalVerdict` with a real analysis of the query's operators. Until then the reasons say
 * plainly why a DT is FULL.
 */

import type { QueryAnalysis } from '../sql/analyze.js';
import type { RefreshMode } from '../sql/ddl.js';
import type { EffectiveMode } from '../types.js';

export type ModeDecision = { mode: EffectiveMode; reason: string } | { error: string };

/** Whether the query can be maintained incrementally, and if not, why. */
export function incrementalVerdict(analysis: QueryAnalysis): { ok: true } | { ok: false; reason: string } {
  if (analysis.parseError) {
    return { ok: false, reason: `the query could not be analysed (${analysis.parseError})` };
  }
  return { ok: false, reason: 'this engine version has no incremental planner yet' };
}

export function decideRefreshMode(requested: RefreshMode, analysis: QueryAnalysis): ModeDecision {
  if (requested === 'FULL') return { mode: 'FULL', reason: 'REFRESH_MODE = FULL was requested' };
  const verdict = incrementalVerdict(analysis);
  if (verdict.ok) return { mode: 'INCREMENTAL', reason: 'the query can be maintained incrementally' };
  if (requested === 'INCREMENTAL') return { error: `cannot refresh incrementally: ${verdict.reason}` };
  return { mode: 'FULL', reason: `AUTO chose FULL: ${verdict.reason}` };
}
