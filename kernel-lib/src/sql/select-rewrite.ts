/**
 * Snowflake SELECT features a family lacks, rewritten into equivalent SQL (the PostgreSQL family; DuckDB has
 * both natively):
 *
 * - Lateral column aliases: `SELECT a + 1 AS x, x * 2 AS y FROM t WHERE x > 3` — an alias defined earlier in
 *   the SELECT list and used later in it, or in WHERE, GROUP BY, HAVING or QUALIFY, is replaced by its
 *   expression in parentheses.
 * - QUALIFY: `SELECT … FROM … QUALIFY cond [ORDER BY …] [LIMIT …]` becomes
 *   `SELECT <names> FROM (SELECT …, (cond) AS "__dt_qualify" FROM …) AS "__dt_q" WHERE "__dt_qualify" [ORDER BY …]`.
 *   Every output column must have a name the rewrite can see (an alias or a column, or for `*` and `t.*`
 *   the columns the catalog gives, `starNames`); other stars and unnamed expressions are refused at the item.
 *
 * Works on tokens and returns tokens: inserted text carries the offset of the user's text it stands for, so
 * errors keep their line:column (sql/translate.ts maps them back).
 */
import { DtError } from '../errors.js';
import { identifierName, isKeyword, type Token, tokenize } from './lexer.js';
import { positionAt } from './position.js';

export interface SelectRewrites {
  qualify: boolean;
  lateralAliases: boolean;
  /**
   * The output names of `*` (or `qualifier.*`) in the SELECT whose text is `block`, from the catalog
   * (sql/star-columns.ts): QUALIFY over a star then names them. Without it, or when it cannot tell, such an
   * item is refused at its position.
   */
  starNames?: (block: string, qualifier: string | undefined) => string[] | undefined;
}

/**
 * The query with lateral column aliases replaced by their expressions, for every family: what the incremental
 * planner parses, so its generated SQL never depends on a family's alias rules.
 */
export function expandLateralAliases(sql: string): string {
  if (!/\bAS\b|\w\s+\w+\s*,/i.test(sql)) return sql;
  return rewriteSelects(tokenize(sql), sql, { qualify: false, lateralAliases: true })
    .map((t) => t.text)
    .join('');
}

/** A token, or a parenthesised group (its tokens, parentheses included, already rewritten inside). */
type Item = Token | Token[];

const CLAUSES = [
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'FETCH',
];
const SET_OPS = ['UNION', 'INTERSECT', 'EXCEPT', 'MINUS'];
/** Words that end an expression and are never an implicit alias. */
const NOT_ALIAS = new Set([
  'END',
  'NULL',
  'TRUE',
  'FALSE',
  'DISTINCT',
  'ALL',
  'AND',
  'OR',
  'NOT',
  'IS',
  'THEN',
  'ELSE',
]);

const isTok = (x: Item | undefined): x is Token => x !== undefined && !Array.isArray(x);
const blank = (x: Item) => isTok(x) && (x.kind === 'space' || x.kind === 'comment');
const word = (x: Item | undefined) => (isTok(x) && x.kind === 'word' ? x.text.toUpperCase() : '');
const flat = (items: Item[]): Token[] => items.flatMap((x) => (isTok(x) ? [x] : x));
const synth = (text: string, at: number, kind: Token['kind'] = 'op'): Token => ({
  kind,
  text,
  start: at,
  end: at,
});

export function rewriteSelects(tokens: Token[], sql: string, opts: SelectRewrites): Token[] {
  if (!opts.qualify && !opts.lateralAliases) return tokens;
  const { items, next } = group(tokens, 0, opts, sql);
  return flat(rewriteLevel(items.concat(tokens.slice(next)), opts, sql));
}

/** Groups tokens from `i` until the `)` closing this level (exclusive), rewriting nested groups. */
function group(
  tokens: Token[],
  i: number,
  opts: SelectRewrites,
  sql: string,
): { items: Item[]; next: number } {
  const items: Item[] = [];
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (t.kind === 'op' && t.text === ')') return { items, next: i };
    if (t.kind === 'op' && t.text === '(') {
      const inner = group(tokens, i + 1, opts, sql);
      const close = tokens[inner.next];
      items.push([t, ...flat(rewriteLevel(inner.items, opts, sql)), ...(close ? [close] : [])]);
      i = inner.next + 1;
      continue;
    }
    items.push(t);
    i++;
  }
  return { items, next: i };
}

