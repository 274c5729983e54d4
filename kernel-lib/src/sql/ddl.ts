/**
 * The dynamic-table DDL grammar: CREATE / ALTER / DROP / SHOW / DESCRIBE DYNAMIC TABLE and CREATE / DROP /
 * SHOW WAREHOUSE. Anything else is `passthrough` and goes to the backend. The query after `AS` is kept as
 * text with its offset; node-sql-parser and the backend judge it, not this grammar.
 */

import { Cursor } from './cursor.js';
import { parseLagDuration, type TargetLag } from './lag.js';
import { isKeyword, significant, stringValue, type Token } from './lexer.js';
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
  ifNotExists: boolean;
  name: string;
  columns?: ColumnSpec[];
  targetLag: TargetLag;
  warehouse?: string;
  refreshMode: RefreshMode;
  initialize: InitializeMode;
  scheduler: SchedulerMode;
  comment?: string;
  /** The defining query, verbatim, and where it starts in the statement. */
  query: string;
  queryOffset: number;
}

export type AlterAction =
  | { kind: 'suspend' }
  | { kind: 'resume' }
  | { kind: 'refresh' }
  | { kind: 'verify' }
  | { kind: 'set'; targetLag?: TargetLag; warehouse?: string }
  | { kind: 'rename'; newName: string };

export interface AlterDynamicTable {
  kind: 'alter_dynamic_table';
  ifExists: boolean;
  name: string;
  action: AlterAction;
}

export interface DropDynamicTable {
  kind: 'drop_dynamic_table';
  ifExists: boolean;
  name: string;
}

export interface ShowDynamicTables {
  kind: 'show_dynamic_tables';
  like?: string;
}

export interface DescribeDynamicTable {
  kind: 'describe_dynamic_table';
  name: string;
}

export const WAREHOUSE_SIZES = [
  'XSMALL',
  'SMALL',
  'MEDIUM',
  'LARGE',
  'XLARGE',
  '2XLARGE',
  '3XLARGE',
  '4XLARGE',
] as const;
export type WarehouseSize = (typeof WAREHOUSE_SIZES)[number];

export interface CreateWarehouse {
  kind: 'create_warehouse';
  orReplace: boolean;
  ifNotExists: boolean;
  name: string;
  size: WarehouseSize;
  maxConcurrency: number;
  autoSuspendSeconds: number;
  comment?: string;
}

export interface DropWarehouse {
  kind: 'drop_warehouse';
  ifExists: boolean;
  name: string;
}

export interface ShowWarehouses {
  kind: 'show_warehouses';
  like?: string;
}

export interface Passthrough {
  kind: 'passthrough';
}

export type Statement =
  | CreateDynamicTable
  | AlterDynamicTable
  | DropDynamicTable
  | ShowDynamicTables
  | DescribeDynamicTable
  | CreateWarehouse
  | DropWarehouse
  | ShowWarehouses
  | QualityStatement
  | Passthrough;

/** Snowflake's spellings of warehouse sizes → ours. */
const SIZE_ALIASES: Record<string, WarehouseSize> = {
  XSMALL: 'XSMALL',
  'X-SMALL': 'XSMALL',
  SMALL: 'SMALL',
  MEDIUM: 'MEDIUM',
  LARGE: 'LARGE',
  XLARGE: 'XLARGE',
  'X-LARGE': 'XLARGE',
  XXLARGE: '2XLARGE',
  X2LARGE: '2XLARGE',
  '2X-LARGE': '2XLARGE',
  '2XLARGE': '2XLARGE',
  XXXLARGE: '3XLARGE',
  X3LARGE: '3XLARGE',
  '3X-LARGE': '3XLARGE',
  '3XLARGE': '3XLARGE',
  X4LARGE: '4XLARGE',
  '4X-LARGE': '4XLARGE',
  '4XLARGE': '4XLARGE',
};

