/**
 * One refresh of one DT as the engine runs it (`Engine.refreshOne`): serialised with other refreshes of that
 * DT, run again once when another process changed the catalog meanwhile, then published — the known catalog
 * told the new data timestamp, the record and the steps it ran on the engine's events, quality told — and its
 * steps kept for EXPLAIN REFRESH.
 */
import type { Backend, Queryable } from '../backends/backend.js';
import type { GarbageSchedule } from '../capture/garbage.js';
import type { WriteLedger } from '../capture/ledger.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import { DtError } from '../errors.js';
import type { QualityService } from '../quality/service.js';
import type { DeferredHistory } from '../refresh/deferred-history.js';
import { type ExecutedPlan, planTable, type StepLog } from '../refresh/executor.js';
import { DtMutex, type RunOptions, runRefresh } from '../refresh/run.js';
import type { DynamicTable, RefreshRecord } from '../types.js';
import type { RefreshOutcome } from './refresh-chain.js';

/** What a refresh needs of the engine. */
export interface RefreshOneHost {
  readonly backend: Backend;
  readonly clock: Clock;
  readonly catalog: KnownCatalog;
  readonly ledger: WriteLedger;
  readonly garbage: GarbageSchedule;
  /** Where history rows wait (DuckDB: the ledger sees every write); undefined elsewhere. */
  readonly deferred: DeferredHistory | undefined;
  readonly quality: Pick<QualityService, 'refreshScore' | 'scoredInRefresh' | 'refreshed'>;
  /** Publishes a refresh's record, then the steps it ran, on the engine's events. */
  publish(
    event: { type: 'refresh'; record: RefreshRecord } | { type: 'refresh-plan'; plan: ExecutedPlan },
  ): void;
}

export class RefreshRunner {
  private readonly locks = new DtMutex();
  /** The steps of each DT's last refresh run by this engine (EXPLAIN REFRESH). */
  private readonly lastPlans = new Map<string, ExecutedPlan>();

  constructor(private readonly host: RefreshOneHost) {}

  async run(dt: DynamicTable, options: RunOptions): Promise<RefreshOutcome> {
    const { backend, clock, catalog, quality, deferred } = this.host;
    const known = { ledger: this.host.ledger, garbage: this.host.garbage };
    // A refresh's quality score goes in with its history row (quality/service.ts), published after the commit.
    const run = (d: DynamicTable) =>
      runRefresh(backend, clock, d, {
        ...options,
        known,
        beforeCommit: async (_tx: Queryable, r: RefreshRecord) => quality.scoredInRefresh(r),
        score: (r) => quality.refreshScore(r),
        ...(deferred ? { deferred } : {}),
      });
    const outcome = await this.locks.run(dt.name, async () => {
      const first = await run(dt);
      if (first.kind !== 'catalog-changed') return first;
      // Another process changed the catalog: the DT as it is now, if it still is.
      catalog.forget();
      const now = await catalog.get(dt.name);
      if (!now) return { kind: 'skipped' as const, reason: `${dt.name} was dropped by another session` };
      const again = await run(now);
      return again.kind === 'catalog-changed'
        ? { kind: 'skipped' as const, reason: 'another session is changing the catalog' }
        : again;
    });
    if (outcome.kind === 'ran') {
      const r = outcome.record;
      if (r.state === 'SUCCEEDED' && r.dataTimestamp)
        catalog.refreshed(
          r.name,
          r.dataTimestamp,
          r.refreshAction !== 'INCREMENTAL' && r.refreshAction !== 'NO_DATA',
        );
      this.host.publish({ type: 'refresh', record: r });
      if (outcome.steps && r.state === 'SUCCEEDED') this.publishPlan(r, outcome.steps);
      await quality.refreshed(r);
    }
    return outcome;
  }

  /** EXPLAIN REFRESH: the steps of `name`'s last refresh run by this engine. */
  async explain(name: string) {
    if (!(await this.host.catalog.get(name)))
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
    const plan = this.lastPlans.get(name);
    if (plan) return planTable(plan);
    const none = `no refresh of ${name} has run in this session (ALTER DYNAMIC TABLE ${name} REFRESH runs one)`;
    return planTable({ name, refreshId: 0, action: 'NONE', reason: none, dataTimestamp: null, steps: [] });
  }

  private publishPlan(r: RefreshRecord, steps: StepLog): void {
    const { refreshId, refreshAction: action, reason, dataTimestamp } = r;
    const plan = {
      name: r.name,
      refreshId,
      action: action ?? 'FULL',
      reason: reason ?? '',
      dataTimestamp,
      steps,
    };
    this.lastPlans.set(r.name, plan);
    this.host.publish({ type: 'refresh-plan', plan });
  }
}
