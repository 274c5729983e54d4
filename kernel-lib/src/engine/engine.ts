/**
 * The engine: runs scripts of statements against one backend (engine/script.ts, engine/statements.ts) and
 * publishes everything that happens on `events$` (engine/events.ts). This file holds the Engine class — its
 * parts, how they are wired to the modules of engine/ that do the work — and its public API.
 */
import { type Observable, Subject } from 'rxjs';
import type { Notifier } from '../alerts/incidents.js';
import { deliveryNotifier } from '../alerts/notifier.js';
import { AlertService } from '../alerts/service.js';
import { type Backend, formatTimestamp } from '../backends/backend.js';
import { COLLECT_AFTER_ROWS, GarbageSchedule } from '../capture/garbage.js';
import { WriteLedger } from '../capture/ledger.js';
import { KnownCatalog } from '../catalog/known.js';
import { type Clock, type ClockJob, systemClock } from '../clock.js';
import type { DeliveryWorker } from '../delivery/index.js';
import { dialectOf } from '../dialect/index.js';
import { QualityService } from '../quality/service.js';
import { DeferredHistory } from '../refresh/deferred-history.js';
import type { RunOptions } from '../refresh/run.js';
import { type Verification, verifyDynamicTable } from '../refresh/verify.js';
import { LagSampleBuffer } from '../schedule/lag-buffer.js';
import type { ReviewAction } from '../sql/expectations.js';
import type { DynamicTable, RefreshRecord, RefreshTrigger, SuspendReason, Warehouse } from '../types.js';
import type { WriteItem } from './bulk.js';
import { engineContext } from './context.js';
import { type DdlHost, requireDynamicTable } from './ddl.js';
import type { EngineEvent } from './events.js';
import { isServer, WriteFence } from './fence.js';
import { flushingBackend } from './flushing-backend.js';
import { Held } from './held.js';
import { readHistory, recordNotRun } from './history.js';
import { deliveryWorker, type EngineOptions, installEngine } from './open.js';
import { type IdPosition, listQuarantine, reviewQuarantine } from './quarantine.js';
import { type RefreshOutcome, refreshWithUpstreams } from './refresh-chain.js';
import { RefreshRunner } from './refresh-one.js';
import { changeSchedulingState } from './scheduling-state.js';
import { type ExecuteOptions, runScript, type ScriptHost } from './script.js';
import type { StatementHost, StatementResult } from './statements.js';
import { type WriteHost, type WriteOptions, writeItems } from './writes.js';

export type { EngineEvent } from './events.js';
export type { EngineOptions } from './open.js';
export type { RefreshOutcome } from './refresh-chain.js';
export type { ExecuteOptions } from './script.js';
export type { StatementResult } from './statements.js';

export class Engine {
  private readonly events = new Subject<EngineEvent>();
  /** Everything the engine does, as it happens. */
  readonly events$: Observable<EngineEvent> = this.events.asObservable();
  /** Publishes on `events$`. */
  private readonly publish = (event: EngineEvent) => this.events.next(event);
  /** Writes through this engine wait while a refresh cycle holds it (engine/fence.ts). */
  readonly fence = new WriteFence();
  /** Refreshes of one DT each, published, their steps kept for EXPLAIN REFRESH (engine/refresh-one.ts). */
  private readonly refreshes: RefreshRunner;
  /** The catalog, held in memory and kept in step with the database (catalog/known.ts). */
  private readonly catalog: KnownCatalog;
  /** What this engine's refreshes read, and on DuckDB the writes it saw, which make NO_DATA free (capture/ledger.ts). */
  private readonly ledger: WriteLedger;
  /** The database user DDL is audited as (engine/audit.ts). */
  private user: string | null = null;
  /** Sends what the outbox holds (delivery/worker.ts); started by `open`, stopped by `close`. */
  private readonly delivery: DeliveryWorker;
  /** Alerts and incidents (alerts/service.ts); the scheduler runs `clockJobs` on the clock. */
  readonly alerts: AlertService;
  readonly clockJobs: ClockJob[];
  /** Data metric functions: statements, schedules on the clock, evaluations on changes (quality/service.ts). */
  readonly quality: QualityService;
  /** When refreshes collect change-table garbage, and cycles reclaim its space (capture/garbage.ts). */
  readonly garbage: GarbageSchedule;
  /** Lag samples the scheduler took, written before anything reads them (schedule/lag-buffer.ts). */
  readonly lagSamples = new LagSampleBuffer();
  /**
   * History rows written later: NO_DATA refreshes', decided without a statement, and every other successful
   * refresh's without expectations; written before anything else this engine sends that may read them
   * (refresh/deferred-history.ts). Only where the engine sees every write (DuckDB).
   */
  readonly deferred = new DeferredHistory();
  /** The backend, through which whatever `deferred` holds is written before anything else (flushing-backend.ts). */
  readonly backend: Backend;
  /** What the engine holds of the catalog, alerts and DMFs, and when that is read again (engine/held.ts). */
  private readonly held: Held;
  /** What ALTER, DROP and the warehouse statements need of the engine (engine/ddl.ts). */
  private readonly ddl: DdlHost;
  /** What the engine's own writes and captured statements need (engine/writes.ts). */
  private readonly writes: WriteHost;
  /** What running a script, and each of its statements, needs (engine/script.ts, engine/statements.ts). */
  private readonly script: ScriptHost;

