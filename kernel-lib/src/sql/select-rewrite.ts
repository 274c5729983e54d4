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
import {
  blank,
  expressionOf,
  firstStart,
  flat,
  type Item,
  isTok,
  mentions,
  prevSignificant,
  quote,
  type SelectItem,
  skipModifiers,
  splitList,
  substitute,
  synth,
  withoutAggregates,
  word,
} from './select-items.js';

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

export function rewriteSelects(tokens: Token[], sql: string, opts: SelectRewrites): Token[] {
  // Without lateral aliases to expand, only a QUALIFY clause is rewritten: none, nothing to do.
  if (!opts.lateralAliases && !(opts.qualify && tokens.some((t) => isKeyword(t, 'QUALIFY')))) return tokens;
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
