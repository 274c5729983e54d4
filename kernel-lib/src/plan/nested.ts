/**
 * An aggregate over an aggregating subquery in FROM (TPC-H Q13: customers counted by their number of
 * orders), for the affected-key strategy. The subquery's result is kept in a state table beside the DT
 * (`dtlab.state_<dt>`, columns c1…cn) and maintained like a DT of its own: a change touches some of its
 * groups (its keys), whose rows are recomputed. The outer query's keys touched are those of the subquery's
 * rows before and after, and the DT's rows of those keys are recomputed from the state — never from the
 * sources. With an outer join around the subquery, the outer query reads the kept rows as a table and its
 * keys are followed along the join keys (plan/nested-outer.ts). Pure: builds SQL text; `STATE` stands for the
 * state table until the DT's name is known.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { analyzeQuery } from '../sql/analyze.js';
import { isAggregateCall, walkNodes } from '../sql/ast-walk.js';
import { identifierName, isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { depthZero, selectLevel } from './from.js';
import { affectedKeysSql } from './incremental.js';
import { type ColumnsOf, describeQuery, type QueryShape } from './shape.js';

/** Placeholder for the state table's name in the SQL this builds. */
export const STATE = 'dtlab_nested_state';
/**
 * Placeholder for the kept rows under the subquery's column names, read as a table where an outer join
 * stands around the subquery (plan/nested-outer.ts); `executable` writes it out.
 */
export const ROWS = 'dtlab_nested_rows';

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
  /**
   * An outer join stands in the outer query's FROM (plan/nested-outer.ts): the outer query reads the kept
   * rows as a table (`ROWS`, whose columns are `names`), so its joins are followed along their keys
   * (plan/outer.ts) like a plain table's.
   */
  outerJoined?: { names: string[] };
}

type Node = Record<string, unknown>;

/** SQL built over the placeholders, as it runs: `ROWS` the state's rows named, `STATE` the table `state`. */
export function executable(plan: Pick<NestedPlan, 'stateColumns'>, sql: string, state: string): string {
  return sql
    .replaceAll(ROWS, `(SELECT ${plan.stateColumns} FROM ${STATE} AS dtlab_st)`)
    .replaceAll(STATE, state);
}

/** `q` with the subquery's body replaced by the state's rows (those matching `where`, if given). */
export function outerOver(plan: Pick<NestedPlan, 'head' | 'tail' | 'stateColumns'>, where?: string): string {
  return `${plan.head}SELECT ${plan.stateColumns} FROM ${STATE} AS dtlab_st${where ? ` WHERE ${where}` : ''}${plan.tail}`;
}

const OUTER_JOIN = /^(LEFT|RIGHT|FULL)\b/i;

const aggregates = (sub: Node | undefined) => {
  if (sub?.type !== 'select') return false;
  let found = !!sub.groupby || JSON.stringify(sub.columns).includes('"aggr_func"');
  walkNodes(sub.columns, (n) => {
    found ||= isAggregateCall(n);
  });
  return found;
};

/**
 * The `(` opening each subquery in the outer FROM clause (after FROM, JOIN or a comma), in FROM order; or
 * undefined when they do not match the tree's subqueries one for one.
 */
function derivedOpens(tokens: Token[], derived: number): Token[] | undefined {
  const { top, fromAt, fromEnd } = selectLevel(tokens);
  const opens: Token[] = [];
  for (let i = fromAt + 1; i < fromEnd; i++) {
    const prev = top[i - 1];
    if (top[i]?.text === '(' && (isKeyword(prev, 'FROM') || isKeyword(prev, 'JOIN') || prev?.text === ','))
      opens.push(top[i] as Token);
  }
  return opens.length === derived ? opens : undefined;
}

/**
 * The query's plan, or why it is not such a query (undefined: it is not one at all). The aggregating
 * subquery may be joined to other tables (TPC-H Q15's `supplier, revenue0`); its other copies in the query
 * (a view or CTE read again, `(SELECT max(total_revenue) FROM revenue0)`) read the state too, and then the
 * DT is recomputed whole from the state (`whole`): such a subquery's value may move with any change.
 */
