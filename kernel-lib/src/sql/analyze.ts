/**
 * What the engine needs to know about a defining query without running it: which relations it reads.
 * node-sql-parser does the parsing. When it cannot parse a query (it does not know every dialect corner),
 * the query still runs: the sources are then every identifier that names an existing relation (a safe
 * superset), and the reason is kept so refresh-mode decisions can say why they fell back.
 */
import nodeSqlParser from 'node-sql-parser/build/postgresql.js';
import { flattenForParser } from './flatten.js';
import { isKeyword, significant, type Token, tokenize } from './lexer.js';
import { mentionsQualify, qualifyClause } from './qualify.js';
import { type RelationWalk, walkRelations } from './relations.js';

const parser = new nodeSqlParser.Parser();

export interface QueryAnalysis {
  /** Relation names the query reads (lower case unless quoted), without CTE names. */
  sources: string[];
  /** The parse tree, when node-sql-parser could parse the query. */
  ast?: unknown;
  /** Why the query could not be parsed, when it could not. */
  parseError?: string;
  /** What the walk over the parse tree found (sql/relations.ts), when the query could be parsed. */
  walk?: RelationWalk;
}

function cteNames(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) cteNames(n, into);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (Array.isArray(obj.with)) {
    for (const w of obj.with as { name?: { value?: string } | string }[]) {
      const name = typeof w.name === 'string' ? w.name : w.name?.value;
      if (name) into.add(name.toLowerCase());
    }
  }
  for (const v of Object.values(obj)) cteNames(v, into);
}

/**
 * The SQL parser's complaint, with where in the query (line:column) and what stood there: "line 1, column 62
 * (at `FROM b.k`): IS [NOT] DISTINCT FROM is not read by the planner's parser" — not its list of the tokens
 * it expected. Without a position, its message as it is.
 */
function parserMessage(e: unknown, query: string): string {
  const raw = (e instanceof Error ? e.message : String(e)).split('\n')[0] as string;
  const start = (e as { location?: { start?: { offset?: number; line?: number; column?: number } } }).location
    ?.start;
  if (start?.line === undefined || start.column === undefined) return raw;
  const near =
    query
      .slice(start.offset ?? 0)
      .split('\n')[0]
      ?.slice(0, 24)
      .trim() ?? '';
  const at = `line ${start.line}, column ${start.column}${near ? ` (at \`${near}\`)` : ''}`;
  // Named only where the parser stopped inside the phrase (it stops at its DISTINCT or FROM).
  const offset = start.offset ?? -1;
  const distinct = [...query.matchAll(/\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b/gi)].some(
    (m) => (m.index ?? -1) <= offset && offset < (m.index ?? -1) + m[0].length,
  );
  return `${at}: ${distinct ? 'IS [NOT] DISTINCT FROM is' : 'this is'} not read by the planner's parser`;
}

/**
 * Parses of recent queries: every refresh of a DT analyses its query again, and parsing costs ~5 ms while
 * the text rarely changes. The trees are only read, never changed.
 */
const parsed = new Map<string, QueryAnalysis>();
const PARSED_MAX = 256;

/** `relationExists` is only consulted when the parser fails. */
export function analyzeQuery(query: string, relationExists: (name: string) => boolean): QueryAnalysis {
  const hit = parsed.get(query);
  if (hit) return hit;
  try {
    const analysis = parse(query);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(query, analysis);
    return analysis;
  } catch (e) {
    const message = parserMessage(e, query);
    // node-sql-parser knows no QUALIFY: only the outermost SELECT's is read (see parse below).
    const parseError =
      mentionsQualify(query) && !qualifyClause(query)
        ? `QUALIFY is read only in the outermost SELECT, not in a subquery, a CTE or a UNION branch (${message})`
        : message;
    const sources = new Set<string>();
    const tokens = significant(tokenize(query));
    tokens.forEach((t, i) => {
      const prev = tokens[i - 1];
      if (prev?.kind === 'op' && prev.text === '.') return;
      const name =
        t.kind === 'word' ? t.text.toLowerCase() : t.kind === 'quoted' ? t.text.slice(1, -1) : undefined;
      if (name && relationExists(name)) sources.add(name);
    });
    return { sources: [...sources].sort(), parseError: parseError.slice(0, 200) };
  }
}

