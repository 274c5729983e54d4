/**
 * Deciding a refresh's action from the captured changes (refresh/decide.ts) and the work it runs: nothing,
 * the incremental plan (refresh/incremental.ts), or a full recompute that rebuilds the state, each run by
 * the one executor (refresh/executor.ts). It runs inside the refresh's transaction, so what it reads and the
 * new position belong to one snapshot.
 */
import { type Queryable, quoteIdent, type SqlFamily } from '../backends/backend.js';
import { duckdbCapturedSources } from '../capture/capture.js';
import { changeTable, drawnSeq } from '../capture/duckdb.js';
import type { GarbageSchedule } from '../capture/garbage.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import type { OutputColumn } from '../plan/full.js';
import type { QueryShape } from '../plan/shape.js';
import { keepsState } from '../plan/strategy.js';
import type { DynamicTable } from '../types.js';
import { advancePositions, gatherChanges, reinstallWithin } from './changes.js';
import { decideAction } from './decide.js';
import { runPlan } from './executor.js';
import type { ExpectationRun } from './expectations.js';
import type { RefreshWork } from './full.js';
import { runIncremental } from './incremental.js';
import { strategyOf } from './planning.js';
import { rebuildStateSteps, stateExists } from './state.js';
import { type RefreshPlan, type RowCounts, run } from './steps.js';
import { storedTypesHold } from './stored-types.js';

/** The DT's full recompute: its plan, and the refresh SELECT it inserts (refresh/full-plan.ts). */
export interface Recompute {
  plan(): RefreshPlan<RowCounts>;
  select: string;
}

/**
 * The refresh's work, decided inside its transaction: NO_DATA, INCREMENTAL (affected-key recompute), or a
 * FULL / REINITIALIZE recompute; afterwards the DT has consumed its sources' changes up to this snapshot.
 * `garbage`: when to collect the change tables read (every time, without it).
 */
export async function chooseWork(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  dataTimestamp: number,
  output: OutputColumn[],
  full: Recompute,
  expectations?: ExpectationRun,
  garbage?: GarbageSchedule,
): Promise<RefreshWork> {
  const { strategy, columns, types, query, views } = await strategyOf(tx, family, dt);
  const shape = strategy.kind === 'full' ? undefined : strategy.shape;
  const previous = dt.dataTimestamp ? Date.parse(`${dt.dataTimestamp.replace(' ', 'T')}Z`) : undefined;
  let decision = decideAction(dt, shape, await gatherChanges(tx, family, dt), dataTimestamp, previous, {
    inlinedViews: views,
    ...(strategy.kind === 'full' && dt.effectiveMode === 'INCREMENTAL'
      ? { fullReason: strategy.reason }
      : {}),
  });
  // Plans are built from the planning text (plan/normalize.ts); the DT keeps its own.
  const planned = { ...dt, query };
  if (decision.action === 'INCREMENTAL' && keepsState(strategy) && !(await stateExists(tx, family, dt.name)))
    decision = {
      ...decision,
      action: 'FULL',
      reason:
        strategy.kind === 'linear'
          ? 'the per-group counts and sums are built anew'
          : "the subquery's result kept beside the DT is built anew",
    };
  if (decision.action === 'INCREMENTAL') decision = { ...decision, reason: strategy.reason };
  // Change rows exist between the old position and the new one only for a source whose window had some.
  const collect = garbage ? garbage.due(decision.changed, decision.changes) : decision.changed;
  const finish = async <T>(result: T) => {
    await advancePositions(tx, family, dt, decision.position, collect);
    return result;
  };
  const base = { action: decision.action, reason: decision.reason, changesRead: decision.changes };
  // The state's column types, as this refresh read them: what its AVGs are built for (dialect `avg`).
  const stateTypes = refreshMetadata(tx)?.stateTypes;
  switch (decision.action) {
    case 'NO_DATA':
      return { ...base, run: () => finish({ rowsInserted: 0, rowsDeleted: 0 }) };
    case 'INCREMENTAL':
      return {
        ...base,
        run: async (t, log) =>
          finish(
            await runIncremental(
              t,
              family,
              {
                dt: planned,
                shape: shape as QueryShape,
                ...(strategy.kind === 'linear' ? { linear: strategy.plan } : {}),
                ...(stateTypes ? { stateTypes } : {}),
                ...(strategy.kind === 'keys' && strategy.union ? { union: strategy.union } : {}),
                ...(strategy.kind === 'keys' && strategy.nested ? { nested: strategy.nested } : {}),
                columns,
                sourceTypes: types,
                decision,
                output,
                now: dataTimestamp,
                ...(expectations ? { expectations } : {}),
              },
              log,
            ),
          ),
      };
    default:
      return {
        ...base,
        run: async (t, log) => {
          await reinstallWithin(t, family, decision.reinstall, dt.name);
          const emits = dialectOf(family).engineCaptures && (await duckdbCapturedSources(t)).has(dt.name);
          const names = output.map((o) => o.name);
          const state = rebuildStateSteps(family, planned, strategy, dataTimestamp, names);
          // A source's column types may have changed under the DT's (stored-types.ts).
          const retyped = decision.action === 'REINITIALIZE' || dt.sources.some((s) => s.kind === 'VIEW');
          if (retyped) await runPlan(t, storedTypesHold(family, dt, full.select, output), log);
          return finish(await runPlan(t, recomputePlan(dt.name, full.plan, emits, state), log));
        },
      };
  }
}

/**
 * A full recompute (`full`) with what goes with it: on DuckDB, a DT that others read records all its old rows
 * out and all its new rows in; then the state the DT is maintained from is built anew (`state`).
 */
function* recomputePlan(
  dt: string,
  full: () => RefreshPlan<RowCounts>,
  emits: boolean,
  state: ReturnType<typeof rebuildStateSteps>,
): RefreshPlan<RowCounts> {
  function* record(sign: 1 | -1): RefreshPlan<void> {
    const { draw, seq } = drawnSeq(sign < 0 ? 'dtlab_emit_seq_out' : 'dtlab_emit_seq_in');
    const sql = `INSERT INTO ${changeTable(dt)} SELECT ${seq}, ${sign}, * FROM ${quoteIdent(dt)}`;
    yield [
      run('draw a change sequence number', draw, [], []),
      run(`record the DT's ${sign < 0 ? 'old rows out' : 'new rows in'}`, sql, [dt], [changeTable(dt)]),
    ];
  }
  if (emits) yield* record(-1);
  const done = yield* full();
  if (emits) yield* record(1);
  if (state.length > 0) yield state;
  return done;
}
