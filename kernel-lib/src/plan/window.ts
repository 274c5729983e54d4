/**
 * Window functions over a grouped result (the seeds' `weekly_trends`: `LAG(SUM(revenue)) OVER (ORDER BY
 * week) … GROUP BY week`), for the affected-key strategy. The rule: the query is split into its aggregate
 * step — `SELECT <group keys>, <aggregate calls> FROM … WHERE … GROUP BY … HAVING …` — and its window step,
 * the select list with every group key and aggregate call replaced by a column of the aggregate's result.
 * The aggregate's result is kept beside the DT (`dtlab.state_<dt>`, columns c1…cn, as plan/nested.ts keeps
 * a subquery's) and maintained by affected keys: a change recomputes only the groups it touches. The window
 * step is then recomputed over the whole kept result (one row per group, never the sources), and the DT is
 * replaced by it. Work: the touched groups, plus one pass over the groups. A QUALIFY filters the window
 * step's rows, so it goes with the window step, its aggregate calls and group keys rewritten like the select
 * list's. Pure: builds SQL text.
 *
 * A window over the rows of a table (no GROUP BY) is not this: with PARTITION BY, its touched partitions are
 * recomputed (plan/row-windows.ts); without, the tail from the first touched ORDER BY key when every window
 * reads one side of its row (plan/order-tail.ts), else it refreshes in full.
 */
import { analyzeQuery } from '../sql/analyze.js';
import { callName, isAggregateCall, walkNodes } from '../sql/ast-walk.js';
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { qualifyClause } from '../sql/qualify.js';
import { type FromContents, fromTables, namesInputColumn, selectLevel } from './from.js';
import { type NestedPlan, outerOver } from './nested.js';
import { type ColumnsOf, describeQuery } from './shape.js';
import { groupTieReason } from './ties.js';

/** A window step recomputed whole over the kept aggregate result. */
export type WindowPlan = NestedPlan & { whole: true };

type Node = Record<string, unknown>;

const walk = walkNodes;

