/**
 * The shape of a defining query, as incremental planning needs it: its result columns, which of them
 * identify a row group (the "keys"), the tables of its FROM clause with where their names sit in the text,
 * and its WHERE clause. Pure: node-sql-parser's tree decides what the query *is*; the tokens say where
 * things are, so plans are built by editing the user's own text (no re-printing of a parse tree).
 *
 * Anything this cannot describe exactly is reported as a reason, and the DT refreshes in full.
 */
import {
  aggregatesOwnRows,
  isAggregateCall,
  type AstNode as Node,
  walkNodes as walk,
} from '../sql/ast-walk.js';
import { isKeyword, significant, type Token, tokenize, unparenthesized } from '../sql/lexer.js';
import { flattenReason } from './flatten.js';
import { type FromContents, fromTables, namesInputColumn, selectLevel, type TableRef } from './from.js';
import { type OptionalSide, optionalSide } from './optional.js';
import type { OrderTail } from './order-tail.js';
import { type OuterJoins, outerJoins } from './outer.js';
import { QUALIFY_WITHOUT_WINDOW, rowWindowKeys } from './row-windows.js';
import {
  hasAggregate,
  optionalSideKey,
  rowSelects,
  splitAtCommas,
  subqueryTableNames,
} from './shape-tree.js';
import { andSpans, andTerms, correlate, type SubqueryConjunct } from './subquery.js';

export type { TableRef } from './from.js';

export interface QueryShape {
  /** Expression text of each result column, and where each starts in the query text. */
  items: string[];
  itemStarts: number[];
  /** Aggregate calls node-sql-parser found in each result column (a cross-check for the linear planner). */
  aggregateCounts: number[];
  /** Some of `tables` sit inside subqueries in FROM. */
  derived: boolean;
  /** Result positions (0-based) that identify a group: GROUP BY keys, or every column without GROUP BY. */
  keys: number[];
  /** Tables whose rows flow into the result row by row (outer FROM, and SPJ subqueries in FROM). */
  tables: TableRef[];
  /**
   * Tables read inside subqueries (EXISTS, IN, scalar) other than by a correlation the planner follows.
   * While they do not change, the query is maintained by affected keys; a refresh in which one changed
   * recomputes in full.
   */
  subqueryTables: string[];
  /** Top-level WHERE terms whose subqueries are correlated by equality (see plan/subquery.ts). */
  conjuncts: SubqueryConjunct[];
  /** Where the FROM clause's first item starts in the text. */
  fromStart: number;
  /** Where what follows GROUP BY (HAVING, ORDER BY, LIMIT …) starts, or the end of the text. */
  tailStart: number;
  /** An aggregate without GROUP BY: one group, no keys (only the linear strategy maintains it). */
  global: boolean;
  /** The query has a GROUP BY clause. */
  grouped: boolean;
  /** The query's LEFT JOIN, when its optional table comes last in FROM (plan/optional.ts). */
  optional?: OptionalSide;
  /**
   * The join tree of a query with RIGHT / FULL joins, or a LEFT JOIN whose key comes from its optional side:
   * its changes are followed along the join keys (plan/outer.ts).
   */
  outer?: OuterJoins;
  /** Window functions (partitioned by the keys): whole partitions are recomputed. */
  window: boolean;
  /**
   * Windows without PARTITION BY (plan/order-tail.ts): the keys are their shared ORDER BY, and the rows at
   * or after the first key a change touches are recomputed.
   */
  orderTail?: OrderTail;
  /** SELECT DISTINCT, HAVING: both need whole groups (the affected-key strategy). */
  distinct: boolean;
  having: boolean;
  /** Where the WHERE condition sits ([start, end) in the text), or where a WHERE clause would go. */
  where: { start: number; end: number } | { insertAt: number };
  /** Reads CURRENT_DATE (allowed while the date does not move). */
  readsCurrentDate: boolean;
}

/** Why describeQuery leaves a window over groups to plan/window.ts. */
export const WINDOW_OVER_GROUPS = 'window functions over groups are maintained by plan/window.ts';

/** The columns of a source table, to tell which table an unqualified column belongs to. */
export type ColumnsOf = (table: string) => readonly string[] | undefined;

const VOLATILE =
  /\b(current_timestamp|localtimestamp|now|sysdate|getdate|systimestamp|current_time|random|uuid|gen_random_uuid|setseed)\b/i;

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