export function describeNested(
  query: string,
  root: Node,
  columnsOf?: ColumnsOf,
): NestedPlan | { reason: string } | undefined {
  const from = (root.from as Node[] | null) ?? [];
  const subs = from.map((f) => (f.expr as Node | undefined)?.ast as Node | undefined).filter((s) => s);
  const sub = subs.find(aggregates);
  if (!sub) return undefined;
  // The subquery's body: the parentheses of its FROM item.
  const tokens = significant(tokenize(query));
  const open = derivedOpens(tokens, subs.length)?.[subs.indexOf(sub)];
  if (!open) return { reason: 'the subquery in FROM could not be analysed' };
  const close = depthZero(tokens.slice(tokens.indexOf(open)))[1] as Token | undefined;
  if (!close) return { reason: 'the subquery in FROM could not be analysed' };
  const innerText = query.slice(open.end, close.start);
  const inner = describeQuery(innerText, sub, columnsOf);
  if ('reason' in inner) return { reason: `the subquery in FROM: ${inner.reason}` };
  if (inner.global)
    return { reason: 'the subquery in FROM aggregates the whole table: it has no key to follow' };
  const columns = sub.columns as { expr: Node; as: string | null }[];
  let unnamed = false;
  // The columns' names as the outer query reads them (those of an outer-joined subquery's table). The
  // parser gives a name as written; unless it was quoted, the database folds it (`Total` is `total`).
  const quoted = new Set(
    significant(tokenize(innerText))
      .filter((t) => t.kind === 'quoted')
      .map(identifierName),
  );
  const plain: string[] = [];
  const names = columns.map((c, i) => {
    const ref =
      c.expr.type === 'column_ref' ? (c.expr.column as { expr?: { value?: unknown } } | string) : undefined;
    const written = c.as ?? (typeof ref === 'string' ? ref : ref?.expr?.value);
    const name = typeof written === 'string' && !quoted.has(written) ? written.toLowerCase() : written;
    if (typeof name !== 'string') unnamed = true;
    plain.push(String(name).toLowerCase());
    return `c${i + 1}${typeof name === 'string' ? ` AS ${quoteIdent(name)}` : ''}`;
  });
  const own = [...names];
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
      plain[i] = identifierName(t);
    });
    tail = tail.slice(0, list.start) + tail.slice((after[end] as Token).end);
  } else if (unnamed) {
    // The outer query could only name such a column as the database does (PostgreSQL `count`, DuckDB
    // `count_star()`), which the state cannot reproduce.
    return { reason: 'a column of the subquery in FROM has no name: give it an alias (AS name)' };
  }
  // Other copies of the subquery (the same text: a view or CTE read twice) read the state too.
  const copy = `(${innerText})`;
  const state = `(SELECT ${own.join(', ')} FROM ${STATE} AS dtlab_st)`;
  const copies = head.split(copy).length + tail.split(copy).length - 2;
  if (copies > 0 && unnamed)
    return { reason: 'a column of the subquery in FROM has no name: give it an alias (AS name)' };
  const plan = {
    inner: { text: innerText, shape: inner },
    head: head.replaceAll(copy, state),
    tail: tail.replaceAll(copy, state),
    stateColumns: names.join(', '),
    width: names.length,
  };
  // Around an outer join, the outer query reads the kept rows as a table (ROWS) of the subquery's alias.
  const outerJoined = from.some((f) => OUTER_JOIN.test(String(f.join ?? '')));
  const item = from.find((f) => (f.expr as Node | undefined)?.ast === sub);
  if (outerJoined && !item?.as)
    return { reason: 'an outer join around an aggregating subquery in FROM needs the subquery aliased' };
  const outer = outerJoined ? `${plan.head.slice(0, -1)}${ROWS}${plan.tail.slice(1)}` : outerOver(plan);
  const ast = analyzeQuery(outer, () => false).ast;
  if (!ast) return { reason: 'the query over the subquery in FROM could not be analysed' };
  const outerShape = describeQuery(outer, ast, (t) =>
    t === STATE ? [] : t === ROWS ? plain : columnsOf?.(t),
  );
  if ('reason' in outerShape)
    return {
      reason: /aggregating subquery/.test(outerShape.reason)
        ? 'more than one aggregating subquery in FROM is refreshed in full in this version'
        : outerShape.reason,
    };
  if (outerShape.outer && !outerJoined)
    return { reason: 'the outer joins around the aggregating subquery in FROM could not be analysed' };
  if (outerShape.window || outerShape.conjuncts.length > 0)
    return {
      reason:
        'window functions or correlated subqueries over an aggregating subquery in FROM are refreshed in full',
    };
  // The subquery read again inside a subquery (Q15's max), or one aggregate of everything: any change may
  // move every row, so the DT is recomputed whole from the state and the other tables.
  const whole = outerShape.global || outerShape.subqueryTables.includes(STATE);
  return {
    ...plan,
    outer,
    outerShape,
    ...(whole ? { whole: true as const } : {}),
    ...(outerJoined ? { outerJoined: { names: plain } } : {}),
  };
}

/** The subquery's result as the state: columns c1…cn. */
export function stateSql(plan: NestedPlan, innerQuery = plan.inner.text): string {
  const cols = Array.from({ length: plan.width }, (_c, i) => `c${i + 1}`).join(', ');
  return `SELECT * FROM (${innerQuery}) AS dtlab_i (${cols})`;
}

/** The state's columns that hold the subquery's keys. */
export const innerKeyColumns = (plan: NestedPlan) => plan.inner.shape.keys.map((k) => `c${k + 1}`);

/**
 * The subquery's keys a change touches, as columns k1…kn (`touched`: some table of the subquery changed);
 * none, read from the state `state` for their types, when only the tables joined to it changed.
 */
export function innerKeysSql(
  plan: NestedPlan,
  family: SqlFamily,
  changed: ReadonlyMap<string, string[]>,
  state: string,
): { sql: string; touched: boolean } {
  const keys = affectedKeysSql(plan.inner.text, plan.inner.shape, family, changed);
  if (keys !== '') return { sql: keys, touched: true };
  const columns = innerKeyColumns(plan).map((c, i) => `${c} AS k${i + 1}`);
  return { sql: `SELECT ${columns.join(', ')} FROM ${state} WHERE 1 = 0`, touched: false };
}

/**
 * The outer keys a change touches, run before and after the state changes (the union is every DT group to
 * recompute): those of the state's rows of the subquery keys in the keys table (`condition` selects them),
 * joined to the other tables as they are and as they were; and those of the other tables' changed rows
 * (`changed`: every changed source and its columns), joined to the state. Positions bind as `$1`.
 */
export function outerKeysSql(
  plan: NestedPlan,
  family: SqlFamily,
  changed: ReadonlyMap<string, string[]>,
  condition: string,
): string {
  const cols = Array.from({ length: plan.width }, (_c, i) => `c${i + 1}`);
  const rows = `SELECT ${cols.join(', ')} FROM ${STATE} WHERE ${condition}`;
  return affectedKeysSql(plan.outer, plan.outerShape, family, new Map([...changed, [STATE, cols]]), {
    given: new Map([[STATE, { changed: rows }]]),
  });
}
