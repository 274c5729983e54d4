/**
 * The linear (Z-set) strategy, as pure SQL builders: for a GROUP BY (or whole-table) query over inner joins
 * whose aggregates are COUNT, SUM and AVG, every change row carries a weight (+n inserted, −n deleted) and
 * a group's new aggregates are its old ones plus the weighted aggregates of the change. They are kept in a
 * state table beside the DT — per group: the row count `dtlab_n`, and per aggregate its sum `aJ_s` and count
 * of non-NULL arguments `aJ_c` — and the DT's rows of the groups a change touched are rewritten from it.
 * Cost follows the change, never the table.
 *
 * Joins follow the delta rule Δ(R⋈S) = ΔR⋈S_old + R_new⋈ΔS (plan/delta.ts).
 *
 * MIN and MAX (grouped queries only) are kept in the state as the current extreme, `aJ_m`: an insert raises
 * it (new = greatest(old, the change's maximum)); a group whose change deletes a value at or beyond its
 * extreme (any row of negative weight: a delete, an update's old half) has that extreme recomputed from the
 * sources, restricted to those groups. Every other group is only merged.
 *
 * A LEFT JOIN whose optional table comes last (plan/optional.ts) is two linear parts: the preserved rows
 * counted per group (`dtlab_n`, the LEFT JOIN clause left out) and the aggregates over the inner join.
 *
 * A whole-table aggregate filtered by subqueries correlated by equality (TPC-H Q17) keeps its state per value
 * of the correlated outer columns (hidden keys `h1…`): a change is applied by recomputing the state rows of
 * the hidden keys it touches (found as the affected-key strategy finds keys), and the one result row is
 * rolled up from the state. Work follows the touched keys.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { deltaTerms } from './delta.js';
import type { QueryShape } from './shape.js';

export interface Aggregate {
  fn: 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max';
  /** The argument's text (absent for COUNT(*)). */
  arg?: string;
  /** Span of the whole call in the query text. */
  start: number;
  end: number;
}

export interface LinearPlan {
  aggregates: Aggregate[];
  /** Outer expressions the WHERE's subqueries are correlated by: the state's hidden keys (global only). */
  hidden: string[];
  /** A projection without aggregates: the DT's rows themselves are the Z-set (plan/rows.ts), no state. */
  rows?: boolean;
}

/** The state table of a DT, in schema dtlab. */
export const stateTable = (dt: string) => `dtlab.${quoteIdent(`state_${dt}`)}`;
export const stateTableName = (dt: string) => `state_${dt}`;

/** The aggregate calls of the non-key select items, or why the query is not linear. */
export function linearPlan(query: string, shape: QueryShape): LinearPlan | { reason: string } {
  if (shape.keys.length === 0 && !shape.global) return { reason: 'no aggregate' };
  if (shape.distinct) return { reason: 'SELECT DISTINCT needs whole groups' };
  if (shape.window) return { reason: 'window functions need whole partitions' };
  if (shape.having) return { reason: 'HAVING needs whole groups' };
  if (shape.subqueryTables.length > 0 || (shape.conjuncts.length > 0 && !shape.global))
    return { reason: 'subqueries need whole groups' };
  if (shape.derived) return { reason: 'subqueries in FROM' };
  const left = shape.tables.some((t) => t.join === 'left');
  if (!shape.grouped && !shape.global && shape.aggregateCounts.every((n) => n === 0))
    return left
      ? { reason: "a LEFT JOIN's unmatched rows come and go with the other side" }
      : { aggregates: [], hidden: [], rows: true };
  if (left && !shape.optional)
    return { reason: 'a LEFT JOIN is linear only when its table comes last in FROM' };
  if (left && shape.optional?.reason) return { reason: shape.optional.reason };
  if (left && shape.global) return { reason: 'an aggregate over a whole LEFT JOIN is not linear' };
  const aggregates: Aggregate[] = [];
  for (const [k, item] of shape.items.entries()) {
    if (shape.keys.includes(k)) continue;
    const start = shape.itemStarts[k] as number;
    const found = aggregateCalls(item, start);
    if ('reason' in found) return found;
    if (found.length !== shape.aggregateCounts[k])
      return { reason: `the result column ${item} uses an aggregate that is not linear` };
    // Outside its aggregate calls an item may hold only constants and operators (no column of a group).
    let rest = item;
    for (const a of [...found].reverse()) rest = rest.slice(0, a.start - start) + rest.slice(a.end - start);
    const words = significant(tokenize(rest));
    const column = words.find((t, i) => t.kind === 'word' && words[i + 1]?.text !== '(' && !isSqlWord(t));
    if (column) return { reason: `the result column ${item} reads ${column.text} outside its aggregates` };
    aggregates.push(...found);
  }
  if (aggregates.length === 0) return { reason: 'no aggregate' };
  const extreme = aggregates.find((a) => a.fn === 'min' || a.fn === 'max');
  if (extreme && shape.global)
    return { reason: `${extreme.fn.toUpperCase()} over the whole table needs every row after a delete` };
  const hidden = [...new Set(shape.conjuncts.flatMap((c) => c.correlations.map((k) => k.outer)))];
  return { aggregates, hidden };
}

