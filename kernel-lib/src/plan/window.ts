/**
 * Window functions over a grouped result (the seeds' `weekly_trends`: `LAG(SUM(revenue)) OVER (ORDER BY
 * week) … GROUP BY week`), for the affected-key strategy. The rule: the query is split into its aggregate
 * step — `SELECT <group keys>, <aggregate calls> FROM … WHERE … GROUP BY … HAVING …` — and its window step,
 * the select list with every group key and aggregate call replaced by a column of the aggregate's result.
 * The aggregate's result is kept beside the DT (`dtlab.state_<dt>`, columns c1…cn, as plan/nested.ts keeps
 * a subquery's) and maintained by affected keys: a change recomputes only the groups it touches. The window
 * step is then recomputed over the whole kept result (one row per group, never the sources), and the DT is
 * replaced by it. Work: the touched groups, plus one pass over the groups. Pure: builds SQL text.
 *
 * A window over the rows of a table (no GROUP BY) is not this: without PARTITION BY its every row may move
 * with any change, and it refreshes in full (plan/shape.ts says why).
 */
import { analyzeQuery } from '../sql/analyze.js';
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { selectLevel } from './from.js';
import { type NestedPlan, outerOver } from './nested.js';
import { type ColumnsOf, describeQuery } from './shape.js';

/** A window step recomputed whole over the kept aggregate result. */
export type WindowPlan = NestedPlan & { whole: true };

type Node = Record<string, unknown>;

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node !== null && typeof node === 'object') {
    visit(node as Node);
    for (const v of Object.values(node as Node)) walk(v, visit);
  }
}

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

/** Whether the query is a window over groups: a window function and GROUP BY or an aggregate. */
export function isWindowOverGroups(root: Node): boolean {
  let window = false;
  let aggregate = false;
  walk(root.columns, (n) => {
    if (n.over) window = true;
    else if (n.type === 'aggr_func') aggregate = true;
  });
  return window && (aggregate || Boolean((root.groupby as { columns?: unknown } | null)?.columns));
}

/** Window functions whose values depend on the order of rows that tie in the window's ORDER BY. */
const ORDER_SENSITIVE = new Set([
  'row_number',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
  'ntile',
  'array_agg',
  'string_agg',
  'listagg',
  'list',
]);

const columnName = (n: Node | undefined) => {
  if (n?.type !== 'column_ref' || n.table) return undefined;
  const c = n.column as string | { expr?: { value?: unknown } };
  return String(typeof c === 'string' ? c : c?.expr?.value);
};

/**
 * Why a window of the window step depends on how ties are broken, if one does: an order-sensitive function
 * (or a ROWS frame) whose PARTITION BY and ORDER BY do not name every group key (`keys`), which together
 * identify a row of the grouped result. Such a window's answer depends on the order rows are read in: the
 * kept result is read in another order than the query's own run, so the DT would hold another valid answer
 * than VERIFY's run of the query — it is left to a full refresh, which runs the query itself.
 */
function tieReason(columns: unknown, keys: string[]): string | undefined {
  let reason: string | undefined;
  walk(columns, (n) => {
    if (!n.over || reason) return;
    const spec = ((n.over as Node).as_window_specification as Node | undefined)?.window_specification as
      | Node
      | undefined;
    const fn = String(n.name).toLowerCase();
    const rowsFrame = /"rows"|\brows\b/i.test(JSON.stringify(spec?.window_frame_clause ?? null));
    if (!ORDER_SENSITIVE.has(fn) && !rowsFrame) return;
    const named = new Set<string>();
    for (const e of [
      ...((spec?.partitionby as Node[] | null) ?? []),
      ...((spec?.orderby as Node[] | null) ?? []),
    ]) {
      const name = columnName(e.expr as Node);
      if (name) named.add(name);
    }
    if (keys.some((k) => !named.has(k)))
      reason = `${fn.toUpperCase()}${rowsFrame ? ' over a ROWS frame' : ''} depends on how rows that tie in its ORDER BY are ordered, which differs from run to run: name every group key in its PARTITION BY or ORDER BY (they identify a row) to maintain it incrementally`;
  });
  return reason;
}

