/**
 * Where a query's QUALIFY clause sits, for the parts of DT Lab that read queries: node-sql-parser does not
 * know QUALIFY, so sql/analyze.ts parses the query without its clause and the condition on its own, and the
 * planner (plan/qualify.ts) edits the condition's text. Only the QUALIFY of the outermost SELECT is found
 * (not one in a subquery, a CTE or a UNION branch: those queries are not planned). Pure.
 */
import { isKeyword, significant, type Token, tokenize } from './lexer.js';

export interface QualifyClause {
  /** The QUALIFY keyword's start, and the end of its condition. */
  start: number;
  end: number;
  /** The condition's text span. */
  condStart: number;
  condEnd: number;
}

/** Clause keywords that end a QUALIFY condition at its own depth. */
const AFTER = ['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'WINDOW'];
const SET_OPS = ['UNION', 'EXCEPT', 'INTERSECT', 'MINUS'];

/** Significant tokens at depth 0 (parentheses and what they hold left out). */
function topLevel(query: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (const t of significant(tokenize(query))) {
    if (t.kind === 'op' && t.text === '(') depth++;
    else if (t.kind === 'op' && t.text === ')') depth--;
    else if (depth === 0) out.push(t);
  }
  return out;
}

/**
 * The outermost SELECT's QUALIFY clause, or undefined when the query has none there, or when it is a set
 * operation (the clause would belong to one branch).
 */
export function qualifyClause(query: string): QualifyClause | undefined {
  let top: Token[];
  try {
    top = topLevel(query);
  } catch {
    return undefined;
  }
  const at = top.findIndex((t) => isKeyword(t, 'QUALIFY'));
  if (at < 0 || top.some((t) => SET_OPS.some((w) => isKeyword(t, w)))) return undefined;
  const next = top.findIndex(
    (t, i) => i > at && (t.kind === 'semicolon' || AFTER.some((w) => isKeyword(t, w))),
  );
  const all = significant(tokenize(query));
  const kw = top[at] as Token;
  const endBefore = next < 0 ? query.length : (top[next] as Token).start;
  const cond = all.filter((t) => t.start > kw.start && t.end <= endBefore);
  const first = cond[0];
  const last = cond[cond.length - 1];
  if (!first || !last) return undefined;
  return { start: kw.start, end: last.end, condStart: first.start, condEnd: last.end };
}

/** Whether the text has a QUALIFY keyword anywhere (to say why a query with one nested was not read). */
export function mentionsQualify(query: string): boolean {
  try {
    return significant(tokenize(query)).some((t) => isKeyword(t, 'QUALIFY'));
  } catch {
    return false;
  }
}