/** The shape whose keys are the hidden keys (for affected keys and restricted recomputes of the state). */
export function hiddenKeyShape(shape: QueryShape, plan: LinearPlan): QueryShape {
  const items = [...shape.items, ...plan.hidden];
  return { ...shape, items, keys: plan.hidden.map((_h, i) => shape.items.length + i), global: false };
}

const SQL_WORDS = new Set([
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'AND',
  'OR',
  'NOT',
  'NULL',
  'IS',
  'CAST',
  'AS',
]);
const TYPE_WORDS = /^(numeric|decimal|integer|int|bigint|double|real|float|precision|varchar|text)$/i;
const isSqlWord = (t: Token) => SQL_WORDS.has(t.text.toUpperCase()) || TYPE_WORDS.test(t.text);

/** COUNT / SUM / AVG calls in `text` (which starts at `offset` of the query). */
function aggregateCalls(text: string, offset: number): Aggregate[] | { reason: string } {
  const tokens = significant(tokenize(text));
  const out: Aggregate[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.kind !== 'word' || next?.text !== '(') continue;
    const name = t.text.toLowerCase();
    const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max', 'stddev', 'variance', 'string_agg', 'array_agg'];
    if (
      !AGGREGATES.includes(name) &&
      !/^(stddev|var|bool|bit|every|listagg|median|mode|percentile)/.test(name)
    )
      continue;
    if (!['count', 'sum', 'avg', 'min', 'max'].includes(name))
      return { reason: `${name.toUpperCase()} is not linear (a delete may need the whole group)` };
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      const u = tokens[j] as Token;
      if (u.text === '(') depth++;
      if (u.text === ')' && --depth === 0) break;
    }
    const close = tokens[j] as Token;
    const inner = text.slice((next as Token).end, close.start).trim();
    if (/^distinct\b/i.test(inner)) return { reason: `${name.toUpperCase()}(DISTINCT …) is not linear` };
    const after = tokens[j + 1];
    if (['FILTER', 'OVER', 'WITHIN'].some((kw) => isKeyword(after, kw)))
      return { reason: `${name.toUpperCase()}(…) ${after?.text.toUpperCase()} is not maintained linearly` };
    const fn = name === 'count' ? (inner === '*' ? 'count_star' : 'count') : (name as Aggregate['fn']);
    out.push({
      fn,
      ...(fn === 'count_star' ? {} : { arg: inner }),
      start: offset + t.start,
      end: offset + close.end,
    });
    i = j;
  }
  return out;
}

const keyList = (shape: QueryShape) => shape.keys.map((k, i) => `(${shape.items[k]}) AS k${i + 1}`);
const isExtreme = (a: Aggregate) => a.fn === 'min' || a.fn === 'max';

/**
 * Which rows a select of state columns reads: all of the query's, only the preserved side's (counts only),
 * or the inner join's (aggregates only), for a LEFT JOIN.
 */
type Part = 'all' | 'preserved' | 'joined';

/**
 * Aggregate columns of the state: `dtlab_n`, then per aggregate `aJ_s, aJ_c` (sums, counts) or `aJ_m` (the
 * extreme). Weighted by `w`: sums of weight × value, and for an extreme, the maximum (minimum) of the rows
 * inserted, `aJ_m`, and of the rows deleted, `aJ_x`.
 */