/** Rewrites each SELECT block at this level (blocks end at a set operator, a `;` or the level's end). */
function rewriteLevel(items: Item[], opts: SelectRewrites, sql: string): Item[] {
  const out: Item[] = [];
  let k = 0;
  while (k < items.length) {
    if (word(items[k]) !== 'SELECT') {
      out.push(items[k] as Item);
      k++;
      continue;
    }
    let end = k + 1;
    while (end < items.length) {
      const x = items[end];
      if (SET_OPS.includes(word(x)) || (isTok(x) && x.kind === 'semicolon')) break;
      end++;
    }
    out.push(...rewriteBlock(items.slice(k, end), opts, sql));
    k = end;
  }
  return out;
}

interface SelectItem {
  items: Item[];
  alias?: string;
  /** The name the output column gets, where the rewrite can tell. */
  name?: string;
}

function rewriteBlock(block: Item[], opts: SelectRewrites, sql: string): Item[] {
  // Clause boundaries at this level: keyword → index in block.
  const at = new Map<string, number>();
  for (let i = 1; i < block.length; i++) {
    const w = word(block[i]);
    if (!CLAUSES.includes(w) || at.has(w)) continue;
    if (w === 'FROM' && word(prevSignificant(block, i)) === 'DISTINCT') continue; // IS DISTINCT FROM
    if ((w === 'GROUP' || w === 'ORDER') && word(block.slice(i + 1).find((x) => !blank(x))) !== 'BY')
      continue;
    at.set(w, i);
  }
  const listStart = skipModifiers(block);
  const listEnd = Math.min(...[...at.values(), block.length]);
  const clauseEnd = (i: number) =>
    Math.min(...[...at.values()].filter((j) => j > i), Number.POSITIVE_INFINITY);
  const list = splitList(block.slice(listStart, listEnd));

  const aliases = new Map<string, Item[]>();
  if (opts.lateralAliases) {
    for (const item of list) {
      if (aliases.size > 0) item.items = substitute(item.items, aliases, item.alias !== undefined);
      // `SUM(amount) AS amount`: the name is a source column, and later references mean the column.
      if (item.alias !== undefined && !mentions(expressionOf(item.items), item.alias))
        aliases.set(item.alias, expressionOf(item.items));
    }
  }
  const rebuilt: Item[] = [...block.slice(0, listStart)];
  list.forEach((item, n) => {
    if (n > 0) rebuilt.push(synth(',', firstStart(item.items)));
    rebuilt.push(...item.items);
  });
  let tail = block.slice(listEnd);
  if (opts.lateralAliases && aliases.size > 0) {
    const offset = listEnd;
    for (const w of ['WHERE', 'GROUP', 'HAVING', 'QUALIFY']) {
      const i = at.get(w);
      if (i === undefined) continue;
      const from = i - offset + 1;
      const to = Math.min(clauseEnd(i), offset + tail.length) - offset;
      const region = tail.slice(from, to);
      // WHERE and GROUP BY cannot hold an aggregate or window: an aggregate alias's name there is a column.
      const usable = w === 'WHERE' || w === 'GROUP' ? withoutAggregates(aliases) : aliases;
      const replaced = substitute(region, usable, false);
      tail = [...tail.slice(0, from), ...replaced, ...tail.slice(to)];
      // Later clause indices shift by the change in length.
      const delta = replaced.length - (to - from);
      for (const [k, v] of at) if (v > i) at.set(k, v + delta);
    }
  }
  const q = at.get('QUALIFY');
  if (!opts.qualify || q === undefined) return [...rebuilt, ...tail];
  return wrapQualify(rebuilt, list, tail, q - listEnd, at, listEnd, block, sql, opts.starNames);
}

/** A select item that is `*` or `qualifier.*`: its qualifier (null for a bare `*`), else undefined. */
function starOf(item: SelectItem): string | null | undefined {
  const sig = flat(item.items).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  if (sig.length === 1 && sig[0]?.text === '*') return null;
  const [q, dot, star] = sig;
  if (
    sig.length === 3 &&
    dot?.text === '.' &&
    star?.text === '*' &&
    (q?.kind === 'word' || q?.kind === 'quoted')
  )
    return identifierName(q);
  return undefined;
}

