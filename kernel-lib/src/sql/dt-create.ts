/**
 * CREATE DYNAMIC TABLE after its `DYNAMIC TABLE` keywords: the name, the column list (columns and
 * expectations), the options (TARGET_LAG, WAREHOUSE, …, IMMUTABLE WHERE, BACKFILL) and the query after AS.
 */
import type { Cursor } from './cursor.js';
import type {
  ColumnSpec,
  CreateDynamicTable,
  InitializeMode,
  RefreshMode,
  SchedulerMode,
  WarehouseOffsets,
} from './ddl-types.js';
import { lagValue, unsupportedClause, warehouseName } from './dt-options.js';
import { atConstraint, checkDistinct, type ParsedExpectation, parseConstraint } from './expectations.js';
import { parseBackfill, parseImmutableWhere } from './immutable-ddl.js';
import type { TargetLag } from './lag.js';
import { isKeyword, type Token } from './lexer.js';

export function createDynamicTable(
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
