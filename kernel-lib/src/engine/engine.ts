/**
 * The engine: runs scripts of statements against one backend. Dynamic-table and warehouse DDL is handled
 * here; every other statement is translated (Snowflake functions → the backend's family) and passed through.
 * Everything that happens is also published on `events$`.
 */
import { type Observable, Subject } from 'rxjs';
import type { Incident, Notifier } from '../alerts/incidents.js';
import { deliveryNotifier } from '../alerts/notifier.js';
import { AlertService } from '../alerts/service.js';
import { ALERT_DDL } from '../alerts/store.js';
import { type Backend, formatTimestamp } from '../backends/backend.js';
import { installCaptureRegistry } from '../capture/capture.js';
import { planCapture } from '../capture/duckdb.js';
import { COLLECT_AFTER_ROWS, GarbageSchedule } from '../capture/garbage.js';
import { WriteLedger } from '../capture/ledger.js';
import {
  insertWarehouse,
  installCatalog,
  listWarehouses,
  relationKinds,
  updateDynamicTable,
} from '../catalog/catalog.js';
import { KnownCatalog } from '../catalog/known.js';
import { CatalogStamps, type StampedPart } from '../catalog/stamps.js';
import { type Clock, type ClockJob, systemClock } from '../clock.js';
import {
  type DeliveryEvent,
  DeliveryWorker,
  defaultTransports,
  installDelivery,
  type RetryPolicy,
  retryPolicy,
  type Transports,
} from '../delivery/index.js';
import { dialectOf } from '../dialect/index.js';
import { DtError, InterruptedError, messageOf } from '../errors.js';
import { discardedTableName } from '../plan/discards.js';
import { quarantineTableName } from '../plan/expectations.js';
import { QUALITY_DDL } from '../quality/catalog.js';
import { type QualityEvent, QualityService } from '../quality/service.js';
import { DeferredHistory } from '../refresh/deferred-history.js';
import type { ExecutedPlan } from '../refresh/executor.js';
import { type RefreshRequest, recordFailedRefresh } from '../refresh/full.js';
import type { RunOptions } from '../refresh/run.js';
import { type Verification, verifyDynamicTable } from '../refresh/verify.js';
import { LagSampleBuffer } from '../schedule/lag-buffer.js';
import { resumeChanges, suspendChanges } from '../schedule/states.js';
import { parseStatement, type Statement } from '../sql/ddl.js';
import type { ReviewAction } from '../sql/expectations.js';
import { positionAt } from '../sql/position.js';
import { type ScriptStatement, splitStatements } from '../sql/split.js';
import {
  DEFAULT_WAREHOUSE,
  type DynamicTable,
  type RefreshRecord,
  type RefreshTrigger,
  type SchedulingState,
  type SuspendReason,
  type Warehouse,
} from '../types.js';
import { auditedNames, auditRows, recordAudit } from './audit.js';
import type { WriteItem } from './bulk.js';
import type { EngineContext } from './context.js';
import { type CatalogChange, type DdlHost, requireDynamicTable } from './ddl.js';
import { refuseBreakingSources } from './drop-guard.js';
import { installDiscardTables, withExpectationCounts } from './expectations.js';
import { isServer, WriteFence } from './fence.js';
import { flushingBackend } from './flushing-backend.js';
import { interruptedBetween, statementInterrupted, wasCancelled } from './interrupted.js';
import { type IdPosition, listQuarantine, reviewQuarantine } from './quarantine.js';
import { type RefreshOutcome, refreshWithUpstreams } from './refresh-chain.js';
import { RefreshRunner } from './refresh-one.js';
import { runStatement, type StatementHost, type StatementResult } from './statements.js';
import { guardedNames, guardWrite, mayWrite, readOnlyError } from './write-guard.js';
import { EVERY_TABLE, type WriteHost, type WriteOptions, writeItems } from './writes.js';

export type { StatementResult } from './statements.js';

export type EngineEvent =
  | { type: 'refresh'; record: RefreshRecord }
  /** The steps a successful refresh ran (refresh/executor.ts), published after its record. */
  | { type: 'refresh-plan'; plan: ExecutedPlan }
  | { type: 'state'; name: string; state: SchedulingState; reason: SuspendReason | null }
  | CatalogChange
  /** A notification was delivered, will be retried, or failed for good (delivery/worker.ts). */
  | DeliveryEvent
  | { type: 'incident'; incident: Incident }
  /** Data metric functions measured, or failing to (quality/service.ts). */
  | QualityEvent;

