/**
 * The dynamic-table DDL grammar: CREATE / ALTER / DROP / SHOW / DESCRIBE DYNAMIC TABLE and CREATE / DROP /
 * SHOW WAREHOUSE. Anything else is `passthrough` and goes to the backend. The query after `AS` is kept as
 * text with its offset; node-sql-parser and the backend judge it, not this grammar.
 */

import { type AlertStatement, parseAlertStatement } from './alert-ddl.js';
import { Cursor } from './cursor.js';
import { type Backfill, type ImmutableWhere, parseBackfill, parseImmutableWhere } from './immutable-ddl.js';
import { type CreateWarehouse, createWarehouse, type DropWarehouse } from './warehouse-ddl.js';

export {
  type CreateWarehouse,
  type DropWarehouse,
  MAX_AUTO_SUSPEND_SECONDS,
  MAX_CONCURRENCY_LEVEL,
  WAREHOUSE_SIZES,
  type WarehouseSize,
} from './warehouse-ddl.js';

import { alterSet, alterUnset, lagValue, unsupportedClause, warehouseName } from './dt-options.js';
import {
  atConstraint,
  checkDistinct,
  type ParsedExpectation,
  parseConstraint,
  parsePage,
  parseReviewIds,
  type ReviewAction,
  type ReviewIds,
} from './expectations.js';
import { type NotificationStatement, parseNotificationStatement } from './integration-ddl.js';
import type { TargetLag } from './lag.js';
import { isKeyword, significant, type Token } from './lexer.js';
import { parseQualityStatement, type QualityStatement } from './quality-ddl.js';

export type RefreshMode = 'AUTO' | 'FULL' | 'INCREMENTAL';
export type InitializeMode = 'ON_CREATE' | 'ON_SCHEDULE';
export type SchedulerMode = 'ENABLE' | 'DISABLE';

export interface ColumnSpec {
  name: string;
  /** The type as written (Snowflake spelling), if any. */
  type?: string;
}

export interface CreateDynamicTable {
  kind: 'create_dynamic_table';
  orReplace: boolean;
  /** CREATE OR ALTER: alter an existing DT to this definition (engine/create-or-alter.ts). */
  orAlter?: boolean;
  ifNotExists: boolean;
  name: string;
  columns?: ColumnSpec[];
  targetLag: TargetLag;
  warehouse?: string;
  /** INITIALIZATION_WAREHOUSE: the warehouse of the initial refresh and of every REINITIALIZE. */
  initializationWarehouse?: string;
  /** Where each warehouse name stands in the statement (for a positioned unknown-warehouse error). */
  warehouseAt?: WarehouseOffsets;
  refreshMode: RefreshMode;
  initialize: InitializeMode;
  scheduler: SchedulerMode;
  comment?: string;
  /** Expectations (CONSTRAINT … EXPECT …) from the column list: sql/expectations.ts. */
  expectations?: ParsedExpectation[];
  /** IMMUTABLE WHERE ( … ) and BACKFILL FROM … (sql/immutable-ddl.ts, engine/immutable.ts). */
  immutableWhere?: ImmutableWhere;
  backfill?: Backfill;
  /** The defining query, verbatim, and where it starts in the statement. */
  query: string;
  queryOffset: number;
}

/** Offsets of the warehouse names a statement gives. */
export interface WarehouseOffsets {
  warehouse?: number;
  initializationWarehouse?: number;
}

export type AlterAction =
  | { kind: 'suspend' }
  | { kind: 'resume' }
  | { kind: 'refresh' }
  | { kind: 'verify' }
  | {
      kind: 'set';
      targetLag?: TargetLag;
      warehouse?: string;
      comment?: string | null;
      /** Only through CREATE OR ALTER. */
      scheduler?: SchedulerMode;
      /** INITIALIZATION_WAREHOUSE (null: UNSET). */
      initializationWarehouse?: string | null;
      /** Where each warehouse name stands in the statement (for a positioned unknown-warehouse error). */
      warehouseAt?: WarehouseOffsets;
    }
  | { kind: 'rename'; newName: string }
  | { kind: 'swap'; other: string }
  /** SET IMMUTABLE WHERE ( … ); UNSET IMMUTABLE WHERE: `where` null. */
  | { kind: 'immutable'; where: ImmutableWhere | null }
  | { kind: 'add_constraint'; expectation: ParsedExpectation }
  | { kind: 'drop_constraint'; name: string; nameOffset: number }
  | ({ kind: 'review'; review: ReviewAction } & ReviewIds);

