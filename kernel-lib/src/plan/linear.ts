/**
 * The linear (Z-set) strategy, as pure SQL builders: for a GROUP BY (or whole-table) query over inner joins
 * whose aggregates are COUNT, SUM and AVG, every change row carries a weight (+n inserted, −n deleted) and
 * a group's new aggregates are its old ones plus the weighted aggregates of the change. They are kept in a
 * state table beside the DT — per group: the row count `dtlab_n`, and per aggregate its sum `aJ_s` and count
 * of non-NULL arguments `aJ_c` — and the DT's rows of the groups a change touched are rewritten from it.
 * Cost follows the change, never the table.
 *
 * Joins follow the delta rule Δ(R⋈S) = ΔR⋈S_old + R_new⋈ΔS, generalised to n references (the i-th term reads
 * the change of reference i, the new state of the changed references before it, the old state of those
 * after it). Old state is "current rows, plus the change with its weight negated".
 *
 * A whole-table aggregate filtered by subqueries correlated by equality (TPC-H Q17) keeps its state per value
 * of the correlated outer columns (hidden keys `h1…`): a change is applied by recomputing the state rows of
 * the hidden keys it touches (found as the affected-key strategy finds keys), and the one result row is
 * rolled up from the state. Work follows the touched keys.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { changeTable as duckChangeTable } from '../capture/duckdb.js';
import { changeTable as pgChangeTable } from '../capture/postgres.js';
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import type { QueryShape, TableRef } from './shape.js';

export interface Aggregate {
  fn: 'count_star' | 'count' | 'sum' | 'avg';
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
  if (shape.tables.some((t) => t.join === 'left')) return { reason: 'a LEFT JOIN is not linear' };
  if (shape.derived) return { reason: 'subqueries in FROM' };
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
    if (name !== 'count' && name !== 'sum' && name !== 'avg')
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
    const fn = name === 'count' ? (inner === '*' ? 'count_star' : 'count') : (name as 'sum' | 'avg');
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

/** Aggregate columns of the state: `dtlab_n`, then `aJ_s, aJ_c` per aggregate (weighted by `w`). */
function stateColumns(plan: LinearPlan, w?: string): string[] {
  const cols = [w ? `sum(${w}) AS dtlab_n` : 'count(*) AS dtlab_n'];
  plan.aggregates.forEach((a, j) => {
    if (!a.arg) return;
    // COUNT needs only the count (its argument may not be summable); SUM and AVG need both.
    if (a.fn !== 'count')
      cols.push(w ? `sum(${w} * (${a.arg})) AS a${j + 1}_s` : `sum(${a.arg}) AS a${j + 1}_s`);
    cols.push(
      w
        ? `sum(CASE WHEN (${a.arg}) IS NULL THEN 0 ELSE ${w} END) AS a${j + 1}_c`
        : `count(${a.arg}) AS a${j + 1}_c`,
    );
  });
  return cols;
}

/**
 * The state computed from scratch: one row per group (exactly one for a whole-table aggregate, one per
 * hidden key with hidden keys). `text` is the query with its WHERE clause edited (restricted to keys).
 */
export function stateSelectSql(query: string, shape: QueryShape, plan: LinearPlan, text = query): string {
  const hidden = plan.hidden.map((h, i) => `(${h}) AS h${i + 1}`);
  const select = [...keyList(shape), ...hidden, ...stateColumns(plan)].join(', ');
  const body = text.slice(shape.fromStart, shape.tailStart + text.length - query.length);
  return `SELECT ${select} FROM ${body}${hidden.length ? ` GROUP BY ${plan.hidden.join(', ')}` : ''}`;
}

/** The state of a DT with hidden keys, rolled up to its one row (`state` for the output's FROM). */
export function rolledUpState(plan: LinearPlan, state: string): string {
  const cols = stateAggregateColumns(plan).map((c) => `coalesce(sum(${c}), 0) AS ${c}`);
  return `(SELECT ${cols.join(', ')} FROM ${state})`;
}

const AFTER = {
  postgres:
    '_xid >= pg_snapshot_xmin(CAST($1 AS pg_snapshot)) AND NOT pg_visible_in_snapshot(_xid, CAST($1 AS pg_snapshot))',
  duckdb: '_seq > CAST($1 AS BIGINT)',
};

