/**
 * The engine: runs scripts of statements against one backend. Dynamic-table and warehouse DDL is handled
 * here; every other statement is translated (Snowflake functions → the backend's family) and passed through.
 * Everything that happens is also published on `events$`.
 */
import { type Observable, Subject } from 'rxjs';
import {
  type Backend,
  BackendError,
  formatTimestamp,
  quoteIdent,
  type ResultColumn,
  type Value,
} from '../backends/backend.js';
import {
  deleteDynamicTable,
  deleteWarehouse,
  describeColumns,
  getDynamicTable,
  insertWarehouse,
  installCatalog,
  listDynamicTables,
  listWarehouses,
  relationKinds,
  renameDynamicTable,
  updateDynamicTable,
} from '../catalog/catalog.js';
import { directDependents } from '../catalog/graph.js';
import { type Clock, systemClock } from '../clock.js';
import { DtError, messageOf } from '../errors.js';
import { refreshSelect } from '../plan/full.js';
import { type RefreshRequest, recordFailedRefresh, runFullRefresh } from '../refresh/full.js';
import { type AlterDynamicTable, type CreateWarehouse, parseStatement, type Statement } from '../sql/ddl.js';
import { formatLag } from '../sql/lag.js';
import { positionAt } from '../sql/position.js';
import { type ScriptStatement, splitStatements } from '../sql/split.js';
import { translateSql, translateType } from '../sql/translate.js';
import { DEFAULT_WAREHOUSE, type DynamicTable, type RefreshRecord, type RefreshTrigger } from '../types.js';
import type { EngineContext } from './context.js';
import { createDynamicTable } from './create.js';
import { queryError } from './query-error.js';
import { describeResult, showDynamicTablesResult, showWarehousesResult } from './show.js';

export interface StatementResult {
  /** The statement as written. */
  sql: string;
  kind: Statement['kind'];
  columns: ResultColumn[];
  rows: Value[][];
  rowCount: number;
  /** A status line for statements without a result set ("Dynamic table x successfully created."). */
  message?: string;
}

export type EngineEvent =
  | { type: 'refresh'; record: RefreshRecord }
  | { type: 'catalog'; action: 'created' | 'replaced' | 'altered' | 'dropped' | 'renamed'; name: string };

export interface EngineOptions {
  clock?: Clock;
}

/** Statements whose CURRENT_DATE / CURRENT_TIMESTAMP read the engine clock (queries and DML, not DDL). */
const CLOCKED = /^\s*(select|with|insert|update|delete|values|merge|table)\b/i;

export class Engine {
  private readonly events = new Subject<EngineEvent>();
  /** Everything the engine does, as it happens. */
  readonly events$: Observable<EngineEvent> = this.events.asObservable();
  private readonly ctx: EngineContext;

  private constructor(
    readonly backend: Backend,
    readonly clock: Clock,
  ) {
    this.ctx = {
      backend,
      clock,
      dynamicTables: () => listDynamicTables(backend),
      warehouses: () => listWarehouses(backend),
      relations: () => relationKinds(backend),
      timestamp: formatTimestamp,
    };
  }