export interface AlterDynamicTable {
  kind: 'alter_dynamic_table';
  ifExists: boolean;
  name: string;
  action: AlterAction;
}

/** UNDROP DYNAMIC TABLE name: restores the last dropped DT of that name (engine/undrop.ts). */
export interface UndropDynamicTable {
  kind: 'undrop_dynamic_table';
  name: string;
}

export interface DropDynamicTable {
  kind: 'drop_dynamic_table';
  ifExists: boolean;
  name: string;
}

/** SHOW's filters: `[LIKE '<pattern>'] [IN ACCOUNT | DATABASE [db] | SCHEMA [[db.]schema] | [db.]schema]
 * [STARTS WITH '<prefix>'] [LIMIT n]`. Everything lives in one database and schema here; a named one is
 * checked against them (`at`: the name's offset in the statement). */
export interface ShowFilters {
  like?: string;
  scope?: { kind: 'ACCOUNT' | 'DATABASE' | 'SCHEMA'; database?: string; schema?: string; at: number };
  startsWith?: string;
  limit?: number;
}

export interface ShowDynamicTables extends ShowFilters {
  kind: 'show_dynamic_tables';
}

export interface DescribeDynamicTable {
  kind: 'describe_dynamic_table';
  name: string;
}

export interface ShowWarehouses extends ShowFilters {
  kind: 'show_warehouses';
}

/** EXPLAIN CREATE … DYNAMIC TABLE: what the CREATE would do, doing nothing (engine/explain.ts). */
export interface ExplainCreate {
  kind: 'explain_create_dynamic_table';
  create: CreateDynamicTable;
}

/** EXPLAIN REFRESH [DYNAMIC TABLE] name: the steps of the DT's last refresh in this session (refresh/executor.ts). */
export interface ExplainRefresh {
  kind: 'explain_refresh';
  name: string;
}

/** Notification integrations and sends (sql/integration-ddl.ts, run by delivery/statements.ts). */
export interface Notification {
  kind: 'notification';
  statement: NotificationStatement;
}

/** SHOW QUARANTINED ROWS IN [DYNAMIC TABLE] name [LIMIT n] [OFFSET n] (docs/quality.md). */
export interface ShowQuarantine {
  kind: 'show_quarantine';
  name: string;
  limit: number;
  offset: number;
}

export interface Passthrough {
  kind: 'passthrough';
}

export type Statement =
  | CreateDynamicTable
  | AlterDynamicTable
  | DropDynamicTable
  | UndropDynamicTable
  | ShowDynamicTables
  | DescribeDynamicTable
  | CreateWarehouse
  | DropWarehouse
  | ShowWarehouses
  | ExplainCreate
  | ExplainRefresh
  | Notification
  | AlertStatement
  | ShowQuarantine
  | QualityStatement
  | Passthrough;