export type { RefreshOutcome } from './refresh-chain.js';

/**
 * `signal`: aborting it interrupts the statement under way (the backend cancels it where it can; PGlite runs
 * it to its end) and the rest of the script, with DT_ERR_INTERRUPTED (engine/interrupted.ts).
 */
export interface ExecuteOptions {
  signal?: AbortSignal;
}

export interface EngineOptions {
  clock?: Clock;
  /** Notification delivery: retry policy (ranges in docs/delivery.md) and, for tests, the transports. */
  delivery?: Partial<RetryPolicy> & { transports?: Transports };
  /** Where incidents notify (default: delivery's outbox). */
  notifier?: Notifier;
  /** Change rows read between collections of a change table (capture/garbage.ts; 0: every refresh). */
  collectAfterRows?: number;
}

/** Statements that may write a table (checked against the dynamic tables before they pass through). */
const WRITE_WORDS = /^\s*(insert|update|delete|merge|truncate|copy|drop|alter|create)\b/i;
/** Statements that may write: a write keyword first, or after a WITH clause (a superset is fine). */
const WRITES = {
  test: (sql: string) =>
    WRITE_WORDS.test(sql) || (/^\s*with\b/i.test(sql) && /\b(insert|update|delete|merge)\b/i.test(sql)),
};

export class Engine {
  private readonly events = new Subject<EngineEvent>();
  /** Everything the engine does, as it happens. */
  readonly events$: Observable<EngineEvent> = this.events.asObservable();
  /** Writes through this engine wait while a refresh cycle holds it (engine/fence.ts). */
  readonly fence = new WriteFence();
  private readonly ctx: EngineContext;
  /** Refreshes of one DT each, published, their steps kept for EXPLAIN REFRESH (engine/refresh-one.ts). */
  private readonly refreshes: RefreshRunner;
  /** The catalog, held in memory and kept in step with the database (catalog/known.ts). */
  private readonly catalog: KnownCatalog;
  /** What this engine's refreshes read, and on DuckDB the writes it saw, which make NO_DATA free (capture/ledger.ts). */
  private readonly ledger: WriteLedger;
  /** When refreshes collect change-table garbage (capture/garbage.ts). */
  private readonly garbage: GarbageSchedule;
  /** The database user DDL is audited as (engine/audit.ts). */
  private user: string | null = null;
  /** Sends what the outbox holds (delivery/worker.ts); started by `open`, stopped by `close`. */
  private readonly delivery: DeliveryWorker;
  /** Alerts and incidents (alerts/service.ts); the scheduler runs `clockJobs` on the clock. */
  readonly alerts: AlertService;
  readonly clockJobs: ClockJob[];
  /** Data metric functions: statements, schedules on the clock, evaluations on changes (quality/service.ts). */
  readonly quality: QualityService;
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
  /** On a PostgreSQL server: what moved in the shared catalog since the scheduler's last look (catalog/stamps.ts). */
  private readonly stamps?: CatalogStamps;
  /** What ALTER, DROP and the warehouse statements need of the engine (engine/ddl.ts). */
  private readonly ddl: DdlHost;
  /** What the engine's own writes and captured statements need (engine/writes.ts). */
  private readonly writes: WriteHost;
  /** What running one statement needs (engine/statements.ts). */
  private readonly statements: StatementHost;