/**
 * The SQL-standard `SUBSTRING(x FROM a FOR b)` (TPC-H Q22), which node-sql-parser does not know, as
 * `SUBSTRING(x ,    a ,   b)`, FLATTEN's named arguments by position (sql/flatten.ts), and an interval cast's
 * fields: the same length, so every offset in the text still holds; and FLATTEN after a `JOIN … ON`
 * condition's comma, as `CROSS JOIN`.
 */
export function forParser(query: string): string {
  const tokens = tokenize(query);
  let out = query;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'word' || t.text.toLowerCase() !== 'substring') continue;
    const open = significant(tokens.slice(i + 1))[0];
    if (open?.text !== '(') continue;
    let depth = 0;
    for (let j = tokens.indexOf(open); j < tokens.length; j++) {
      const u = tokens[j] as Token;
      if (u.text === '(') depth++;
      else if (u.text === ')' && --depth === 0) break;
      else if (depth === 1 && (isKeyword(u, 'FROM') || isKeyword(u, 'FOR')))
        out = out.slice(0, u.start) + ','.padEnd(u.text.length) + out.slice(u.end);
    }
  }
  return joinedFromItems(flattenForParser(intervalFields(windowedBy(out))));
}

/**
 * The window form `MIN_BY(x, y) OVER (…)` (translated by sql/translate.ts), which node-sql-parser does not
 * know, read as `MIN   (x + y) OVER (…)`: a window aggregate reading the same columns, the same length.
 */
function windowedBy(query: string): string {
  if (!/_by\s*\(/i.test(query)) return query;
  const tokens = significant(tokenize(query));
  let out = query;
  tokens.forEach((t, i) => {
    const name = t.kind === 'word' ? t.text.toLowerCase() : '';
    if ((name !== 'min_by' && name !== 'max_by') || tokens[i - 1]?.text === '.') return;
    if (tokens[i + 1]?.text !== '(') return;
    const commas: Token[] = [];
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      const u = tokens[j] as Token;
      if (u.text === '(') depth++;
      else if (u.text === ')' && --depth === 0) break;
      else if (depth === 1 && u.text === ',') commas.push(u);
    }
    if (!isKeyword(tokens[j + 1], 'OVER') || commas.length !== 1) return;
    const comma = commas[0] as Token;
    out = `${out.slice(0, comma.start)}+${out.slice(comma.end)}`;
    out = `${out.slice(0, t.start)}${name.slice(0, 3).padEnd(6)}${out.slice(t.end)}`;
  });
  return out;
}

/**
 * A FROM item after a comma that ends a `JOIN … ON` / `USING` condition (`JOIN u ON u.k = t.k, v`, `…, LATERAL
 * FLATTEN(…) f`), which node-sql-parser reads as part of the condition (and so misses `v`), written `CROSS
 * JOIN` instead: the same join (the comma's left side is the whole join before it). A comma followed by
 * anything but the start of a FROM item (a name, a parenthesis, LATERAL) is left alone. Only the parser reads
 * this text; the text grows, and nothing reads offsets from the tree.
 */
function joinedFromItems(query: string): string {
  const tokens = significant(tokenize(query));
  const commas: Token[] = [];
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (t.text !== ',' || !next || !(next.kind === 'word' || next.kind === 'quoted' || next.text === '('))
      return;
    // The nearest clause keyword before the comma, at its depth.
    let depth = 0;
    for (let j = i - 1; j >= 0; j--) {
      const u = tokens[j] as Token;
      if (CLOSE.has(u.text)) depth++;
      else if (OPEN.has(u.text) && --depth < 0) return;
      else if (depth === 0 && u.kind === 'word' && CLAUSE_WORDS.has(u.text.toUpperCase())) {
        if (u.text.toUpperCase() === 'ON' || u.text.toUpperCase() === 'USING') commas.push(t);
        return;
      }
    }
  });
  let out = query;
  for (const c of commas.reverse()) out = `${out.slice(0, c.start)} CROSS JOIN${out.slice(c.end)}`;
  return out;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

