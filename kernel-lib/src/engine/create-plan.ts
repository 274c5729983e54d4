/**
 * CREATE DYNAMIC TABLE's plan: checks a CREATE against the catalog and the database and decides its sources, its
 * refresh mode and its columns, writing nothing (engine/create.ts runs the plan; EXPLAIN runs this alone). What
 * it decides from what it has read is pure (engine/create-definition.ts).
 */
import { BackendError } from '../backends/backend.js';
import { sourceColumnTypes } from '../catalog/catalog.js';
import { cycleThrough } from '../catalog/graph.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import { viewDefinitions } from '../catalog/views.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { typeLookup } from '../plan/avg-scale.js';
import { type OutputColumn, probeSql, refreshSelect } from '../plan/full.js';
import { decideRefreshMode } from '../plan/mode.js';
import { analyzeQuery, findIdentifier } from '../sql/analyze.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import { positionAt } from '../sql/position.js';
import { expandLateralAliases } from '../sql/select-rewrite.js';
import { type Translation, translateSql } from '../sql/translate.js';
import { volatileFinding } from '../sql/volatile.js';
import type { DynamicTable, Warehouse } from '../types.js';
import type { EngineContext } from './context.js';
import {
  type CreateOutcome,
  cataloguedDynamicTable,
  checkName,
  createWarehouses,
  outputColumns,
} from './create-definition.js';
import { databaseView } from './dependencies.js';
import { validateExpectations } from './expectations.js';
import { checkImmutable, checkImmutableOptions, IMMUTABLE_FULL_REASON } from './immutable.js';
import { inStatement, queryError } from './query-error.js';
import { resolveSources } from './sources.js';

/** Everything CREATE decides before it writes: the DT as it would be catalogued, and what its refresh runs. */
export interface CreatePlan {
  dt: DynamicTable;
  existing?: DynamicTable;
  warehouseSize: Warehouse['size'];
  /** The initial refresh's SELECT (translated, cast to the declared columns). */
  select: string;
  translation: Translation;
  /** The clock reading the query was translated at: the initial refresh's data timestamp. */
  now: number;
  /** The DT's columns (what its expectations read). */
  output: OutputColumn[];
}

/**
 * Checks a CREATE against the catalog and the database and decides its mode, writing nothing (EXPLAIN runs this
 * alone). Returns the outcome when IF NOT EXISTS finds the DT.
 */
