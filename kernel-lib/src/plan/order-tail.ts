/**
 * Windows over a table's rows without PARTITION BY (strategy 3b of docs/incremental.md, "tail recompute").
 * The whole result is one partition, but when every window reads only rows ordered before its own row (peers
 * included) — ROW_NUMBER, RANK, DENSE_RANK, LAG, aggregates over the default frame or a frame ending at CURRENT
 * ROW or n PRECEDING — a row ordered strictly before every row a change touches keeps its values: the rows it
 * reads did not change. So the refresh finds the ORDER BY keys a change touches (the old and the new values,
 * from the delete and the insert side: the affected keys of plan/incremental.ts with the ORDER BY columns as
 * keys), takes every key of the input ordered at or after the first of them, and replaces the DT's rows of
 * those keys (matched by equality, as strategy 2 matches keys) by the query's rows of them. The mirrored rule
 * holds when every window reads only rows ordered after its own (LEAD, frames starting at CURRENT ROW or n
 * FOLLOWING): the ORDER BY is read reversed. NULLs sort as the family sorts them (dialect `nullsFirst`).
 * Pure: tokens and the parse tree in, the rule or the reason out; SQL text out.
 */
import type { SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { callName, walkNodes } from '../sql/ast-walk.js';
import { isKeyword, type Token } from '../sql/lexer.js';
import type { QueryShape } from './shape.js';

type Node = Record<string, unknown>;

/** One element of the shared ORDER BY: descending, and NULLS FIRST / LAST when written. */
export interface TailOrder {
  desc: boolean;
  nulls?: 'first' | 'last';
}

/** The rule: `order[i]` orders by the query's key i (QueryShape.keys); `reversed` for the mirrored rule. */
export interface OrderTail {
  order: TailOrder[];
  reversed: boolean;
}

/** The functions whose value reads the rows up to their own (peers included) under the ORDER BY. */
const RANKING = new Set(['row_number', 'rank', 'dense_rank']);
/** The functions whose value reads the count of all rows of the partition. */
const COUNTING = new Set(['percent_rank', 'cume_dist', 'ntile']);
/** The value functions that read their frame, like aggregates. */
const FRAMED = new Set(['first_value', 'last_value', 'nth_value']);

const SUFFIX =
  'a window without PARTITION BY is maintained only when every window reads only rows ordered before its own (ROW_NUMBER, RANK, DENSE_RANK, LAG, running aggregates), or every one only rows ordered after (LEAD, frames from CURRENT ROW on), under one ORDER BY of result columns';

interface Reach {
  what: string;
  /** Reads rows ordered strictly before / after its own row (beyond its peers), or why it reads all. */
  before: boolean;
  after: boolean;
  all?: string;
}

/** Which side of its row a window reads: by its function, and for aggregates by its frame. */
function reachOf(n: Node): Reach {
  const fn = callName(n);
  const what = fn.toUpperCase();
  const spec = ((n.over as Node).as_window_specification as Node | undefined)?.window_specification as
    | Node
    | undefined;
  if (!((spec?.orderby as unknown[] | null) ?? []).length)
    return { what, before: true, after: true, all: `${what} OVER () reads every row of the result` };
  if (RANKING.has(fn)) return { what, before: true, after: false };
  if (fn === 'lag' || fn === 'lead') {
    // The offset picks the side: LAG(x, -1) reads the next row, as LEAD(x) does.
    const offset = ((n.args as Node | undefined)?.value as Node[] | undefined)?.[1];
    const steps = offset === undefined ? 1 : offset.type === 'number' ? Number(offset.value) : Number.NaN;
    if (Number.isNaN(steps))
      return { what, before: true, after: true, all: `the offset of ${what} is not a constant` };
    return (fn === 'lag') === steps >= 0
      ? { what, before: true, after: false }
      : { what, before: false, after: true };
  }
  if (COUNTING.has(fn))
    return { what, before: true, after: true, all: `${what} reads the count of every row of the result` };
  if (n.type !== 'aggr_func' && !FRAMED.has(fn))
    return { what, before: true, after: true, all: `${what} is not known to read only one side of its row` };
  const frame = spec?.window_frame_clause;
  // No frame: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.
  if (!frame) return { what, before: true, after: false };
  const bounds: string[] = [];
  walkNodes(frame, (x) => {
    if (typeof x.value === 'string' && /preceding|following|current/i.test(x.value)) bounds.push(x.value);
  });
  const [start, end = 'current row'] = bounds;
  if (!start || bounds.length > 2)
    return { what, before: true, after: true, all: `the frame of ${what} could not be analysed` };
  return { what, before: /preceding/i.test(start), after: /following/i.test(end) };
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** The ORDER BY of the window opening at `open` ('('), as [expression, TailOrder] per element. */
function orderList(tokens: Token[], query: string, open: number): [string, TailOrder][] | undefined {
  let i = open + 1;
  let depth = 0;
  // Past a PARTITION BY (the caller has made sure there is none) to ORDER BY.
  if (!isKeyword(tokens[i], 'ORDER')) return [];
  i += 2;
  const out: [string, TailOrder][] = [];
  let from = i;
  for (; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === '(') depth++;
    else if (t.text === ')' && depth > 0) depth--;
    else if (
      depth === 0 &&
      (t.text === ',' || t.text === ')' || ['ROWS', 'RANGE', 'GROUPS'].some((k) => isKeyword(t, k)))
    ) {
      let last = i - 1;
      const order: TailOrder = { desc: false };
      if (isKeyword(tokens[last - 1], 'NULLS')) {
        order.nulls = isKeyword(tokens[last], 'FIRST') ? 'first' : 'last';
        last -= 2;
      }
      if (isKeyword(tokens[last], 'DESC') || isKeyword(tokens[last], 'ASC')) {
        order.desc = isKeyword(tokens[last], 'DESC');
        last--;
      }
      if (last < from) return undefined;
      out.push([norm(query.slice((tokens[from] as Token).start, (tokens[last] as Token).end)), order]);
      if (t.text !== ',') return out;
      from = i + 1;
    }
  }
  return undefined;
}

/**
 * The tail rule of a query whose windows all lack PARTITION BY — its keys (the result positions of the shared
 * ORDER BY) and the order — or why it is refreshed in full. `same` tells whether a result column's text is an
 * ORDER BY expression.
 */
export function describeOrderTail(
  tokens: Token[],
  query: string,
  items: string[],
  root: Node,
  same: (item: string, expr: string) => boolean,
): { keys: number[]; orderTail: OrderTail } | { reason: string } {
  const reaches: Reach[] = [];
  walkNodes([root.columns, root.qualify], (n) => {
    if (n.over) reaches.push(reachOf(n));
  });
  const whole = reaches.find((r) => r.all);
  if (whole) return { reason: `${whole.all}: ${SUFFIX}` };
  const before = reaches.find((r) => r.before);
  const after = reaches.find((r) => r.after);
  if (before && after)
    return {
      reason:
        before === after
          ? `${before.what} reads rows ordered both before and after its own: ${SUFFIX}`
          : `${before.what} reads rows ordered before its own and ${after.what} rows after: ${SUFFIX}`,
    };
  let shared: [string, TailOrder][] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    if (!isKeyword(tokens[i], 'OVER')) continue;
    const list = orderList(tokens, query, i + 1);
    if (!list) return { reason: `the ORDER BY of a window could not be analysed: ${SUFFIX}` };
    if (shared && JSON.stringify(shared) !== JSON.stringify(list))
      return {
        reason: `windows without PARTITION BY ordered differently are refreshed in full in this version`,
      };
    shared = list;
  }
  const keys: number[] = [];
  const order: TailOrder[] = [];
  for (const [expr, o] of shared ?? []) {
    const k = items.findIndex((it) => same(norm(it), expr));
    if (k < 0)
      return {
        reason: `the window ORDER BY expression ${expr} is not a column of the result: ${SUFFIX}`,
      };
    // A repeated expression orders nothing more.
    if (keys.includes(k)) continue;
    keys.push(k);
    order.push(o);
  }
  return { keys, orderTail: { order, reversed: !before } };
}