  /** Opens the engine on a backend, installing the catalog (and the default warehouse) if missing. */
  static async open(backend: Backend, options: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(backend, options.clock ?? systemClock);
    await backend.transaction(async (tx) => {
      await installCatalog(tx);
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
    return engine;
  }

  /**
   * Runs every statement of `script` in order and returns their results. Stops at the first error, which is
   * thrown as a DtError whose position (if any) is a line and column of `script`.
   */
  async execute(script: string): Promise<StatementResult[]> {
    const results: StatementResult[] = [];
    for (const stmt of splitStatements(script)) results.push(await this.executeOne(stmt, script));
    return results;
  }

  private async executeOne(stmt: ScriptStatement, script: string): Promise<StatementResult> {
    try {
      return await this.dispatch(stmt);
    } catch (e) {
      throw relocate(e, stmt, script);
    }
  }

  private async dispatch(stmt: ScriptStatement): Promise<StatementResult> {
    const parsed = parseStatement(stmt.text, stmt.tokens);
    const status = (message: string): StatementResult => ({
      sql: stmt.text,
      kind: parsed.kind,
      columns: [{ name: 'status', type: 'varchar' }],
      rows: [[message]],
      rowCount: 1,
      message,
    });
    const table = (r: { columns: ResultColumn[]; rows: Value[][] }): StatementResult => ({
      sql: stmt.text,
      kind: parsed.kind,
      ...r,
      rowCount: r.rows.length,
    });
    switch (parsed.kind) {
      case 'create_dynamic_table': {
        const outcome = await createDynamicTable(this.ctx, parsed, stmt.text);
        if (outcome.created) {
          this.events.next({
            type: 'catalog',
            action: parsed.orReplace ? 'replaced' : 'created',
            name: parsed.name,
          });
        }
        if (outcome.initialRefresh) this.events.next({ type: 'refresh', record: outcome.initialRefresh });
        return status(outcome.message);
      }
      case 'alter_dynamic_table':
        return status(await this.alter(parsed));
      case 'drop_dynamic_table':
        return status(await this.drop(parsed.name, parsed.ifExists));
      case 'show_dynamic_tables':
        return table(
          await showDynamicTablesResult(this.backend, await listDynamicTables(this.backend), parsed.like),
        );
      case 'describe_dynamic_table': {
        await this.requireDynamicTable(parsed.name);
        return table(describeResult(await describeColumns(this.backend, this.backend.family, parsed.name)));
      }
      case 'create_warehouse':
        return status(await this.createWarehouse(parsed));
      case 'drop_warehouse':
        return status(await this.dropWarehouse(parsed.name, parsed.ifExists));
      case 'show_warehouses':
        return table(showWarehousesResult(await listWarehouses(this.backend), parsed.like));
      case 'passthrough': {
        const translation = translateSql(
          stmt.text,
          this.backend.family,
          CLOCKED.test(stmt.text) ? { now: this.clock.now() } : {},
        );
        try {
          return { sql: stmt.text, kind: parsed.kind, ...(await this.backend.query(translation.text)) };
        } catch (e) {
          throw queryError(e, translation, 0, stmt.text, 0);
        }
      }
    }
  }

  /** Refreshes a DT now (ALTER DYNAMIC TABLE … REFRESH). Throws DT_ERR_REFRESH_FAILED, keeping the contents. */
  async refresh(name: string, trigger: RefreshTrigger = 'MANUAL'): Promise<RefreshRecord> {
    const dt = await this.requireDynamicTable(name);
    const wh = (await listWarehouses(this.backend)).find((w) => w.name === dt.warehouse);
    const now = this.clock.now();
    const translation = translateSql(dt.query, this.backend.family, { now });
    const storage = await describeColumns(this.backend, this.backend.family, dt.name);
    const select = refreshSelect(
      translation.text,
      storage.map((c, i) => {
        const declared = dt.columns?.[i]?.type;
        return declared
          ? { name: c.name, type: translateType(declared, this.backend.family) }
          : { name: c.name };
      }),
    );
    const request: RefreshRequest = {
      dt,
      select,
      trigger,
      dataTimestamp: now,
      warehouseSize: wh?.size ?? 'XSMALL',
      planningMs: 0,
      reason: dt.refreshModeReason,
    };
    try {
      const record = await this.backend.transaction(
        (tx) => runFullRefresh(tx, request, () => this.clock.now()),
        {
          isolation: 'repeatable read',
        },
      );
      this.events.next({ type: 'refresh', record });
      return record;
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      const record = await recordFailedRefresh(this.backend, request, now, this.clock.now(), e.message);
      this.events.next({ type: 'refresh', record });
      throw new DtError(
        'DT_ERR_REFRESH_FAILED',
        `refresh of ${name} failed, previous contents kept: ${e.message}`,
        {
          cause: e,
        },
      );
    }
  }

  /**
   * Runs DML statements as one transaction of the engine's own (the TPC-H refresh functions and the order
   * simulator write through here). Returns the rows each statement touched.
   */
  async write(statements: string[]): Promise<number[]> {
    const now = this.clock.now();
    return this.backend.transaction(async (tx) => {
      const rows: number[] = [];
      for (const sql of statements)
        rows.push((await tx.query(translateSql(sql, this.backend.family, { now }).text)).rowCount);
      return rows;
    });
  }

  listDynamicTables(): Promise<DynamicTable[]> {
    return listDynamicTables(this.backend);
  }

  /** Refresh history, newest first, optionally of one DT. */
  async history(name?: string): Promise<RefreshRecord[]> {
    const { rows } = await this.backend.query(
      `SELECT refresh_id, name, state, state_message, refresh_action, refresh_trigger, data_timestamp,
              refresh_start_time, refresh_end_time, completion_target, rows_inserted, rows_deleted, changes_read,
              planning_ms, execution_ms, queued_ms, reason, warehouse, credits_used
         FROM dtlab.refresh_history ${name ? 'WHERE name = $1' : ''} ORDER BY refresh_id DESC`,
      name ? [name] : [],
    );
    return rows.map((r) => ({
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
    }));
  }

  async close(): Promise<void> {
    this.events.complete();
    await this.backend.close();
  }

  private async requireDynamicTable(name: string): Promise<DynamicTable> {
    const dt = await getDynamicTable(this.backend, name);
    if (!dt) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
    return dt;
  }

  private async alter(stmt: AlterDynamicTable): Promise<string> {
    const dt = await getDynamicTable(this.backend, stmt.name);
    if (!dt) {
      if (stmt.ifExists) return `Dynamic table ${stmt.name} does not exist, statement succeeded.`;
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${stmt.name} does not exist`);
    }
    const action = stmt.action;
    switch (action.kind) {
      case 'refresh': {
        const r = await this.refresh(dt.name);
        return `Dynamic table ${dt.name} refreshed (${r.refreshAction}, ${r.rowsInserted} rows).`;
      }
      case 'suspend':
      case 'resume':
        await updateDynamicTable(this.backend, dt.name, {
          scheduling_state: action.kind === 'suspend' ? 'SUSPENDED' : 'ACTIVE',
        });
        this.events.next({ type: 'catalog', action: 'altered', name: dt.name });
        return `Dynamic table ${dt.name} ${action.kind === 'suspend' ? 'suspended' : 'resumed'}.`;
      case 'set': {
        if (
          action.warehouse &&
          !(await listWarehouses(this.backend)).some((w) => w.name === action.warehouse)
        ) {
          throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${action.warehouse} does not exist`);
        }
        await updateDynamicTable(this.backend, dt.name, {
          ...(action.targetLag
            ? { target_lag_s: action.targetLag.kind === 'duration' ? action.targetLag.seconds : null }
            : {}),
          ...(action.warehouse ? { warehouse: action.warehouse } : {}),
        });
        this.events.next({ type: 'catalog', action: 'altered', name: dt.name });
        const what = [
          action.targetLag ? `TARGET_LAG = ${formatLag(action.targetLag)}` : '',
          action.warehouse ? `WAREHOUSE = ${action.warehouse}` : '',
        ].filter(Boolean);
        return `Dynamic table ${dt.name} altered: ${what.join(', ')}.`;
      }
      case 'rename': {
        const readers = directDependents(await this.edges(), dt.name);
        if (readers.length > 0) {
          throw new DtError(
            'DT_ERR_HAS_DEPENDENTS',
            `cannot rename ${dt.name}: ${readers.join(', ')} read it by name`,
          );
        }
        if ((await relationKinds(this.backend)).has(action.newName)) {
          throw new DtError('DT_ERR_EXISTS', `an object named ${action.newName} already exists`);
        }
        await this.backend.transaction(async (tx) => {
          await tx.query(`ALTER TABLE ${quoteIdent(dt.name)} RENAME TO ${quoteIdent(action.newName)}`);
          await renameDynamicTable(tx, dt.name, action.newName);
        });
        this.events.next({ type: 'catalog', action: 'renamed', name: action.newName });
        return `Dynamic table ${dt.name} renamed to ${action.newName}.`;
      }
    }
  }

  private async edges(): Promise<Map<string, string[]>> {
    return new Map(
      (await listDynamicTables(this.backend)).map((d) => [d.name, d.sources.map((s) => s.name)]),
    );
  }

  private async drop(name: string, ifExists: boolean): Promise<string> {
    const dt = await getDynamicTable(this.backend, name);
    if (!dt) {
      if (ifExists) return `Dynamic table ${name} does not exist, statement succeeded.`;
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
    }
    const readers = directDependents(await this.edges(), name);
    if (readers.length > 0) {
      throw new DtError(
        'DT_ERR_HAS_DEPENDENTS',
        `cannot drop ${name}: dynamic table${readers.length > 1 ? 's' : ''} ${readers.join(', ')} depend${readers.length > 1 ? '' : 's'} on it`,
        { hint: `drop ${readers.join(', ')} first` },
      );
    }
    await this.backend.transaction(async (tx) => {
      await tx.query(`DROP TABLE ${quoteIdent(name)}`);
      await deleteDynamicTable(tx, name);
    });
    this.events.next({ type: 'catalog', action: 'dropped', name });
    return `${name} successfully dropped.`;
  }

  private async createWarehouse(stmt: CreateWarehouse): Promise<string> {
    const existing = (await listWarehouses(this.backend)).find((w) => w.name === stmt.name);
    if (existing && stmt.ifNotExists) return `Warehouse ${stmt.name} already exists, statement succeeded.`;
    if (existing && !stmt.orReplace) {
      throw new DtError('DT_ERR_EXISTS', `warehouse ${stmt.name} already exists`, {
        hint: 'use CREATE OR REPLACE WAREHOUSE',
      });
    }
    await this.backend.transaction(async (tx) => {
      if (existing) await deleteWarehouse(tx, stmt.name);
      await insertWarehouse(tx, {
        name: stmt.name,
        size: stmt.size,
        maxConcurrency: stmt.maxConcurrency,
        autoSuspendSeconds: stmt.autoSuspendSeconds,
        ...(stmt.comment !== undefined ? { comment: stmt.comment } : {}),
        createdOn: formatTimestamp(this.clock.now()),
      });
    });
    return `Warehouse ${stmt.name} successfully ${existing ? 'replaced' : 'created'}.`;
  }

  private async dropWarehouse(name: string, ifExists: boolean): Promise<string> {
    if (!(await listWarehouses(this.backend)).some((w) => w.name === name)) {
      if (ifExists) return `Warehouse ${name} does not exist, statement succeeded.`;
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${name} does not exist`);
    }
    const users = (await listDynamicTables(this.backend))
      .filter((d) => d.warehouse === name)
      .map((d) => d.name);
    if (users.length > 0) {
      throw new DtError(
        'DT_ERR_HAS_DEPENDENTS',
        `cannot drop warehouse ${name}: used by ${users.join(', ')}`,
      );
    }
    await deleteWarehouse(this.backend, name);
    return `${name} successfully dropped.`;
  }
}

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
