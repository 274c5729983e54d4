/**
 * The optional side of a LEFT JOIN, as the linear planner needs it. Grouped by the preserved side's columns,
 * `P LEFT JOIN O` has one group per preserved row's key, and an aggregate that ignores NULLs (COUNT(x), SUM,
 * AVG, MIN, MAX) of an argument that is NULL whenever O's columns are (an arithmetic expression of O's
 * columns) takes the same value over `P JOIN O`: both are linear. So such a query is maintained as two
 * linear parts — the preserved rows counted per group (the LEFT JOIN clause left out), and the aggregates
 * over the inner join. Pure: parse tree and token positions in.
 */

import { walkNodes } from '../sql/ast-walk.js';
import type { TableRef } from './from.js';
import type { ColumnsOf } from './shape.js';

export interface OptionalSide {
  /** Index in the shape's tables of the LEFT JOIN's optional table (the last table of the query's FROM). */
  table: number;
  /** [start, end) of `LEFT [OUTER] JOIN t ON …` to the end of FROM: blanked out to count preserved rows. */
  clause: [number, number];
  /** Why the aggregates cannot be kept as the inner join's, if they cannot. */
  reason?: string;
}

type Node = Record<string, unknown>;

const walk = walkNodes;

const columnName = (ref: Node): string | undefined => {
  const c = ref.column as string | { expr?: { value?: unknown } } | undefined;
  const v = typeof c === 'string' ? c : c?.expr?.value;
  return typeof v === 'string' ? v.toLowerCase() : undefined;
};

/** The table a column reference belongs to (by its qualifier, or by the tables' columns), if known. */
export function ownerOf(n: Node, tables: TableRef[], columnsOf?: ColumnsOf): TableRef | undefined {
  const label = (t: TableRef) => (t.alias ?? t.name).toLowerCase();
  const qualifier = typeof n.table === 'string' ? n.table.toLowerCase() : undefined;
  const column = columnName(n);
  return qualifier
    ? tables.find((t) => label(t) === qualifier)
    : tables.find((t) => column !== undefined && columnsOf?.(t.name)?.includes(column));
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);

/**
 * Whether `expr` is NULL whenever the optional table's columns are: built of columns, constants, casts and
 * arithmetic only (each NULL when an operand is), with at least one column of the optional table.
 */
function strictIn(expr: unknown, optional: TableRef, tables: TableRef[], columnsOf?: ColumnsOf): boolean {
  let reads = false;
  const ok = (n: Node): boolean => {
    switch (n.type) {
      case 'column_ref':
        if (ownerOf(n, tables, columnsOf) === optional) reads = true;
        return true;
      case 'number':
      case 'single_quote_string':
        return true;
      case 'cast':
        return ok(n.expr as Node);
      case 'binary_expr':
        return ARITHMETIC.has(String(n.operator)) && ok(n.left as Node) && ok(n.right as Node);
      default:
        return false;
    }
  };
  return ok(expr as Node) && reads;
}

/**
 * The LEFT JOIN of the query's own FROM, when there is exactly one and its optional table comes last, with
 * the reason its aggregates cannot be kept linearly (if so). `fromEnd` is where the FROM clause ends.
 */
export function optionalSide(
  root: Node,
  tables: TableRef[],
  fromEnd: number,
  columnsOf?: ColumnsOf,
): OptionalSide | undefined {
  const left = tables.filter((t) => t.join === 'left');
  const last = tables.length - 1;
  const optional = tables[last];
  if (!optional || left.length !== 1 || optional !== left[0] || !optional.joinSpan || optional.scope !== 0)
    return undefined;
  const side: OptionalSide = { table: last, clause: [optional.joinSpan[0], fromEnd] };
  const label = `${optional.alias ?? optional.name}`;
  walk(root.where, (n) => {
    if (side.reason || n.type !== 'column_ref') return;
    const owner = ownerOf(n, tables, columnsOf);
    if (!owner || owner === optional)
      side.reason = `the WHERE clause ${owner ? 'reads' : 'may read'} the optional side (${label}) of the LEFT JOIN`;
  });
  walk(root.columns, (n) => {
    if (side.reason || n.type !== 'aggr_func' || n.over) return;
    const name = String(n.name).toUpperCase();
    const arg = (n.args as { expr?: Node } | undefined)?.expr;
    if (!arg || arg.type === 'star')
      side.reason = `${name}(*) counts the preserved rows a LEFT JOIN matches to nothing; count a column of ${label}`;
    else if (!strictIn(arg, optional, tables, columnsOf))
      side.reason = `${name}(…) over a LEFT JOIN is kept linearly only of arithmetic on ${label}'s columns (NULL for unmatched rows)`;
  });
  return side;
}
