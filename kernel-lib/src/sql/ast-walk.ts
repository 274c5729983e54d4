/** A parse tree's nodes (node-sql-parser's plain objects), visited depth first, parents before children. */
export type AstNode = Record<string, unknown>;

export function walkNodes(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) for (const n of node) walkNodes(n, visit);
  else if (node !== null && typeof node === 'object') {
    visit(node as AstNode);
    for (const v of Object.values(node as AstNode)) walkNodes(v, visit);
  }
}

/** A call's name, lower case: `window_func` and `aggr_func` name it as a string, `function` as parts. */
export function callName(n: AstNode): string {
  const name = n.name as string | { name?: { value?: unknown }[] } | undefined;
  if (typeof name === 'string') return name.toLowerCase();
  const parts = name?.name ?? [];
  return String(parts[parts.length - 1]?.value ?? '').toLowerCase();
}

/**
 * Snowflake aggregates node-sql-parser reads as plain functions (it knows them not): MIN_BY / MAX_BY
 * (translated by sql/function-rewrites.ts).
 */
const PLAIN_AGGREGATES = new Set(['min_by', 'max_by']);

/** Whether a node is an aggregate call (not a window function: no OVER). */
export function isAggregateCall(n: AstNode): boolean {
  if (n.over) return false;
  if (n.type === 'aggr_func') return true;
  // Unqualified only: `x.min_by(…)` is somebody's own function.
  const parts = (n.name as { name?: unknown[] } | undefined)?.name;
  return n.type === 'function' && parts?.length === 1 && PLAIN_AGGREGATES.has(callName(n));
}

/** Whether an expression aggregates rows itself, not only inside its subqueries. */
export function aggregatesOwnRows(n: unknown): boolean {
  if (Array.isArray(n)) return n.some(aggregatesOwnRows);
  if (n === null || typeof n !== 'object') return false;
  const node = n as AstNode;
  if (node.type === 'select' || 'ast' in node) return false;
  return isAggregateCall(node) || Object.values(node).some(aggregatesOwnRows);
}
