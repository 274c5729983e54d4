/**
 * The text a refresh plans from (plan/normalize.ts): the DT's query with its CTEs, views and `*` written
 * out, the views' definitions read from the catalog now. A view redefined since CREATE (its definition
 * differs from the one stored with the DT's sources) is not planned through: the DT refreshes in full and
 * says why; and when the new definition reads a table the DT does not track, the refresh fails (its changes
 * would never reach the DT) and says to re-create the DT. And the strategy a DT is maintained by, chosen from
 * that text as at CREATE.
 */
import { BackendError, type Queryable, type SqlFamily } from '../backends/backend.js';
import { sourceColumnTypes } from '../catalog/catalog.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { viewDefinitions } from '../catalog/views.js';
import { dialectOf } from '../dialect/index.js';
import { typeLookup } from '../plan/avg-scale.js';
import { type Normalized, normalizeQuery, plannedReadsUntracked } from '../plan/normalize.js';
import { chooseStrategy, type Strategy } from '../plan/strategy.js';
import { analyzeQuery } from '../sql/analyze.js';
import { expandLateralAliases as plannedQuery } from '../sql/select-rewrite.js';
import type { DynamicTable } from '../types.js';

export async function planningQuery(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  ast: unknown,
  columns: ReadonlyMap<string, string[]>,
): Promise<Normalized> {
  const views = dt.sources.filter((s) => s.kind === 'VIEW');
  const current = await viewDefinitions(
    tx,
    family,
    views.map((s) => s.name),
  );
  const planned = normalizeQuery(dt.query, ast, {
    columnsOf: (t) => columns.get(t),
    viewOf: (v) => current.get(v),
  });
  const redefined = views
    .filter((s) => s.definition !== undefined && current.get(s.name) !== s.definition)
    .map((s) => s.name);
  if (redefined.length === 0) {
    const untracked = 'reason' in planned ? undefined : plannedReadsUntracked(planned.text, dt.sources);
    return untracked ? { reason: untracked } : planned;
  }
  if (!('reason' in planned)) {
    const tracked = new Set(dt.sources.map((s) => s.name));
    const untracked = analyzeQuery(planned.text, () => false).sources.filter((t) => !tracked.has(t));
    if (untracked.length > 0)
      throw new BackendError(
        `view ${redefined.join(', ')} was redefined and now reads ${untracked.join(', ')}, which ${dt.name} does not track; CREATE OR REPLACE the dynamic table`,
      );
  }
  return {
    reason: `view ${redefined.join(', ')} was redefined after ${dt.name} was created, so its changes are recomputed in full (CREATE OR REPLACE the dynamic table to maintain it incrementally again)`,
  };
}

/**
 * The strategy a DT is maintained by (decided from its text, as at CREATE), and the text its plans are
 * built from (`query`: the DT's own, or with CTEs, views and `*` written out; `views`: the views inlined).
 */
export async function strategyOf(tx: Queryable, family: SqlFamily, dt: DynamicTable): Promise<Planning> {
  // Derived from the columns the refresh knows, and kept with them (catalog/refresh-metadata.ts `planning`),
  // unless a view is read: its definition is read anew each time (`planningQuery`).
  const known = refreshMetadata(tx);
  const kept = dt.sources.every((s) => s.kind !== 'VIEW') ? known : undefined;
  if (kept?.planning) return kept.planning;
  const planning = await derivePlanning(tx, family, dt);
  if (kept) kept.planning = planning;
  return planning;
}

export interface Planning {
  strategy: Strategy;
  columns: Map<string, string[]>;
  /** The sources' columns and types as one text (what a kept keys table is typed from). */
  types: string;
  query: string;
  views: string[];
}

async function derivePlanning(tx: Queryable, family: SqlFamily, dt: DynamicTable): Promise<Planning> {
  // Lateral column aliases expanded (sql/select-rewrite.ts), then CTEs, views and `*` written out.
  const text = plannedQuery(dt.query);
  const analysis = analyzeQuery(text, () => false);
  const typed = await sourceColumnTypes(tx, family, dt.sources);
  const columns = new Map([...typed].map(([t, cols]) => [t, cols.map((c) => c.name)]));
  const types = [...typed].map(([t, cols]) => `${t}(${cols.map((c) => `${c.name} ${c.type}`)})`).join(' ');
  const full = (reason: string) => ({
    strategy: { kind: 'full' as const, reason },
    columns,
    types,
    query: dt.query,
    views: [],
  });
  if (!analysis.ast || dt.effectiveMode !== 'INCREMENTAL') return full(dt.refreshModeReason);
  // The same inputs as at CREATE (engine/create-plan.ts), so the same strategy.
  const typeOf = dialectOf(family).avgFollowsScale ? typeLookup(typed) : undefined;
  const planned = await planningQuery(tx, family, { ...dt, query: text }, analysis.ast, columns);
  if ('reason' in planned) return full(planned.reason);
  const strategy = chooseStrategy(planned.text, planned.ast, (t) => columns.get(t), typeOf);
  return { strategy, columns, types, query: planned.text, views: planned.views };
}
