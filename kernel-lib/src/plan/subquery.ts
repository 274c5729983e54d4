/**
 * Subqueries in the WHERE clause, for the affected-key strategy. A top-level AND term of the outer WHERE that
 * holds a subquery (EXISTS, IN, a scalar comparison) is a "conjunct". When the subquery is correlated by an
 * equality — `inner.col = outer.col` in its own WHERE, or `outer.col IN (SELECT inner.col …)` — a change of
 * the inner table can only move outer rows whose `outer.col` equals a changed row's `inner.col`: those rows'
 * keys are the affected ones (TPC-H Q4, Q18, Q21). A subquery nested in a one-table subquery's WHERE and
 * correlated to that table is followed through it: a changed row names the middle table's column, which
 * leads to the middle rows and their column the outer query compares (TPC-H Q20). Tables read any other way
 * (NOT IN, in the SELECT list or HAVING) are "uncorrelated": a refresh in which one changed recomputes in
 * full. Pure.
 */
import { quoteIdent } from '../backends/backend.js';
import { isKeyword, type Token } from '../sql/lexer.js';
import type { TableRef } from './from.js';

export interface Correlation {
  /** The inner table whose change it follows, and the column of it that is compared. */
  table: string;
  column: string;
  /** The outer expression (a column as the outer query names it), and that column's bare name. */
  outer: string;
  outerColumn: string;
  /**
   * For a table read in a nested subquery: the middle tables that lead from the changed column's values to
   * the values `outer` is compared with (`SELECT to FROM table WHERE from IN (…)`, innermost first).
   */
  via?: Hop[];
}

export interface Hop {
  table: string;
  from: string;
  to: string;
}

export interface SubqueryConjunct {
  /** The term's span in the query text, and the span of the WHERE condition it is a term of. */
  start: number;
  end: number;
  where: { start: number; end: number };
  /** Every base table its subqueries read. */
  tables: string[];
  correlations: Correlation[];
}

type Node = Record<string, unknown>;
type ColumnsOf = (table: string) => readonly string[] | undefined;

function walk(node: unknown, visit: (n: Node) => boolean | undefined): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node !== null && typeof node === 'object') {
    if (visit(node as Node) === false) return;
    for (const v of Object.values(node as Node)) walk(v, visit);
  }
}

/** The AND terms of an expression, in order (parenthesised groups stay whole). */
export function andTerms(n: Node | null | undefined): Node[] {
  if (!n) return [];
  if (n.type === 'binary_expr' && n.operator === 'AND' && !n.parentheses)
    return [...andTerms(n.left as Node), ...andTerms(n.right as Node)];
  return [n];
}

/** Spans of the AND terms of the depth-0 tokens `top[from … to)` (the AND of BETWEEN … AND … excluded). */
export function andSpans(top: Token[], from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  let between = 0;
  let first = from;
  for (let i = from; i < to; i++) {
    const t = top[i] as Token;
    if (isKeyword(t, 'BETWEEN')) between++;
    else if (isKeyword(t, 'AND')) {
      if (between > 0) between--;
      else {
        spans.push([(top[first] as Token).start, (top[i - 1] as Token).end]);
        first = i + 1;
      }
    }
  }
  if (first < to) spans.push([(top[first] as Token).start, (top[to - 1] as Token).end]);
  return spans;
}

const nameOf = (ref: Node): string | undefined => {
  const c = ref.column as string | { expr?: { value?: unknown } } | undefined;
  const v = typeof c === 'string' ? c : c?.expr?.value;
  return typeof v === 'string' ? v : undefined;
};
const ident = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));

/** Selects directly inside `n` (not nested in another select). */
function directSelects(n: unknown): Node[] {
  const out: Node[] = [];
  walk(n, (x) => {
    if (x.type === 'select') {
      out.push(x);
      return false;
    }
    return undefined;
  });
  return out;
}

interface Side {
  table: string;
  column: string;
  text: string;
}

/** Which table a column reference belongs to: the subquery's own (inner) or the outer query's. */
function resolve(ref: Node, inner: TableRef[], outer: TableRef[], columnsOf?: ColumnsOf) {
  const column = nameOf(ref)?.toLowerCase();
  if (!column) return undefined;
  const q = typeof ref.table === 'string' ? ref.table.toLowerCase() : undefined;
  const label = (t: TableRef) => (t.alias ?? t.name).toLowerCase();
  const has = (t: TableRef) => columnsOf?.(t.name)?.includes(column) ?? false;
  const mine = q ? inner.find((t) => label(t) === q) : inner.find(has);
  if (mine) return { side: 'inner' as const, ref: { table: mine.name, column, text: '' } };
  if (!q && inner.length > 0 && !columnsOf) return undefined; // cannot tell
  const theirs = q ? outer.find((t) => label(t) === q) : outer.find(has);
  if (!theirs) return undefined;
  return {
    side: 'outer' as const,
    ref: { table: theirs.name, column, text: q ? `${ident(q)}.${ident(column)}` : ident(column) },
  };
}