  private constructor(
    given: Backend,
    readonly clock: Clock,
    delivery: EngineOptions['delivery'] = {},
    notifier?: Notifier,
    collectAfterRows = COLLECT_AFTER_ROWS,
  ) {
    this.garbage = new GarbageSchedule(collectAfterRows);
    const captures = dialectOf(given.family).engineCaptures;
    const backend = captures ? flushingBackend(given, this.deferred) : given;
    this.backend = backend;
    this.delivery = deliveryWorker(backend, delivery, this.publish);
    this.catalog = new KnownCatalog(backend, isServer(backend));
    this.ledger = new WriteLedger(captures);
    const ctx = engineContext(backend, clock, this.catalog, this.deferred, this.delivery, this.ledger);
    this.alerts = new AlertService({
      backend,
      clock,
      query: async (sql) => (await this.execute(sql)).at(-1) ?? { columns: [], rows: [] },
      warehouseExists: async (name) => (await this.catalog.warehouses()).some((w) => w.name === name),
      notifier: notifier ?? deliveryNotifier(ctx),
      incidentChanged: (incident) => this.events.next({ type: 'incident', incident }),
    });
    this.clockJobs = [this.alerts];
    this.quality = new QualityService(backend, () => clock.now(), this.publish);
    // Every history row the engine writes is published: one whose id was not drawn ahead ends the block.
    this.events$.subscribe((e) => e.type === 'refresh' && this.deferred.drawnElsewhere(e.record.refreshId));
    const { catalog, ledger, fence, quality } = this;
    this.held = new Held({ backend, catalog, ledger, alerts: this.alerts, quality, publish: this.publish });
    // What most of the hosts below draw on; what writes need (engine/writes.ts) exactly.
    const parts = { backend, clock, catalog, ledger, fence, quality };
    this.refreshes = new RefreshRunner({
      ...parts,
      garbage: this.garbage,
      deferred: ledger.seesEveryWrite ? this.deferred : undefined,
      publish: this.publish,
    });
    this.writes = parts;
    this.ddl = {
      ...parts,
      catalogChanged: (e) => this.held.catalogChanged(e),
      verify: (name) => this.verify(name),
      refresh: (name, trigger, options) => this.refresh(name, trigger, options),
      setSchedulingState: (name, action) => this.setSchedulingState(name, action),
      reviewQuarantine: (name, action, ids, at) => this.reviewQuarantine(name, action, ids, at),
    };
    const statements: StatementHost = {
      ...parts,
      ctx,
      ddl: this.ddl,
      writes: this.writes,
      alerts: this.alerts,
      catalogChanged: (e) => this.held.catalogChanged(e),
      publishRefresh: (record) => this.events.next({ type: 'refresh', record }),
      verify: (name) => this.verify(name),
      explainRefresh: (name) => this.refreshes.explain(name),
      quarantine: (name, limit, offset) => this.quarantine(name, limit, offset),
    };
    this.script = {
      ...parts,
      statements,
      user: () => this.user,
      flushLagSamples: () => this.flushLagSamples(),
      forgetHeld: (part) => this.held.forget(part),
    };
  }

  /** Opens the engine on a backend, installing the catalog (and the default warehouse) if missing. */
  static async open(backend: Backend, options: EngineOptions = {}): Promise<Engine> {
    const { clock, delivery, notifier, collectAfterRows } = options;
    const engine = new Engine(backend, clock ?? systemClock, delivery, notifier, collectAfterRows);
    const deferred = engine.ledger.seesEveryWrite ? engine.deferred : undefined;
    engine.user = await installEngine(backend, engine.clock, deferred);
    engine.delivery.kick(); // deliveries a previous run left pending
    return engine;
  }

  /**
   * Runs every statement of `script` in order and returns their results. Stops at the first error, which is
   * thrown as a DtError whose position (if any) is a line and column of `script`.
   */
  async execute(script: string, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    return runScript(this.script, script, options);
  }

  /**
   * ALTER DYNAMIC TABLE … REFRESH: refreshes the DT and, first, the upstream DTs it reads (transitively), all
   * to one data timestamp (engine/refresh-chain.ts).
   */
  async refresh(
    name: string,
    trigger: RefreshTrigger = 'MANUAL',
    options: ExecuteOptions = {},
  ): Promise<RefreshRecord> {
    return refreshWithUpstreams(
      {
        clock: this.clock,
        catalog: this.catalog,
        refreshOne: (dt, o) => this.refreshOne(dt, o),
        recordNotRun: (dt, state, message, t) => this.recordNotRun(dt, state, message, t),
      },
      name,
      trigger,
      options.signal,
    );
  }

