/**
 * One statement of a script, by kind: dynamic-table, warehouse, alert, quality and notification statements go
 * to their handlers; anything else is translated to the backend's family (Snowflake functions, the engine
 * clock's CURRENT_DATE), captured where the engine captures (engine/writes.ts) and passed through. The engine
 * (engine/script.ts) audits, fences and counts around it.
 */

import { alertResult } from '../alerts/result.js';
import type { AlertService } from '../alerts/service.js';
import type { Backend, ResultColumn, Value } from '../backends/backend.js';
import { describeColumns, listDynamicTables, listWarehouses } from '../catalog/catalog.js';
import type { KnownCatalog } from '../catalog/known.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import type { Clock } from '../clock.js';
import { runNotificationStatement } from '../delivery/index.js';
import type { QualityService } from '../quality/service.js';
import { type QualityContext, qualityResult } from '../quality/statements.js';
import type { Verification } from '../refresh/verify.js';
import type { Statement } from '../sql/ddl.js';
import { isQualityStatement } from '../sql/quality-ddl.js';
import type { ScriptStatement } from '../sql/split.js';
import { translateSql } from '../sql/translate.js';
import { DEFAULT_WAREHOUSE, type RefreshRecord } from '../types.js';
import type { EngineContext } from './context.js';
import { createDynamicTable } from './create.js';
import { alteration } from './create-or-alter.js';
import {
  alterDynamicTable,
  type CatalogChange,
  createWarehouse,
  type DdlHost,
  dropDynamicTable,
  dropWarehouse,
  requireDynamicTable,
} from './ddl.js';
import { explainCreate } from './explain.js';
import { queryError } from './query-error.js';
import { checkShowScope, describeResult, showDynamicTablesResult, showWarehousesResult } from './show.js';
import { undropDynamicTable } from './undrop.js';
import { capturedStatement, type WriteHost } from './writes.js';

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

type Table = { columns: ResultColumn[]; rows: Value[][] };

/** What running a statement needs of the engine. */
export interface StatementHost {
  ctx: EngineContext;
  ddl: DdlHost;
  writes: WriteHost;
  backend: Backend;
  clock: Clock;
  catalog: KnownCatalog;
  quality: QualityService;
  alerts: AlertService;
  /** The engine wrote the catalog: what it holds is read again, and the change is published. */
  catalogChanged(event: CatalogChange): void;
  /** Publishes a refresh the statement ran (a DT's initial refresh). */
  publishRefresh(record: RefreshRecord): void;
  verify(name: string): Promise<Verification>;
  explainRefresh(name: string): Promise<Table>;
  quarantine(name: string, limit: number, offset: number): Promise<Table>;
}

/** What the DMF statements need of the engine (quality/statements.ts). */
function qualityContext(host: StatementHost): QualityContext {
  const names = async () => (await host.catalog.list()).map((d) => d.name);
  return { backend: host.backend, now: () => host.clock.now(), dynamicTables: names };
}

/** Statements whose CURRENT_DATE / CURRENT_TIMESTAMP read the engine clock (queries and DML, not DDL). */
const CLOCKED = /^\s*(select|with|insert|update|delete|values|merge|table)\b/i;