  private constructor(
    given: Backend,
    readonly clock: Clock,
    delivery: EngineOptions['delivery'] = {},
    notifier?: Notifier,
    collectAfterRows = COLLECT_AFTER_ROWS,
  ) {
    const captures = dialectOf(given.family).engineCaptures;
    const backend = captures ? flushingBackend(given, this.deferred) : given;
    this.backend = backend;
    const { transports, ...policy } = delivery;
    this.delivery = new DeliveryWorker({
      backend,
      policy: retryPolicy(policy),
      transports: transports ?? defaultTransports,
      publish: (e) => this.events.next(e),
      now: () => Date.now(), // wall time: delivery is about the network, not the lesson clock
    });
    this.catalog = new KnownCatalog(backend, isServer(backend));
    this.ledger = new WriteLedger(captures);
    this.garbage = new GarbageSchedule(collectAfterRows);
    this.ctx = {
      backend,
      clock,
      dynamicTables: () => this.catalog.list(),
      warehouses: () => this.catalog.warehouses(),
      relations: () => relationKinds(backend),
      timestamp: formatTimestamp,
      refreshId: () => this.deferred.takeId(),
      delivery: this.delivery,
    };
    this.alerts = new AlertService({
      backend,
      clock,
      query: async (sql) => (await this.execute(sql)).at(-1) ?? { columns: [], rows: [] },
      warehouseExists: async (name) => (await this.catalog.warehouses()).some((w) => w.name === name),
      notifier: notifier ?? deliveryNotifier(this.ctx),
      incidentChanged: (incident) => this.events.next({ type: 'incident', incident }),
    });
    this.clockJobs = [this.alerts];
    this.quality = new QualityService(
      backend,
      () => clock.now(),
      (e) => this.events.next(e),
    );
    // Every history row the engine writes is published: one whose id was not drawn ahead ends the block.
    this.events$.subscribe((e) => e.type === 'refresh' && this.deferred.drawnElsewhere(e.record.refreshId));
    if (isServer(backend)) this.stamps = new CatalogStamps((part) => this.forgetHeld(part));
    this.refreshes = new RefreshRunner({
      backend,
      clock,
      catalog: this.catalog,
      ledger: this.ledger,
      garbage: this.garbage,
      deferred: this.ledger.seesEveryWrite ? this.deferred : undefined,
      quality: this.quality,
      publish: (e) => this.events.next(e),
    });
    this.writes = {
      backend,
      clock,
      ledger: this.ledger,
      fence: this.fence,
      catalog: this.catalog,
      quality: this.quality,
    };
    this.ddl = {
      backend,
      clock,
      catalog: this.catalog,
      catalogChanged: (e) => this.catalogChanged(e),
      verify: (name) => this.verify(name),
      refresh: (name, trigger, options) => this.refresh(name, trigger, options),
      setSchedulingState: (name, action) => this.setSchedulingState(name, action),
      reviewQuarantine: (name, action, ids, at) => this.reviewQuarantine(name, action, ids, at),
    };
    this.statements = {
      ctx: this.ctx,
      ddl: this.ddl,
      writes: this.writes,
      backend,
      clock,
      catalog: this.catalog,
      quality: this.quality,
      alerts: this.alerts,
      qualityContext: () => this.qualityContext(),
      catalogChanged: (e) => this.catalogChanged(e),
      publishRefresh: (record) => this.events.next({ type: 'refresh', record }),
      verify: (name) => this.verify(name),
      explainRefresh: (name) => this.refreshes.explain(name),
      quarantine: (name, limit, offset) => this.quarantine(name, limit, offset),
    };
  }

  /** Opens the engine on a backend, installing the catalog (and the default warehouse) if missing. */
  static async open(backend: Backend, options: EngineOptions = {}): Promise<Engine> {
    const { clock, delivery, notifier, collectAfterRows } = options;
    const engine = new Engine(backend, clock ?? systemClock, delivery, notifier, collectAfterRows);
    await backend.transaction(async (tx) => {
      await installCatalog(tx);
      await installDiscardTables(tx, backend.family);
      await installCaptureRegistry(tx);
      await installDelivery(tx);
      for (const ddl of dialectOf(backend.family).engineDdl) await tx.query(ddl);
      engine.user = String((await tx.query('SELECT current_user')).rows[0]?.[0] ?? '') || null;
      for (const ddl of ALERT_DDL) await tx.query(ddl);
      for (const ddl of QUALITY_DDL) await tx.query(ddl);
      // History ids for NO_DATA refreshes that send no statement (refresh/deferred-history.ts).
      if (engine.ledger.seesEveryWrite) await engine.deferred.drawIds(tx);
      if ((await listWarehouses(tx)).length === 0) {
        await insertWarehouse(tx, {
          name: DEFAULT_WAREHOUSE,
          size: 'XSMALL',
          maxConcurrency: 8,
          autoSuspendSeconds: 600,
          comment: 'default warehouse for dynamic tables that name none',
          createdOn: formatTimestamp(engine.clock.now()),
        });
      }
    });
    engine.delivery.kick(); // deliveries a previous run left pending
    return engine;
  }