  /** One refresh of one DT (no upstreams), serialised with other refreshes of it; publishes the record. */
  refreshOne(dt: DynamicTable, options: RunOptions): Promise<RefreshOutcome> {
    return this.refreshes.run(dt, options);
  }

  /** Records a refresh that did not run (UPSTREAM_FAILED, SKIPPED) at the clock's now (engine/history.ts). */
  async recordNotRun(
    dt: DynamicTable,
    state: 'UPSTREAM_FAILED' | 'SKIPPED',
    message: string,
    trigger: RefreshTrigger,
    at = this.clock.now(),
  ): Promise<RefreshRecord> {
    const host = { backend: this.backend, catalog: this.catalog, publish: this.publish };
    return recordNotRun(host, dt, state, message, trigger, at);
  }

  /**
   * SUSPEND (cascading downstream) or RESUME (with the dependents the system suspended). The scheduler
   * suspends with SUSPENDED_DUE_TO_ERRORS; ALTER … SUSPEND with USER_SUSPENDED (engine/scheduling-state.ts).
   */
  async setSchedulingState(
    name: string,
    action: 'suspend' | 'resume',
    reason: SuspendReason = 'USER_SUSPENDED',
  ) {
    const host = { backend: this.backend, catalog: this.catalog, publish: this.publish };
    return changeSchedulingState(host, name, action, reason);
  }

  /**
   * Runs DML statements, and inserts of rows (engine/bulk.ts), as one transaction of the engine's own (the
   * TPC-H refresh functions and the order simulator write through here). Returns the rows each item touched.
   */
  write(items: readonly WriteItem[], options: WriteOptions = {}): Promise<number[]> {
    return writeItems(this.writes, items, options);
  }

  /** Compares a DT with its query on one snapshot (the incremental engine's oracle, as a command). */
  async verify(name: string): Promise<Verification> {
    return verifyDynamicTable(this.backend, await requireDynamicTable(this.ddl, name), this.clock.now());
  }

  /** Quarantined rows of a DT, one page (engine/quarantine.ts). */
  async quarantine(name: string, limit = 100, offset = 0) {
    return listQuarantine(this.backend, await requireDynamicTable(this.ddl, name), limit, offset);
  }

  /** Re-admits or discards quarantined rows; `at` positions an error at the i-th id (engine/quarantine.ts). */
  async reviewQuarantine(name: string, action: ReviewAction, ids: number[], at: IdPosition = () => ({})) {
    const dt = await requireDynamicTable(this.ddl, name);
    const timestamp = (ms: number) => formatTimestamp(ms);
    const ctx = { backend: this.backend, now: this.clock.now(), timestamp };
    const message = await reviewQuarantine({ ...ctx, refresh: (n) => this.refresh(n) }, dt, action, ids, at);
    this.ledger.wrote(undefined);
    return message;
  }

  /**
   * The dynamic tables as the database has them (from memory where this engine is the only writer).
   * `fresh: false`: as this engine knows them (the scheduler, after `lookForChanges`).
   */
  listDynamicTables(options: { fresh?: boolean } = {}): Promise<DynamicTable[]> {
    return this.catalog.list(options);
  }

  /** The warehouses as the database has them (from memory where this engine is the only writer). */
  listWarehouses(options: { fresh?: boolean } = {}): Promise<Warehouse[]> {
    return this.catalog.warehouses(options);
  }

  /**
   * At the start of a scheduler look: on a PostgreSQL server, one statement finds what other processes
   * changed since the last look (catalog/stamps.ts), and that is read again when next needed; elsewhere this
   * engine made every change itself and nothing is read (engine/held.ts).
   */
  async lookForChanges(): Promise<void> {
    return this.held.lookForChanges();
  }

  /** Refresh history, newest first, optionally of one DT (engine/history.ts). */
  async history(name?: string): Promise<RefreshRecord[]> {
    return readHistory(this.backend, name);
  }

  /** Sends the notifications that are due now and waits for the attempts (retries stay scheduled). */
  flushDeliveries(): Promise<void> {
    return this.delivery.flush();
  }

  /** Writes the lag samples waiting (schedule/lag-buffer.ts): before reading dtlab.lag_samples. */
  flushLagSamples(): Promise<void> {
    return this.lagSamples.flush(this.backend);
  }

  /**
   * Writes what waits (history rows, lag samples), stops the delivery worker and completes the events; then
   * closes the backend, unless `keepBackend` (an engine opened on a backend another engine owns).
   */
  async close({ keepBackend = false }: { keepBackend?: boolean } = {}): Promise<void> {
    await this.deferred.flush(this.backend).catch(() => {});
    await this.flushLagSamples().catch(() => {});
    await this.delivery.close();
    this.events.complete();
    if (!keepBackend) await this.backend.close();
  }
}
