/**
 * The shape of a defining query, as incremental planning needs it: its result columns, which of them
 * identify a row group (the "keys"), the tables of its FROM clause with where their names sit in the text,
 * and its WHERE clause. Pure: node-sql-parser's tree decides what the query *is*; the tokens say where
 * things are, so plans are built by editing the user's own text (no re-printing of a parse tree).
 *
 * Anything this cannot describe exactly is reported as a reason, and the DT refreshes in full.
 */
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';

export interface TableRef {
  name: string;
  /** The name token's span in the query text. */
  start: number;
  end: number;
  alias?: string;
  /** How it joins the tables before it. */
  join: 'first' | 'inner' | 'left' | 'cross';
  /** Span of the LEFT [OUTER] JOIN keywords (to make the join inner when this side is the change). */
  joinSpan?: [number, number];
}

export interface QueryShape {
  /** Expression text of each result column. */
  items: string[];
  /** Result positions (0-based) that identify a group: GROUP BY keys, or every column without GROUP BY. */
  keys: number[];
  tables: TableRef[];
  /** Where the WHERE condition sits ([start, end) in the text), or where a WHERE clause would go. */
  where: { start: number; end: number } | { insertAt: number };
  /** Reads CURRENT_DATE (allowed while the date does not move). */
  readsCurrentDate: boolean;
}

const CLAUSE_END = [
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'FETCH',
  'WINDOW',
  'QUALIFY',
  'UNION',
  'EXCEPT',
  'INTERSECT',
];
const NOT_ALIAS = new Set([
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'NATURAL',
  'ON',
  'USING',
  'WHERE',
  ...CLAUSE_END,
]);
const VOLATILE =
  /\b(current_timestamp|localtimestamp|now|sysdate|getdate|systimestamp|current_time|random|uuid|gen_random_uuid|setseed)\b/i;

type Node = Record<string, unknown>;

function walk(node: unknown, visit: (n: Node, key: string) => void, key = ''): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit, key);
  else if (node !== null && typeof node === 'object') {
    visit(node as Node, key);
    for (const [k, v] of Object.entries(node as Node)) walk(v, visit, k);
  }
}

/** Tokens of the outer query: depth-0 tokens plus the outermost parentheses (so spans cover calls). */
function depthZero(tokens: Token[]): Token[] {
  let depth = 0;
  const out: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === '(') {
      if (depth === 0) out.push(t);
      depth++;
    } else if (t.kind === 'op' && t.text === ')') {
      depth--;
      if (depth === 0) out.push(t);
    } else if (depth === 0) out.push(t);
  }
  return out;
}

