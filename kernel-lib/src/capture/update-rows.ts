/**
 * Whether a captured UPDATE's new rows can be read back by its own condition (DuckDB capture, capture/duckdb.ts).
 * The old rows are copied into the change table by `SELECT * FROM t WHERE c` before the write; the new rows come
 * back through RETURNING * and are sent again as SQL text — slow for many rows in DuckDB-WASM, which binds a
 * VALUES list value by value. When `WHERE c` selects the same rows after the update as before, the new rows are
 * `SELECT * FROM t WHERE c` after it, read inside the database. That holds when c reads no column the SET
 * assigns and calls no function and no subquery (a function may be volatile, a subquery may read what the
 * update changed). Anything else keeps RETURNING. Pure: tokens in, answer out.
 */
import { identifierName, isKeyword, type Token } from '../sql/lexer.js';

const isOp = (t: Token | undefined, text: string) => t?.kind === 'op' && t.text === text;
/** Words that may stand before a parenthesis in a condition without calling a function. */
const NOT_CALLS = new Set(['IN', 'NOT', 'AND', 'OR']);

/** The columns `SET a = …, b = …` assigns (tokens after SET up to WHERE), or undefined for another form. */
function assigned(tokens: Token[]): Set<string> | undefined {
  const names = new Set<string>();
  let depth = 0;
  let start = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, '(')) {
      if (start) return undefined; // SET (a, b) = (…)
      depth++;
    } else if (isOp(t, ')')) depth--;
    else if (depth === 0 && isOp(t, ',')) start = true;
    else if (start) {
      if ((t.kind !== 'word' && t.kind !== 'quoted') || !isOp(tokens[i + 1], '=')) return undefined;
      names.add(identifierName(t));
      start = false;
    }
  }
  return names.size > 0 ? names : undefined;
}

/**
 * `set` and `where`: the significant tokens of the SET list and of the condition (after WHERE; empty without
 * one). True when the condition selects the same rows after the update.
 */
export function sameRowsAfterUpdate(set: Token[], where: Token[]): boolean {
  const names = assigned(set);
  if (!names) return false;
  return where.every((t, i) => {
    if (isKeyword(t, 'SELECT')) return false;
    if (t.kind === 'word' && isOp(where[i + 1], '(') && !NOT_CALLS.has(t.text.toUpperCase())) return false;
    return !((t.kind === 'word' || t.kind === 'quoted') && names.has(identifierName(t)));
  });
}
