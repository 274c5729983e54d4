/**
 * Dynamic-table and warehouse DDL other than CREATE DYNAMIC TABLE (engine/create.ts): ALTER, DROP, CREATE and
 * DROP WAREHOUSE. What they need of the engine is the explicit `DdlHost` it passes.
 */
import { type Backend, formatTimestamp, type Queryable } from '../backends/backend.js';
import { dropPositions, releaseCapture } from '../capture/capture.js';
import type { WriteLedger } from '../capture/ledger.js';
import { withCaptureChange } from '../capture/lock.js';
import {
  deleteDynamicTable,
  deleteWarehouse,
  insertWarehouse,
  listDynamicTables,
  relationKinds,
} from '../catalog/catalog.js';
import { directDependents } from '../catalog/graph.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { dropStorageSql } from '../plan/full.js';
import { dropState } from '../refresh/state.js';
import type { Verification } from '../refresh/verify.js';
import type { AlterDynamicTable, CreateWarehouse } from '../sql/ddl.js';
import type { ReviewAction } from '../sql/expectations.js';
import { positionAt } from '../sql/position.js';
import type { DynamicTable, RefreshRecord, RefreshTrigger } from '../types.js';
import { alterSet } from './alter-set.js';
import { addConstraint, dropConstraint, dropQuarantine } from './expectations.js';
import { alterImmutable } from './immutable.js';
import type { IdPosition } from './quarantine.js';
import { refuseReaders, renameSteps, swapSteps } from './rename.js';
import { keepDropped } from './undrop.js';

/** A change of the catalog the engine publishes (engine/events.ts EngineEvent 'catalog'). */
export interface CatalogChange {
  type: 'catalog';
  action: 'created' | 'altered' | 'renamed' | 'dropped' | 'replaced';
  name: string;
}

/** What DDL needs of the engine. */
export interface DdlHost {
  readonly backend: Backend;
  readonly ledger: WriteLedger;
  readonly clock: Clock;
  readonly catalog: KnownCatalog;
  /** Publishes a change this engine wrote (what it holds of the catalog is read again). */
  catalogChanged(event: CatalogChange): void;
  verify(name: string): Promise<Verification>;
  refresh(name: string, trigger: RefreshTrigger, options: { signal?: AbortSignal }): Promise<RefreshRecord>;
  setSchedulingState(name: string, action: 'suspend' | 'resume'): Promise<{ name: string }[]>;
  reviewQuarantine(name: string, action: ReviewAction, ids: number[], at: IdPosition): Promise<string>;
}

export async function requireDynamicTable(host: DdlHost, name: string): Promise<DynamicTable> {
  const dt = await host.catalog.get(name);
  if (!dt) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
  return dt;
}

