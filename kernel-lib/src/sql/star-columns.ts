/**
 * The columns `*` and `t.*` stand for in a select list: each FROM item's in order, a table's or view's from
 * the catalog, a subquery's from its own select list. Read by the planner, which writes stars out
 * (plan/normalize.ts), and by the QUALIFY rewrite of the PostgreSQL family, which must name every output
 * column (sql/select-rewrite.ts). Pure: a parse tree and the catalog's column lists in.
 */
import { analyzeQuery } from './analyze.js';
import { FLATTEN_COLUMNS } from './flatten.js';

/** The columns of a relation of the current schema, in order (undefined when it is not known). */
export type ColumnsOf = (table: string) => readonly string[] | undefined;

type Node = Record<string, unknown>;

/** The names of a select's result columns, when each is a column or has an alias. */
export function outputNames(select: Node): string[] | undefined {
  const names: string[] = [];
  for (const c of (select.columns as { expr: Node; as: string | null }[] | undefined) ?? []) {
    if (c.as) names.push(String(c.as));
    else if (c.expr.type === 'column_ref') {
      const col = c.expr.column as string | { expr?: { value?: unknown } };
      const name = typeof col === 'string' ? col : String(col?.expr?.value);
      if (name === '*') return undefined;
      names.push(name);
    } else return undefined;
  }
  return names.length > 0 ? names : undefined;
}

/**
 * The columns `*` (or `qualifier.*`) stands for in a select, each with the FROM item's name that qualifies
 * it; or why they are not known.
 */
export function starColumns(
  select: Node,
  qualifier: string | undefined,
  columnsOf: ColumnsOf,
): { from: string; name: string }[] | { reason: string } {
  const out: { from: string; name: string }[] = [];
  for (const f of (select.from as Node[] | null) ?? []) {
    if (f.using || /natural/i.test(String(f.join ?? '')))
      return { reason: 'SELECT * over a USING or NATURAL join is refreshed in full; name the columns' };
    const sub = (f.expr as Node | undefined)?.ast as Node | undefined;
    const q = String(f.as ?? f.table ?? '');
    if (qualifier !== undefined && q.toLowerCase() !== qualifier.toLowerCase()) continue;
    const names = sub
      ? outputNames(sub)
      : typeof f.table === 'string'
        ? columnsOf(f.table.toLowerCase())?.slice()
        : flattenItemColumns(f);
    if (!names || names.length === 0 || !q)
      return {
        reason: `the columns of ${q || 'a FROM item'} are not known, so SELECT * cannot be expanded; name the columns`,
      };
    out.push(...names.map((name) => ({ from: q, name })));
  }
  return out.length > 0 ? out : { reason: 'SELECT * could not be expanded; name the columns' };
}

/**
 * The output names of `*` (or `qualifier.*`) in the one SELECT `block` (its text), or undefined when they
 * cannot be told (the block does not parse, a USING join, a relation of unknown columns).
 */
export function starNames(
  block: string,
  qualifier: string | undefined,
  columnsOf: ColumnsOf,
): string[] | undefined {
  const ast = analyzeQuery(block, () => false).ast;
  const root = (Array.isArray(ast) ? ast[0] : ast) as Node | undefined;
  if (root?.type !== 'select' || root._next) return undefined;
  const columns = starColumns(root, qualifier, columnsOf);
  return Array.isArray(columns) ? columns.map((c) => c.name) : undefined;
}

const functionName = (n: Node | undefined) =>
  String((n?.name as { name?: { value?: unknown }[] } | undefined)?.name?.[0]?.value ?? '').toUpperCase();

/** FLATTEN's columns when a parse tree's FROM item is FLATTEN (`*` stands for them), else undefined. */
function flattenItemColumns(item: Node): string[] | undefined {
  const expr = item.expr as Node | undefined;
  if (item.type !== 'expr' || expr?.type !== 'function') return undefined;
  const inner = ((expr.args as { value?: Node[] } | undefined)?.value ?? [])[0];
  const name = functionName(expr);
  return name === 'FLATTEN' || (name === 'TABLE' && functionName(inner) === 'FLATTEN')
    ? [...FLATTEN_COLUMNS]
    : undefined;
}
