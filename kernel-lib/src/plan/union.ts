/**
 * UNION ALL of maintainable branches, for the affected-key strategy. Each branch is described on its own
 * (plan/shape.ts); the union's key is the result positions that are a key of every branch. A change is
 * applied by finding the keys each branch's changes touch, deleting the DT's rows of those keys and
 * re-inserting every branch's rows of those keys — a row that two branches produce comes back from both,
 * so duplicates stay exact. Pure.
 */
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import type { ColumnsOf, QueryShape } from './shape.js';
import { describeQuery } from './shape.js';

export interface UnionBranch {
  /** The branch's text (a slice of the query); its shape's offsets are into this text. */
  text: string;
  shape: QueryShape;
}

export interface UnionPlan {
  branches: UnionBranch[];
  /**
   * `UNION` (distinct): the rows of the affected keys are recomputed as the UNION of the branches' rows of
   * those keys. Rows of different keys differ, so removing duplicates among them removes all there are.
   */
  distinct: boolean;
  /** Result positions that identify the rows a change may touch. */
  keys: number[];
}

type Node = Record<string, unknown>;

/**
 * [start, end) of each branch of a depth-0 chain of `UNION ALL`, or of `UNION` (distinct), and which; or
 * undefined for another set operation or a mix.
 */
function branchSpans(query: string): { spans: [number, number][]; distinct: boolean } | undefined {
  const tokens = significant(tokenize(query));
  const spans: [number, number][] = [];
  const kinds = new Set<boolean>();
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && ['UNION', 'EXCEPT', 'INTERSECT', 'MINUS'].some((k) => isKeyword(t, k))) {
      if (!isKeyword(t, 'UNION')) return undefined;
      const all = isKeyword(tokens[i + 1], 'ALL');
      const skip = all || isKeyword(tokens[i + 1], 'DISTINCT') ? 1 : 0;
      kinds.add(!all);
      spans.push([start, t.start]);
      start = (tokens[i + 1 + skip] as Token | undefined)?.start ?? query.length;
      i += skip;
    }
  }
  spans.push([start, query.length]);
  return kinds.size === 1 ? { spans, distinct: kinds.has(true) } : undefined;
}

/** The branches of a UNION ALL query and their common key, or why it is refreshed in full. */
export function describeUnion(
  query: string,
  root: Node,
  columnsOf?: ColumnsOf,
): UnionPlan | { reason: string } {
  const chain = branchSpans(query);
  if (!chain)
    return {
      reason: 'EXCEPT, INTERSECT and a mix of UNION with UNION ALL are refreshed in full in this version',
    };
  const { spans, distinct } = chain;
  const nodes: Node[] = [];
  for (let n: Node | undefined = root; n; n = n._next as Node | undefined) {
    const op = String(n.set_op ?? '').toLowerCase();
    if (
      n !== root &&
      n.set_op !== undefined &&
      n.set_op !== null &&
      op !== (distinct ? 'union' : 'union all')
    )
      if (!(distinct && op === 'union distinct'))
        return { reason: 'only UNION and UNION ALL are maintained incrementally' };
    nodes.push(n);
  }
  if (nodes.length !== spans.length) return { reason: 'the UNION ALL could not be analysed' };
  const branches: UnionBranch[] = [];
  for (const [i, [s, e]] of spans.entries()) {
    const text = query.slice(s, e).trim();
    const { _next, set_op, ...single } = nodes[i] as Node;
    const shape = describeQuery(text, single, columnsOf);
    if ('reason' in shape) return { reason: `branch ${i + 1} of the UNION ALL: ${shape.reason}` };
    // Its keys are an ORDER BY's, whose tail is not a key to follow across branches (plan/order-tail.ts).
    if (shape.orderTail)
      return {
        reason: `branch ${i + 1} of the UNION ALL has a window without PARTITION BY: refreshed in full in this version`,
      };
    if (shape.global)
      return {
        reason: `branch ${i + 1} of the UNION ALL aggregates the whole table: it has no key to follow`,
      };
    branches.push({ text, shape });
  }
  const width = branches[0]?.shape.items.length ?? 0;
  if (branches.some((b) => b.shape.items.length !== width))
    return { reason: 'the UNION ALL branches have different numbers of columns' };
  const keys = branches[0]?.shape.keys.filter((k) => branches.every((b) => b.shape.keys.includes(k))) ?? [];
  if (keys.length === 0)
    return { reason: 'no result column is a key (GROUP BY column) of every UNION ALL branch' };
  return { branches: branches.map((b) => ({ ...b, shape: { ...b.shape, keys } })), keys, distinct };
}

/**
 * What the refresh's decision needs of the whole query: the tables read inside subqueries of any branch,
 * and whether any branch reads CURRENT_DATE (the rest of the shape is the first branch's).
 */
export function unionShape(plan: UnionPlan): QueryShape {
  const first = (plan.branches[0] as UnionBranch).shape;
  return {
    ...first,
    subqueryTables: [...new Set(plan.branches.flatMap((b) => b.shape.subqueryTables))],
    readsCurrentDate: plan.branches.some((b) => b.shape.readsCurrentDate),
  };
}