/** Each key's order as the backend sorts it: NULLs placed as the family places them, reversed for the mirror. */
function sorted(tail: OrderTail, family: SqlFamily): { desc: boolean; nullsFirst: boolean }[] {
  const d = dialectOf(family);
  return tail.order.map((o) => {
    const nullsFirst = o.nulls ? o.nulls === 'first' : d.nullsFirst(o.desc);
    return tail.reversed ? { desc: !o.desc, nullsFirst: !nullsFirst } : { desc: o.desc, nullsFirst };
  });
}

/** The table of the ORDER BY keys a change touches (before the tail's keys are drawn from the input). */
export const TOUCHED_TABLE = 'dtlab_touched';

/**
 * Every ORDER BY key (k1…kn) of the query's input rows (FROM … WHERE, before the windows) ordered at or after
 * the first key in TOUCHED_TABLE, and the touched keys themselves (a key whose rows are all gone is among
 * them). The DT's rows of these keys, and only they, can have changed; they are matched by equality, as the
 * affected keys of strategy 2 are (a declared column type may order values otherwise than the query).
 */
export function tailKeysSql(query: string, shape: QueryShape, tail: OrderTail, family: SqlFamily): string {
  const keys = shape.keys.map((k, i) => `(${shape.items[k]}) AS k${i + 1}`);
  const end = 'insertAt' in shape.where ? shape.where.insertAt : shape.where.end;
  const input = `SELECT ${keys.join(', ')} FROM ${query.slice(shape.fromStart, end)}`;
  const by = sorted(tail, family).map(
    (o, i) => `k${i + 1} ${o.desc ? 'DESC' : 'ASC'} NULLS ${o.nullsFirst ? 'FIRST' : 'LAST'}`,
  );
  const first = `SELECT * FROM ${TOUCHED_TABLE} ORDER BY ${by.join(', ')} LIMIT 1`;
  const k = (t: string) => shape.keys.map((_k, i) => `${t}.k${i + 1}`);
  const at = atOrAfter(k('dtlab_i'), k('dtlab_f'), tail, family);
  return `SELECT DISTINCT dtlab_i.* FROM (${input}) AS dtlab_i, (${first}) AS dtlab_f WHERE ${at}\nUNION\nSELECT * FROM ${TOUCHED_TABLE}`;
}

/**
 * "The row of `row` (its ORDER BY values) is at or after the key `key`" in the rule's order: not strictly
 * before it. Never NULL.
 */
export function atOrAfter(row: string[], key: string[], tail: OrderTail, family: SqlFamily): string {
  const parts = sorted(tail, family).map((o, i) => {
    const [x, y] = [row[i] as string, key[i] as string];
    const lt = `CASE WHEN ${x} IS NULL THEN ${o.nullsFirst ? `${y} IS NOT NULL` : 'FALSE'} WHEN ${y} IS NULL THEN ${o.nullsFirst ? 'FALSE' : 'TRUE'} ELSE ${x} ${o.desc ? '>' : '<'} ${y} END`;
    return { lt, eq: `${x} IS NOT DISTINCT FROM ${y}` };
  });
  let before = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] as { lt: string; eq: string };
    before = before ? `(${p.lt}) OR ((${p.eq}) AND (${before}))` : `(${p.lt})`;
  }
  return `NOT (${before})`;
}