/**
 * The change rows of `source` with their net weight `dtlab_w` (negated for the old state), consolidated: a
 * row inserted and deleted again within the window must not be evaluated (it may be the bad row that failed
 * a refresh and was since removed). A change of inserts only has nothing to cancel, so it is read as it is
 * (grouping a large change by every column would cost more than the rest of the refresh).
 */
function weightedChange(
  family: SqlFamily,
  source: string,
  columns: string[],
  sign: 1 | -1,
  insertsOnly: boolean,
): string {
  const cols = columns.map(quoteIdent).join(', ');
  const table = family === 'postgres' ? pgChangeTable(source) : duckChangeTable(source);
  const neg = sign === 1 ? '' : '-';
  if (insertsOnly)
    return `SELECT ${cols}, ${neg}_w AS dtlab_w FROM ${table} WHERE ${AFTER[family]} AND _w > 0`;
  return `SELECT ${cols}, ${neg}sum(_w) AS dtlab_w FROM ${table} WHERE ${AFTER[family]} GROUP BY ${cols} HAVING sum(_w) <> 0`;
}

const qualifier = (ref: TableRef) => ref.alias ?? quoteIdent(ref.name);
const derivedAs = (ref: TableRef, rows: string) =>
  ref.alias ? `(${rows})` : `(${rows}) AS ${quoteIdent(ref.name)}`;

/**
 * The change to the state: per group, the weighted counts and sums of every delta term. Positions bind as
 * `$1`. `changed` maps each changed source to its columns; `insertsOnly` names those whose change deleted
 * nothing.
 */
export function deltaSql(
  query: string,
  shape: QueryShape,
  plan: LinearPlan,
  family: SqlFamily,
  changed: Map<string, string[]>,
  insertsOnly: ReadonlySet<string> = new Set(),
): string {
  const refs = shape.tables.map((r, i) => ({ r, i })).filter(({ r }) => changed.has(r.name));
  const terms = refs.map((_ref, n) => {
    const edits: { start: number; end: number; text: string }[] = [];
    const weights: string[] = [];
    refs.forEach(({ r: other }, m) => {
      if (m < n) return; // the new state: the table as it is
      const columns = changed.get(other.name) as string[];
      const rows =
        m === n
          ? weightedChange(family, other.name, columns, 1, insertsOnly.has(other.name))
          : `SELECT ${columns.map(quoteIdent).join(', ')}, 1 AS dtlab_w FROM ${quoteIdent(other.name)} UNION ALL ${weightedChange(family, other.name, columns, -1, insertsOnly.has(other.name))}`;
      edits.push({ start: other.start, end: other.end, text: derivedAs(other, rows) });
      weights.push(`${qualifier(other)}.dtlab_w`);
    });
    let text = query;
    for (const e of edits.sort((a, b) => b.start - a.start))
      text = text.slice(0, e.start) + e.text + text.slice(e.end);
    const shift = text.length - query.length;
    const select = [...keyList(shape), ...stateColumns(plan, weights.join(' * '))].join(', ');
    return `SELECT ${select} FROM ${text.slice(shape.fromStart, shape.tailStart + shift)}`;
  });
  const keys = shape.keys.map((_k, i) => `k${i + 1}`);
  const sums = stateAggregateColumns(plan).map((c) => `sum(${c}) AS ${c}`);
  const group = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  return `SELECT ${[...keys, ...sums].join(', ')} FROM (\n${terms.join('\nUNION ALL\n')}\n) AS dtlab_d${group}`;
}

/** The aggregate columns of the state (for merges). */
export function stateAggregateColumns(plan: LinearPlan): string[] {
  const cols = ['dtlab_n'];
  plan.aggregates.forEach((a, j) => {
    if (a.fn === 'sum' || a.fn === 'avg') cols.push(`a${j + 1}_s`);
    if (a.arg) cols.push(`a${j + 1}_c`);
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
      }[a.fn];
      text = text.slice(0, a.start - start) + value + text.slice(a.end - start);
    }
    return text;
  });
  return `SELECT ${items.join(', ')} FROM ${state} AS dtlab_s${where ? ` WHERE ${where}` : ''}`;
}