const innerRefs = (sel: Node): TableRef[] | undefined => {
  const refs: TableRef[] = [];
  for (const f of (sel.from as Node[] | null) ?? []) {
    if (typeof f.table !== 'string') return undefined;
    refs.push({
      name: f.table.toLowerCase(),
      start: 0,
      end: 0,
      join: 'inner',
      scope: -1,
      ...(f.as ? { alias: String(f.as) } : {}),
    });
  }
  return refs;
};

/** The correlations of one conjunct's AST, if every table it reads is covered by one. */
export function correlate(term: Node, outer: TableRef[], columnsOf?: ColumnsOf): Correlation[] {
  const found: Correlation[] = [];
  const selects = directSelects(term);
  /** Nested selects whose tables are followed through their middle table. */
  const followed = new Set<Node>();
  let covered = true;
  for (const sel of selects) {
    const inner = innerRefs(sel);
    if (!inner) return [];
    const links: Correlation[] = [];
    const add = (i: Side, o: Side) => {
      links.push({ table: i.table, column: i.column, outer: o.text, outerColumn: o.column });
    };
    for (const eq of andTerms(sel.where as Node)) {
      if (eq.type !== 'binary_expr' || eq.operator !== '=') continue;
      const [l, r] = [eq.left as Node, eq.right as Node];
      if (l.type !== 'column_ref' || r.type !== 'column_ref') continue;
      const a = resolve(l, inner, outer, columnsOf);
      const b = resolve(r, inner, outer, columnsOf);
      if (a?.side === 'inner' && b?.side === 'outer') add(a.ref, b.ref);
      if (a?.side === 'outer' && b?.side === 'inner') add(b.ref, a.ref);
    }
    // outer.col IN (SELECT inner.col FROM inner …): a change of inner moves membership of its col values only.
    const list = (term.right as Node | undefined)?.value as Node[] | undefined;
    const cols = sel.columns as { expr: Node }[];
    if (
      term.operator === 'IN' &&
      list?.[0]?.ast === sel &&
      cols.length === 1 &&
      cols[0]?.expr.type === 'column_ref'
    ) {
      const left = term.left as Node;
      const a = left.type === 'column_ref' ? resolve(left, [], outer, columnsOf) : undefined;
      const b = resolve(cols[0].expr, inner, [], columnsOf);
      if (a?.side === 'outer' && b?.side === 'inner') add(b.ref, a.ref);
    }
    found.push(...links);
    // Every table of this subquery must be compared with the outer query.
    covered &&= inner.every((r) => links.some((l) => l.table === r.name));
    const [middle] = inner;
    if (inner.length !== 1 || !middle) continue;
    // Subqueries in this one-table select's WHERE, correlated to its table: followed through it.
    for (const nestedTerm of andTerms(sel.where as Node)) {
      const nested = directSelects(nestedTerm);
      if (nested.length === 0) continue;
      const deeper = correlate(nestedTerm, inner, columnsOf);
      if (deeper.length === 0) continue;
      for (const n of nested) followed.add(n);
      for (const link of links) {
        const through = deeper.map((d) => ({
          table: d.table,
          column: d.column,
          outer: link.outer,
          outerColumn: link.outerColumn,
          via: [
            ...(d.via ?? []),
            ...(d.outerColumn === link.column
              ? []
              : [{ table: middle.name, from: d.outerColumn, to: link.column }]),
          ],
        }));
        // One correlation of a table suffices (each is a necessary condition): the cheapest, per table.
        for (const table of new Set(through.map((c) => c.table))) {
          const mine = through.filter((c) => c.table === table);
          const fewest = Math.min(...mine.map((c) => c.via.length));
          found.push(...mine.filter((c) => c.via.length === fewest));
        }
      }
    }
  }
  // Subqueries inside these (WHERE, SELECT list, HAVING) must all be followed.
  const unfollowed = selects.flatMap((s) =>
    directSelects([s.where, s.columns, s.having]).filter((n) => !followed.has(n)),
  );
  return covered && unfollowed.length === 0 ? found : [];
}
