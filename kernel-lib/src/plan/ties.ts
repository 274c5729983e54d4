/**
 * The tie rule for windows (docs/incremental.md, strategies 3 and 4). `RANK`, `DENSE_RANK`, `PERCENT_RANK`,
 * `CUME_DIST` and aggregates over the default RANGE frame give rows that tie in the window's ORDER BY one
 * value; `ROW_NUMBER`, `LAG`, `LEAD`, `FIRST_VALUE`, … and any ROWS frame depend on the order tied rows are
 * read in, which differs from run to run. A plan that recomputes part of the result reads the rows in another
 * order than the query's own run, so the DT would hold another valid answer than VERIFY's run of the query.
 * Such a window is maintained incrementally only when its PARTITION BY and ORDER BY name what identifies a row:
 * over groups, every group key; over a table's rows, every column the select list and QUALIFY read (rows alike
 * in all of them are interchangeable, so the order they are read in changes nothing). Pure: parse trees in.
 */

import { walkNodes } from '../sql/ast-walk.js';

type Node = Record<string, unknown>;

const walk = walkNodes;

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

/** A call's name, lower case: `window_func` and `aggr_func` name it as a string, `function` as parts. */
function functionName(n: Node): string {
  const name = n.name as string | { name?: { value?: unknown }[] } | undefined;
  if (typeof name === 'string') return name.toLowerCase();
  const parts = name?.name ?? [];
  return String(parts[parts.length - 1]?.value ?? '').toLowerCase();
}

/** A column reference as [qualifier (lower case, '' when none), column]. */
function columnRef(n: Node | undefined): [string, string] | undefined {
  if (n?.type !== 'column_ref') return undefined;
  const c = n.column as string | { expr?: { value?: unknown } };
  const column = String(typeof c === 'string' ? c : c?.expr?.value);
  return [typeof n.table === 'string' ? n.table.toLowerCase() : '', column];
}

interface OrderSensitive {
  /** The function, as the reason names it (`ROW_NUMBER`, `SUM over a ROWS frame`). */
  what: string;
  /** The column references its PARTITION BY and ORDER BY are made of (expressions name nothing). */
  named: [string, string][];
}

/** The order-sensitive windows in `expressions`. */
function orderSensitive(expressions: unknown): OrderSensitive[] {
  const out: OrderSensitive[] = [];
  walk(expressions, (n) => {
    if (!n.over) return;
    const spec = ((n.over as Node).as_window_specification as Node | undefined)?.window_specification as
      | Node
      | undefined;
    const fn = functionName(n);
    const rowsFrame = /"rows"|\brows\b/i.test(JSON.stringify(spec?.window_frame_clause ?? null));
    if (!ORDER_SENSITIVE.has(fn) && !rowsFrame) return;
    const named: [string, string][] = [];
    for (const e of [
      ...((spec?.partitionby as Node[] | null) ?? []),
      ...((spec?.orderby as Node[] | null) ?? []),
    ]) {
      const ref = columnRef(e.expr as Node);
      if (ref) named.push(ref);
    }
    out.push({ what: `${fn.toUpperCase()}${rowsFrame ? ' over a ROWS frame' : ''}`, named });
  });
  return out;
}

const TIES = 'depends on how rows that tie in its ORDER BY are ordered, which differs from run to run';

/**
 * Over groups (plan/window.ts): why a window of the window step depends on how ties are broken, if one does —
 * an order-sensitive window whose PARTITION BY and ORDER BY do not name every group key (`keys`, the kept
 * result's columns), which together identify a row of the grouped result.
 */
export function groupTieReason(expressions: unknown, keys: string[]): string | undefined {
  for (const w of orderSensitive(expressions)) {
    const named = new Set(w.named.filter(([q]) => q === '').map(([, c]) => c));
    if (keys.some((k) => !named.has(k)))
      return `${w.what} ${TIES}: name every group key in its PARTITION BY or ORDER BY (they identify a row) to maintain it incrementally`;
  }
  return undefined;
}

/**
 * Over a table's rows (strategy 3, plan/shape.ts): why a window depends on how ties are broken, if one does
 * — an order-sensitive window whose PARTITION BY and ORDER BY do not name every column the select list and
 * QUALIFY read. `a.x` and `x` are one column (where both are valid, `x` can only be `a`'s).
 */
export function rowTieReason(root: Node): string | undefined {
  const read: [string, string][] = [];
  walk([root.columns, root.qualify], (n) => {
    const ref = columnRef(n);
    if (ref && ref[1] !== '*') read.push(ref);
  });
  const same = (a: [string, string], b: [string, string]) =>
    a[1] === b[1] && (a[0] === '' || b[0] === '' || a[0] === b[0]);
  for (const w of orderSensitive([root.columns, root.qualify])) {
    const missing = read.find((r) => !w.named.some((n) => same(n, r)));
    if (missing)
      return `${w.what} ${TIES}: its PARTITION BY and ORDER BY must name every column the select list and QUALIFY read (${missing[0] ? `${missing[0]}.` : ''}${missing[1]} is not), so that rows they do not tell apart are alike, to maintain it incrementally`;
  }
  return undefined;
}
