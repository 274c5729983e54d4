/**
 * Which queries the linear strategy (plan/linear.ts) maintains, and their aggregates: COUNT, SUM, AVG, and
 * in grouped queries MIN and MAX, over inner joins or a LEFT JOIN whose optional table comes last
 * (plan/optional.ts); or a projection without aggregates, kept row by row (plan/rows.ts). Pure.
 */
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { distinctReason } from './distinct.js';
import type { QueryShape } from './shape.js';

export interface Aggregate {
  fn: 'count_star' | 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max';
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

/** The aggregate calls of the non-key select items, or why the query is not linear. */
export function linearPlan(shape: QueryShape): LinearPlan | { reason: string } {
  if (shape.keys.length === 0 && !shape.global) return { reason: 'no aggregate' };
  if (shape.distinct) return { reason: 'SELECT DISTINCT needs whole groups' };
  if (shape.window) return { reason: 'window functions need whole partitions' };
  if (shape.having) return { reason: 'HAVING needs whole groups' };
  if (shape.subqueryTables.length > 0 || (shape.conjuncts.length > 0 && !shape.global))
    return { reason: 'subqueries need whole groups' };
  if (shape.derived) return { reason: 'subqueries in FROM' };
  if (shape.outer) return { reason: 'outer joins whose rows come and go with the other side' };
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
  const hidden = [...new Set(shape.conjuncts.flatMap((c) => c.correlations.map((k) => k.outer)))];
  // Kept per hidden key and rolled up by sums, an extreme would be summed: only a plain whole-table one is kept.
  const extreme = aggregates.find((a) => a.fn === 'min' || a.fn === 'max');
  if (extreme && hidden.length > 0)
    return {
      reason: `${extreme.fn.toUpperCase()} over the whole table is not kept beside correlated subqueries`,
    };
  const plan = { aggregates, hidden };
  const distinct = distinctReason(plan, shape);
  return distinct ? { reason: distinct } : plan;
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
      !/^(stddev|var|bool|bit|every|listagg|median|mode|percentile|min_by$|max_by$)/.test(name)
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
    const distinct = /^distinct\b/i.test(inner);
    // COUNT(DISTINCT x) is kept by counted values (plan/distinct.ts); one argument, no row value.
    const distinctArg = inner.replace(/^distinct\b/i, '').trim();
    if (distinct && (name !== 'count' || distinctArg.includes(',') || !distinctArg))
      return { reason: `${name.toUpperCase()}(DISTINCT …) is not linear` };
    const after = tokens[j + 1];
    if (['FILTER', 'OVER', 'WITHIN'].some((kw) => isKeyword(after, kw)))
      return { reason: `${name.toUpperCase()}(…) ${after?.text.toUpperCase()} is not maintained linearly` };
    const fn = distinct
      ? 'count_distinct'
      : name === 'count'
        ? inner === '*'
          ? 'count_star'
          : 'count'
        : (name as Aggregate['fn']);
    out.push({
      fn,
      ...(fn === 'count_star' ? {} : { arg: distinct ? distinctArg : inner }),
      start: offset + t.start,
      end: offset + close.end,
    });
    i = j;
  }
  return out;
}
