/**
 * The query the planner plans, for a defining query written with shapes it does not read itself: the same
 * result, spelled with what it maintains. Pure: query text and the catalog's facts in, text out.
 *
 * - `WITH` (not RECURSIVE): every reference to a CTE becomes the CTE's body as a subquery in FROM, aliased
 *   by the reference's alias or the CTE's name; a CTE's body sees the CTEs before it.
 * - Views: every reference to a plain view becomes its definition (from the catalog, `viewOf`) as a subquery
 *   in FROM, itself normalized (views of views, a view's own CTEs and `*`). Changes then reach the DT from
 *   the view's base tables, which are its sources. Materialized views are not given here (`viewOf` answers
 *   only plain views): their contents are a snapshot, not their definition.
 * - `SELECT *` and `t.*` in the select list of the query (of every UNION branch): the columns of each FROM
 *   item in order, qualified — a table's or view's from the catalog (`columnsOf`), a subquery's from its
 *   select list.
 * - A query that is `SELECT * FROM x` of one such subquery, and nothing else, is the subquery itself.
 *
 * The DT keeps the user's text (SHOW, full refresh, VERIFY); only plans are built from this one. What cannot
 * be rewritten exactly is a reason, and the DT refreshes in full.
 */
import { analyzeQuery } from '../sql/analyze.js';
import { identifierName, isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { starColumns } from '../sql/star-columns.js';
import type { ColumnsOf } from './shape.js';
import { viewSelect } from './view-columns.js';

export interface PlanningCatalog {
  columnsOf: ColumnsOf;
  /** A plain view's defining SELECT as the catalog gives it; undefined for anything else. */
  viewOf: (name: string) => string | undefined;
}

/** node-sql-parser's tree of a text, or undefined when it cannot parse it. */
const parse = (text: string): unknown => analyzeQuery(text, () => false).ast;

export type Normalized = { text: string; ast: unknown; views: string[] } | { reason: string };

type Node = Record<string, unknown>;

/** Where a relation name cannot be followed by an alias. */
const NOT_ALIAS = new Set(
  'JOIN INNER LEFT RIGHT FULL CROSS NATURAL ON USING WHERE GROUP HAVING ORDER LIMIT OFFSET FETCH WINDOW QUALIFY UNION EXCEPT INTERSECT'.split(
    ' ',
  ),
);
const FROM_ENDS = new Set(
  'WHERE GROUP HAVING ORDER LIMIT OFFSET FETCH WINDOW QUALIFY UNION EXCEPT INTERSECT SELECT'.split(' '),
);
const MAX_DEPTH = 16;

/** Quotes a column name the way the catalog spells it, when it is not a plain lower-case identifier. */
const ident = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** Index of the `)` closing the `(` at tokens[open]. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]?.text === '(') depth++;
    else if (tokens[i]?.text === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * A view's definition as a SELECT: DuckDB gives `CREATE VIEW v AS …;` (re-printed, `COUNT(*)` spelled
 * `count_star()`, a column list kept as the list: its names become the select list's aliases,
 * plan/view-columns.ts), PostgreSQL `SELECT …;`. Undefined when it cannot be read.
 */
export function viewBody(definition: string): string | undefined {
  let text = definition.trim().replace(/;\s*$/, '');
  const head = significant(tokenize(text));
  if (isKeyword(head[0], 'CREATE')) {
    const select = viewSelect(text);
    if (select === undefined) return undefined;
    text = select;
  }
  const tokens = significant(tokenize(text));
  for (const [i, t] of [...tokens.entries()].reverse())
    if (isKeyword(t, 'COUNT_STAR') && tokens[i + 1]?.text === '(' && tokens[i + 2]?.text === ')')
      text = `${text.slice(0, t.start)}count(*)${text.slice((tokens[i + 2] as Token).end)}`;
  return text;
}

interface Scope {
  ctes: Map<string, string>;
  catalog: PlanningCatalog;
  views: Set<string>;
  depth: number;
  /** The view whose definition is being written out, if any. */
  view?: string;
}