function wrapQualify(
  head: Item[],
  list: SelectItem[],
  tail: Item[],
  q: number,
  at: Map<string, number>,
  listEnd: number,
  block: Item[],
  sql: string,
  starNames?: SelectRewrites['starNames'],
): Item[] {
  const names: string[] = [];
  // The SELECT's own text (the user's), for the catalog to read its FROM items from.
  const original = flat(block).filter((t) => t.end > t.start);
  const blockText = sql.slice(original[0]?.start ?? 0, original[original.length - 1]?.end ?? 0);
  for (const item of list) {
    const star = starOf(item);
    const expanded = star === undefined ? undefined : starNames?.(blockText, star ?? undefined);
    if (expanded) {
      names.push(...expanded);
      continue;
    }
    if (item.name === undefined) {
      const start = firstStart(item.items);
      throw new DtError(
        'DT_ERR_UNSUPPORTED',
        star === undefined
          ? 'QUALIFY on this backend needs every output column named: this select item has no name the rewrite can see'
          : 'QUALIFY on this backend needs every output column named: the columns of this * could not be read from the catalog',
        {
          position: positionAt(sql, start),
          sql,
          hint:
            star === undefined
              ? 'give expressions an alias (expr AS name)'
              : 'list the columns instead of * (the columns of a FROM item could not be read from the catalog: a USING or NATURAL join, a subquery column without a name, or a relation of another schema)',
        },
      );
    }
    names.push(item.name);
  }
  if (new Set(names).size !== names.length)
    throw new DtError('DT_ERR_UNSUPPORTED', 'QUALIFY on this backend needs distinct output column names', {
      position: positionAt(sql, firstStart(tail.slice(q))),
      sql,
    });
  // The QUALIFY clause runs to the next clause keyword (ORDER BY, LIMIT, … stay outside).
  const afterQ = Math.min(...[...at.values()].map((v) => v - listEnd).filter((v) => v > q), tail.length);
  const qualifyAt = firstStart([tail[q] as Item]);
  const cond = tail.slice(q + 1, afterQ);
  const inner = tail
    .slice(0, q)
    .concat(tail.slice(afterQ).filter((_, i) => isWindowPart(tail, afterQ + i, at, listEnd)));
  const outerTail = tail.slice(afterQ).filter((_, i) => !isWindowPart(tail, afterQ + i, at, listEnd));
  const selectAt = firstStart([block[0] as Item]);
  const s = (text: string) => synth(text, qualifyAt, 'word');
  return [
    synth(`SELECT ${names.map(quote).join(', ')} FROM (`, selectAt, 'word'),
    ...head,
    s(', ('),
    ...cond,
    s(') AS "__dt_qualify" '),
    ...inner,
    s(') AS "__dt_q" WHERE "__dt_qualify" '),
    ...outerTail,
  ];
}

