/**
 * What plan/shape.ts reads from node-sql-parser's tree (aggregates, the selects whose rows reach the result,
 * the tables read in subqueries, keys taken from a LEFT JOIN's optional side) and from the query's tokens (a
 * clause's comma-separated spans). Pure.
 */
import { isAggregateCall, type AstNode as Node, walkNodes as walk } from '../sql/ast-walk.js';
import type { Token } from '../sql/lexer.js';
import type { TableRef } from './from.js';
import { ownerOf } from './optional.js';
import type { ColumnsOf } from './shape.js';

/** Whether an expression aggregates rows (an aggregate call that is not a window function). */
export function hasAggregate(n: unknown): boolean {
  let found = false;
  walk(n, (x) => {
    if (isAggregateCall(x)) found = true;
  });
  return found;
}

/**
 * The selects whose FROM rows flow into the result: the root and, recursively, subqueries in FROM; with the
 * base tables they name in FROM (in order).
 */
export function rowSelects(root: Node): { selects: Set<Node>; tables: string[] } {
  const selects = new Set<Node>([root]);
  const tables: string[] = [];
  const visit = (sel: Node) => {
    for (const f of (sel.from as Node[] | null) ?? []) {
      const sub = (f.expr as Node | undefined)?.ast as Node | undefined;
      if (sub) {
        selects.add(sub);
        visit(sub);
      } else if (typeof f.table === 'string') tables.push(f.table.toLowerCase());
    }
  };
  visit(root);
  return { selects, tables };
}

/** Base tables named in FROM by every other select (subqueries in WHERE, SELECT, HAVING, ON). */
export function subqueryTableNames(root: Node, rowLevel: Set<Node>, skip: Set<Node>): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) visit(n);
    else if (node !== null && typeof node === 'object' && !skip.has(node as Node)) {
      collect(node as Node);
      for (const v of Object.values(node as Node)) visit(v);
    }
  };
  const collect = (n: Node) => {
    if (n.type !== 'select' || rowLevel.has(n)) return;
    for (const f of (n.from as Node[] | null) ?? [])
      if (typeof f.table === 'string') names.add(f.table.toLowerCase());
  };
  visit(root);
  return [...names];
}

/**
 * A key that takes a value from the optional side of a LEFT JOIN cannot be found from the change alone: when
 * the last match of a row goes, its NULL-extended row appears under another key. Such keys are refused.
 */
export function optionalSideKey(
  keyExprs: unknown[],
  tables: TableRef[],
  columnsOf?: ColumnsOf,
): string | undefined {
  if (!tables.some((t) => t.join === 'left')) return undefined;
  let reason: string | undefined;
  walk(keyExprs, (n) => {
    if (reason || n.type !== 'column_ref') return;
    const qualifier = typeof n.table === 'string' ? `${n.table.toLowerCase()}.` : '';
    const c = n.column as string | { expr?: { value?: unknown } } | undefined;
    const column = String(typeof c === 'string' ? c : c?.expr?.value).toLowerCase();
    const owner = ownerOf(n, tables, columnsOf);
    if (!owner || owner.join === 'left') {
      reason = `the result key ${qualifier}${column} ${owner ? 'comes from' : 'may come from'} the optional side of a LEFT JOIN; aggregate over it, or group by the other side's columns`;
    }
  });
  return reason;
}

/** Splits the depth-0 range between tokens a and b (exclusive) at commas: [start, end) text spans. */
export function splitAtCommas(top: Token[], from: number, to: number, textEnd: number): [number, number][] {
  const spans: [number, number][] = [];
  let start = (top[from] as Token | undefined)?.start ?? textEnd;
  for (let i = from; i < to; i++) {
    const t = top[i] as Token;
    if (t.kind === 'op' && t.text === ',') {
      spans.push([start, (top[i - 1] as Token).end]);
      start = (top[i + 1] as Token | undefined)?.start ?? textEnd;
    }
  }
  spans.push([start, to > from ? (top[to - 1] as Token).end : start]);
  return spans;
}