/** Splits a leading `WITH` off: its CTEs (bodies normalized in order) and the rest of the text. */
function splitWith(
  text: string,
  scope: Scope,
): { main: string; ctes: Map<string, string> } | { reason: string } {
  const tokens = significant(tokenize(text));
  if (!isKeyword(tokens[0], 'WITH')) return { main: text, ctes: scope.ctes };
  if (isKeyword(tokens[1], 'RECURSIVE')) return { reason: 'WITH RECURSIVE is refreshed in full' };
  const ctes = new Map(scope.ctes);
  let i = 1;
  for (;;) {
    const name = tokens[i];
    if (!name || (name.kind !== 'word' && name.kind !== 'quoted'))
      return { reason: 'the WITH clause could not be analysed' };
    i++;
    if (tokens[i]?.text === '(')
      return { reason: 'a CTE with a column list is refreshed in full in this version' };
    if (!isKeyword(tokens[i], 'AS')) return { reason: 'the WITH clause could not be analysed' };
    i++;
    if (isKeyword(tokens[i], 'NOT')) i++;
    if (isKeyword(tokens[i], 'MATERIALIZED')) i++;
    const end = tokens[i]?.text === '(' ? closing(tokens, i) : -1;
    if (end < 0) return { reason: 'the WITH clause could not be analysed' };
    const body = normalizeText(
      text.slice((tokens[i + 1] as Token).start, (tokens[end] as Token).start).trim(),
      { ...scope, ctes, depth: scope.depth + 1 },
    );
    if ('reason' in body) return body;
    ctes.set(identifierName(name), body.text);
    i = end + 1;
    if (tokens[i]?.text !== ',') break;
    i++;
  }
  const start = tokens[i];
  if (!start) return { reason: 'the WITH clause could not be analysed' };
  return { main: text.slice(start.start), ctes };
}

/** Replaces each CTE or view named in a FROM position by its text as a subquery. */
function substitute(text: string, scope: Scope, ctes: Map<string, string>): string | { reason: string } {
  const tokens = significant(tokenize(text));
  // Per parenthesis level: in a FROM clause (true), not (false), or inside a call's arguments (null), where
  // `EXTRACT(x FROM y)` names no relation.
  const inFrom: (boolean | null)[] = [false];
  const edits: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const before = tokens[i - 1];
    if (t.text === '(')
      inFrom.push(
        before?.kind === 'word' &&
          !NOT_ALIAS.has(before.text.toUpperCase()) &&
          !['IN', 'EXISTS', 'AS', 'FROM', 'ANY', 'ALL', 'SOME'].includes(before.text.toUpperCase())
          ? null
          : false,
      );
    else if (t.text === ')') inFrom.pop();
    else if (isKeyword(t, 'WITH') && before?.text === '(')
      return { reason: 'WITH inside a subquery is refreshed in full in this version' };
    else if (inFrom[inFrom.length - 1] === null) continue;
    else if (isKeyword(t, 'FROM')) inFrom[inFrom.length - 1] = true;
    else if (t.kind === 'word' && FROM_ENDS.has(t.text.toUpperCase())) inFrom[inFrom.length - 1] = false;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const position =
      (t.kind === 'word' || t.kind === 'quoted') &&
      (isKeyword(prev, 'FROM') ||
        isKeyword(prev, 'JOIN') ||
        (prev?.text === ',' && inFrom[inFrom.length - 1] === true));
    if (position && next?.text === '(' && scope.view)
      // A table function's rows (range, read_csv, …) have no captured changes.
      return {
        reason: `view ${scope.view} reads a table function (${t.text}), whose changes are not captured`,
      };
    if (!position || next?.text === '.' || next?.text === '(') continue;
    const name = identifierName(t);
    let body = ctes.get(name);
    if (body === undefined) {
      const definition = scope.catalog.viewOf(name);
      if (definition === undefined) continue;
      const select = viewBody(definition);
      if (select === undefined) return { reason: `the definition of view ${name} could not be read` };
      if (scope.depth >= MAX_DEPTH) return { reason: 'views nest too deeply' };
      const inner = normalizeText(select, { ...scope, ctes: new Map(), depth: scope.depth + 1, view: name });
      if ('reason' in inner) return { reason: `view ${name}: ${inner.reason}` };
      scope.views.add(name);
      body = inner.text;
    }
    const aliased =
      isKeyword(next, 'AS') ||
      (next?.kind === 'word' && !NOT_ALIAS.has(next.text.toUpperCase())) ||
      next?.kind === 'quoted';
    edits.push({ start: t.start, end: t.end, text: `(${body})${aliased ? '' : ` AS ${ident(name)}`}` });
  }
  let out = text;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Expands `*` and `t.*` in the select list of each depth-0 SELECT (each UNION branch). */