/** Classifies and parses one statement (its text and tokens as returned by `splitStatements`). */
export function parseStatement(sql: string, tokens: Token[]): Statement {
  const alert = parseAlertStatement(sql, tokens); // sql/alert-ddl.ts
  if (alert) return alert;
  // Data metric function statements (sql/quality-ddl.ts) first: ALTER [DYNAMIC] TABLE … DATA METRIC ….
  const quality = parseQualityStatement(sql, tokens);
  if (quality) return quality;
  const c = new Cursor(sql, significant(tokens));
  // EXPLAIN of a CREATE … DYNAMIC TABLE is ours; any other EXPLAIN goes to the backend.
  if (isKeyword(c.peek(), 'EXPLAIN') && isKeyword(c.peek(1), 'CREATE')) {
    if ([2, 4].some((k) => isKeyword(c.peek(k), 'DYNAMIC') && isKeyword(c.peek(k + 1), 'TABLE'))) {
      c.next();
      const create = parseStatement(
        sql,
        tokens.filter((t) => t.start >= (c.peek() as Token).start),
      );
      return { kind: 'explain_create_dynamic_table', create: create as CreateDynamicTable };
    }
  }
  if (c.accept('EXPLAIN', 'REFRESH')) {
    c.accept('DYNAMIC', 'TABLE');
    const name = c.identifier('a dynamic table name');
    end(c);
    return { kind: 'explain_refresh', name };
  }
  if (c.accept('UNDROP', 'DYNAMIC', 'TABLE')) {
    const name = c.identifier('a dynamic table name');
    end(c);
    return { kind: 'undrop_dynamic_table', name };
  }
  const notification = parseNotificationStatement(c);
  if (notification) return { kind: 'notification', statement: notification };
  if (c.accept('CREATE')) {
    const orReplace = c.accept('OR', 'REPLACE');
    // Every DT here is transient already: no Time Travel or Fail-safe is kept for any table.
    if (isKeyword(c.peek(), 'TRANSIENT') && isKeyword(c.peek(1), 'DYNAMIC')) c.next();
    if (!orReplace && c.accept('OR', 'ALTER')) {
      c.expect('DYNAMIC', 'TABLE');
      if (isKeyword(c.peek(), 'IF')) c.fail('CREATE OR ALTER takes no IF NOT EXISTS');
      return { ...createDynamicTable(c, sql, false, false), orAlter: true };
    }
    const earlyIfNotExists = c.accept('IF', 'NOT', 'EXISTS');
    if (c.accept('DYNAMIC', 'TABLE')) return createDynamicTable(c, sql, orReplace, earlyIfNotExists);
    if (c.accept('WAREHOUSE')) return createWarehouse(c, orReplace, earlyIfNotExists);
    return { kind: 'passthrough' };
  }
  if (c.accept('ALTER', 'DYNAMIC', 'TABLE')) return alterDynamicTable(c, sql);
  if (c.accept('DROP', 'DYNAMIC', 'TABLE')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.identifier('a dynamic table name');
    end(c);
    return { kind: 'drop_dynamic_table', ifExists, name };
  }
  if (c.accept('DROP', 'WAREHOUSE')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.identifier('a warehouse name');
    end(c);
    return { kind: 'drop_warehouse', ifExists, name };
  }
  if (c.accept('SHOW', 'DYNAMIC', 'TABLES')) return { kind: 'show_dynamic_tables', ...showFilters(c) };
  if (c.accept('SHOW', 'QUARANTINED', 'ROWS')) {
    c.expect('IN');
    c.accept('DYNAMIC', 'TABLE');
    const name = c.identifier('a dynamic table name');
    const page = parsePage(c);
    end(c);
    return { kind: 'show_quarantine', name, ...page };
  }
  if (c.accept('SHOW', 'WAREHOUSES')) return { kind: 'show_warehouses', ...showFilters(c) };
  if (c.accept('DESCRIBE', 'DYNAMIC', 'TABLE') || c.accept('DESC', 'DYNAMIC', 'TABLE')) {
    const name = c.identifier('a dynamic table name');
    end(c);
    return { kind: 'describe_dynamic_table', name };
  }
  return { kind: 'passthrough' };
}

function end(c: Cursor): void {
  if (!c.atEnd()) c.fail('expected end of statement');
}

const endOfScope = (c: Cursor) => c.atEnd() || isKeyword(c.peek(), 'STARTS') || isKeyword(c.peek(), 'LIMIT');

function showFilters(c: Cursor): ShowFilters {
  const out: ShowFilters = {};
  if (c.accept('LIKE')) out.like = c.string('a LIKE pattern');
  if (c.accept('IN')) {
    const at = c.peek()?.start ?? 0;
    if (c.accept('ACCOUNT')) out.scope = { kind: 'ACCOUNT', at };
    else if (c.accept('DATABASE')) {
      const nameAt = c.peek()?.start ?? at;
      const database = endOfScope(c) ? undefined : c.identifier('a database name');
      out.scope = { kind: 'DATABASE', ...(database ? { database } : {}), at: database ? nameAt : at };
    } else {
      const schemaWord = c.accept('SCHEMA');
      const nameAt = c.peek()?.start ?? at;
      const named = !schemaWord || !endOfScope(c);
      const [first, second] = named ? c.qualifiedName('a schema name') : [];
      out.scope = {
        kind: 'SCHEMA',
        ...(second !== undefined
          ? { database: first, schema: second }
          : first !== undefined
            ? { schema: first }
            : {}),
        at: named ? nameAt : at,
      };
    }
  }
  if (c.accept('STARTS', 'WITH')) out.startsWith = c.string('a name prefix');
  if (c.accept('LIMIT')) out.limit = c.wholeNumber('LIMIT', 10_000);
  if (!c.atEnd()) c.fail('expected LIKE, IN, STARTS WITH, LIMIT or the end of the statement');
  return out;
}

