/**
 * Outer joins (LEFT, RIGHT, FULL, in chains, mixed with inner joins) maintained by affected keys, found by
 * following join keys from the changed rows. An ON may also compare a column of its table or of the parent
 * with a constant (strict: NULL for a NULL, so a NULL-extended row still matches nothing). Pure: parse tree in, the join tree out (this file), and the
 * SQL of the rows a change can reach (plan/outer-keys.ts).
 *
 * The rule. Every join `… [LEFT|RIGHT|FULL|INNER] JOIN t ON t.c1 = p.d1 AND …` must link its table to ONE
 * earlier table p (its parent) by column equalities only, so the tables form a tree whose edges are join
 * keys. Equalities are strict (a NULL key matches nothing), so in any result row the tables that are not
 * NULL-extended form a connected part of the tree. A change to one table can then alter only result rows
 * whose present rows are reached from a changed row by equal join keys along the tree: rows holding a
 * changed row, and rows NULL-extended for the changed table (or for a subtree whose match it made or
 * broke) — whose neighbour has the changed row's key. Running the query's FROM … WHERE over just those rows
 * of each table (the "slices", each a subset of the table's rows in one state) yields every such result row
 * (a NULL-extended row of the full tables stays NULL-extended over a subset of them), so its keys cover every
 * group that changed; a few more (rows NULL-extended only within the slices) are recomputed unchanged.
 * Several changed tables are taken one after another (the first changed, the others still old; then the
 * next), so each step changes one table; a table's old state within a slice is its current rows with the
 * change taken back (grouped over the slice only).
 */

import type { TableRef } from './from.js';
import { ownerOf } from './optional.js';
import type { ColumnsOf } from './shape.js';

/** How table `j` (> 0) joins its parent: the parent's index, and [column of j, column of the parent]. */
export interface OuterEdge {
  parent: number;
  pairs: [string, string][];
}

export interface OuterJoins {
  /** `edges[j]` for every table but the first (`edges[0]` is undefined). */
  edges: (OuterEdge | undefined)[];
}

type Node = Record<string, unknown>;

/** Comparisons that are NULL when an operand is. */
const STRICT = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', 'LIKE', 'NOT LIKE']);
const CONSTANT = new Set(['number', 'single_quote_string', 'string']);

const columnName = (ref: Node): string | undefined => {
  const c = ref.column as string | { expr?: { value?: unknown } } | undefined;
  const v = typeof c === 'string' ? c : c?.expr?.value;
  return typeof v === 'string' ? v.toLowerCase() : undefined;
};

/** The conjuncts of an AND tree. */
function conjuncts(n: Node): Node[] {
  if (n.type === 'binary_expr' && String(n.operator).toUpperCase() === 'AND')
    return [...conjuncts(n.left as Node), ...conjuncts(n.right as Node)];
  return [n];
}

/**
 * The join tree of a query with outer joins, or why it cannot be maintained by following join keys.
 * `root` is the query's parse tree, `tables` its FROM references (plan/from.ts).
 */
export function outerJoins(
  root: Node,
  tables: TableRef[],
  columnsOf?: ColumnsOf,
): OuterJoins | { reason: string } {
  const from = (root.from as Node[] | null) ?? [];
  const kinds = tables.map((t) => t.join.toUpperCase()).filter((k) => k !== 'FIRST');
  const what = `a query with ${[...new Set(kinds)].join(' / ')} joins`;
  if (from.length !== tables.length || tables.some((t) => t.scope !== 0))
    return { reason: `${what} over subqueries in FROM is refreshed in full in this version` };
  const edges: (OuterEdge | undefined)[] = [undefined];
  for (let j = 1; j < tables.length; j++) {
    const item = from[j] as Node;
    const ref = tables[j] as TableRef;
    if (ref.join === 'cross' || !item.on)
      return {
        reason: `${what} is maintained incrementally when every join is JOIN … ON equalities of columns (not a comma, CROSS JOIN or USING)`,
      };
    let parent: number | undefined;
    const pairs: [string, string][] = [];
    const filters: Node[] = [];
    const bad = {
      reason: `${what} is maintained incrementally when each ON is column = column terms joined by AND, between its table and one earlier table (besides comparisons of their columns with constants)`,
    };
    for (const term of conjuncts(item.on as Node)) {
      const l = term.left as Node | undefined;
      const r = term.right as Node | undefined;
      if (term.type !== 'binary_expr' || l?.type !== 'column_ref' || r?.type !== 'column_ref') {
        filters.push(term);
        continue;
      }
      if (term.operator !== '=') return bad;
      const lo = ownerOf(l, tables, columnsOf);
      const ro = ownerOf(r, tables, columnsOf);
      const li = lo ? tables.indexOf(lo) : -1;
      const ri = ro ? tables.indexOf(ro) : -1;
      const [mine, other, mineAt, otherAt] = li === j ? [l, r, li, ri] : [r, l, ri, li];
      if (mineAt !== j || otherAt < 0 || otherAt >= j || (parent !== undefined && parent !== otherAt))
        return bad;
      parent = otherAt;
      const a = columnName(mine);
      const b = columnName(other);
      if (!a || !b) return bad;
      pairs.push([a, b]);
    }
    if (parent === undefined) return bad;
    // A comparison of a column of the table or its parent with a constant is strict (NULL for a NULL).
    for (const f of filters) {
      const l = f.left as Node | undefined;
      const r = f.right as Node | undefined;
      const [col, constant] = l?.type === 'column_ref' ? [l, r] : [r, l];
      const owner = col?.type === 'column_ref' ? ownerOf(col, tables, columnsOf) : undefined;
      const at = owner ? tables.indexOf(owner) : -1;
      if (
        f.type !== 'binary_expr' ||
        !STRICT.has(String(f.operator).toUpperCase()) ||
        !CONSTANT.has(String(constant?.type)) ||
        (at !== j && at !== parent)
      )
        return bad;
    }
    if (parent === undefined) return { reason: `${what}: a join without a condition` };
    edges.push({ parent, pairs });
  }
  return { edges };
}