/** The plan, or why the query cannot be maintained so. */
export function describeWindow(
  query: string,
  root: Node,
  columnsOf?: ColumnsOf,
): WindowPlan | { reason: string } {
  const tokens = significant(tokenize(query));
  const { top, fromAt } = selectLevel(tokens);
  const groupAt = top.findIndex((t, i) => isKeyword(t, 'GROUP') && isKeyword(top[i + 1], 'BY'));
  if (groupAt < 0) return { reason: 'a window over one aggregate of the whole table is refreshed in full' };
  if (top.some((t) => ['WINDOW', 'QUALIFY', 'LIMIT', 'OFFSET', 'FETCH'].some((w) => isKeyword(t, w))))
    return { reason: 'WINDOW, QUALIFY or LIMIT over windows of groups is refreshed in full' };
  const first = isKeyword(top[1], 'DISTINCT') || isKeyword(top[1], 'ALL') ? 2 : 1;
  if (isKeyword(top[1], 'DISTINCT') && isKeyword(top[2], 'ON'))
    return { reason: 'DISTINCT ON is refreshed in full' };
  const listStart = (top[first] as Token).start;
  const listEnd = (top[fromAt - 1] as Token).end;
  const orderAt = top.findIndex((t, i) => i > groupAt && isKeyword(t, 'ORDER'));
  const havingAt = top.findIndex((t, i) => i > groupAt && isKeyword(t, 'HAVING'));
  const groupEnd = [havingAt, orderAt].find((i) => i > 0) ?? top.length;
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
  const groups: string[] = [];
  let gs = (top[groupAt + 2] as Token).start;
  for (let i = groupAt + 2; i <= groupEnd; i++) {
    const t = i < groupEnd ? (top[i] as Token) : undefined;
    if (t && t.text !== ',') continue;
    const g = query.slice(gs, (top[i - 1] as Token).end).trim();
    const byAlias = columns.findIndex((c) => c.as?.toLowerCase() === g.toLowerCase().replace(/"/g, ''));
    const k = /^\d+$/.test(g) ? Number(g) - 1 : byAlias;
    groups.push(k >= 0 && k < columns.length ? itemExpr(k) : g);
    if (t) gs = (top[i + 1] as Token).start;
  }
  // Aggregate calls in the select list (not window functions: a call followed by OVER).
  const aggregateNames = new Set<string>();
  let expected = 0;
  walk(root.columns, (n) => {
    if (n.type === 'aggr_func' && !n.over) {
      expected++;
      aggregateNames.add(String(n.name).toLowerCase());
    }
  });
  const list = tokens.filter((t) => t.start >= listStart && t.end <= listEnd);
  const aggregates: string[] = [];
  let calls = 0;
  const edits: { start: number; end: number; text: string }[] = [];
  const groupWords = groups.map(words);
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
  if (calls !== expected) return { reason: 'the aggregates under the window could not be analysed' };
  let rewritten = '';
  let at = listStart;
  for (const e of edits) {
    rewritten += `${query.slice(at, e.start)}${e.text}`;
    at = e.end;
  }
  rewritten += query.slice(at, listEnd);
  const bodyEnd = groupAt > 0 ? (top[groupAt] as Token).start : query.length;
  const havingEnd = orderAt > 0 ? (top[orderAt] as Token).start : query.length;
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
    tail: ') AS dtlab_w',
    stateColumns: names.join(', '),
    width,
  };
  const outer = outerOver(plan);
  // Every column the window step reads must be one of the kept result's: a group key or an aggregate.
  const outerAst = analyzeQuery(outer, () => false).ast;
  let stray: string | undefined;
  walk((Array.isArray(outerAst) ? outerAst[0] : outerAst)?.columns, (n) => {
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
  const ties = tieReason(
    (Array.isArray(outerAst) ? outerAst[0] : outerAst)?.columns,
    names.slice(0, groups.length),
  );
  if (ties) return { reason: ties };
  return { ...plan, outer, outerShape: inner, whole: true };
}