/** Index of the ')' closing the '(' at `open` in `tokens`, or -1. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) return i;
  }
  return -1;
}

const words = (text: string) =>
  significant(tokenize(text)).map((t) => (t.kind === 'word' ? t.text.toLowerCase() : t.text));

/** The plan, or why the query cannot be maintained so. */
export function describeWindow(
  query: string,
  root: Node,
  columnsOf?: ColumnsOf,
): WindowPlan | { reason: string } {
  const tokens = significant(tokenize(query));
  const level = selectLevel(tokens);
  const { top, fromAt } = level;
  const groupAt = top.findIndex((t, i) => isKeyword(t, 'GROUP') && isKeyword(top[i + 1], 'BY'));
  if (groupAt < 0) return { reason: 'a window over one aggregate of the whole table is refreshed in full' };
  if (top.some((t) => ['WINDOW', 'LIMIT', 'OFFSET', 'FETCH'].some((w) => isKeyword(t, w))))
    return { reason: 'WINDOW or LIMIT over windows of groups is refreshed in full' };
  // QUALIFY filters the window step's rows: it goes with the window step, rewritten like the select list.
  const qualify = qualifyClause(query);
  const qualifyAt = top.findIndex((t) => isKeyword(t, 'QUALIFY'));
  if (qualifyAt >= 0 && !qualify) return { reason: 'the QUALIFY clause could not be analysed' };
  const first = isKeyword(top[1], 'DISTINCT') || isKeyword(top[1], 'ALL') ? 2 : 1;
  if (isKeyword(top[1], 'DISTINCT') && isKeyword(top[2], 'ON'))
    return { reason: 'DISTINCT ON is refreshed in full' };
  const listStart = (top[first] as Token).start;
  const listEnd = (top[fromAt - 1] as Token).end;
  const orderAt = top.findIndex((t, i) => i > groupAt && isKeyword(t, 'ORDER'));
  const havingAt = top.findIndex((t, i) => i > groupAt && isKeyword(t, 'HAVING'));
  const after = (i: number) => Math.min(...[havingAt, qualifyAt, orderAt, top.length].filter((j) => j > i));
  const groupEnd = after(groupAt);
  // The group keys' texts: GROUP BY 2 and GROUP BY alias name a result column's expression.
  const columns = root.columns as { expr: Node; as: string | null }[];
  const itemSpans: [number, number][] = [];
  let start = listStart;
  for (let i = first; i < fromAt; i++)
    if ((top[i] as Token).text === ',') {
      itemSpans.push([start, (top[i - 1] as Token).end]);
      start = (top[i + 1] as Token).start;
    }
  itemSpans.push([start, listEnd]);
  if (itemSpans.length !== columns.length) return { reason: 'the select list could not be analysed' };
  const itemExpr = (k: number) => {
    const [s, e] = itemSpans[k] as [number, number];
    const alias = columns[k]?.as;
    const text = query.slice(s, e);
    return alias
      ? text.replace(new RegExp(`\\s+(as\\s+)?"?${alias.replace(/[^\w]/g, '.')}"?\\s*$`, 'i'), '').trim()
      : text.trim();
  };
  const from: FromContents = { tables: [], levels: [], laterals: [] };
  fromTables(tokens, level, from); // (its reason, if any, is the aggregate step's: judged below)
  const fromTokens = tokens.slice(
    tokens.indexOf(top[fromAt] as Token),
    tokens.indexOf(top[level.fromEnd - 1] as Token) + 1,
  );
  const groups: string[] = [];
  let gs = (top[groupAt + 2] as Token).start;
  for (let i = groupAt + 2; i <= groupEnd; i++) {
    const t = i < groupEnd ? (top[i] as Token) : undefined;
    if (t && t.text !== ',') continue;
    const g = query.slice(gs, (top[i - 1] as Token).end).trim();
    // A name of a FROM column is that column before a result alias (as SQL reads GROUP BY).
    const byAlias = namesInputColumn(g, from.tables, fromTokens, columnsOf)
      ? -1
      : columns.findIndex((c) => c.as?.toLowerCase() === g.toLowerCase().replace(/"/g, ''));
    const k = /^\d+$/.test(g) ? Number(g) - 1 : byAlias;
    groups.push(k >= 0 && k < columns.length ? itemExpr(k) : g);
    if (t) gs = (top[i + 1] as Token).start;
  }
  // Aggregate calls in the select list (not window functions: a call followed by OVER).
  const aggregateNames = new Set<string>();
  let expected = 0;
  let subquery = false;
  walk([root.columns, root.qualify], (n) => {
    if (n.type === 'select') subquery = true;
    if (isAggregateCall(n)) {
      expected++;
      aggregateNames.add(callName(n));
    }
  });
  // Its aggregates would be taken for the query's own (they read the subquery's tables, not the groups).
  if (subquery)
    return {
      reason: 'a subquery in the select list or QUALIFY of a window over groups is refreshed in full',
    };
  const aggregates: string[] = [];
  let calls = 0;
  const edits: { start: number; end: number; text: string }[] = [];
  const groupWords = groups.map(words);
  // The select list, then the QUALIFY condition: aggregate calls and group keys become the state's columns.
  const spans: [number, number][] = [[listStart, listEnd]];
  if (qualify) spans.push([qualify.condStart, qualify.condEnd]);
  for (const [from, to] of spans) {
    const list = tokens.filter((t) => t.start >= from && t.end <= to);
    for (let i = 0; i < list.length; i++) {
      const t = list[i] as Token;
      if (t.kind === 'word' && aggregateNames.has(t.text.toLowerCase()) && list[i + 1]?.text === '(') {
        let close = closing(list, i + 1);
        if (close < 0) return { reason: 'the select list could not be analysed' };
        if (isKeyword(list[close + 1], 'FILTER') && list[close + 2]?.text === '(')
          close = closing(list, close + 2);
        if (isKeyword(list[close + 1], 'WITHIN'))
          return { reason: 'an ordered-set aggregate under a window is refreshed in full' };
        if (!isKeyword(list[close + 1], 'OVER')) {
          const text = query.slice(t.start, (list[close] as Token).end);
          let a = aggregates.findIndex((x) => words(x).join(' ') === words(text).join(' '));
          if (a < 0) a = aggregates.push(text) - 1;
          edits.push({ start: t.start, end: (list[close] as Token).end, text: `c${groups.length + a + 1}` });
          calls++;
          i = close;
          continue;
        }
      }
      // A group key's text (the longest that matches here).
      let best = -1;
      groupWords.forEach((g, k) => {
        const here = list
          .slice(i, i + g.length)
          .map((x) => (x.kind === 'word' ? x.text.toLowerCase() : x.text));
        if (here.join(' ') === g.join(' ') && (best < 0 || g.length > (groupWords[best] as string[]).length))
          best = k;
      });
      if (best >= 0) {
        const g = groupWords[best] as string[];
        edits.push({ start: t.start, end: (list[i + g.length - 1] as Token).end, text: `c${best + 1}` });
        i += g.length - 1;
      }
    }
  }
  if (calls !== expected) return { reason: 'the aggregates under the window could not be analysed' };
  const rewrite = ([from, to]: [number, number]) => {
    let out = '';
    let at = from;
    for (const e of edits.filter((x) => x.start >= from && x.end <= to)) {
      out += `${query.slice(at, e.start)}${e.text}`;
      at = e.end;
    }
    return out + query.slice(at, to);
  };
  const rewritten = rewrite([listStart, listEnd]);
  const bodyEnd = groupAt > 0 ? (top[groupAt] as Token).start : query.length;
  const havingEnd = havingAt > 0 ? ((top[after(havingAt)] as Token | undefined)?.start ?? query.length) : 0;
  const having = havingAt > 0 ? ` ${query.slice((top[havingAt] as Token).start, havingEnd).trim()}` : '';
  const innerText = `SELECT ${[...groups, ...aggregates].join(', ')} ${query
    .slice((top[fromAt] as Token).start, bodyEnd)
    .trim()} GROUP BY ${groups.join(', ')}${having}`;
  const innerAst = analyzeQuery(innerText, () => false).ast;
  if (!innerAst) return { reason: 'the aggregate under the window could not be analysed' };
  const inner = describeQuery(innerText, innerAst, columnsOf);
  if ('reason' in inner) return { reason: `the aggregate under the window: ${inner.reason}` };
  const width = groups.length + aggregates.length;
  const names = Array.from({ length: width }, (_c, i) => `c${i + 1}`);
  const plan = {
    inner: { text: innerText, shape: inner },
    head: `${query.slice((top[0] as Token).start, listStart)}${rewritten} FROM (`,
    tail: `) AS dtlab_w${qualify ? ` QUALIFY ${rewrite([qualify.condStart, qualify.condEnd])}` : ''}`,
    stateColumns: names.join(', '),
    width,
  };
  const outer = outerOver(plan);
  // Every column the window step reads must be one of the kept result's: a group key or an aggregate.
  const outerAst = analyzeQuery(outer, () => false).ast;
  const outerRoot = (Array.isArray(outerAst) ? outerAst[0] : outerAst) as Node | undefined;
  let stray: string | undefined;
  walk([outerRoot?.columns, outerRoot?.qualify], (n) => {
    if (n.type !== 'column_ref') return;
    if (n.table) stray ??= `${String(n.table)}.…`;
    const c = n.column as string | { expr?: { value?: unknown } };
    const name = String(typeof c === 'string' ? c : c?.expr?.value);
    if (!names.includes(name)) stray ??= name;
  });
  if (!outerAst || stray)
    return {
      reason: `the window reads ${stray ?? 'an expression'} other than by a group key or an aggregate: refreshed in full`,
    };
  const ties = groupTieReason([outerRoot?.columns, outerRoot?.qualify], names.slice(0, groups.length));
  if (ties) return { reason: ties };
  return { ...plan, outer, outerShape: inner, whole: true };
}