  /**
   * Runs every statement of `script` in order and returns their results. Stops at the first error, which is
   * thrown as a DtError whose position (if any) is a line and column of `script`.
   */
  async execute(script: string, options: ExecuteOptions = {}): Promise<StatementResult[]> {
    const { signal } = options;
    const results: StatementResult[] = [];
    const statements = splitStatements(script);
    // A statement may read dtlab.lag_samples (an alert's condition, a user's query): what waits goes first
    // (if that fails, they wait on; the statement runs).
    await this.flushLagSamples().catch(() => {});
    for (const [i, stmt] of statements.entries()) {
      if (signal?.aborted) throw interruptedBetween(i, statements.length);
      try {
        results.push(await this.executeOne(stmt, script, signal));
      } catch (e) {
        if (signal?.aborted && wasCancelled(e))
          throw e instanceof InterruptedError ? e : statementInterrupted(i, statements.length);
        throw e;
      }
    }
    return results;
  }

  private async executeOne(
    stmt: ScriptStatement,
    script: string,
    signal: AbortSignal | undefined,
  ): Promise<StatementResult> {
    try {
      // A writing statement waits for a refresh cycle under way (one snapshot per cycle: engine/fence.ts).
      return WRITES.test(stmt.text)
        ? await this.fence.write(() => this.dispatch(stmt, signal))
        : await this.dispatch(stmt, signal);
    } catch (e) {
      throw e instanceof InterruptedError ? e : relocate(e, stmt, script);
    }
  }

