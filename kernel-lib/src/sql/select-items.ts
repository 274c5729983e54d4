/**
 * The items of a SELECT list as sql/select-rewrite.ts sees them: tokens grouped by parentheses, split at
 * commas into items with their alias and output name, and the alias substitution lateral column aliases
 * need. Pure token work.
 */
import { identifierName, isKeyword, type Token } from './lexer.js';

/** A token, or a parenthesised group (its tokens, parentheses included, already rewritten inside). */
export type Item = Token | Token[];

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

export const isTok = (x: Item | undefined): x is Token => x !== undefined && !Array.isArray(x);
export const blank = (x: Item) => isTok(x) && (x.kind === 'space' || x.kind === 'comment');
export const word = (x: Item | undefined) => (isTok(x) && x.kind === 'word' ? x.text.toUpperCase() : '');
export const flat = (items: Item[]): Token[] => items.flatMap((x) => (isTok(x) ? [x] : x));
export const synth = (text: string, at: number, kind: Token['kind'] = 'op'): Token => ({
  kind,
  text,
  start: at,
  end: at,
});

export interface SelectItem {
  items: Item[];
  alias?: string;
  /** The name the output column gets, where the rewrite can tell. */
  name?: string;
}

export function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function prevSignificant(items: Item[], i: number): Item | undefined {
  for (let j = i - 1; j >= 0; j--) if (!blank(items[j] as Item)) return items[j];
  return undefined;
}

export function firstStart(items: Item[]): number {
  for (const x of items) {
    if (blank(x)) continue;
    return isTok(x) ? x.start : (x[0]?.start ?? 0);
  }
  const x = items[0];
  return x === undefined ? 0 : isTok(x) ? x.start : (x[0]?.start ?? 0);
}

/** Index of the select list's start: past SELECT and DISTINCT / ALL / TOP n. */
export function skipModifiers(block: Item[]): number {
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

export function splitList(items: Item[]): SelectItem[] {
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
export function expressionOf(items: Item[]): Item[] {
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
export function substitute(items: Item[], aliases: Map<string, Item[]>, skipAlias: boolean): Item[] {
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

export function mentions(items: Item[], name: string): boolean {
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
export function withoutAggregates(aliases: Map<string, Item[]>): Map<string, Item[]> {
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