function stateColumns(plan: LinearPlan, w?: string, part: Part = 'all'): string[] {
  const count = w ? `sum(${w})` : 'count(*)';
  const cols = [`${part === 'joined' ? '0' : count} AS dtlab_n`];
  const preserved = part === 'preserved';
  plan.aggregates.forEach((a, j) => {
    if (!a.arg) return;
    const name = `a${j + 1}`;
    if (isExtreme(a)) {
      const arg = (sign: string) => (w ? `CASE WHEN ${w} ${sign} 0 THEN (${a.arg}) END` : `(${a.arg})`);
      cols.push(`${preserved ? 'NULL' : `${a.fn}(${arg('>')})`} AS ${name}_m`);
      if (w) cols.push(`${preserved ? 'NULL' : `${a.fn}(${arg('<')})`} AS ${name}_x`);
      return;
    }
    // COUNT needs only the count (its argument may not be summable); SUM and AVG need both.
    const sum = w ? `sum(${w} * (${a.arg}))` : `sum(${a.arg})`;
    if (a.fn !== 'count') cols.push(`${preserved ? '0' : sum} AS ${name}_s`);
    const c = w ? `sum(CASE WHEN (${a.arg}) IS NULL THEN 0 ELSE ${w} END)` : `count(${a.arg})`;
    cols.push(`${preserved ? '0' : c} AS ${name}_c`);
  });
  return cols;
}

/** How a column of the state (or of a delta) rolls up: extremes by MAX/MIN, the rest by SUM. */
function rollUp(plan: LinearPlan, column: string): string {
  const j = Number(column.match(/^a(\d+)_[mx]$/)?.[1] ?? 0);
  return j ? (plan.aggregates[j - 1]?.fn as string) : 'sum';
}

/** The query's text as the inner join (LEFT made inner), positions unchanged. */
export function joinedText(query: string, shape: QueryShape): string {
  const span = shape.tables[shape.optional?.table ?? -1]?.joinSpan;
  if (!span) return query;
  return query.slice(0, span[0]) + 'JOIN'.padEnd(span[1] - span[0]) + query.slice(span[1]);
}

/** The query's text without its LEFT JOIN clause (blanked), positions unchanged. */
function preservedText(query: string, shape: QueryShape): string {
  const [start, end] = shape.optional?.clause ?? [0, 0];
  return query.slice(0, start) + ' '.repeat(end - start) + query.slice(end);
}

/**
 * The state computed from scratch: one row per group (exactly one for a whole-table aggregate, one per
 * hidden key with hidden keys). `text` is the query with its WHERE clause edited (restricted to keys).
 */
export function stateSelectSql(query: string, shape: QueryShape, plan: LinearPlan, text = query): string {
  const hidden = plan.hidden.map((h, i) => `(${h}) AS h${i + 1}`);
  const part = (t: string, p: Part) => {
    const select = [...keyList(shape), ...hidden, ...stateColumns(plan, undefined, p)].join(', ');
    const body = t.slice(shape.fromStart, shape.tailStart + t.length - query.length);
    return `SELECT ${select} FROM ${body}${hidden.length ? ` GROUP BY ${plan.hidden.join(', ')}` : ''}`;
  };
  if (!shape.optional) return part(text, 'all');
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const cols = stateAggregateColumns(plan).map((c) => `${rollUp(plan, c)}(${c}) AS ${c}`);
  const parts = `${part(joinedText(query, shape), 'joined')}\nUNION ALL\n${part(preservedText(query, shape), 'preserved')}`;
  return `SELECT ${[...keys, ...cols].join(', ')} FROM (\n${parts}\n) AS dtlab_p GROUP BY ${keys.join(', ')}`;
}

/** The extremes (MIN/MAX) of the groups whose keys `text` (the query restricted to them) selects. */
export function extremesSql(query: string, shape: QueryShape, plan: LinearPlan, text: string): string {
  const cols = plan.aggregates.flatMap((a, j) => (isExtreme(a) ? [`${a.fn}(${a.arg}) AS a${j + 1}_m`] : []));
  const body = text.slice(shape.fromStart, shape.tailStart + text.length - query.length);
  return `SELECT ${[...keyList(shape), ...cols].join(', ')} FROM ${body}`;
}

/** The state rows to recompute the extremes of (alias `dtlab_d` the delta, `dtlab_s` the old state). */
export function extremeHit(plan: LinearPlan): string | undefined {
  const hits = plan.aggregates.flatMap((a, j) => {
    if (!isExtreme(a)) return [];
    const [x, m] = [`dtlab_d.a${j + 1}_x`, `dtlab_s.a${j + 1}_m`];
    return [`(${x} IS NOT NULL AND (${m} IS NULL OR ${x} ${a.fn === 'max' ? '>=' : '<='} ${m}))`];
  });
  return hits.length ? hits.join(' OR ') : undefined;
}

