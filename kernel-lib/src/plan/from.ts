/**
 * The FROM clause of a defining query, as incremental planning needs it: every base-table reference whose
 * rows flow into the result row by row — those of the outer FROM and of select-project-join subqueries in
 * FROM (TPC-H Q7–Q9's `FROM (SELECT … FROM a, b WHERE …) AS x`) — with where its name sits in the text, so a
 * plan can substitute change rows for it by editing the user's own text. Pure; tokens in, references out.
 */
import { identifierName, isKeyword, type Token } from '../sql/lexer.js';
import { flattenItem, type LateralRef } from './flatten.js';

export interface TableRef {
  name: string;
  /** The name token's span in the query text. */
  start: number;
  end: number;
  alias?: string;
  /** How it joins the tables before it (within its own FROM clause). */
  join: 'first' | 'inner' | 'left' | 'right' | 'full' | 'cross';
  /** Span of the LEFT [OUTER] JOIN keywords (to make the join inner when this side is the change). */
  joinSpan?: [number, number];
  /** The SELECT whose FROM names it: 0 the query itself, k the k-th subquery in FROM (depth first). */
  scope: number;
}

/**
 * What a FROM clause holds: table references, the SELECT levels of its subqueries (depth first), and its
 * FLATTEN items (plan/flatten.ts).
 */
export interface FromContents {
  tables: TableRef[];
  levels: SelectLevel[];
  laterals: LateralRef[];
}

