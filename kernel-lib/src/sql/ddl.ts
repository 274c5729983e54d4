/**
 * The dynamic-table DDL grammar: CREATE / ALTER / DROP / SHOW / DESCRIBE DYNAMIC TABLE and CREATE / DROP /
 * SHOW WAREHOUSE. Anything else is `passthrough` and goes to the backend. The query after `AS` is kept as
 * text with its offset; node-sql-parser and the backend judge it, not this grammar.
 *
 * Here: the classification and the short statements. Beside it: the statement types (ddl-types.ts), CREATE
 * DYNAMIC TABLE (dt-create.ts), ALTER DYNAMIC TABLE (dt-alter.ts), SHOW's filters (show-filters.ts), and the
 * grammars of the other statement families (alert-, quality-, integration-, warehouse-ddl.ts).
 */

import { parseAlertStatement } from './alert-ddl.js';
import { Cursor, end } from './cursor.js';
import type { CreateDynamicTable, Statement } from './ddl-types.js';
import { alterDynamicTable } from './dt-alter.js';
import { createDynamicTable } from './dt-create.js';
import { parsePage } from './expectations.js';
import { parseNotificationStatement } from './integration-ddl.js';
import { isKeyword, significant, type Token } from './lexer.js';
import { parseQualityStatement } from './quality-ddl.js';
import { showFilters } from './show-filters.js';
import { createWarehouse } from './warehouse-ddl.js';

// The statement types live in sql/ddl-types.ts; they stay importable from here.
export type {
  AlterAction,
  AlterDynamicTable,
  ColumnSpec,
  CreateDynamicTable,
  DescribeDynamicTable,
  DropDynamicTable,
  ExplainCreate,
  ExplainRefresh,
  InitializeMode,
  Notification,
  Passthrough,
  RefreshMode,
  SchedulerMode,
  ShowDynamicTables,
  ShowFilters,
  ShowQuarantine,
  ShowWarehouses,
  Statement,
  UndropDynamicTable,
  WarehouseOffsets,
} from './ddl-types.js';

export {
  type CreateWarehouse,
  type DropWarehouse,
  MAX_AUTO_SUSPEND_SECONDS,
  MAX_CONCURRENCY_LEVEL,
  WAREHOUSE_SIZES,
  type WarehouseSize,
} from './warehouse-ddl.js';

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