/** `column = new value` for each state column, merging the delta `dtlab_d` into the state `dtlab_s`. */
export function mergeSet(plan: LinearPlan): string {
  return stateAggregateColumns(plan)
    .map((c) => {
      const fn = rollUp(plan, c);
      if (fn !== 'sum') return `${c} = ${fn === 'max' ? 'greatest' : 'least'}(dtlab_s.${c}, dtlab_d.${c})`;
      return `${c} = coalesce(dtlab_s.${c}, 0) + coalesce(dtlab_d.${c}, 0)`;
    })
    .join(', ');
}

/** The state of a DT with hidden keys, rolled up to its one row (`state` for the output's FROM). */
export function rolledUpState(plan: LinearPlan, state: string): string {
  const cols = stateAggregateColumns(plan).map((c) => `coalesce(sum(${c}), 0) AS ${c}`);
  return `(SELECT ${cols.join(', ')} FROM ${state})`;
}

/**
 * The change to the state: per group, the weighted counts and sums (and the extremes of the rows inserted
 * and deleted) of every delta term (plan/delta.ts). For a LEFT JOIN, the inner join's terms give the
 * aggregates and the preserved side's terms the counts. Positions bind as `$1`.
 */
export function deltaSql(
  query: string,
  shape: QueryShape,
  plan: LinearPlan,
  family: SqlFamily,
  changed: Map<string, string[]>,
  insertsOnly: ReadonlySet<string> = new Set(),
): string {
  const input = { family, changed, insertsOnly };
  const select = (part: Part) => (w: string) =>
    [...keyList(shape), ...stateColumns(plan, w, part)].join(', ');
  const optional = shape.optional;
  const terms = optional
    ? [
        ...deltaTerms(query, joinedText(query, shape), shape, shape.tables, input, select('joined')),
        ...deltaTerms(
          query,
          preservedText(query, shape),
          shape,
          shape.tables.filter((_t, i) => i !== optional.table),
          input,
          select('preserved'),
        ),
      ]
    : deltaTerms(query, query, shape, shape.tables, input, select('all'));
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const deleted = plan.aggregates.flatMap((a, j) => (isExtreme(a) ? [`a${j + 1}_x`] : []));
  const cols = [...stateAggregateColumns(plan), ...deleted].map((c) => `${rollUp(plan, c)}(${c}) AS ${c}`);
  const group = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  return `SELECT ${[...keys, ...cols].join(', ')} FROM (\n${terms.join('\nUNION ALL\n')}\n) AS dtlab_d${group}`;
}

/** The aggregate columns of the state (for merges). */
export function stateAggregateColumns(plan: LinearPlan): string[] {
  const cols = ['dtlab_n'];
  plan.aggregates.forEach((a, j) => {
    if (isExtreme(a)) cols.push(`a${j + 1}_m`);
    else if (a.fn === 'sum' || a.fn === 'avg') cols.push(`a${j + 1}_s`);
    if (a.arg && !isExtreme(a)) cols.push(`a${j + 1}_c`);
  });
  return cols;
}

/** The DT's rows computed from the state (alias `dtlab_s`): keys as stored, aggregates from their parts. */
export function outputFromStateSql(
  shape: QueryShape,
  plan: LinearPlan,
  family: SqlFamily,
  state: string,
  where: string,
): string {
  const items = shape.items.map((item, k) => {
    const key = shape.keys.indexOf(k);
    if (key >= 0) return `dtlab_s.k${key + 1}`;
    const start = shape.itemStarts[k] as number;
    let text = item;
    const inItem = plan.aggregates
      .map((a, j) => ({ a, j }))
      .filter(({ a }) => a.start >= start && a.end <= start + item.length);
    for (const { a, j } of inItem.reverse()) {
      const s = `dtlab_s.a${j + 1}_s`;
      const c = `dtlab_s.a${j + 1}_c`;
      // AVG's type per family: PostgreSQL's avg is numeric division (float for floats), DuckDB's a DOUBLE.
      const avg = family === 'postgres' ? `${s} / CAST(${c} AS NUMERIC)` : `CAST(${s} AS DOUBLE) / ${c}`;
      const value = {
        count_star: 'dtlab_s.dtlab_n',
        count: c,
        sum: `(CASE WHEN ${c} = 0 THEN NULL ELSE ${s} END)`,
        avg: `(CASE WHEN ${c} = 0 THEN NULL ELSE ${avg} END)`,
        min: `dtlab_s.a${j + 1}_m`,
        max: `dtlab_s.a${j + 1}_m`,
      }[a.fn];
      text = text.slice(0, a.start - start) + value + text.slice(a.end - start);
    }
    return text;
  });
  return `SELECT ${items.join(', ')} FROM ${state} AS dtlab_s${where ? ` WHERE ${where}` : ''}`;
}
