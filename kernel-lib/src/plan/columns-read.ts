/**
 * Which columns of a changed source a query can read (pure: tokens in, names out). A delta reads a source's
 * change rows consolidated by their columns (plan/delta.ts): consolidating by only the columns the query
 * reads is the same for the query — rows equal on them are indistinguishable to it — and cancels an update
 * of a column it does not read (a status change, for a revenue sum) before any work is done.
 *
 * A column counts as read when its name appears as an identifier anywhere in the query, qualified or not, in
 * any table's scope: a superset, never fewer. When a query can read columns without naming them — a star
 * (`*`, `t.*`), a whole-row reference to a table (`to_json(o)`), DuckDB's `COLUMNS(…)` or `FROM t` without
 * SELECT, a NATURAL join, PIVOT / UNPIVOT, `TABLE t` — every column is read.
 */
import { identifierName, isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import type { TableRef } from './from.js';

/** Keywords after which a `*` is a star, not a multiplication. */
const BEFORE_STAR = new Set(['SELECT', 'DISTINCT', 'ALL', 'ON', 'BY', 'AS', 'FROM', 'THEN', 'ELSE', 'WHEN']);
/** Keywords that read columns by position or by every name. */
const EVERY_COLUMN = new Set(['NATURAL', 'PIVOT', 'UNPIVOT', 'PIVOT_WIDER', 'PIVOT_LONGER', 'TABLE']);

const isOp = (t: Token | undefined, text: string) => t?.kind === 'op' && t.text === text;
const isName = (t: Token) => t.kind === 'word' || t.kind === 'quoted';

/** Whether the `*` at `i` is a star (every column), not a multiplication nor `count(*)`. */
function isStar(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (!prev) return true;
  if (isOp(prev, '(')) return !isKeyword(tokens[i - 2], 'COUNT');
  if (isOp(prev, ',') || isOp(prev, '.')) return true;
  if (prev.kind === 'word') return BEFORE_STAR.has(prev.text.toUpperCase());
  if (isOp(prev, ')')) {
    // `DISTINCT ON (…) *`: the parenthesis closes an ON list.
    let depth = 0;
    for (let j = i - 1; j >= 0; j--) {
      if (isOp(tokens[j], ')')) depth++;
      else if (isOp(tokens[j], '(') && --depth === 0) return isKeyword(tokens[j - 1], 'ON');
    }
    return true;
  }
  // A number, string or quoted name before it: a multiplication; any other operator: a star.
  return prev.kind === 'op';
}

/** Keywords that start a clause of a SELECT; in FROM, names declare tables and aliases. */
const CLAUSES = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'QUALIFY',
  'WINDOW',
  'LIMIT',
  'ON',
  'USING',
]);

/**
 * Whether the query uses a table of `refs` (by its name or alias) as a value: outside FROM (where names
 * declare tables and their aliases), not qualifying a column (`o.x`) nor qualified itself (`t.o`). A table's
 * name in any FROM — a subquery's too — declares it.
 */
function wholeRowUse(tokens: Token[], refs: readonly TableRef[]): boolean {
  const names = new Set(
    refs.flatMap((r) => [r.name, ...(r.alias ? [r.alias] : [])].map((n) => n.toLowerCase())),
  );
  // The clause at each parenthesis depth: a call's arguments are an expression; a parenthesised join is FROM.
  const clause: string[] = ['SELECT'];
  return tokens.some((t, i) => {
    const here = clause.length - 1;
    if (isOp(t, '(')) {
      const call =
        tokens[i - 1] !== undefined &&
        isName(tokens[i - 1] as Token) &&
        !CLAUSES.has(tokens[i - 1]?.text.toUpperCase() ?? '');
      clause.push(!call && clause[here] === 'FROM' && !isKeyword(tokens[i - 1], 'USING') ? 'FROM' : 'EXPR');
    } else if (isOp(t, ')')) clause.pop();
    else if (t.kind === 'word' && CLAUSES.has(t.text.toUpperCase())) clause[here] = t.text.toUpperCase();
    else if (t.kind === 'word' && t.text.toUpperCase().endsWith('JOIN')) clause[here] = 'FROM';
    if (!isName(t) || !names.has(identifierName(t).toLowerCase())) return false;
    return (
      clause[here] !== 'FROM' &&
      !isOp(tokens[i + 1], '.') &&
      !isOp(tokens[i - 1], '.') &&
      !declared(tokens, i)
    );
  });
}

/**
 * Whether the name at `i` (outside FROM) declares rather than uses: a column alias or a type after AS
 * (`COUNT(*) AS orders`, `CAST(x AS orders)`), an alias written without AS after a value (`COUNT(*) orders`),
 * a CTE's or a window's name before `AS (`.
 */
function declared(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  if (isKeyword(prev, 'AS')) return true;
  if (isKeyword(next, 'AS') && isOp(tokens[i + 2], '(')) return true;
  // After a value with no operator between, a name is an alias — unless a call or a qualified name follows.
  const afterValue = isOp(prev, ')') || prev?.kind === 'number' || prev?.kind === 'string';
  return afterValue && !isOp(next, '(') && !isOp(next, '.');
}

/**
 * Per changed source, the columns of `changed` (all of the source's) that `query` can read through its
 * references `tables`; every column where it may read them without naming them.
 */
export function columnsRead(
  query: string,
  tables: readonly TableRef[],
  changed: ReadonlyMap<string, string[]>,
): Map<string, string[]> {
  const tokens = significant(tokenize(query));
  const everything =
    tokens.some((t, i) => isOp(t, '*') && isStar(tokens, i)) ||
    tokens.some((t, i) => isKeyword(t, 'COLUMNS') && isOp(tokens[i + 1], '(')) ||
    tokens.some((t) => t.kind === 'word' && EVERY_COLUMN.has(t.text.toUpperCase())) ||
    // DuckDB's `FROM t` alone (a query or subquery without SELECT) reads every column.
    tokens.some((t, i) => isKeyword(t, 'FROM') && (i === 0 || isOp(tokens[i - 1], '(')));
  if (everything) return new Map(changed);
  const named = new Set(tokens.filter(isName).map((t) => identifierName(t).toLowerCase()));
  const read = new Map<string, string[]>();
  for (const [source, columns] of changed) {
    const refs = tables.filter((r) => r.name === source);
    const all = refs.length === 0 || wholeRowUse(tokens, refs);
    const used = columns.filter((c) => named.has(c.toLowerCase()));
    // Nothing named: keep one column, so that the change rows still count (COUNT(*) over them).
    read.set(source, all ? columns : used.length > 0 ? used : columns.slice(0, 1));
  }
  return read;
}

/**
 * Whether `query` (its text, or its significant tokens) reads a whole row of one of `tables` (`to_json(o)`,
 * `CAST(t AS VARCHAR)`): a delta that reads
 * a table's change rows in its place would read their weight too, so such a query is not maintained by one.
 */
export function readsWholeRows(query: string | Token[], tables: readonly TableRef[]): boolean {
  return wholeRowUse(typeof query === 'string' ? significant(tokenize(query)) : query, tables);
}