function expandStars(text: string, catalog: PlanningCatalog): string | { reason: string } {
  const tokens = significant(tokenize(text));
  const top: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === ')') depth--;
    if (depth === 0) top.push(t);
    if (t.text === '(') depth++;
  }
  const stars: { start: number; end: number; branch: number; qualifier?: string }[] = [];
  let branch = -1;
  let inList = false;
  for (let i = 0; i < top.length; i++) {
    const t = top[i] as Token;
    if (isKeyword(t, 'SELECT')) {
      branch++;
      inList = true;
    } else if (isKeyword(t, 'FROM')) inList = false;
    if (!inList || t.text !== '*') continue;
    const before = top[i - 1];
    const after = top[i + 1];
    const ends = (u: Token | undefined) => !u || u.text === ',' || isKeyword(u, 'FROM');
    if (!ends(after)) continue;
    if (before?.text === '.' && (top[i - 2]?.kind === 'word' || top[i - 2]?.kind === 'quoted')) {
      const q = top[i - 2] as Token;
      if (top[i - 3]?.text === '.') return { reason: 'a schema-qualified .* is refreshed in full' };
      stars.push({ start: q.start, end: t.end, branch, qualifier: identifierName(q) });
    } else if (
      before?.text === ',' ||
      isKeyword(before, 'SELECT') ||
      isKeyword(before, 'DISTINCT') ||
      isKeyword(before, 'ALL')
    )
      stars.push({ start: t.start, end: t.end, branch });
  }
  if (stars.length === 0) return text;
  const ast = parse(text);
  const root = (Array.isArray(ast) ? ast[0] : ast) as Node | undefined;
  if (!root) return { reason: 'the query could not be analysed to expand SELECT *' };
  const selects: Node[] = [];
  for (let n: Node | undefined = root; n; n = n._next as Node | undefined) selects.push(n);
  if (selects.length !== branch + 1) return { reason: 'the query could not be analysed to expand SELECT *' };
  let out = text;
  for (const s of stars.reverse()) {
    const columns = starColumns(selects[s.branch] as Node, s.qualifier, catalog.columnsOf);
    if (!Array.isArray(columns)) return columns;
    out =
      out.slice(0, s.start) +
      columns.map((c) => `${ident(c.from)}.${ident(c.name)}`).join(', ') +
      out.slice(s.end);
  }
  return out;
}

/** `SELECT * FROM (body) [AS] x` and nothing more: the body. */
function unwrap(text: string): string {
  const tokens = significant(tokenize(text));
  if (!isKeyword(tokens[0], 'SELECT') || tokens[1]?.text !== '*' || !isKeyword(tokens[2], 'FROM'))
    return text;
  if (tokens[3]?.text !== '(') return text;
  const end = closing(tokens, 3);
  let rest = tokens.slice(end + 1);
  if (isKeyword(rest[0], 'AS')) rest = rest.slice(1);
  if (rest.length !== 1 || (rest[0]?.kind !== 'word' && rest[0]?.kind !== 'quoted')) return text;
  return text.slice((tokens[4] as Token).start, (tokens[end] as Token).start).trim();
}

function normalizeText(text: string, scope: Scope): { text: string } | { reason: string } {
  const split = splitWith(text, scope);
  if ('reason' in split) return split;
  const substituted = substitute(split.main, scope, split.ctes);
  if (typeof substituted !== 'string') return substituted;
  const expanded = expandStars(unwrap(substituted), scope.catalog);
  return typeof expanded === 'string' ? { text: unwrap(expanded) } : expanded;
}

/**
 * The query the planner reads for `query`: the same text and tree when nothing needs rewriting, else the
 * rewritten text and its tree, with the views it inlined.
 */
export function normalizeQuery(query: string, ast: unknown, catalog: PlanningCatalog): Normalized {
  const views = new Set<string>();
  const out = normalizeText(query.trim().replace(/;\s*$/, ''), { ctes: new Map(), catalog, views, depth: 0 });
  if ('reason' in out) return out;
  if (out.text === query.trim().replace(/;\s*$/, '')) return { text: query, ast, views: [] };
  const tree = parse(out.text);
  if (!tree) return { reason: 'the query, with its CTEs, views and * written out, could not be analysed' };
  return { text: out.text, ast: tree, views: [...views] };
}

/**
 * Why a planning text cannot be maintained from captured changes: it reads a relation that is not a captured
 * source (a view left in it, whose definition was not given). Undefined when every relation is one.
 */
export function plannedReadsUntracked(
  text: string,
  sources: readonly { name: string; kind: string }[],
): string | undefined {
  const captured = new Set(sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name));
  const other = analyzeQuery(text, () => false).sources.filter((n) => !captured.has(n));
  return other.length > 0
    ? `it reads ${other.join(', ')}, whose changes are not captured (a view that could not be written out, or a materialized view)`
    : undefined;
}