function createDynamicTable(
  c: Cursor,
  sql: string,
  orReplace: boolean,
  earlyIfNotExists: boolean,
): CreateDynamicTable {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS') || earlyIfNotExists;
  if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
  const name = c.identifier('a dynamic table name');
  if (isKeyword(c.peek(), 'CLONE')) unsupportedClause(c, c.peek() as Token);
  const list = c.acceptOp('(') ? columnList(c, sql) : undefined;
  const columns = list && list.columns.length > 0 ? list.columns : undefined;
  const expectations = list && list.expectations.length > 0 ? list.expectations : undefined;

  const seen = new Map<string, Token>();
  let targetLag: TargetLag | undefined;
  let warehouse: string | undefined;
  let initializationWarehouse: string | undefined;
  const warehouseAt: WarehouseOffsets = {};
  let refreshMode: RefreshMode = 'AUTO';
  let initialize: InitializeMode = 'ON_CREATE';
  let scheduler: SchedulerMode = 'ENABLE';
  let comment: string | undefined;
  const frozen: Pick<CreateDynamicTable, 'immutableWhere' | 'backfill'> = {};

  let asToken: Token;
  for (;;) {
    const t = c.peek();
    if (!t) c.fail('expected AS followed by the query');
    if (isKeyword(t, 'AS')) {
      asToken = t;
      break;
    }
    if (t.kind !== 'word') c.fail('expected an option (TARGET_LAG, WAREHOUSE, REFRESH_MODE, …) or AS');
    unsupportedClause(c, t);
    const option = t.text.toUpperCase() === 'LAG' ? 'TARGET_LAG' : t.text.toUpperCase();
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.set(option, t);
    c.next();
    if (option === 'IMMUTABLE') frozen.immutableWhere = parseImmutableWhere(c);
    if (option === 'BACKFILL') frozen.backfill = parseBackfill(c);
    if (option === 'IMMUTABLE' || option === 'BACKFILL') continue;
    c.expectOp('=');
    switch (option) {
      case 'TARGET_LAG':
        targetLag = lagValue(c);
        break;
      case 'WAREHOUSE':
        warehouseAt.warehouse = c.peek()?.start ?? 0;
        warehouse = warehouseName(c);
        break;
      case 'INITIALIZATION_WAREHOUSE':
        warehouseAt.initializationWarehouse = c.peek()?.start ?? 0;
        initializationWarehouse = warehouseName(c);
        break;
      case 'REFRESH_MODE':
        refreshMode = c.choice('REFRESH_MODE', ['AUTO', 'FULL', 'INCREMENTAL']);
        break;
      case 'INITIALIZE':
        initialize = c.choice('INITIALIZE', ['ON_CREATE', 'ON_SCHEDULE']);
        break;
      case 'SCHEDULER':
        scheduler = c.choice('SCHEDULER', ['ENABLE', 'DISABLE']);
        break;
      case 'COMMENT':
        comment = c.string('a comment');
        break;
      default:
        c.failOption(
          `unknown option ${t.text}: expected TARGET_LAG, WAREHOUSE, INITIALIZATION_WAREHOUSE, REFRESH_MODE, INITIALIZE, SCHEDULER or COMMENT`,
          t,
        );
    }
  }
  c.expect('AS');
  if (!targetLag) {
    c.failOption(`TARGET_LAG is required: add TARGET_LAG = '<n> minutes' (or DOWNSTREAM) before AS`, asToken);
  }
  const query = c.rest();
  return {
    kind: 'create_dynamic_table',
    orReplace,
    ifNotExists,
    name,
    ...(columns ? { columns } : {}),
    targetLag,
    ...(warehouse ? { warehouse } : {}),
    ...(initializationWarehouse ? { initializationWarehouse } : {}),
    ...(Object.keys(warehouseAt).length > 0 ? { warehouseAt } : {}),
    refreshMode,
    initialize,
    scheduler,
    ...(comment !== undefined ? { comment } : {}),
    ...(expectations ? { expectations } : {}),
    ...frozen,
    query: query.text,
    queryOffset: query.offset,
  };
}

