/**
 * EXPLAIN CREATE [OR REPLACE | OR ALTER] DYNAMIC TABLE …: what the CREATE would do, without doing it — the
 * refresh mode it would get and why, what it would read (and the DTs among that), which DTs it would feed, and
 * how many rows its first refresh would read from each source. Runs CREATE's own checks (engine/create-plan.ts
 * planCreate), so a statement CREATE would refuse is refused here with the same error.
 */
import { quoteIdent, type ResultColumn, type Value } from '../backends/backend.js';
import { directDependents } from '../catalog/graph.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import { formatLag } from '../sql/lag.js';
import type { EngineContext } from './context.js';
import { planCreate } from './create-plan.js';

export async function explainCreate(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
): Promise<{ columns: ResultColumn[]; rows: Value[][] }> {
  const dts = await ctx.dynamicTables();
  const exists = dts.some((d) => d.name === stmt.name);
  const plan = await planCreate(
    ctx,
    { ...stmt, orReplace: stmt.orReplace || (stmt.orAlter === true && exists) },
    sql,
  );
  const columns: ResultColumn[] = [
    { name: 'property', type: 'varchar' },
    { name: 'value', type: 'varchar' },
  ];
  if ('message' in plan) return { columns, rows: [['would', `do nothing: ${plan.message}`]] };
  const { dt } = plan;
  const edges = new Map(dts.map((d) => [d.name, d.sources.map((s) => s.name)]));
  const feeds = exists ? directDependents(edges, dt.name) : [];
  const counts: string[] = [];
  for (const s of dt.sources) {
    const { rows } = await ctx.backend.query(`SELECT count(*) FROM ${quoteIdent(s.name)}`);
    counts.push(`${s.name}: ${Number(rows[0]?.[0] ?? 0)} rows`);
  }
  const upstream = dt.sources.filter((s) => s.kind === 'DYNAMIC TABLE').map((s) => s.name);
  const rows: Value[][] = [
    ['would', exists ? `replace ${dt.name} (reinitialize it)` : `create ${dt.name}`],
    ['refresh_mode', dt.effectiveMode],
    ['refresh_mode_reason', dt.refreshModeReason],
    ['target_lag', formatLag(dt.targetLag)],
    ['warehouse', dt.warehouse],
    ...(dt.initializationWarehouse !== undefined
      ? [
          [
            'initialization_warehouse',
            `${dt.initializationWarehouse} (the first refresh and every reinitialization)`,
          ],
        ]
      : []),
    ...(dt.immutableWhere !== undefined
      ? [
          [
            'immutable_where',
            `${dt.immutableWhere} (rows matching it are kept as they are; each refresh recomputes the rest)`,
          ],
        ]
      : []),
    ['reads', dt.sources.map((s) => `${s.name} (${s.kind.toLowerCase()})`).join(', ') || '(nothing)'],
    ['upstream dynamic tables', upstream.join(', ') || '(none)'],
    ['feeds', feeds.length > 0 ? `${feeds.join(', ')} (they reinitialize)` : '(none)'],
    [
      'first refresh reads',
      dt.backfillFrom !== undefined
        ? `${dt.backfillFrom}'s rows in the immutable region (BACKFILL), then ${counts.join(', ') || 'no table'} for the mutable region${dt.initialize === 'ON_CREATE' ? ' at CREATE' : ' (INITIALIZE = ON_SCHEDULE)'}`
        : dt.initialize === 'ON_CREATE'
          ? `${counts.join(', ') || 'no table'} (a full refresh at CREATE)`
          : `nothing at CREATE (INITIALIZE = ON_SCHEDULE); then ${counts.join(', ')}`,
    ],
  ];
  return { columns, rows };
}