const CLAUSE_WORDS = new Set([
  'SELECT',
  'FROM',
  'JOIN',
  'ON',
  'USING',
  'WHERE',
  'GROUP',
  'HAVING',
  'WINDOW',
  'QUALIFY',
  'ORDER',
  'LIMIT',
]);

const INTERVAL_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second', 'to']);

/**
 * PostgreSQL's interval casts with fields (`'3 mons'::interval month`, as `pg_get_viewdef` prints a view's
 * `interval '3' month`), which node-sql-parser does not know, read as `::interval` (the fields blanked; the
 * text that runs keeps them).
 */
function intervalFields(query: string): string {
  const tokens = significant(tokenize(query));
  let out = query;
  tokens.forEach((t, i) => {
    if (!isKeyword(t, 'INTERVAL') || tokens[i - 1]?.text !== '::') return;
    for (
      let j = i + 1;
      tokens[j]?.kind === 'word' && INTERVAL_FIELDS.has(tokens[j]?.text.toLowerCase() ?? '');
      j++
    ) {
      const u = tokens[j] as Token;
      out = out.slice(0, u.start) + ' '.repeat(u.end - u.start) + out.slice(u.end);
    }
  });
  return out;
}

/**
 * The outermost SELECT's QUALIFY, which node-sql-parser does not know, is blanked out (offsets hold) and its
 * condition parsed on its own: the tree's root then carries it as `qualify` (an expression), where every walk
 * over the tree (relations, functions, columns) sees it.
 */
function parse(query: string): QueryAnalysis {
  let text = forParser(query);
  const qualify = qualifyClause(text);
  let condition: unknown;
  if (qualify) {
    const cond = parser.astify(`SELECT ${text.slice(qualify.condStart, qualify.condEnd)}`, {
      database: 'PostgresQL',
    }) as unknown as { columns?: { expr: unknown }[] } | { columns?: { expr: unknown }[] }[];
    const select = Array.isArray(cond) ? cond[0] : cond;
    if (select?.columns?.length !== 1) throw new Error('the QUALIFY condition could not be parsed');
    condition = select.columns[0]?.expr;
    text = text.slice(0, qualify.start) + ' '.repeat(qualify.end - qualify.start) + text.slice(qualify.end);
  }
  const ast = parser.astify(text, { database: 'PostgresQL' });
  if (qualify) {
    const root = (Array.isArray(ast) ? ast[0] : ast) as unknown as Record<string, unknown> | undefined;
    if (root?.type !== 'select') throw new Error('QUALIFY outside a SELECT');
    root.qualify = condition;
  }
  const list = parser.tableList(text, { database: 'PostgresQL' });
  const ctes = new Set<string>();
  cteNames(ast, ctes);
  // The scoped walk is the source of truth; node-sql-parser's own list (minus every CTE name) is added in
  // case it knows a shape the walk does not.
  const walk = walkRelations(ast);
  const sources = new Set<string>(walk.names);
  for (const entry of list) {
    const table = entry.split('::')[2];
    if (table && !ctes.has(table.toLowerCase())) sources.add(table.toLowerCase());
  }
  return { sources: [...sources].sort(), ast, walk };
}

/** The first place `name` appears as an identifier in `query` (for error positions). */
export function findIdentifier(query: string, name: string): number | undefined {
  for (const t of tokenize(query)) {
    if (t.kind === 'word' && t.text.toLowerCase() === name) return t.start;
    if (t.kind === 'quoted' && t.text.slice(1, -1) === name) return t.start;
  }
  return undefined;
}