/** ALTER DYNAMIC TABLE: every action but VERIFY (which answers a table: engine/statements.ts). */
export async function alterDynamicTable(
  host: DdlHost,
  stmt: AlterDynamicTable,
  sql: string,
  signal?: AbortSignal,
): Promise<string> {
  const dt = await host.catalog.get(stmt.name);
  if (!dt) {
    if (stmt.ifExists) return `Dynamic table ${stmt.name} does not exist, statement succeeded.`;
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${stmt.name} does not exist`);
  }
  const action = stmt.action;
  switch (action.kind) {
    case 'verify':
      return (await host.verify(dt.name)).equal ? 'equal' : 'different';
    case 'refresh': {
      const r = await host.refresh(dt.name, 'MANUAL', { signal });
      const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
      return `Dynamic table ${dt.name} refreshed (${r.refreshAction}: ${rows(r.rowsInserted)} inserted, ${rows(r.rowsDeleted)} deleted).`;
    }
    case 'suspend':
    case 'resume': {
      const changes = await host.setSchedulingState(dt.name, action.kind);
      host.catalogChanged({ type: 'catalog', action: 'altered', name: dt.name });
      const others = changes.slice(1).map((c) => c.name);
      const verb = action.kind === 'suspend' ? 'suspended' : 'resumed';
      return `Dynamic table ${dt.name} ${verb}${others.length > 0 ? ` (also ${verb}: ${others.join(', ')})` : ''}.`;
    }
    case 'set': {
      const answer = await alterSet(host.backend, dt.name, action, await host.catalog.warehouses(), sql);
      host.catalogChanged({ type: 'catalog', action: 'altered', name: dt.name });
      return answer;
    }
    case 'rename': {
      refuseReaders(await edges(host), [dt.name], 'rename');
      if ((await relationKinds(host.backend)).has(action.newName)) {
        throw new DtError('DT_ERR_EXISTS', `an object named ${action.newName} already exists`);
      }
      await renaming(host, [dt.name], 'rename', (tx) => renameSteps(tx, dt.name, action.newName));
      host.catalogChanged({ type: 'catalog', action: 'renamed', name: action.newName });
      return `Dynamic table ${dt.name} renamed to ${action.newName}.`;
    }
    case 'swap': {
      const other = await requireDynamicTable(host, action.other);
      if (other.name === dt.name) throw new DtError('DT_ERR_OPTION', `cannot swap ${dt.name} with itself`);
      refuseReaders(await edges(host), [dt.name, other.name], 'swap');
      const taken = await relationKinds(host.backend);
      let free = `${dt.name}_dtlab_swap`;
      for (let i = 2; taken.has(free); i++) free = `${dt.name}_dtlab_swap${i}`;
      await renaming(host, [dt.name, other.name], 'swap', (tx) => swapSteps(tx, dt.name, other.name, free));
      host.catalogChanged({ type: 'catalog', action: 'renamed', name: dt.name });
      host.catalogChanged({ type: 'catalog', action: 'renamed', name: other.name });
      return `Dynamic tables ${dt.name} and ${other.name} swapped.`;
    }
    // Review of quarantined rows (engine/quarantine.ts), positioned at each id.
    case 'review':
      return host.reviewQuarantine(dt.name, action.review, action.ids, (i) => ({
        position: positionAt(sql, action.offsets[i] ?? 0),
        sql,
      }));
    // IMMUTABLE WHERE (engine/immutable.ts).
    case 'immutable': {
      const message = await alterImmutable(host.backend, dt, action.where, sql, host.clock.now());
      host.catalogChanged({ type: 'catalog', action: 'altered', name: dt.name });
      return message;
    }
    // Expectations (engine/expectations.ts).
    case 'add_constraint':
    case 'drop_constraint': {
      const message =
        action.kind === 'add_constraint'
          ? await addConstraint(host.backend, dt, action.expectation, sql)
          : await dropConstraint(host.backend, dt, action.name, action.nameOffset, sql);
      host.catalogChanged({ type: 'catalog', action: 'altered', name: dt.name });
      return message;
    }
  }
}

/** Each DT and the relations it reads. */
async function edges(host: DdlHost): Promise<Map<string, string[]>> {
  return edgesOf(await host.catalog.list());
}

const edgesOf = (dts: DynamicTable[]) => new Map(dts.map((d) => [d.name, d.sources.map((s) => s.name)]));

/** Refuses to drop `name` while other DTs read it. */
function refuseIfRead(edgeMap: Map<string, string[]>, name: string): void {
  const readers = directDependents(edgeMap, name);
  if (readers.length > 0) {
    throw new DtError(
      'DT_ERR_HAS_DEPENDENTS',
      `cannot drop ${name}: dynamic table${readers.length > 1 ? 's' : ''} ${readers.join(', ')} depend${readers.length > 1 ? '' : 's'} on it`,
      { hint: `drop ${readers.join(', ')} first` },
    );
  }
}

/**
 * RENAME / SWAP's transaction, as DROP's below: the DTs' tables held first (in name order), their readers
 * looked for again in the database, then `steps`; under the capture lock (DuckDB: captured writes and
 * refreshes take turns with it, and the ledger's epoch moves on, since what it kept is named by DT).
 */
async function renaming(
  host: DdlHost,
  names: string[],
  verb: string,
  steps: (tx: Queryable) => Promise<void>,
): Promise<void> {
  const { lockToDrop } = dialectOf(host.backend.family);
  await withCaptureChange(host.backend, host.ledger, () =>
    host.backend.transaction(async (tx) => {
      for (const name of [...names].sort()) for (const sql of lockToDrop(name)) await tx.query(sql);
      refuseReaders(edgesOf(await listDynamicTables(tx)), names, verb);
      await steps(tx);
    }),
  );
}

/**
 * DROP DYNAMIC TABLE: refused while other DTs read it; kept for UNDROP. The readers are looked for again in the
 * drop's transaction, once it holds the DT's table: a reader another engine was creating meanwhile (on a shared
 * server) was not in the first look, and the drop then left it reading a table that was gone.
 */
export async function dropDynamicTable(host: DdlHost, name: string, ifExists: boolean): Promise<string> {
  const dt = await host.catalog.get(name);
  if (!dt) {
    if (ifExists) return `Dynamic table ${name} does not exist, statement succeeded.`;
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
  }
  refuseIfRead(await edges(host), name);
  const { family } = host.backend;
  // Captured writes wait meanwhile (DuckDB): none inserts into a change table this drops.
  await withCaptureChange(host.backend, host.ledger, () =>
    host.backend.transaction(async (tx) => {
      for (const sql of dialectOf(family).lockToDrop(name)) await tx.query(sql);
      refuseIfRead(edgesOf(await listDynamicTables(tx)), name);
      await keepDropped(tx, dt, host.clock.now()); // UNDROP restores it (engine/undrop.ts)
      await tx.query(dropStorageSql(name));
      await deleteDynamicTable(tx, name);
      await dropState(tx, name);
      await dropQuarantine(tx, name);
      for (const source of await dropPositions(tx, name)) await releaseCapture(tx, family, source);
    }),
  );
  host.catalogChanged({ type: 'catalog', action: 'dropped', name });
  return `${name} successfully dropped.`;
}

export async function createWarehouse(host: DdlHost, stmt: CreateWarehouse): Promise<string> {
  const existing = (await host.catalog.warehouses()).find((w) => w.name === stmt.name);
  if (existing && stmt.ifNotExists) return `Warehouse ${stmt.name} already exists, statement succeeded.`;
  if (existing && !stmt.orReplace) {
    throw new DtError('DT_ERR_EXISTS', `warehouse ${stmt.name} already exists`, {
      hint: 'use CREATE OR REPLACE WAREHOUSE',
    });
  }
  await host.backend.transaction(async (tx) => {
    if (existing) await deleteWarehouse(tx, stmt.name);
    await insertWarehouse(tx, {
      name: stmt.name,
      size: stmt.size,
      maxConcurrency: stmt.maxConcurrency,
      autoSuspendSeconds: stmt.autoSuspendSeconds,
      ...(stmt.comment !== undefined ? { comment: stmt.comment } : {}),
      createdOn: formatTimestamp(host.clock.now()),
    });
  });
  return `Warehouse ${stmt.name} successfully ${existing ? 'replaced' : 'created'}.`;
}

/** DROP WAREHOUSE: refused while a DT uses it. */
export async function dropWarehouse(host: DdlHost, name: string, ifExists: boolean): Promise<string> {
  if (!(await host.catalog.warehouses()).some((w) => w.name === name)) {
    if (ifExists) return `Warehouse ${name} does not exist, statement succeeded.`;
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${name} does not exist`);
  }
  const users = (await host.catalog.list())
    .filter((d) => d.warehouse === name || d.initializationWarehouse === name)
    .map((d) => d.name);
  if (users.length > 0) {
    throw new DtError('DT_ERR_HAS_DEPENDENTS', `cannot drop warehouse ${name}: used by ${users.join(', ')}`);
  }
  await deleteWarehouse(host.backend, name);
  return `${name} successfully dropped.`;
}