/** Splits the depth-0 range between tokens a and b (exclusive) at commas: [start, end) text spans. */
function splitAtCommas(top: Token[], from: number, to: number, textEnd: number): [number, number][] {
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

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

export function describeQuery(query: string, ast: unknown): QueryShape | { reason: string } {
  const root = (Array.isArray(ast) ? ast[0] : ast) as Node | undefined;
  if (!root || root.type !== 'select') return { reason: 'only SELECT queries are maintained incrementally' };
  if (root.with) return { reason: 'WITH (common table expressions) is refreshed in full in this version' };
  if (root._next || root.set_op)
    return { reason: 'UNION / EXCEPT / INTERSECT is refreshed in full in this version' };
  if ((root.limit as { value?: unknown[] } | null)?.value?.length)
    return { reason: 'LIMIT needs the whole result' };
  if (VOLATILE.test(query.replace(/'[^']*'/g, ''))) {
    return { reason: 'the query reads the clock or random values, which change at every refresh' };
  }
  let window = false;
  let subquery = false;
  walk(root.columns, (n) => {
    if (n.over) window = true;
  });
  walk(root, (n, key) => {
    if (n !== root && (n.type === 'select' || key === 'ast' || Array.isArray(n.tableList))) subquery = true;
  });
  if (window) return { reason: 'window functions are refreshed in full in this version' };
  if (subquery) return { reason: 'subqueries are refreshed in full in this version' };

  const tokens = significant(tokenize(query));
  const top = depthZero(tokens);
  const at = (kw: string, from = 0) => top.findIndex((t, i) => i >= from && isKeyword(t, kw));
  const selectAt = at('SELECT');
  const fromAt = at('FROM');
  if (selectAt !== 0 || fromAt < 0) return { reason: 'the query has no FROM clause' };
  const clauseEnd = (from: number) => {
    const i = top.findIndex((t, k) => k > from && CLAUSE_END.some((kw) => isKeyword(t, kw)));
    return i < 0 ? top.length : i;
  };
  const whereAt = at('WHERE');
  const groupAt = top.findIndex((t, i) => isKeyword(t, 'GROUP') && isKeyword(top[i + 1], 'BY'));

  // SELECT list.
  let first = 1;
  if (isKeyword(top[1], 'DISTINCT') || isKeyword(top[1], 'ALL')) first = 2;
  if (isKeyword(top[1], 'DISTINCT') && isKeyword(top[2], 'ON'))
    return { reason: 'DISTINCT ON is refreshed in full' };
  const columns = root.columns as { expr: Node; as: string | null }[];
  const itemSpans = splitAtCommas(top, first, fromAt, query.length);
  if (itemSpans.length !== columns.length) return { reason: 'the select list could not be analysed' };
  const items: string[] = [];
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

  // FROM clause: table references and join kinds.
  const fromEnd = whereAt > 0 ? whereAt : clauseEnd(fromAt);
  const tables: TableRef[] = [];
  let join: TableRef['join'] = 'first';
  let joinSpan: [number, number] | undefined;
  for (let i = fromAt + 1; i < fromEnd; i++) {
    const t = top[i] as Token;
    if (t.kind === 'op' && t.text === '(')
      return { reason: 'subqueries in FROM are refreshed in full in this version' };
    if (t.kind === 'op' && t.text === ',') {
      join = 'cross';
      continue;
    }
    if (isKeyword(t, 'RIGHT') || isKeyword(t, 'FULL') || isKeyword(t, 'NATURAL')) {
      return { reason: `${t.text.toUpperCase()} joins are refreshed in full in this version` };
    }
    if (isKeyword(t, 'LEFT')) {
      const j = isKeyword(top[i + 1], 'OUTER') ? i + 2 : i + 1;
      join = 'left';
      joinSpan = [t.start, (top[j] as Token).end];
      i = j;
      continue;
    }
    if (isKeyword(t, 'CROSS')) {
      join = 'cross';
      i++;
      continue;
    }
    if (isKeyword(t, 'INNER') || isKeyword(t, 'JOIN')) {
      if (join !== 'left' && join !== 'cross') join = 'inner';
      if (isKeyword(t, 'INNER')) i++;
      continue;
    }
    if (isKeyword(t, 'ON') || isKeyword(t, 'USING')) {
      // Skip the join condition: up to the next join keyword or comma.
      while (
        i + 1 < fromEnd &&
        !['JOIN', 'INNER', 'LEFT', 'CROSS', 'RIGHT', 'FULL', 'NATURAL'].some((k) => isKeyword(top[i + 1], k))
      ) {
        if ((top[i + 1] as Token).kind === 'op' && (top[i + 1] as Token).text === ',') break;
        i++;
      }
      continue;
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') return { reason: 'the FROM clause could not be analysed' };
    if ((top[i + 1] as Token | undefined)?.text === '.')
      return { reason: 'schema-qualified tables are refreshed in full' };
    const name = t.kind === 'quoted' ? t.text.slice(1, -1) : t.text.toLowerCase();
    const ref: TableRef = { name, start: t.start, end: t.end, join: tables.length === 0 ? 'first' : join };
    if (ref.join === 'left' && joinSpan) ref.joinSpan = joinSpan;
    let next = top[i + 1];
    if (isKeyword(next, 'AS')) {
      i++;
      next = top[i + 1];
    }
    if (next && (next.kind === 'word' || next.kind === 'quoted') && !NOT_ALIAS.has(next.text.toUpperCase())) {
      ref.alias = next.text;
      i++;
    }
    tables.push(ref);
    join = 'inner';
    joinSpan = undefined;
  }
  const astTables = (root.from as { table?: string }[]).map((f) => f.table?.toLowerCase());
  if (astTables.join() !== tables.map((t) => t.name.toLowerCase()).join()) {
    return { reason: 'the FROM clause could not be analysed' };
  }

  // Keys: the GROUP BY expressions (as result columns), or every column.
  const aggregated = columns.some((c) => JSON.stringify(c.expr).includes('"aggr_func"'));
  let keys: number[];
  if (groupAt >= 0) {
    const spans = splitAtCommas(top, groupAt + 2, clauseEnd(groupAt + 1), query.length);
    keys = [];
    for (const [s, e] of spans) {
      const g = query.slice(s, e).trim();
      let k = items.findIndex((it) => norm(it) === norm(g));
      if (k < 0 && /^\d+$/.test(g)) k = Number(g) - 1;
      if (k < 0) k = columns.findIndex((c) => c.as !== null && norm(c.as) === norm(g));
      if (k < 0 || k >= items.length) return { reason: `the group key ${g} is not a column of the result` };
      if (!keys.includes(k)) keys.push(k);
    }
  } else if (aggregated) {
    return { reason: 'an aggregate over the whole table is recomputed in full' };
  } else {
    keys = items.map((_, k) => k);
  }

  const whereEnd = clauseEnd(whereAt < 0 ? fromAt : whereAt);
  const where =
    whereAt > 0
      ? { start: (top[whereAt + 1] as Token).start, end: (top[whereEnd - 1] as Token).end }
      : { insertAt: (top[fromEnd - 1] as Token).end };
  return { items, keys, tables, where, readsCurrentDate: /\bcurrent_date\b/i.test(query) };
}
