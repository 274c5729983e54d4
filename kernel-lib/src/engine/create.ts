/**
 * CREATE [OR REPLACE] DYNAMIC TABLE: checks everything it can before touching anything, then creates the
 * storage, the catalog rows and (INITIALIZE = ON_CREATE) the first refresh in one transaction, so a failure
 * at any step leaves no trace — and OR REPLACE leaves the old DT as it was.
 */
import { type Backend, BackendError, quoteIdent } from '../backends/backend.js';
import {
  capturedSources,
  currentPosition,
  ensureCapture,
  reinstallCapture,
  releaseCapture,
  setPositions,
} from '../capture/capture.js';
import {
  deleteDynamicTable,
  getDynamicTable,
  insertDynamicTable,
  sourceColumnTypes,
} from '../catalog/catalog.js';
import { cycleThrough } from '../catalog/graph.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import { viewDefinitions } from '../catalog/views.js';
import { isManual } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { typeLookup } from '../plan/avg-scale.js';
import { quarantineTablesSql } from '../plan/discards.js';
import { createStorageSql, type OutputColumn, probeSql, refreshSelect } from '../plan/full.js';
import { recomputedRegion } from '../plan/immutable.js';
import { decideRefreshMode } from '../plan/mode.js';
import { ExpectationRun } from '../refresh/expectations.js';
import { runAndRecordRefresh } from '../refresh/full.js';
import { buildIncrementalState, dropState } from '../refresh/state.js';
import { modelTiming } from '../schedule/cost.js';
import { analyzeQuery, findIdentifier } from '../sql/analyze.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import { stored } from '../sql/expectations.js';
import { positionAt } from '../sql/position.js';
import { expandLateralAliases } from '../sql/select-rewrite.js';
import { type Translation, translateSql, translateType } from '../sql/translate.js';
import { volatileFinding } from '../sql/volatile.js';
import { DEFAULT_WAREHOUSE, type DynamicTable, type RefreshRecord, type Warehouse } from '../types.js';
import type { EngineContext } from './context.js';
import { databaseView } from './dependencies.js';
import { dropQuarantine, validateExpectations } from './expectations.js';
import { checkImmutable, checkImmutableOptions, IMMUTABLE_FULL_REASON, runBackfill } from './immutable.js';
import { inStatement, queryError } from './query-error.js';
import { resolveSources } from './sources.js';

export interface CreateOutcome {
  message: string;
  created?: DynamicTable;
  initialRefresh?: RefreshRecord;
}

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

