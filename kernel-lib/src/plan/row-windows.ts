/**
 * Windows over a table's rows (strategy 3 of docs/incremental.md, "partition recompute"): when every window
 * of the query — in its select list or its QUALIFY — shares one PARTITION BY of result columns, a change can
 * only move the rows of the partitions its changed rows fall in, before and after. Those partitions are the
 * DT's keys: their rows are deleted and recomputed whole by the query restricted to them (plan/incremental.ts).
 * A QUALIFY only reads the values of a row and of its partition's windows, so the restricted query with the
 * QUALIFY applied gives exactly the partition's rows of the DT (the top-N per group). Pure: tokens and the
 * parse tree in, keys or the reason out.
 */
import { isKeyword, type Token } from '../sql/lexer.js';
import { describeOrderTail, type OrderTail } from './order-tail.js';
import { rowTieReason } from './ties.js';

type Node = Record<string, unknown>;

/** Why a QUALIFY with no window in the query is not maintained. */
export const QUALIFY_WITHOUT_WINDOW =
  'QUALIFY without a window function (in the select list or the QUALIFY) is refreshed in full';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

const COLUMN = /^(?:([a-z_][a-z0-9_$]*)\s*\.\s*)?([a-z_][a-z0-9_$]*)$/;

/**
 * Whether two normalized expressions are one: the same text, or the same column written with and without its
 * table's name (`t.k` and `k`: where both are valid, `k` can only be `t`'s) — `SELECT *` is written out
 * qualified (plan/normalize.ts) while PARTITION BY is as the user wrote it.
 */
function same(a: string, b: string): boolean {
  if (a === b) return true;
  const x = COLUMN.exec(a);
  const y = COLUMN.exec(b);
  return Boolean(x && y && x[2] === y[2] && (!x[1] || !y[1] || x[1] === y[1]));
}

/**
 * The result positions of the PARTITION BY expressions shared by every window of the query, or why there
 * are none (a window over the whole result, or windows partitioned differently).
 */
function partitionKeys(
  tokens: Token[],
  query: string,
  items: string[],
): { keys: number[] } | { reason: string } {
  let shared: string[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    if (!isKeyword(tokens[i], 'OVER')) continue;
    // `OVER w` names a window of the WINDOW clause, whose partition this does not read.
    if (tokens[i + 1]?.text !== '(')
      return { reason: 'a named window (OVER name, WINDOW clause) is refreshed in full in this version' };
    if (!isKeyword(tokens[i + 2], 'PARTITION'))
      return {
        reason: 'windows with and without PARTITION BY in one query are refreshed in full in this version',
      };
    const exprs: string[] = [];
    let depth = 0;
    let start = (tokens[i + 4] as Token).start;
    let j = i + 4;
    for (; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.text === '(') depth++;
      else if (t.text === ')' && depth-- === 0) break;
      else if (
        depth === 0 &&
        (t.text === ',' || ['ORDER', 'ROWS', 'RANGE', 'GROUPS'].some((k) => isKeyword(t, k)))
      ) {
        exprs.push(norm(query.slice(start, (tokens[j - 1] as Token).end)));
        start = (tokens[j + 1] as Token).start;
        if (t.text !== ',') break;
      }
    }
    if (exprs.length === 0 || tokens[j]?.text === ')')
      exprs.push(norm(query.slice(start, (tokens[j - 1] as Token).end)));
    const list = [...new Set(exprs)].sort();
    if (shared && shared.join() !== list.join())
      return { reason: 'windows partitioned differently are refreshed in full in this version' };
    shared = list;
  }
  const keys = (shared ?? []).map((e) => items.findIndex((it) => same(norm(it), e)));
  if (keys.some((k) => k < 0))
    return { reason: 'a PARTITION BY expression that is not a column of the result needs the whole result' };
  return { keys };
}

/**
 * The keys of a window query over a table's rows (its shared partition; without PARTITION BY, the shared
 * ORDER BY of the tail rule, plan/order-tail.ts), or why it is refreshed in full: windows partitioned
 * differently, windows without PARTITION BY that read both sides of their row, or a window whose answer
 * depends on how ties are broken (plan/ties.ts: recomputing a partition reads its rows in another order than
 * the query's own run).
 */
export function rowWindowKeys(
  tokens: Token[],
  query: string,
  items: string[],
  root: Node,
): { keys: number[]; orderTail?: OrderTail } | { reason: string } {
  const overs = tokens.flatMap((t, i) => (isKeyword(t, 'OVER') ? [i] : []));
  if (overs.some((i) => tokens[i + 1]?.text !== '('))
    return { reason: 'a named window (OVER name, WINDOW clause) is refreshed in full in this version' };
  const partitioned = overs.some((i) => isKeyword(tokens[i + 2], 'PARTITION'));
  const partition = partitioned
    ? partitionKeys(tokens, query, items)
    : describeOrderTail(tokens, query, items, root, same);
  if ('reason' in partition) return partition;
  const ties = rowTieReason(root);
  return ties ? { reason: ties } : partition;
}
