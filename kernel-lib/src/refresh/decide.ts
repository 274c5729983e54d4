/**
 * A refresh's action, decided by a pure function of the DT, its query's shape and what its sources' change
 * capture says (gathered by refresh/changes.ts `gatherChanges`, the only I/O): NO_DATA, INCREMENTAL, or a
 * FULL / REINITIALIZE recompute, always with the reason the history shows.
 */

import { immutableClockMoved } from '../plan/immutable.js';
import type { QueryShape } from '../plan/shape.js';
import type { DynamicTable, RefreshAction } from '../types.js';
import { currentDateMoved } from './probe.js';

/**
 * Above this share of a source's rows changed, recomputing everything is cheaper (Snowflake-like cost rule,
 * applied to REFRESH_MODE = AUTO only).
 */
export const FULL_REFRESH_SHARE = 0.25;
/** Changes below this many rows never trigger the cost rule (counting the source costs more than they do). */
export const COST_RULE_MIN_ROWS = 1000;

/** What capture says of one source since the DT's position on it. */
export type SourceChanges =
  | { source: string; kind: 'no-position' }
  /** Capture no longer stands (table dropped, replaced or altered; change table deleted or emptied). */
  | { source: string; kind: 'lost' }
  | {
      source: string;
      kind: 'read';
      inserted: number;
      deleted: number;
      /** A write that could not be captured row by row (TRUNCATE, COPY, …). */
      untracked: boolean;
      /** Change rows past the DT's position were pruned (capture/marks.ts): changed, and only a recompute can say how. */
      pruned: boolean;
      /** The source's size as the dictionary estimates it: read only when the cost rule may apply. */
      estimatedRows?: number;
    };

export interface ChangeFacts {
  /** The position this refresh consumes up to. */
  position: string;
  sources: SourceChanges[];
}

export interface ActionDecision {
  action: RefreshAction;
  reason: string;
  /** Rows of change read, per source. */
  changes: Record<string, number>;
  /** Sources whose change inserted rows only. */
  insertsOnly: Set<string>;
  /** The position this refresh consumes up to. */
  position: string;
  /** Sources with changes, for the incremental plan. */
  changed: string[];
  /** Sources whose capture is reinstalled before the recompute (REINITIALIZE). */
  reinstall: string[];
}

export function decideAction(
  dt: DynamicTable,
  shape: QueryShape | undefined,
  facts: ChangeFacts,
  now: number,
  previousDataTimestamp: number | undefined,
  /**
   * What planning the query found: `inlinedViews`, views it reads through their base tables
   * (plan/normalize.ts), whose changes are captured there; `fullReason`, why an INCREMENTAL DT's strategy is
   * full this time (a view redefined).
   */
  planning: { inlinedViews?: readonly string[]; fullReason?: string } = {},
): ActionDecision {
  const changes: Record<string, number> = {};
  const insertsOnly = new Set<string>();
  const changed: string[] = [];
  const reinstall: string[] = [];
  let untracked: string | undefined;
  const pruned: string[] = [];
  for (const s of facts.sources) {
    if (s.kind === 'no-position') {
      untracked ??= `capture on ${s.source} was reinstalled (its table was replaced or altered), so its changes are not known`;
    } else if (s.kind === 'lost') {
      reinstall.push(s.source);
      untracked ??= `capture on ${s.source} was lost (the table was dropped, replaced or altered, or its change table deleted)`;
    } else {
      changes[s.source] = s.inserted + s.deleted;
      if (s.deleted === 0) insertsOnly.add(s.source);
      if (s.untracked)
        untracked ??= `${s.source} was changed by a statement that could not be captured (TRUNCATE, COPY, ALTER TABLE, …)`;
      if (s.pruned) pruned.push(s.source);
      if (changes[s.source] || s.pruned) changed.push(s.source);
    }
  }
  const base = { changes, insertsOnly, position: facts.position, changed, reinstall };
  const decided = (action: RefreshAction, reason: string): ActionDecision => ({ ...base, action, reason });
  if (untracked) return decided('REINITIALIZE', untracked);
  // ADD / DROP CONSTRAINT changed which of the query's rows belong to the DT (and to its quarantine).
  if (dt.pendingRecompute !== undefined) return decided('REINITIALIZE', dt.pendingRecompute);
  if (previousDataTimestamp === undefined) return decided('FULL', 'first refresh');
  const views = dt.sources
    .filter((s) => s.kind === 'VIEW' && !planning.inlinedViews?.includes(s.name))
    .map((s) => s.name);
  if (views.length > 0)
    return decided(
      'FULL',
      planning.fullReason ?? `reads view ${views.join(', ')}, whose changes are not captured`,
    );
  // CURRENT_DATE moving changes the result of a query reading it even when no source changed.
  const dateMoved = currentDateMoved(dt.query, previousDataTimestamp, now);
  if (dateMoved) return decided('FULL', dateMoved);
  const clockMoved = immutableClockMoved(dt, previousDataTimestamp, now);
  if (clockMoved) return decided('FULL', clockMoved);
  if (changed.length === 0) return decided('NO_DATA', 'no source changed since the last refresh');
  if (dt.effectiveMode === 'FULL' || !shape || dt.immutableWhere !== undefined)
    return decided('FULL', planning.fullReason ?? dt.refreshModeReason);
  // The DT's window lost rows to pruning (it was refreshed in FULL mode then): what is left is not its changes.
  if (pruned.length > 0)
    return decided(
      'FULL',
      `change rows of ${pruned.join(', ')} since the last refresh were pruned (only incrementally refreshed DTs keep them): recomputed`,
    );
  const inSubquery = changed.filter((s) => shape.subqueryTables.includes(s));
  if (inSubquery.length > 0)
    return decided(
      'FULL',
      `${inSubquery.join(', ')} changed and ${inSubquery.length > 1 ? 'are' : 'is'} read inside a subquery, whose result the change may move for any row`,
    );
  // The cost rule is AUTO's: REFRESH_MODE = INCREMENTAL always refreshes incrementally, as in Snowflake.
  for (const s of dt.refreshMode === 'AUTO' ? facts.sources : []) {
    if (s.kind !== 'read' || s.estimatedRows === undefined) continue;
    const n = changes[s.source] ?? 0;
    if (n >= COST_RULE_MIN_ROWS && n > FULL_REFRESH_SHARE * s.estimatedRows)
      return decided(
        'FULL',
        `${n} changed rows are more than ${FULL_REFRESH_SHARE * 100}% of ${s.source} (${s.estimatedRows} rows): a full refresh is cheaper`,
      );
  }
  return decided('INCREMENTAL', 'affected-key recompute of the groups the changes touch');
}