export function describeQuery(
  query: string,
  ast: unknown,
  columnsOf?: ColumnsOf,
): QueryShape | { reason: string } {
  const root = (Array.isArray(ast) ? ast[0] : ast) as Node | undefined;
  if (root?.type !== 'select') return { reason: 'only SELECT queries are maintained incrementally' };
  if (root.with) return { reason: 'WITH (common table expressions) is refreshed in full in this version' };
  if (root._next || root.set_op)
    return { reason: 'UNION / EXCEPT / INTERSECT is refreshed in full in this version' };
  if ((root.limit as { value?: unknown[] } | null)?.value?.length)
    return { reason: 'LIMIT needs the whole result' };
  if (VOLATILE.test(query.replace(/'[^']*'/g, ''))) {
    return { reason: 'the query reads the clock or random values, which change at every refresh' };
  }
  const rows = rowSelects(root);
  let windowed = false;
  for (const sel of rows.selects) {
    let window = false;
    // The root's QUALIFY (sql/analyze.ts keeps it as `qualify`) filters on windows like its select list.
    walk(sel === root ? [sel.columns, sel.qualify] : sel.columns, (n) => {
      if (n.over) window = true;
    });
    const grouped = (root.groupby as { columns?: unknown } | null)?.columns ?? null;
    if (window && (sel !== root || grouped || hasAggregate(root.columns)))
      return {
        reason:
          sel === root
            ? WINDOW_OVER_GROUPS
            : 'window functions in subqueries are refreshed in full in this version',
      };
    windowed ||= window;
    if (sel !== root && hasAggregate(sel.columns))
      return { reason: 'an aggregating subquery in FROM is refreshed in full in this version' };
  }
  if (root.qualify && !windowed) return { reason: QUALIFY_WITHOUT_WINDOW };

  const tokens = significant(tokenize(query));
  const level = selectLevel(tokens);
  const { top, fromAt, whereAt, fromEnd, whereEnd } = level;
  const groupAt = top.findIndex((t, i) => isKeyword(t, 'GROUP') && isKeyword(top[i + 1], 'BY'));
  if (!isKeyword(top[0], 'SELECT') || fromAt < 0) return { reason: 'the query has no FROM clause' };

  // SELECT list.
  let first = 1;
  if (isKeyword(top[1], 'DISTINCT') || isKeyword(top[1], 'ALL')) first = 2;
  if (isKeyword(top[1], 'DISTINCT') && isKeyword(top[2], 'ON'))
    return { reason: 'DISTINCT ON is refreshed in full' };
  const columns = root.columns as { expr: Node; as: string | null }[];
  const itemSpans = splitAtCommas(top, first, fromAt, query.length);
  if (itemSpans.length !== columns.length) return { reason: 'the select list could not be analysed' };
  const items: string[] = [];
  const itemStarts = itemSpans.map(([s]) => s);
  for (const [k, [s, e]] of itemSpans.entries()) {
    let text = query.slice(s, e);
    const alias = columns[k]?.as;
    if (alias)
      text = text.replace(new RegExp(`\\s+(as\\s+)?"?${alias.replace(/[^\w]/g, '.')}"?\\s*$`, 'i'), '');
    if (text.trim() === '*' || /\.\s*\*$/.test(text.trim())) {
      return { reason: 'SELECT * is refreshed in full in this version; name the columns' };
    }
    items.push(text.trim());
  }

  // FROM clause: table references (also inside subqueries in FROM) and join kinds.
  const contents: FromContents = { tables: [], levels: [], laterals: [] };
  const fromReason = fromTables(tokens, level, contents) ?? flattenReason(tokens, contents);
  const { tables } = contents;
  if (fromReason) return { reason: fromReason };
  if (rows.tables.join() !== tables.map((t) => t.name).join()) {
    return { reason: 'the FROM clause could not be analysed' };
  }

  // Keys: the GROUP BY expressions (as result columns), or every column.
  let keys: number[];
  let orderTail: OrderTail | undefined;
  if (groupAt >= 0) {
    const groupEnd = top.findIndex(
      (t, k) =>
        k > groupAt + 1 && ['HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'QUALIFY'].some((w) => isKeyword(t, w)),
    );
    const spans = splitAtCommas(top, groupAt + 2, groupEnd < 0 ? top.length : groupEnd, query.length);
    const fromTokenAt = tokens.indexOf(top[fromAt] as Token);
    const fromTokenEnd = tokens.indexOf(top[fromEnd - 1] as Token) + 1;
    keys = [];
    for (const [s, e] of spans) {
      const g = query.slice(s, e).trim();
      const key = norm(unparenthesized(g));
      let k = items.findIndex((it) => norm(unparenthesized(it)) === key);
      if (k < 0 && /^\d+$/.test(g)) k = Number(g) - 1;
      if (k < 0) {
        const named = columns.findIndex((c) => c.as !== null && norm(c.as) === norm(g));
        // GROUP BY reads a name as a column of the FROM clause before a result alias (SQL, DuckDB, Postgres).
        if (named >= 0 && namesInputColumn(g, tables, tokens.slice(fromTokenAt, fromTokenEnd), columnsOf))
          return {
            reason: `the group key ${g} names a column of the FROM clause, which GROUP BY groups by, and a result column computed otherwise`,
          };
        k = named;
      }
      if (k < 0 || k >= items.length) return { reason: `the group key ${g} is not a column of the result` };
      if (!keys.includes(k)) keys.push(k);
    }
  } else if (windowed) {
    // Window functions with PARTITION BY: a partition is recomputed whole, so its key is the row group.
    const partition = rowWindowKeys(tokens, query, items, root);
    if ('reason' in partition) return partition;
    keys = partition.keys;
    orderTail = partition.orderTail;
  } else if (hasAggregate(root.columns)) {
    if (!aggregatesOwnRows(root.columns))
      return { reason: 'an aggregating subquery in the select list is evaluated per row of the result' };
    keys = [];
  } else {
    keys = items.map((_, k) => k);
  }
  const optional = optionalSideKey(
    keys.map((k) => columns[k]?.expr),
    tables,
    columnsOf,
  );
  let outer: OuterJoins | undefined;
  if (optional || tables.some((t) => t.join === 'right' || t.join === 'full')) {
    const joins = outerJoins(root, tables, columnsOf);
    if ('reason' in joins) return { reason: optional ? `${optional} (${joins.reason})` : joins.reason };
    outer = joins;
  }

  const fromEndAt = (top[fromEnd - 1] as Token).end;
  const tailAt = top.findIndex(
    (t, k) =>
      k > Math.max(whereAt, groupAt, fromAt) &&
      ['HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'WINDOW', 'QUALIFY'].some((w) => isKeyword(t, w)),
  );
  const where =
    whereAt > 0
      ? { start: (top[whereAt + 1] as Token).start, end: (top[whereEnd - 1] as Token).end }
      : { insertAt: fromEndAt };
  // WHERE terms with correlated subqueries: their tables' changes are followed through the correlation.
  const conjuncts: SubqueryConjunct[] = [];
  // (The query's own WHERE, and those of its subqueries in FROM, each with the tables its FROM names.)
  const followed = new Set<Node>();
  const selects = [...rows.selects];
  [level, ...contents.levels].forEach((lv, scope) => {
    const sel = selects[scope] as Node;
    if (lv.whereAt <= 0) return;
    const spans = andSpans(lv.top, lv.whereAt + 1, lv.whereEnd);
    const terms = andTerms(sel.where as Node);
    if (spans.length !== terms.length) return;
    const where = {
      start: (lv.top[lv.whereAt + 1] as Token).start,
      end: (lv.top[lv.whereEnd - 1] as Token).end,
    };
    const visible = tables.filter((t) => t.scope === scope);
    terms.forEach((term, i) => {
      const correlations = correlate(term, visible, columnsOf);
      if (correlations.length === 0) return;
      const [start, end] = spans[i] as [number, number];
      const tablesRead = new Set<string>();
      walk(term, (x) => {
        if (x.type === 'select')
          for (const f of (x.from as Node[] | null) ?? [])
            if (typeof f.table === 'string') tablesRead.add(f.table.toLowerCase());
      });
      conjuncts.push({ start, end, where, tables: [...tablesRead], correlations });
      followed.add(term);
    });
  });
  const aggregateCounts = columns.map((c) => {
    let n = 0;
    walk(c.expr, (x) => {
      if (x.type === 'aggr_func' || isAggregateCall(x)) n++;
    });
    return n;
  });
  if (outer && conjuncts.length > 0)
    return {
      reason: 'outer joins with correlated subqueries in WHERE are refreshed in full in this version',
    };
  const side = outer ? undefined : optionalSide(root, tables, fromEndAt, columnsOf);
  return {
    ...(side ? { optional: side } : {}),
    ...(outer ? { outer } : {}),
    ...(orderTail ? { orderTail } : {}),
    items,
    itemStarts,
    aggregateCounts,
    derived: rows.selects.size > 1,
    keys,
    tables,
    subqueryTables: subqueryTableNames(root, rows.selects, followed),
    conjuncts,
    fromStart: (top[fromAt + 1] as Token).start,
    tailStart: tailAt < 0 ? query.length : (top[tailAt] as Token).start,
    global: groupAt < 0 && keys.length === 0,
    grouped: groupAt >= 0,
    window: windowed,
    distinct: first === 2 && isKeyword(top[1], 'DISTINCT'),
    having: top.some((t) => isKeyword(t, 'HAVING')),
    where,
    readsCurrentDate: /\bcurrent_date\b/i.test(query),
  };
}