/**
 * `( column [type], …, CONSTRAINT name EXPECT (…) [ON VIOLATION …], … )`: column specs and expectations in any
 * order; a list of expectations alone leaves the columns to the query (as Databricks allows).
 */
function columnList(c: Cursor, sql: string): { columns: ColumnSpec[]; expectations: ParsedExpectation[] } {
  const columns: ColumnSpec[] = [];
  const expectations: ParsedExpectation[] = [];
  for (;;) {
    if (atConstraint(c)) {
      c.next();
      expectations.push(parseConstraint(c));
      if (c.acceptOp(')')) break;
      c.expectOp(',');
      continue;
    }
    const name = c.identifier('a column name');
    // The type is everything up to the next top-level ',' or ')', kept as written.
    let depth = 0;
    let first: Token | undefined;
    let last: Token | undefined;
    for (;;) {
      const t = c.peek();
      if (!t) c.fail("expected ')' to close the column list");
      if (t.kind === 'op' && depth === 0 && (t.text === ',' || t.text === ')')) break;
      if (t.kind === 'op' && t.text === '(') depth++;
      if (t.kind === 'op' && t.text === ')') depth--;
      first ??= t;
      last = t;
      c.next();
    }
    columns.push(first && last ? { name, type: sql.slice(first.start, last.end) } : { name });
    if (c.acceptOp(')')) break;
    c.expectOp(',');
  }
  const dup = columns.find((col, k) => columns.findIndex((o) => o.name === col.name) !== k);
  if (dup) c.fail(`column ${dup.name} is listed twice`);
  checkDistinct(c, expectations);
  return { columns, expectations };
}

function alterDynamicTable(c: Cursor, sql: string): AlterDynamicTable {
  const ifExists = c.accept('IF', 'EXISTS');
  const name = c.identifier('a dynamic table name');
  let action: AlterAction;
  if (c.accept('SUSPEND')) action = { kind: 'suspend' };
  else if (c.accept('RESUME')) action = { kind: 'resume' };
  else if (c.accept('REFRESH')) action = { kind: 'refresh' };
  else if (c.accept('VERIFY')) action = { kind: 'verify' };
  else if (c.accept('RENAME', 'TO')) action = { kind: 'rename', newName: c.identifier('the new name') };
  else if (c.accept('SWAP', 'WITH')) action = { kind: 'swap', other: c.identifier('a dynamic table name') };
  else if (c.accept('ADD', 'CONSTRAINT'))
    action = { kind: 'add_constraint', expectation: parseConstraint(c) };
  else if (c.accept('READMIT')) action = { kind: 'review', review: 'READMIT', ...parseReviewIds(c) };
  else if (c.accept('DISCARD')) action = { kind: 'review', review: 'DISCARD', ...parseReviewIds(c) };
  else if (c.accept('DROP', 'CONSTRAINT')) {
    const nameOffset = c.peek()?.start ?? sql.length;
    action = { kind: 'drop_constraint', name: c.identifier('an expectation name'), nameOffset };
  } else if (c.accept('SET', 'IMMUTABLE')) {
    action = { kind: 'immutable', where: parseImmutableWhere(c) };
  } else if (c.accept('UNSET', 'IMMUTABLE', 'WHERE')) {
    action = { kind: 'immutable', where: null };
  } else if (c.accept('SET')) {
    action = alterSet(c);
  } else if (c.accept('UNSET')) {
    action = alterUnset(c);
  } else {
    // ALTER … CLUSTER BY and the like: refused naming the clause.
    const t = c.peek();
    if (t) unsupportedClause(c, t);
    c.fail(
      'expected SUSPEND, RESUME, REFRESH, VERIFY, SET, UNSET, RENAME TO, SWAP WITH, ADD CONSTRAINT, DROP CONSTRAINT, READMIT or DISCARD',
    );
  }
  end(c);
  return { kind: 'alter_dynamic_table', ifExists, name, action };
}
