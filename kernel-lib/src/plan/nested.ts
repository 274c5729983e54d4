/**
 * An aggregate over an aggregating subquery in FROM (TPC-H Q13: customers counted by their number of
 * orders), for the affected-key strategy. The subquery's result is kept in a state table beside the DT
 * (`dtlab.state_<dt>`, columns c1…cn) and maintained like a DT of its own: a change touches some of its
 * groups (its keys), whose rows are recomputed. The outer query's keys touched are those of the subquery's
 * rows before and after, and the DT's rows of those keys are recomputed from the state — never from the
 * sources. Pure: builds SQL text; `STATE` stands for the state table until the DT's name is known.
 */
import { quoteIdent } from '../backends/backend.js';
import { analyzeQuery } from '../sql/analyze.js';
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { depthZero, selectLevel } from './from.js';
import { type ColumnsOf, describeQuery, type QueryShape } from './shape.js';

/** Placeholder for the state table's name in the SQL this builds. */
export const STATE = 'dtlab_nested_state';

export interface NestedPlan {
  /** The subquery's text and shape (offsets into that text). */
  inner: { text: string; shape: QueryShape };
  /** The outer query reading the whole state (shape offsets into `outer`). */
  outer: string;
  outerShape: QueryShape;
  /** The outer query's text before and after the subquery's body (the body is replaced). */
  head: string;
  tail: string;
  /** The state's columns as the outer query names them: `c1 AS name1, …`. */
  stateColumns: string;
  width: number;
  /** The outer query is recomputed over the whole state (a window over groups, plan/window.ts). */
  whole?: true;
}

type Node = Record<string, unknown>;

/** `q` with the subquery's body replaced by the state's rows (those matching `where`, if given). */
export function outerOver(plan: Pick<NestedPlan, 'head' | 'tail' | 'stateColumns'>, where?: string): string {
  return `${plan.head}SELECT ${plan.stateColumns} FROM ${STATE}${where ? ` WHERE ${where}` : ''}${plan.tail}`;
}

/** The query's plan, or why it is not such a query (undefined: it is not one at all). */
export function describeNested(
  query: string,
  root: Node,
  columnsOf?: ColumnsOf,
): NestedPlan | { reason: string } | undefined {
  const from = (root.from as Node[] | null) ?? [];
  const sub = (from[0]?.expr as Node | undefined)?.ast as Node | undefined;
  if (from.length !== 1 || !sub || sub.type !== 'select') return undefined;
  if (!sub.groupby && !JSON.stringify(sub.columns).includes('"aggr_func"')) return undefined;
  // The subquery's body: the parentheses right after the outer FROM.
  const tokens = significant(tokenize(query));
  const level = selectLevel(tokens);
  const open = level.top[level.fromAt + 1];
  if (open?.text !== '(') return { reason: 'the subquery in FROM could not be analysed' };
  const close = depthZero(tokens.slice(tokens.indexOf(open)))[1] as Token | undefined;
  if (!close) return { reason: 'the subquery in FROM could not be analysed' };
  const innerText = query.slice(open.end, close.start);
  const inner = describeQuery(innerText, sub, columnsOf);
  if ('reason' in inner) return { reason: `the subquery in FROM: ${inner.reason}` };
  if (inner.global)
    return { reason: 'the subquery in FROM aggregates the whole table: it has no key to follow' };
  const columns = sub.columns as { expr: Node; as: string | null }[];
  let unnamed = false;
  const names = columns.map((c, i) => {
    const ref =
      c.expr.type === 'column_ref' ? (c.expr.column as { expr?: { value?: unknown } } | string) : undefined;
    const name = c.as ?? (typeof ref === 'string' ? ref : ref?.expr?.value);
    if (typeof name !== 'string') unnamed = true;
    return `c${i + 1}${typeof name === 'string' ? ` AS ${quoteIdent(name)}` : ''}`;
  });
  const head = query.slice(0, open.end);
  let tail = query.slice(close.start);
  // `AS alias (a, b)`: the state's columns take those names and the list goes (the planner reads aliases).
  const after = significant(tokenize(tail));
  const list = after[isKeyword(after[1], 'AS') ? 3 : 2];
  if (list?.text === '(') {
    const end = after.findIndex((t) => t.text === ')' && t.start > list.start);
    const listed = after.slice(after.indexOf(list) + 1, end).filter((t) => t.text !== ',');
    if (
      end < 0 ||
      listed.length !== columns.length ||
      listed.some((t) => t.kind !== 'word' && t.kind !== 'quoted')
    )
      return { reason: 'the column list of the subquery in FROM could not be analysed' };
    listed.forEach((t, i) => {
      names[i] = `c${i + 1} AS ${t.text}`;
    });
    tail = tail.slice(0, list.start) + tail.slice((after[end] as Token).end);
  } else if (unnamed) {
    // The outer query could only name such a column as the database does (PostgreSQL `count`, DuckDB
    // `count_star()`), which the state cannot reproduce.
    return { reason: 'a column of the subquery in FROM has no name: give it an alias (AS name)' };
  }
  const plan = {
    inner: { text: innerText, shape: inner },
    head,
    tail,
    stateColumns: names.join(', '),
    width: names.length,
  };
  const outer = outerOver(plan);
  const ast = analyzeQuery(outer, () => false).ast;
  if (!ast) return { reason: 'the query over the subquery in FROM could not be analysed' };
  const outerShape = describeQuery(outer, ast, (t) => (t === STATE ? [] : columnsOf?.(t)));
  if ('reason' in outerShape) return { reason: outerShape.reason };
  if (outerShape.global)
    return { reason: 'an aggregate of the whole subquery in FROM is refreshed in full in this version' };
  if (outerShape.window || outerShape.conjuncts.length > 0 || outerShape.subqueryTables.length > 0)
    return {
      reason: 'window functions or subqueries over an aggregating subquery in FROM are refreshed in full',
    };
  return { ...plan, outer, outerShape };
}

/** The subquery's result as the state: columns c1…cn. */
export function stateSql(plan: NestedPlan, innerQuery = plan.inner.text): string {
  const cols = Array.from({ length: plan.width }, (_c, i) => `c${i + 1}`).join(', ');
  return `SELECT * FROM (${innerQuery}) AS dtlab_i (${cols})`;
}

/** The state's columns that hold the subquery's keys. */
export const innerKeyColumns = (plan: NestedPlan) => plan.inner.shape.keys.map((k) => `c${k + 1}`);

/**
 * The outer keys of the state's rows of the subquery keys in the keys table (`condition` selects them):
 * run before and after the state changes, the union is every outer group the change touched.
 */
export function outerKeysSql(plan: NestedPlan, condition: string): string {
  const s = plan.outerShape;
  const text = outerOver(plan, condition);
  const shift = text.length - plan.outer.length;
  const end = 'insertAt' in s.where ? s.where.insertAt : s.where.end;
  const keys = s.keys.map((k, i) => `(${s.items[k]}) AS k${i + 1}`).join(', ');
  return `SELECT DISTINCT ${keys} FROM ${text.slice(s.fromStart, end + shift)}`;
}
