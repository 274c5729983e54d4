/**
 * FLATTEN in a defining query (translated by sql/flatten.ts), as incremental planning sees it: a lateral
 * expansion of each row of the FROM items before it, a function of that row alone (its input reads only that
 * row's columns; the query's volatile functions are judged as any other's). So FROM `t, LATERAL FLATTEN(…) f`
 * is a per-row map of t's rows, linear in them: replacing t by its weighted change rows (plan/delta.ts) or
 * by its change and old rows (plan/incremental.ts) expands those rows the same way, and each expanded row
 * keeps its row's weight. The plans keep the FLATTEN text where it stands; nothing else is needed.
 *
 * Maintained: FLATTEN items of the query's own FROM, each after a comma or CROSS JOIN and after a table (projections,
 * filters, inner joins, GROUP BY: the linear and affected-key strategies). Refreshed in full, with the reason:
 * FLATTEN inside a subquery, beside an outer join, under UNION, beside a subquery in FROM, under a window over
 * groups, or joined by another JOIN (`JOIN LATERAL FLATTEN(…) f ON …`). Pure: tokens and parse trees in.
 */
import { isKeyword, type Token } from '../sql/lexer.js';

/** A FLATTEN item of a FROM clause. */
export interface LateralRef {
  alias?: string;
  /** Where the item starts in the query text. */
  start: number;
  /** The SELECT whose FROM holds it (as TableRef.scope). */
  scope: number;
}

/**
 * If `top[i]` (depth-0 tokens of a FROM clause; `all` the query's significant tokens) starts a FLATTEN item,
 * `[LATERAL] FLATTEN(…)` or `[LATERAL] TABLE(FLATTEN(…))`, the index in `top` of its closing parenthesis.
 */
export function flattenItem(all: Token[], top: Token[], i: number): number | undefined {
  const k = isKeyword(top[i], 'LATERAL') ? i + 1 : i;
  const open = top[k + 1];
  if (open?.text !== '(' || top[k + 2]?.text !== ')') return undefined;
  if (isKeyword(top[k], 'FLATTEN')) return k + 2;
  if (isKeyword(top[k], 'TABLE') && isKeyword(all[all.indexOf(open) + 1], 'FLATTEN')) return k + 2;
  return undefined;
}

/** How many FLATTEN calls a query's significant tokens hold. */
export function flattenCalls(tokens: Token[]): number {
  return tokens.filter(
    (t, i) => isKeyword(t, 'FLATTEN') && tokens[i + 1]?.text === '(' && tokens[i - 1]?.text !== '.',
  ).length;
}

/** Why a query (its significant tokens, and what its FROM clause holds) is refreshed in full, if FLATTEN is why. */
export function flattenReason(
  tokens: Token[],
  from: { laterals: LateralRef[]; tables: { join: string }[] },
): string | undefined {
  const calls = flattenCalls(tokens);
  if (calls === 0) return undefined;
  if (from.laterals.filter((l) => l.scope === 0).length !== calls)
    return "FLATTEN anywhere but the query's own FROM clause is refreshed in full in this version";
  if (from.tables.some((t) => t.join === 'left' || t.join === 'right' || t.join === 'full'))
    return 'FLATTEN beside an outer join is refreshed in full in this version';
  return undefined;
}

/** Why a shape the affected-key strategy keeps by other means (UNION, nesting, windows) cannot hold FLATTEN. */
export const flattenShapeReason = (shape: string) => `FLATTEN ${shape} is refreshed in full in this version`;