/** A WINDOW clause after QUALIFY belongs inside (the windows are evaluated there). */
function isWindowPart(tail: Item[], i: number, at: Map<string, number>, listEnd: number): boolean {
  const w = at.get('WINDOW');
  if (w === undefined) return false;
  const start = w - listEnd;
  const end = Math.min(...[...at.values()].map((v) => v - listEnd).filter((v) => v > start), tail.length);
  return i >= start && i < end;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function prevSignificant(items: Item[], i: number): Item | undefined {
  for (let j = i - 1; j >= 0; j--) if (!blank(items[j] as Item)) return items[j];
  return undefined;
}

function firstStart(items: Item[]): number {
  for (const x of items) {
    if (blank(x)) continue;
    return isTok(x) ? x.start : (x[0]?.start ?? 0);
  }
  const x = items[0];
  return x === undefined ? 0 : isTok(x) ? x.start : (x[0]?.start ?? 0);
}

/** Index of the select list's start: past SELECT and DISTINCT / ALL / TOP n. */
function skipModifiers(block: Item[]): number {
  let i = 1;
  for (;;) {
    while (i < block.length && blank(block[i] as Item)) i++;
    const w = word(block[i]);
    if (w === 'DISTINCT' || w === 'ALL') {
      i++;
      if (word(block.slice(i).find((x) => !blank(x))) === 'ON') {
        while (i < block.length && isTok(block[i])) i++; // ON
        i++; // (…)
      }
      continue;
    }
    return i;
  }
}

function splitList(items: Item[]): SelectItem[] {
  const parts: Item[][] = [[]];
  for (const x of items) {
    if (isTok(x) && x.kind === 'op' && x.text === ',') parts.push([]);
    else (parts[parts.length - 1] as Item[]).push(x);
  }
  return parts.map((p) => describe(p));
}

function describe(items: Item[]): SelectItem {
  const sig = items.filter((x) => !blank(x));
  const last = sig[sig.length - 1];
  const before = sig[sig.length - 2];
  const ident = (x: Item | undefined) =>
    isTok(x) && (x.kind === 'quoted' || (x.kind === 'word' && !NOT_ALIAS.has(word(x))));
  if (ident(last) && sig.length >= 2) {
    const name = identifierName(last as Token);
    if (word(before) === 'AS') return { items, alias: name, name };
    const dot = isTok(before) && before.kind === 'op' && before.text === '.';
    const opBefore = isTok(before) && before.kind === 'op';
    if (dot) return { items, name };
    if (!opBefore && !isKeywordLike(before)) return { items, alias: name, name };
  }
  if (ident(last) && sig.length === 1) return { items, name: identifierName(last as Token) };
  return { items };
}

/** A word before an identifier that makes it part of the expression (`CAST(x AS int)` is grouped anyway). */
function isKeywordLike(x: Item | undefined): boolean {
  return [
    'AND',
    'OR',
    'NOT',
    'WHEN',
    'THEN',
    'ELSE',
    'CASE',
    'IS',
    'IN',
    'LIKE',
    'BETWEEN',
    'INTERVAL',
  ].includes(word(x));
}

/** The expression of an aliased item: its items without the alias (and AS). */
function expressionOf(items: Item[]): Item[] {
  const idx: number[] = [];
  items.forEach((x, i) => {
    if (!blank(x)) idx.push(i);
  });
  const lastI = idx[idx.length - 1] as number;
  const beforeI = idx[idx.length - 2] as number;
  const cut = word(items[beforeI]) === 'AS' ? beforeI : lastI;
  let end = cut;
  while (end > 0 && blank(items[end - 1] as Item)) end--;
  return items.slice(0, end);
}

/**
 * Replaces unqualified references to `aliases` by `(expression)`. `skipAlias`: the item's own alias at its end
 * is a definition, not a reference. Subqueries are left alone (their names are theirs).
 */
function substitute(items: Item[], aliases: Map<string, Item[]>, skipAlias: boolean): Item[] {
  const sigIdx: number[] = [];
  items.forEach((x, i) => {
    if (!blank(x)) sigIdx.push(i);
  });
  const aliasAt = skipAlias ? sigIdx[sigIdx.length - 1] : -1;
  const out: Item[] = [];
  items.forEach((x, i) => {
    if (!isTok(x)) {
      const isSubquery = ['SELECT', 'WITH'].includes(word(x.slice(1).find((t) => !blank(t))));
      if (isSubquery) out.push(x);
      else {
        // An aggregate's argument never holds an aggregate: there the name is a source column.
        const inAggregate = AGGREGATES.has(word(prevSignificant(items, i)).toLowerCase());
        const inner = substitute(x.slice(1, -1), inAggregate ? withoutAggregates(aliases) : aliases, false);
        out.push([x[0] as Token, ...flat(inner), ...(x.length > 1 ? [x[x.length - 1] as Token] : [])]);
      }
      return;
    }
    const expr =
      i !== aliasAt && (x.kind === 'word' || x.kind === 'quoted')
        ? aliases.get(identifierName(x))
        : undefined;
    const prev = prevSignificant(items, i);
    const nextSig = items.slice(i + 1).find((y) => !blank(y));
    const qualified = isTok(prev) && prev.kind === 'op' && prev.text === '.';
    const qualifier = isTok(nextSig) && nextSig.kind === 'op' && nextSig.text === '.';
    const call = Array.isArray(nextSig);
    const afterAs = word(prev) === 'AS';
    if (expr && !qualified && !qualifier && !call && !afterAs && !isKeyword(x, 'AS')) {
      out.push(synth('(', x.start), ...flat(expr), synth(')', x.start));
    } else out.push(x);
  });
  return out;
}

function mentions(items: Item[], name: string): boolean {
  return flat(items).some((t) => (t.kind === 'word' || t.kind === 'quoted') && identifierName(t) === name);
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'variance',
  'var_samp',
  'var_pop',
  'median',
  'listagg',
  'string_agg',
  'array_agg',
  'any_value',
  'bool_and',
  'bool_or',
  'count_if',
  'mode',
  'approx_count_distinct',
  'percentile_cont',
  'percentile_disc',
  'corr',
  'covar_samp',
  'covar_pop',
]);

/** Aliases whose expression holds no aggregate call and no window (OVER). */
function withoutAggregates(aliases: Map<string, Item[]>): Map<string, Item[]> {
  const out = new Map<string, Item[]>();
  for (const [name, expr] of aliases) {
    const tokens = flat(expr);
    const aggregate = tokens.some(
      (t, i) =>
        t.kind === 'word' &&
        (AGGREGATES.has(t.text.toLowerCase()) || t.text.toUpperCase() === 'OVER') &&
        (t.text.toUpperCase() === 'OVER' ||
          tokens.slice(i + 1).find((u) => u.kind !== 'space')?.text === '('),
    );
    if (!aggregate) out.set(name, expr);
  }
  return out;
}