/** Keywords that end a clause of a SELECT at its own depth. */
export const CLAUSE_END = [
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
const JOIN_WORDS = ['JOIN', 'INNER', 'LEFT', 'CROSS', 'RIGHT', 'FULL', 'NATURAL'];
const NOT_ALIAS = new Set([...JOIN_WORDS, 'ON', 'USING', 'WHERE', ...CLAUSE_END]);

/** Tokens at one nesting level: depth-0 tokens plus the outermost parentheses (so spans cover calls). */
export function depthZero(tokens: Token[]): Token[] {
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

/** One SELECT at its own level: its depth-0 tokens and where its clauses start. */
export interface SelectLevel {
  top: Token[];
  fromAt: number;
  whereAt: number;
  /** Index in `top` where the FROM clause ends (WHERE, a clause keyword, or the end). */
  fromEnd: number;
  /** Index where the WHERE clause ends. */
  whereEnd: number;
}

export function selectLevel(tokens: Token[]): SelectLevel {
  const top = depthZero(tokens);
  const at = (kw: string) => top.findIndex((t) => isKeyword(t, kw));
  const clauseEnd = (from: number) => {
    const i = top.findIndex((t, k) => k > from && CLAUSE_END.some((kw) => isKeyword(t, kw)));
    return i < 0 ? top.length : i;
  };
  const fromAt = at('FROM');
  const whereAt = at('WHERE');
  const fromEnd = whereAt > 0 ? whereAt : clauseEnd(fromAt);
  return { top, fromAt, whereAt, fromEnd, whereEnd: clauseEnd(whereAt < 0 ? fromAt : whereAt) };
}

/** The tokens strictly inside the parenthesis pair opened by `open` and closed by `close`. */
const inside = (tokens: Token[], open: Token, close: Token) =>
  tokens.filter((t) => t.start > open.start && t.end <= close.start);

/**
 * Appends the table references of the FROM clause `level.top[fromAt+1 … fromEnd)` to `out`. `all` are the
 * significant tokens of the whole query (to look inside subqueries). Returns why the clause cannot be
 * maintained, if it cannot.
 */
export function fromTables(
  all: Token[],
  level: SelectLevel,
  into: FromContents,
  scope = 0,
): string | undefined {
  const out = into.tables;
  const { top, fromAt, fromEnd } = level;
  let join: TableRef['join'] = 'first';
  let joinSpan: [number, number] | undefined;
  let count = 0;
  for (let i = fromAt + 1; i < fromEnd; i++) {
    const t = top[i] as Token;
    if (t.kind === 'op' && t.text === ',') {
      join = 'cross';
      continue;
    }
    if (isKeyword(t, 'NATURAL')) return 'NATURAL joins are refreshed in full in this version';
    if (isKeyword(t, 'RIGHT') || isKeyword(t, 'FULL')) {
      // Maintained by following join keys (plan/outer.ts); the join keyword comes next.
      join = isKeyword(t, 'RIGHT') ? 'right' : 'full';
      i = isKeyword(top[i + 1], 'OUTER') ? i + 2 : i + 1;
      continue;
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
      if (join === 'first' || join === 'inner') join = 'inner';
      if (isKeyword(t, 'INNER')) i++;
      continue;
    }
    if (isKeyword(t, 'ON') || isKeyword(t, 'USING')) {
      // Skip the join condition: up to the next join keyword or comma.
      while (i + 1 < fromEnd && !JOIN_WORDS.some((k) => isKeyword(top[i + 1], k))) {
        if ((top[i + 1] as Token).kind === 'op' && (top[i + 1] as Token).text === ',') break;
        i++;
      }
      continue;
    }
    const thisJoin = count === 0 ? 'first' : join;
    const flat = flattenItem(all, top, i);
    if (flat !== undefined) {
      // A lateral expansion of the rows before it (plan/flatten.ts), not a table.
      // After a comma or CROSS JOIN (the same join: every row with each of its expansions).
      if (count === 0 || thisJoin !== 'cross')
        return 'FLATTEN is maintained after a comma or CROSS JOIN, following the table it flattens (FROM t, LATERAL FLATTEN(…) f)';
      i = flat;
      let next = top[i + 1];
      if (isKeyword(next, 'AS')) next = top[++i + 1];
      const alias =
        next && (next.kind === 'word' || next.kind === 'quoted') && !NOT_ALIAS.has(next.text.toUpperCase())
          ? next.text
          : undefined;
      into.laterals.push({ ...(alias ? { alias } : {}), start: t.start, scope });
      if (alias) i++;
      if (top[i + 1]?.text === '(') return 'a column list on FLATTEN is refreshed in full in this version';
    } else if (t.kind === 'op' && t.text === '(') {
      // A subquery in FROM: maintained when it only selects, projects and joins (no grouping).
      const close = top[i + 1] as Token;
      if (thisJoin === 'left' || thisJoin === 'right' || thisJoin === 'full')
        return `a ${thisJoin.toUpperCase()} JOIN to a subquery is refreshed in full in this version`;
      const reason = derivedTables(all, inside(all, t, close), into);
      if (reason) return reason;
      i++;
      let next = top[i + 1];
      if (isKeyword(next, 'AS')) next = top[++i + 1];
      if (!next || (next.kind !== 'word' && next.kind !== 'quoted') || NOT_ALIAS.has(next.text.toUpperCase()))
        return 'a subquery in FROM needs an alias';
      i++;
      if ((top[i + 1] as Token | undefined)?.text === '(')
        return 'a column list on a subquery in FROM is refreshed in full in this version';
    } else {
      if (t.kind !== 'word' && t.kind !== 'quoted') return 'the FROM clause could not be analysed';
      if ((top[i + 1] as Token | undefined)?.text === '.')
        return 'schema-qualified tables are refreshed in full';
      const ref: TableRef = { name: identifierName(t), start: t.start, end: t.end, join: thisJoin, scope };
      if (ref.join === 'left' && joinSpan) ref.joinSpan = joinSpan;
      let next = top[i + 1];
      if (isKeyword(next, 'AS')) next = top[++i + 1];
      if (
        next &&
        (next.kind === 'word' || next.kind === 'quoted') &&
        !NOT_ALIAS.has(next.text.toUpperCase())
      ) {
        ref.alias = next.text;
        i++;
      }
      out.push(ref);
    }
    count++;
    join = 'inner';
    joinSpan = undefined;
  }
  return undefined;
}

/** The references of a select-project-join subquery in FROM, or why it is not one. */
function derivedTables(all: Token[], tokens: Token[], into: FromContents): string | undefined {
  const level = selectLevel(tokens);
  const { top } = level;
  if (!isKeyword(top[0], 'SELECT') || level.fromAt < 0)
    return 'a parenthesised join or a subquery without FROM is refreshed in full in this version';
  const grouping = top.find((t) =>
    [
      'GROUP',
      'HAVING',
      'DISTINCT',
      'LIMIT',
      'OFFSET',
      'FETCH',
      'UNION',
      'EXCEPT',
      'INTERSECT',
      'WINDOW',
    ].some((kw) => isKeyword(t, kw)),
  );
  if (grouping)
    return `a subquery in FROM with ${grouping.text.toUpperCase()} is refreshed in full in this version`;
  into.levels.push(level);
  const scope = into.levels.length;
  const reason = fromTables(all, level, into, scope);
  if (reason) return reason;
  const outer = into.tables.find((r) => r.scope === scope && ['left', 'right', 'full'].includes(r.join));
  if (outer)
    return `a ${outer.join.toUpperCase()} JOIN inside a subquery in FROM is refreshed in full in this version`;
  return undefined;
}

/**
 * Whether a bare name may be a column of the FROM clause: a column of one of its tables (or of a table whose
 * columns are unknown), or a word of the FROM clause's text (a subquery's result column).
 */
export function namesInputColumn(
  name: string,
  tables: TableRef[],
  from: Token[],
  columnsOf?: (table: string) => readonly string[] | undefined,
): boolean {
  const bare = name.replace(/^"|"$/g, '').toLowerCase();
  if (!/^[\w$]+$/.test(bare)) return false;
  if (from.some((t) => t.text.replace(/^"|"$/g, '').toLowerCase() === bare)) return true;
  if (!columnsOf) return false;
  return tables.some((t) => {
    const cols = columnsOf(t.name);
    return cols === undefined || cols.some((c) => c.toLowerCase() === bare);
  });
}