export async function runStatement(
  host: StatementHost,
  stmt: ScriptStatement,
  parsed: Statement,
  signal?: AbortSignal,
): Promise<StatementResult> {
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
  if (isQualityStatement(parsed)) {
    const r = await qualityResult(qualityContext(host), parsed, stmt.text);
    host.quality.forget();
    return 'message' in r ? status(r.message) : table(r);
  }
  switch (parsed.kind) {
    case 'create_dynamic_table': {
      if (parsed.orAlter) {
        const existing = await host.catalog.get(parsed.name);
        const change = existing && alteration(existing, parsed, DEFAULT_WAREHOUSE);
        if (change?.kind === 'same')
          return status(`Dynamic table ${parsed.name} already matches, nothing changed.`);
        if (change?.kind === 'alter')
          return status(
            await alterDynamicTable(
              host.ddl,
              {
                kind: 'alter_dynamic_table',
                ifExists: false,
                name: parsed.name,
                action: change.set,
              },
              stmt.text,
            ),
          );
        parsed = { ...parsed, orReplace: existing !== undefined };
      }
      const outcome = await createDynamicTable(host.ctx, parsed, stmt.text, signal);
      if (outcome.created) {
        host.catalogChanged({
          type: 'catalog',
          action: parsed.orReplace ? 'replaced' : 'created',
          name: parsed.name,
        });
      }
      if (outcome.initialRefresh) host.publishRefresh(outcome.initialRefresh);
      return status(outcome.message);
    }
    case 'alter_dynamic_table': {
      if (parsed.action.kind !== 'verify')
        return status(await alterDynamicTable(host.ddl, parsed, stmt.text, signal));
      const v = await host.verify(parsed.name);
      const frozen =
        v.immutableRows === undefined
          ? ''
          : ` outside its immutable region (${v.immutableRows} rows there, kept as they were, not compared)`;
      return v.equal ? status(`Dynamic table ${parsed.name} equals its query${frozen}.`) : table(v);
    }
    case 'drop_dynamic_table':
      return status(await dropDynamicTable(host.ddl, parsed.name, parsed.ifExists));
    case 'undrop_dynamic_table': {
      const message = await undropDynamicTable(host.ctx, parsed.name);
      host.catalogChanged({ type: 'catalog', action: 'created', name: parsed.name });
      return status(message);
    }
    case 'explain_create_dynamic_table':
      return table(await explainCreate(host.ctx, parsed.create, stmt.text));
    case 'explain_refresh':
      return table(await host.explainRefresh(parsed.name));
    case 'show_dynamic_tables':
      await checkShowScope(host.backend, parsed, stmt.text);
      return table(
        await showDynamicTablesResult(host.backend, await listDynamicTables(host.backend), parsed),
      );
    case 'describe_dynamic_table': {
      const dt = await requireDynamicTable(host.ddl, parsed.name);
      const columns = await describeColumns(host.backend, host.backend.family, parsed.name);
      return table(describeResult(columns, dt.expectations, dt));
    }
    case 'create_warehouse':
      return status(await createWarehouse(host.ddl, parsed));
    case 'drop_warehouse':
      return status(await dropWarehouse(host.ddl, parsed.name, parsed.ifExists));
    case 'show_warehouses':
      await checkShowScope(host.backend, parsed, stmt.text);
      return table(showWarehousesResult(await listWarehouses(host.backend), parsed));
    case 'notification': {
      const r = await runNotificationStatement(host.ctx, parsed.statement, stmt.text);
      return { ...table(r), ...(r.message ? { message: r.message } : {}) };
    }
    case 'create_alert':
    case 'alter_alert':
    case 'drop_alert':
    case 'execute_alert':
    case 'show_alerts':
    case 'describe_alert':
    case 'raise_incident': // alerts/service.ts
      return alertResult(await host.alerts.statement(parsed, stmt.text), status, table);
    case 'show_quarantine': {
      const page = await host.quarantine(parsed.name, parsed.limit, parsed.offset);
      return table(page);
    }
    case 'passthrough': {
      const columnsOf = await qualifyStarColumns(host.backend, host.backend.family, stmt.text);
      const translation = translateSql(stmt.text, host.backend.family, {
        ...(CLOCKED.test(stmt.text) ? { now: host.clock.now() } : {}),
        ...(columnsOf ? { columnsOf } : {}),
      });
      try {
        const result = await capturedStatement(host.writes, translation.text, signal);
        return {
          sql: stmt.text,
          kind: parsed.kind,
          ...(result ?? (await host.backend.query(translation.text, undefined, { signal }))),
        };
      } catch (e) {
        throw queryError(e, translation, 0, stmt.text, 0);
      }
    }
  }
}
