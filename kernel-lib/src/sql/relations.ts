/**
 * Every relation a parsed query reads, by a walk over node-sql-parser's tree that visits every node: FROM
 * items at any depth (parenthesised joins, LATERAL, subqueries in FROM, SELECT, WHERE, HAVING, …), set
 * operations, and CTEs with their scope (a CTE name hides a table only inside the query that defines it).
 * A FROM item of a shape the walk does not know makes it `unsure`, with the reason, rather than skipped.
 * Pure: the database's own view of the query (engine/dependencies.ts) is checked against this.
 */

type Node = Record<string, unknown>;

export interface RelationWalk {
  /** Relation names read (lower case), CTE references excluded. */
  names: string[];
  /** Why the walk may have missed a relation, when it may have. */
  unsure?: string;
  /** Function names called (lower case, without schema). */
  functions: string[];
  /** Column names referenced (lower case). */
  columns: string[];
  /** The query samples its table (TABLESAMPLE), so its result is not a function of the table. */
  sampled: boolean;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isNode(v) && typeof v.value === 'string') return v.value;
  if (isNode(v) && isNode(v.expr)) return nameOf(v.expr);
  return undefined;
}

function functionName(n: Node): string | undefined {
  const name = n.name;
  if (typeof name === 'string') return name;
  if (isNode(name) && Array.isArray(name.name)) {
    const parts = name.name.map(nameOf).filter((p): p is string => p !== undefined);
    return parts[parts.length - 1];
  }
  return undefined;
}

class Walker {
  readonly names = new Set<string>();
  readonly functions = new Set<string>();
  readonly columns = new Set<string>();
  sampled = false;
  unsure: string | undefined;

  /** Any node: a SELECT opens a scope for its CTEs; FROM lists are read item by item. */
  visit(node: unknown, ctes: ReadonlySet<string>): void {
    if (Array.isArray(node)) {
      for (const n of node) this.visit(n, ctes);
      return;
    }
    if (!isNode(node)) return;
    let scope = ctes;
    if (Array.isArray(node.with)) {
      const inner = new Set(ctes);
      const list = node.with as Node[];
      // WITH RECURSIVE: every CTE of the list is visible in every body. Otherwise a CTE sees only the ones
      // before it: in its own body its name is still the table of that name.
      const recursive = list.some((w) => w.recursive);
      const names = list.map((w) => nameOf(w.name)?.toLowerCase());
      if (recursive) for (const n of names) if (n) inner.add(n);
      list.forEach((w, i) => {
        this.visit(w.stmt, recursive ? inner : new Set(inner));
        const n = names[i];
        if (n) inner.add(n);
      });
      scope = inner;
    }
    if (node.type === 'column_ref') {
      const column = nameOf(node.column);
      if (column && column !== '*') this.columns.add(column.toLowerCase());
    }
    if (node.type === 'function' || node.type === 'aggr_func') {
      const name = functionName(node);
      if (name) this.functions.add(name.toLowerCase());
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'with') continue;
      if (key === 'from' && Array.isArray(value)) this.fromList(value, scope);
      else this.visit(value, scope);
    }
  }

  private fromList(items: unknown[], ctes: ReadonlySet<string>): void {
    for (const item of items) {
      if (!isNode(item)) {
        this.unsure ??= `a FROM item of an unknown shape (${JSON.stringify(item)})`;
        continue;
      }
      if (item.tablesample) this.sampled = true;
      const expr = item.expr;
      if (typeof item.table === 'string' && expr === undefined) {
        const name = item.table.toLowerCase();
        if (item.db || !ctes.has(name)) this.names.add(name);
      } else if (isNode(expr) && expr.type === 'tables' && Array.isArray(expr.expr)) {
        this.fromList(expr.expr, ctes);
      } else if (isNode(expr) && (expr.ast !== undefined || expr.type === 'values' || item.type === 'expr')) {
        this.visit(expr, ctes);
      } else if (isNode(expr) && expr.type === 'select') {
        this.visit(expr, ctes);
      } else {
        this.unsure ??= `a FROM item of an unknown shape (${JSON.stringify(item).slice(0, 120)})`;
        this.visit(item, ctes);
        continue;
      }
      // ON / USING conditions may hold subqueries too.
      for (const key of ['on', 'using', 'tablesample']) if (item[key]) this.visit(item[key], ctes);
    }
  }
}

/** The relations, functions and columns of a parse tree (an array of statements or one). */
export function walkRelations(ast: unknown): RelationWalk {
  const w = new Walker();
  w.visit(ast, new Set());
  return {
    names: [...w.names].sort(),
    functions: [...w.functions].sort(),
    columns: [...w.columns].sort(),
    sampled: w.sampled,
    ...(w.unsure ? { unsure: w.unsure } : {}),
  };
}