/** `signal`: aborting it cancels the creating transaction (nothing is created). */
export async function createDynamicTable(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const plan = await planCreate(ctx, stmt, sql);
  if ('message' in plan) return plan;
  return runCreate(ctx, stmt, sql, plan, signal);
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
  if (existing && stmt.ifNotExists)
    return { message: `Dynamic table ${stmt.name} already exists, statement succeeded.` };
  if (existing && !stmt.orReplace) {
    throw new DtError('DT_ERR_EXISTS', `dynamic table ${stmt.name} already exists`, {
      hint: 'use CREATE OR REPLACE DYNAMIC TABLE to redefine it',
    });
  }
  if (!existing && relations.has(stmt.name)) {
    throw new DtError(
      'DT_ERR_EXISTS',
      `a ${relations.get(stmt.name)?.toLowerCase()} named ${stmt.name} already exists`,
    );
  }

  checkImmutableOptions(stmt, sql);
  const warehouse = stmt.warehouse ?? DEFAULT_WAREHOUSE;
  const warehouses = await ctx.warehouses();
  const unknown = (name: string, offset: number | undefined, hint: string) =>
    new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${name} does not exist`, {
      ...(offset !== undefined ? { position: positionAt(sql, offset), sql } : {}),
      hint,
    });
  if (!warehouses.some((w) => w.name === warehouse)) {
    throw unknown(
      warehouse,
      stmt.warehouseAt?.warehouse,
      `create it first: CREATE WAREHOUSE ${warehouse} WAREHOUSE_SIZE = XSMALL`,
    );
  }
  // INITIALIZATION_WAREHOUSE: the initial refresh runs on it, at its size (refresh/billing.ts).
  const initWh = warehouses.find((w) => w.name === (stmt.initializationWarehouse ?? warehouse));
  if (!initWh) {
    throw unknown(
      stmt.initializationWarehouse as string,
      stmt.warehouseAt?.initializationWarehouse,
      `create it first, or leave INITIALIZATION_WAREHOUSE out (the initial refresh then runs on ${warehouse})`,
    );
  }

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
  const dt: DynamicTable = {
    name: stmt.name,
    query: stmt.query,
    ...(stmt.columns ? { columns: stmt.columns } : {}),
    targetLag: stmt.targetLag,
    warehouse,
    ...(stmt.initializationWarehouse ? { initializationWarehouse: stmt.initializationWarehouse } : {}),
    refreshMode: stmt.refreshMode,
    effectiveMode: decision.mode,
    refreshModeReason: decision.reason,
    initialize: stmt.initialize,
    scheduler: stmt.scheduler,
    ...(stmt.comment !== undefined ? { comment: stmt.comment } : {}),
    ...(stmt.expectations ? { expectations: stmt.expectations.map(stored) } : {}),
    ...(stmt.immutableWhere ? { immutableWhere: stmt.immutableWhere.text } : {}),
    ...(stmt.backfill ? { backfillFrom: stmt.backfill.table } : {}),
    schedulingState: 'ACTIVE',
    createdOn: ctx.timestamp(now),
    dataTimestamp: null,
    sources,
  };
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

async function runCreate(
  ctx: EngineContext,
  stmt: CreateDynamicTable,
  sql: string,
  { dt, existing, warehouseSize, select, translation, now, output }: CreatePlan,
  signal?: AbortSignal,
): Promise<CreateOutcome> {
  const { backend } = ctx;
  const sources = dt.sources;
  let initialRefresh: RefreshRecord | undefined;
  try {
    initialRefresh = await backend.transaction(
      async (tx) => {
        const tracked = sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
        // First, before this transaction takes its snapshot: wait for every open writer of a source. A write
        // not yet committed is then either in the snapshot the initial refresh reads (it committed while we
        // waited) or made after the triggers exist, by a transaction this snapshot does not see: the first
        // delta reads it (the PgQ rule). Without the wait, a write made before CREATE TRIGGER and committed
        // after the snapshot is in neither.
        if (tracked.length > 0)
          for (const s of dialectOf(backend.family).awaitWriters(tracked)) await tx.query(s);
        if (existing) {
          await tx.query(`DROP TABLE ${quoteIdent(stmt.name)}`);
          await deleteDynamicTable(tx, stmt.name);
        }
        await tx.query(createStorageSql(stmt.name, select));
        await insertDynamicTable(tx, dt);
        await runBackfill(
          tx,
          backend.family,
          dt,
          output.map((c) => c.name),
          now,
        );
        // Capture every table source (even for FULL: it is how a refresh knows nothing changed), and start
        // consuming from this transaction's snapshot, which the initial refresh reads.
        for (const s of tracked) await ensureCapture(tx, backend.family, s);
        // Readers of the replaced DT read a new table now: capture it afresh, and they reinitialize.
        if (existing && (await capturedSources(tx)).has(stmt.name))
          await reinstallCapture(tx, backend.family, stmt.name);
        await setPositions(tx, stmt.name, tracked, await currentPosition(tx, backend.family));
        if (existing) {
          for (const old of existing.sources) {
            if (!tracked.includes(old.name)) await releaseCapture(tx, backend.family, old.name);
          }
        }
        if (existing) await dropState(tx, stmt.name);
        if (existing) await dropQuarantine(tx, stmt.name);
        if (dt.expectations?.some((e) => e.action === 'QUARANTINE'))
          for (const sql of quarantineTablesSql(stmt.name)) await tx.query(sql);
        if (stmt.initialize !== 'ON_CREATE') return undefined;
        const expectations = dt.expectations ? new ExpectationRun(dt, backend.family, now) : undefined;
        if (expectations) expectations.columns = output.map((c) => c.name);
        const mutable = recomputedRegion(dt, backend.family, now);
        // An id drawn ahead (history in refresh order), unless expectations draw theirs as they judge rows.
        const refreshId = expectations ? undefined : ctx.refreshId();
        const record = await runAndRecordRefresh(
          tx,
          {
            dt,
            select,
            trigger: 'CREATION',
            dataTimestamp: now,
            warehouseSize,
            ...(dt.initializationWarehouse ? { warehouse: dt.initializationWarehouse } : {}),
            planningMs: 0,
            reason: dt.refreshModeReason,
            ...(isManual(ctx.clock) ? { timing: modelTiming(() => warehouseSize) } : {}),
            ...(expectations ? { expectations } : {}),
            ...(mutable ? { mutable } : {}),
            ...(refreshId !== undefined ? { refreshId } : {}),
          },
          () => ctx.clock.now(),
        );
        await buildIncrementalState(tx, backend.family, dt, now);
        return record;
      },
      { isolation: 'repeatable read', ...(signal ? { signal } : {}) },
    );
  } catch (e) {
    if (e instanceof BackendError) {
      const err = queryError(e, translation, -1, sql, stmt.queryOffset);
      throw new DtError(
        'DT_ERR_REFRESH_FAILED',
        `initial refresh of ${stmt.name} failed, nothing was created: ${err.message}`,
        {
          cause: e,
        },
      );
    }
    throw e;
  }
  const created = (await getDynamicTable(backend, stmt.name)) ?? dt;
  return {
    message: `Dynamic table ${stmt.name} successfully ${existing ? 'replaced' : 'created'}.`,
    created,
    ...(initialRefresh ? { initialRefresh } : {}),
  };
}

function outputColumns(
  stmt: CreateDynamicTable,
  result: { name: string }[],
  backend: Backend,
): OutputColumn[] {
  if (stmt.columns) {
    if (stmt.columns.length !== result.length) {
      throw new DtError(
        'DT_ERR_COLUMNS',
        `the column list of ${stmt.name} names ${stmt.columns.length} columns but the query returns ${result.length}`,
      );
    }
    return stmt.columns.map((c) =>
      c.type ? { name: c.name, type: translateType(c.type, backend.family) } : { name: c.name },
    );
  }
  const names = result.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new DtError('DT_ERR_COLUMNS', `the query of ${stmt.name} returns two columns named ${dup}`, {
      hint: 'give the columns distinct aliases, or add a column list after the name',
    });
  }
  return names.map((name) => ({ name }));
}