export async function planCreate(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
): Promise<CreatePlan | CreateOutcome> {
  const { backend } = ctx;
  const at = (offsetInQuery: number | undefined) =>
    offsetInQuery === undefined ? {} : { position: positionAt(sql, stmt.queryOffset + offsetInQuery), sql };

  const dts = await ctx.dynamicTables();
  const existing = dts.find((d) => d.name === stmt.name);
  const relations = await ctx.relations();
  const outcome = checkName(stmt, existing, relations);
  if (outcome) return outcome;

  checkImmutableOptions(stmt, sql);
  const { warehouse, initWh } = createWarehouses(stmt, sql, await ctx.warehouses());

  const dtNames = new Set(dts.map((d) => d.name));
  const analysis = analyzeQuery(stmt.query, (n) => relations.has(n) || dtNames.has(n));
  if (analysis.sources.includes(stmt.name)) {
    throw new DtError(
      'DT_ERR_CYCLE',
      `dynamic table ${stmt.name} cannot read itself`,
      at(findIdentifier(stmt.query, stmt.name)),
    );
  }
  // The parse's relations, checked against the database's own view of the query (engine/sources.ts).
  const now = ctx.clock.now();
  const columnsOf = await qualifyStarColumns(backend, backend.family, stmt.query);
  const translation = inStatement(
    () => translateSql(stmt.query, backend.family, { now, ...(columnsOf ? { columnsOf } : {}) }),
    sql,
    stmt.queryOffset,
  );
  const views = analysis.sources.filter((n) => relations.get(n) === 'VIEW');
  const db = await databaseView(backend, translation.text, views, analysis.walk?.functions ?? []).catch(
    (e: unknown) => {
      if (e instanceof BackendError) return { failed: e.message.split('\n')[0] as string };
      throw e;
    },
  );
  const resolved = resolveSources({
    parsed: analysis.sources,
    ...(analysis.parseError || analysis.walk?.unsure
      ? { parseUnsure: analysis.parseError ?? analysis.walk?.unsure }
      : {}),
    db,
    kindOf: (n) => (dtNames.has(n) ? 'DYNAMIC TABLE' : relations.get(n)),
  });
  if (resolved.error) {
    const name = resolved.error.name;
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      resolved.error.message,
      at(name === undefined ? undefined : findIdentifier(stmt.query, name)),
    );
  }
  // Plain views are inlined for planning (plan/normalize.ts); their definitions are kept to notice a redefinition.
  const definitions = await viewDefinitions(
    ctx.backend,
    ctx.backend.family,
    resolved.sources.filter((s) => s.kind === 'VIEW').map((s) => s.name),
  );
  const sources = resolved.sources.map((s) => {
    const definition = definitions.get(s.name);
    return definition === undefined ? s : { ...s, definition };
  });
  // Views read through other views (DuckDB's plan names only base tables): sources too, with their definition.
  for (const [name, definition] of definitions)
    if (!sources.some((s) => s.name === name)) sources.push({ name, kind: 'VIEW', definition });
  if (sources.some((s) => s.name === stmt.name))
    throw new DtError('DT_ERR_CYCLE', `dynamic table ${stmt.name} cannot read itself`);

  const edges = new Map(
    dts.filter((d) => d.name !== stmt.name).map((d) => [d.name, d.sources.map((s) => s.name)]),
  );
  const cycle = cycleThrough(
    edges,
    stmt.name,
    sources.filter((s) => s.kind === 'DYNAMIC TABLE').map((s) => s.name),
  );
  if (cycle) {
    throw new DtError(
      'DT_ERR_CYCLE',
      `dynamic table ${stmt.name} would depend on itself: ${cycle.join(' → ')}`,
    );
  }

  const typed = await sourceColumnTypes(ctx.backend, ctx.backend.family, sources);
  const columns = new Map([...typed].map(([t, cols]) => [t, cols.map((c) => c.name)]));
  const typeOf = dialectOf(ctx.backend.family).avgFollowsScale ? typeLookup(typed) : undefined;
  const allColumns = new Set([...columns.values()].flat());
  const volatile = volatileFinding(analysis.walk, 'failed' in db ? undefined : db, allColumns);
  const mustFull =
    volatile?.reason ?? resolved.fullReason ?? (stmt.immutableWhere ? IMMUTABLE_FULL_REASON : undefined);
  if (mustFull && stmt.refreshMode === 'INCREMENTAL') {
    throw new DtError(
      'DT_ERR_INCREMENTAL_UNSUPPORTED',
      `${stmt.name}: cannot refresh incrementally: ${mustFull}`,
      at(volatile ? findIdentifier(stmt.query, volatile.name) : undefined),
    );
  }
  // The planner reads lateral column aliases expanded (sql/select-rewrite.ts), as refreshes do.
  const planned = expandLateralAliases(stmt.query);
  const plannedAnalysis =
    planned === stmt.query ? analysis : analyzeQuery(planned, (n) => relations.has(n) || dtNames.has(n));
  const decision =
    mustFull && stmt.refreshMode === 'AUTO'
      ? { mode: 'FULL' as const, reason: `AUTO chose FULL: ${mustFull}` }
      : decideRefreshMode(
          stmt.refreshMode,
          planned,
          plannedAnalysis,
          sources,
          (t) => columns.get(t),
          typeOf,
          (v) => definitions.get(v),
        );
  if ('error' in decision)
    throw new DtError('DT_ERR_INCREMENTAL_UNSUPPORTED', `${stmt.name}: ${decision.error}`);

  // Let the backend judge the query (syntax, names, types) before anything is created.
  const probe = probeSql(translation.text);
  let resultColumns: { name: string; type: string }[];
  try {
    resultColumns = (await backend.query(probe)).columns;
  } catch (e) {
    throw queryError(e, translation, probe.indexOf(translation.text), sql, stmt.queryOffset);
  }
  if (resolved.unsure) throw new DtError('DT_ERR_QUERY', `${stmt.name}: ${resolved.unsure}`);

  const output = outputColumns(stmt, resultColumns, backend);
  const select = refreshSelect(translation.text, output);
  // Each expectation runs over the DT's columns and is boolean (engine/expectations.ts).
  if (stmt.expectations) await validateExpectations(backend, backend.family, sql, stmt.expectations, select);
  await checkImmutable(backend, stmt, sql, select, now, relations);
  const dt = cataloguedDynamicTable(stmt, warehouse, decision, sources, ctx.timestamp(now));
  return {
    dt,
    ...(existing ? { existing } : {}),
    warehouseSize: initWh.size,
    select,
    translation,
    now,
    output,
  };
}