/** Classifies and parses one statement (its text and tokens as returned by `splitStatements`). */
export function parseStatement(sql: string, tokens: Token[]): Statement {
  // Data metric function statements (sql/quality-ddl.ts) first: ALTER [DYNAMIC] TABLE … DATA METRIC ….
  const quality = parseQualityStatement(sql, tokens);
  if (quality) return quality;
  const c = new Cursor(sql, significant(tokens));
  if (c.accept('CREATE')) {
    const orReplace = c.accept('OR', 'REPLACE');
    const earlyIfNotExists = c.accept('IF', 'NOT', 'EXISTS');
    if (c.accept('DYNAMIC', 'TABLE')) return createDynamicTable(c, sql, orReplace, earlyIfNotExists);
    if (c.accept('WAREHOUSE')) return createWarehouse(c, orReplace, earlyIfNotExists);
    return { kind: 'passthrough' };
  }
  if (c.accept('ALTER', 'DYNAMIC', 'TABLE')) return alterDynamicTable(c);
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
  if (c.accept('SHOW', 'DYNAMIC', 'TABLES')) return { kind: 'show_dynamic_tables', ...like(c) };
  if (c.accept('SHOW', 'WAREHOUSES')) return { kind: 'show_warehouses', ...like(c) };
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

function like(c: Cursor): { like?: string } {
  if (!c.accept('LIKE')) {
    end(c);
    return {};
  }
  const pattern = c.string('a LIKE pattern');
  end(c);
  return { like: pattern };
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
  const columns = c.acceptOp('(') ? columnList(c, sql) : undefined;

  const seen = new Map<string, Token>();
  let targetLag: TargetLag | undefined;
  let warehouse: string | undefined;
  let refreshMode: RefreshMode = 'AUTO';
  let initialize: InitializeMode = 'ON_CREATE';
  let scheduler: SchedulerMode = 'ENABLE';
  let comment: string | undefined;

  let asToken: Token;
  for (;;) {
    const t = c.peek();
    if (!t) c.fail('expected AS followed by the query');
    if (isKeyword(t, 'AS')) {
      asToken = t;
      break;
    }
    if (t.kind !== 'word') c.fail('expected an option (TARGET_LAG, WAREHOUSE, REFRESH_MODE, …) or AS');
    const option = t.text.toUpperCase() === 'LAG' ? 'TARGET_LAG' : t.text.toUpperCase();
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.set(option, t);
    c.next();
    c.expectOp('=');
    switch (option) {
      case 'TARGET_LAG':
        targetLag = lagValue(c);
        break;
      case 'WAREHOUSE':
        warehouse = c.identifier('a warehouse name');
        break;
      case 'REFRESH_MODE':
        refreshMode = choice(c, 'REFRESH_MODE', ['AUTO', 'FULL', 'INCREMENTAL']);
        break;
      case 'INITIALIZE':
        initialize = choice(c, 'INITIALIZE', ['ON_CREATE', 'ON_SCHEDULE']);
        break;
      case 'SCHEDULER':
        scheduler = choice(c, 'SCHEDULER', ['ENABLE', 'DISABLE']);
        break;
      case 'COMMENT':
        comment = c.string('a comment');
        break;
      default:
        c.failOption(
          `unknown option ${t.text}: expected TARGET_LAG, WAREHOUSE, REFRESH_MODE, INITIALIZE, SCHEDULER or COMMENT`,
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
    refreshMode,
    initialize,
    scheduler,
    ...(comment !== undefined ? { comment } : {}),
    query: query.text,
    queryOffset: query.offset,
  };
}

function columnList(c: Cursor, sql: string): ColumnSpec[] {
  const columns: ColumnSpec[] = [];
  for (;;) {
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
  return columns;
}

function lagValue(c: Cursor): TargetLag {
  if (c.accept('DOWNSTREAM')) return { kind: 'downstream' };
  const t = c.peek();
  const text = c.string("a target lag such as '1 minute' or DOWNSTREAM");
  const parsed = parseLagDuration(text);
  if ('error' in parsed) c.failOption(parsed.error, t);
  return { kind: 'duration', seconds: parsed.seconds };
}

function choice<T extends string>(c: Cursor, option: string, allowed: readonly T[]): T {
  const t = c.peek();
  const value =
    t?.kind === 'word' ? t.text.toUpperCase() : t?.kind === 'string' ? stringValue(t).toUpperCase() : '';
  if (!(allowed as readonly string[]).includes(value)) {
    c.failOption(`invalid ${option} ${t ? t.text : '(missing)'}: expected ${allowed.join(', ')}`, t);
  }
  c.next();
  return value as T;
}

function alterDynamicTable(c: Cursor): AlterDynamicTable {
  const ifExists = c.accept('IF', 'EXISTS');
  const name = c.identifier('a dynamic table name');
  let action: AlterAction;
  if (c.accept('SUSPEND')) action = { kind: 'suspend' };
  else if (c.accept('RESUME')) action = { kind: 'resume' };
  else if (c.accept('REFRESH')) action = { kind: 'refresh' };
  else if (c.accept('VERIFY')) action = { kind: 'verify' };
  else if (c.accept('RENAME', 'TO')) action = { kind: 'rename', newName: c.identifier('the new name') };
  else if (c.accept('SET')) {
    const set: { kind: 'set'; targetLag?: TargetLag; warehouse?: string } = { kind: 'set' };
    do {
      const t = c.peek();
      const option = t?.kind === 'word' ? t.text.toUpperCase() : '';
      if (option === 'TARGET_LAG' || option === 'LAG') {
        c.next();
        c.expectOp('=');
        set.targetLag = lagValue(c);
      } else if (option === 'WAREHOUSE') {
        c.next();
        c.expectOp('=');
        set.warehouse = c.identifier('a warehouse name');
      } else if (option === 'REFRESH_MODE' || option === 'INITIALIZE') {
        c.failOption(`${option} cannot be altered: use CREATE OR REPLACE DYNAMIC TABLE`, t);
      } else {
        c.fail('expected TARGET_LAG or WAREHOUSE after SET');
      }
    } while (!c.atEnd());
    action = set;
  } else {
    c.fail('expected SUSPEND, RESUME, REFRESH, VERIFY, SET or RENAME TO');
  }
  end(c);
  return { kind: 'alter_dynamic_table', ifExists, name, action };
}

function createWarehouse(c: Cursor, orReplace: boolean, earlyIfNotExists: boolean): CreateWarehouse {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS') || earlyIfNotExists;
  if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
  const name = c.identifier('a warehouse name');
  c.accept('WITH');
  const wh: CreateWarehouse = {
    kind: 'create_warehouse',
    orReplace,
    ifNotExists,
    name,
    size: 'XSMALL',
    maxConcurrency: 8,
    autoSuspendSeconds: 600,
  };
  const seen = new Set<string>();
  while (!c.atEnd()) {
    const t = c.peek() as Token;
    const option = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.add(option);
    c.next();
    c.expectOp('=');
    switch (option) {
      case 'WAREHOUSE_SIZE': {
        const v = c.peek();
        const raw = v?.kind === 'string' ? c.string('a warehouse size') : wordRun(c);
        const size = SIZE_ALIASES[raw.toUpperCase()];
        if (!size)
          c.failOption(
            `invalid WAREHOUSE_SIZE ${raw || '(missing)'}: expected ${WAREHOUSE_SIZES.join(', ')}`,
            v,
          );
        wh.size = size;
        break;
      }
      case 'MAX_CONCURRENCY_LEVEL':
        wh.maxConcurrency = positiveInteger(c, option, MAX_CONCURRENCY_LEVEL);
        break;
      case 'AUTO_SUSPEND':
        wh.autoSuspendSeconds = positiveInteger(c, option, MAX_AUTO_SUSPEND_SECONDS);
        break;
      case 'AUTO_RESUME':
      case 'INITIALLY_SUSPENDED':
        choice(c, option, ['TRUE', 'FALSE']);
        break;
      case 'COMMENT':
        wh.comment = c.string('a comment');
        break;
      default:
        c.failOption(
          `unknown warehouse option ${t.text}: expected WAREHOUSE_SIZE, MAX_CONCURRENCY_LEVEL, AUTO_SUSPEND, AUTO_RESUME, INITIALLY_SUSPENDED or COMMENT`,
          t,
        );
    }
  }
  return wh;
}

/** Adjacent tokens with no space between them, as one word: `4XLARGE` lexes as `4` + `XLARGE`. */
function wordRun(c: Cursor): string {
  let text = '';
  let t = c.peek();
  while (t && t.kind !== 'string' && (text === '' || t.start === (c.peek(-1) as Token).end)) {
    text += t.text;
    c.next();
    t = c.peek();
  }
  return text;
}

/** Ranges of the warehouse's numeric options (documented in docs/sql-dialect.md). */
export const MAX_CONCURRENCY_LEVEL = 1000;
export const MAX_AUTO_SUSPEND_SECONDS = 366 * 86_400;

function positiveInteger(c: Cursor, option: string, max: number): number {
  const t = c.peek();
  if (t?.kind !== 'number' || !/^\d+$/.test(t.text) || Number(t.text) > max) {
    c.failOption(
      `invalid ${option} ${t ? t.text : '(missing)'}: expected a whole number from 0 to ${max}`,
      t,
    );
  }
  c.next();
  return Number(t.text);
}