  private async dispatch(stmt: ScriptStatement, signal?: AbortSignal): Promise<StatementResult> {
    const parsed = await this.guardWrite(stmt, parseStatement(stmt.text, stmt.tokens));
    const audited = auditedNames(parsed);
    const before = new Map(
      await Promise.all(audited.map(async (n) => [n, await this.catalog.get(n)] as const)),
    );
    try {
      const result = await runStatement(this.statements, stmt, parsed, signal);
      if (audited.length > 0) {
        const after = new Map(
          await Promise.all(audited.map(async (n) => [n, await this.catalog.get(n)] as const)),
        );
        const rows = auditRows(audited, before, after, parsed);
        await recordAudit(this.backend, rows, formatTimestamp(this.clock.now()), this.user, stmt.text);
      }
      // DMFs scheduled TRIGGER_ON_CHANGES measure the table a statement wrote (quality/service.ts).
      if (parsed.kind === 'passthrough' && WRITES.test(stmt.text))
        await this.quality.changed([planCapture(stmt.text, stmt.tokens, EVERY_TABLE)?.table]);
      return result;
    } finally {
      // What this statement may have changed: the catalog (DT and warehouse DDL) is read again when next
      // needed, and DuckDB's ledger counts the write (a DT's DDL makes every DT look at the database again).
      if (parsed.kind !== 'passthrough' && !isReadOnly(parsed)) {
        this.catalog.forget();
        this.ledger.wrote(undefined);
      } else if (parsed.kind === 'passthrough' && WRITES.test(stmt.text)) {
        // A write to the engine's own tables by hand: what it holds of them is read again.
        if (DTLAB_TABLE.test(stmt.text)) {
          for (const part of HELD) this.forgetHeld(part);
          this.ledger.wrote(undefined);
        }
        const written = planCapture(stmt.text, stmt.tokens, EVERY_TABLE);
        this.ledger.wrote(written?.table);
        // DDL may change what refreshes read of the catalog (columns, capture): a new epoch.
        if (written?.kind === 'untracked' && written.ddl) this.ledger.wrote(undefined);
      }
    }
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

  /**
   * Publishes a change of the catalog, which this engine wrote: what it knows is read again when next needed
   * (before listeners, who may ask at once), and on DuckDB every DT looks at the database again.
   */
  private catalogChanged(event: CatalogChange): void {
    this.catalog.forget();
    this.ledger.wrote(undefined);
    this.events.next(event);
  }

  /** Records a refresh that did not run (UPSTREAM_FAILED, SKIPPED) at the clock's now. */
  async recordNotRun(
    dt: DynamicTable,
    state: 'UPSTREAM_FAILED' | 'SKIPPED',
    message: string,
    trigger: RefreshTrigger,
    at = this.clock.now(),
  ): Promise<RefreshRecord> {
    const wh = (await this.catalog.warehouses()).find((w) => w.name === dt.warehouse);
    const request: RefreshRequest = {
      dt,
      select: '',
      trigger,
      dataTimestamp: at,
      warehouseSize: wh?.size ?? 'XSMALL',
      planningMs: 0,
      reason: dt.refreshModeReason,
    };
    const record = await recordFailedRefresh(this.backend, request, at, at, message, state);
    this.events.next({ type: 'refresh', record });
    return record;
  }

  /**
   * SUSPEND (cascading downstream) or RESUME (with the dependents the system suspended). The scheduler
   * suspends with SUSPENDED_DUE_TO_ERRORS; ALTER … SUSPEND with USER_SUSPENDED.
   */
  async setSchedulingState(
    name: string,
    action: 'suspend' | 'resume',
    reason: SuspendReason = 'USER_SUSPENDED',
  ) {
    const dts = (await this.catalog.list()).map((d) => ({
      name: d.name,
      upstream: d.sources.map((s) => s.name),
      state: d.schedulingState,
      reason: d.suspendReason ?? null,
    }));
    const changes = action === 'suspend' ? suspendChanges(dts, name, reason) : resumeChanges(dts, name);
    await this.backend.transaction(async (tx) => {
      for (const c of changes)
        await updateDynamicTable(tx, c.name, { scheduling_state: c.state, suspend_reason: c.reason });
    });
    this.catalog.forget();
    for (const c of changes) this.events.next({ type: 'state', ...c });
    return changes;
  }

  /**
   * Runs DML statements, and inserts of rows (engine/bulk.ts), as one transaction of the engine's own (the
   * TPC-H refresh functions and the order simulator write through here). Returns the rows each item touched.
   */
  write(items: readonly WriteItem[], options: WriteOptions = {}): Promise<number[]> {
    return writeItems(this.writes, items, options);
  }

  /**
   * A DT's contents are its query's: a pass-through statement that could write one is refused (as in
   * Snowflake), pointing at its name; `DROP TABLE dt` becomes DROP DYNAMIC TABLE (engine/write-guard.ts).
   */
  private async guardWrite(stmt: ScriptStatement, parsed: Statement): Promise<Statement> {
    if (parsed.kind !== 'passthrough' || !mayWrite(stmt.tokens)) return parsed;
    const dts = await this.catalog.list();
    const names = guardedNames(
      dts.map((d) => d.name),
      (d) => [quarantineTableName(d), discardedTableName(d)],
    );
    const verdict = guardWrite(stmt.text, stmt.tokens, names);
    if (verdict.kind === 'drop') return { kind: 'drop_dynamic_table', name: verdict.table, ifExists: false };
    if (verdict.kind !== 'allow') throw readOnlyError(verdict, stmt.text);
    // Nor may a statement break the graph: dropping a relation a DT reads (engine/drop-guard.ts).
    await refuseBreakingSources(dts, stmt.text, stmt.tokens);
    return parsed;
  }

  /** What the DMF statements need of the engine (quality/statements.ts). */
  private qualityContext() {
    const names = async () => (await this.catalog.list()).map((d) => d.name);
    return { backend: this.backend, now: () => this.clock.now(), dynamicTables: names };
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
    const ctx = {
      backend: this.backend,
      now: this.clock.now(),
      timestamp: (ms: number) => formatTimestamp(ms),
    };
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
   * engine made every change itself and nothing is read.
   */
  async lookForChanges(): Promise<void> {
    if (!this.stamps) return;
    const dataTimestamps = await this.stamps.check(this.backend);
    this.catalog.observed(dataTimestamps);
  }

  /**
   * Drops what the engine holds of a part of the catalog: read again when next needed. (What refreshes know
   * stays: each checks the DT's definition in its first statement, refresh/probe.ts.)
   */
  private forgetHeld(part: StampedPart): void {
    if (part === 'catalog') this.catalog.forget();
    else if (part === 'alerts') this.alerts.forget();
    else this.quality.forget();
  }

  /** Refresh history, newest first, optionally of one DT. */
  async history(name?: string): Promise<RefreshRecord[]> {
    const { rows } = await this.backend.query(
      `SELECT refresh_id, name, state, state_message, refresh_action, refresh_trigger, data_timestamp,
              refresh_start_time, refresh_end_time, completion_target, rows_inserted, rows_deleted, changes_read,
              planning_ms, execution_ms, queued_ms, reason, warehouse, credits_used, rows_read
         FROM dtlab.refresh_history ${name ? 'WHERE name = $1' : ''} ORDER BY refresh_id DESC`,
      name ? [name] : [],
    );
    const records = rows.map((r) => ({
      refreshId: Number(r[0]),
      name: String(r[1]),
      state: String(r[2]) as RefreshRecord['state'],
      stateMessage: r[3] === null ? null : String(r[3]),
      refreshAction: r[4] === null ? null : (String(r[4]) as RefreshRecord['refreshAction']),
      refreshTrigger: String(r[5]) as RefreshRecord['refreshTrigger'],
      dataTimestamp: r[6] === null ? null : String(r[6]),
      refreshStartTime: String(r[7]),
      refreshEndTime: r[8] === null ? null : String(r[8]),
      completionTarget: r[9] === null ? null : String(r[9]),
      rowsInserted: Number(r[10]),
      rowsDeleted: Number(r[11]),
      changesRead: JSON.parse(String(r[12])),
      planningMs: Number(r[13]),
      executionMs: Number(r[14]),
      queuedMs: Number(r[15]),
      reason: r[16] === null ? null : String(r[16]),
      warehouse: String(r[17]),
      creditsUsed: Number(r[18]),
      rowsRead: Number(r[19] ?? 0),
    }));
    return withExpectationCounts(this.backend, records, name);
  }

  /** Sends the notifications that are due now and waits for the attempts (retries stay scheduled). */
  flushDeliveries(): Promise<void> {
    return this.delivery.flush();
  }

  /** Writes the lag samples waiting (schedule/lag-buffer.ts): before reading dtlab.lag_samples. */
  flushLagSamples(): Promise<void> {
    return this.lagSamples.flush(this.backend);
  }

  async close(): Promise<void> {
    await this.deferred.flush(this.backend).catch(() => {});
    await this.flushLagSamples().catch(() => {});
    await this.delivery.close();
    this.events.complete();
    await this.backend.close();
  }
}

/** Alert statements: their actions run as statements of their own (through dispatch), so they count there. */
const ALERT_KINDS = new Set([
  'create_alert',
  'alter_alert',
  'drop_alert',
  'execute_alert',
  'show_alerts',
  'describe_alert',
  'raise_incident',
]);

/**
 * Statements that change neither the catalog of DTs and warehouses nor any table, or only as a refresh does: the refresh writes
 * through to the known catalog and the ledger itself (refreshOne), so it starts no new epoch.
 */
const isReadOnly = (parsed: Statement) =>
  ALERT_KINDS.has(parsed.kind) ||
  parsed.kind === 'show_dynamic_tables' ||
  parsed.kind === 'explain_create_dynamic_table' ||
  parsed.kind === 'explain_refresh' ||
  parsed.kind === 'show_warehouses' ||
  parsed.kind === 'describe_dynamic_table' ||
  parsed.kind === 'notification' ||
  parsed.kind === 'show_quarantine' ||
  parsed.kind === 'show_dmfs' ||
  (parsed.kind === 'alter_dynamic_table' && ['verify', 'refresh'].includes(parsed.action.kind));

/** A statement naming one of the engine's own tables (dtlab.…). */
const DTLAB_TABLE = /\bdtlab\s*\.\s*"?[a-z_]/i;
const HELD: readonly StampedPart[] = ['catalog', 'alerts', 'quality'];

/** Positions inside a statement → positions in the whole script the user wrote. */
function relocate(e: unknown, stmt: ScriptStatement, script: string): DtError {
  const err = e instanceof DtError ? e : new DtError('DT_ERR_INTERNAL', messageOf(e), { cause: e });
  const position = err.details.position
    ? positionAt(script, stmt.offset + err.details.position.offset)
    : undefined;
  const relocated = new DtError(err.code, err.message, {
    ...err.details,
    ...(position ? { position, sql: script } : {}),
  });
  relocated.stack = err.stack;
  return relocated;
}
