/**
 * Snowflake's FLATTEN table function, read from the tokens of a FROM clause and rewritten for the family:
 *
 *   [LATERAL] FLATTEN(INPUT => expr [, PATH => 'a.b[0]'] [, OUTER => TRUE | FALSE] [, RECURSIVE => FALSE]
 *                     [, MODE => 'BOTH' | 'ARRAY' | 'OBJECT']) [[AS] alias]
 *   [LATERAL] TABLE(FLATTEN(…)) [[AS] alias]
 *
 * (the arguments also by position, in that order) becomes `LATERAL (<the family's subquery>) alias`
 * (dialect/flatten.ts), with the columns KEY, PATH, INDEX, VALUE, THIS; without an alias it is `flatten`.
 * What a family cannot express, RECURSIVE => TRUE, and a reference to the SEQ column are refused with
 * DT_ERR_UNSUPPORTED at line:column; a malformed argument with DT_ERR_SYNTAX. A FLATTEN call outside FROM
 * (DuckDB's own list function `flatten`) is left as written. Pure: tokens in, text out.
 */
import type { SqlFamily } from '../backends/backend.js';
import type { FlattenCall, FlattenMode } from '../dialect/flatten.js';
import { dialectOf } from '../dialect/index.js';
import { DtError, type ErrorCode } from '../errors.js';
import { identifierName, isKeyword, stringValue, type Token, tokenize } from './lexer.js';
import { positionAt } from './position.js';

/** FLATTEN's columns as DT Lab provides them (Snowflake's, less SEQ), in order. */
export const FLATTEN_COLUMNS = ['key', 'path', 'index', 'value', 'this'] as const;

const ARGUMENTS = ['input', 'path', 'outer', 'recursive', 'mode'] as const;
type Argument = (typeof ARGUMENTS)[number];

const NOT_ALIAS = new Set(
  'WHERE GROUP HAVING ORDER LIMIT OFFSET FETCH WINDOW QUALIFY UNION EXCEPT INTERSECT JOIN INNER LEFT RIGHT FULL CROSS NATURAL ON USING'.split(
    ' ',
  ),
);
/** Clause keywords that end a search back for FROM. */
const CLAUSES = new Set('SELECT WHERE GROUP HAVING ORDER LIMIT OFFSET QUALIFY WINDOW SET VALUES'.split(' '));

const blank = (t: Token | undefined) => t !== undefined && (t.kind === 'space' || t.kind === 'comment');
const next = (tokens: Token[], k: number) => {
  let j = k + 1;
  while (blank(tokens[j])) j++;
  return j;
};
const prev = (tokens: Token[], k: number) => {
  let j = k - 1;
  while (j >= 0 && blank(tokens[j])) j--;
  return j;
};

/** The `)` closing tokens[open], and the token ranges of the arguments between. */
function callAt(tokens: Token[], open: number): { close: number; args: [number, number][] } | undefined {
  const args: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && depth-- === 0) {
      if (tokens.slice(start, k).some((x) => !blank(x)) || args.length > 0) args.push([start, k]);
      return { close: k, args };
    } else if (t.text === ',' && depth === 0) {
      args.push([start, k]);
      start = k + 1;
    }
  }
  return undefined;
}

/**
 * Whether tokens[i] stands in a FROM clause: the nearest clause keyword before it, at its depth, is FROM, JOIN
 * or LATERAL, or an ON / USING with a comma after it (`JOIN u ON …, FLATTEN(…)`).
 */
function inFrom(tokens: Token[], i: number): boolean {
  let depth = 0;
  let comma = false;
  for (let k = i - 1; k >= 0; k--) {
    const t = tokens[k] as Token;
    if (t.kind === 'op' && t.text === ')') depth++;
    else if (t.kind === 'op' && t.text === '(' && depth-- === 0) return false;
    else if (depth === 0 && t.kind === 'op' && t.text === ',') comma = true;
    else if (depth === 0 && t.kind === 'word') {
      const w = t.text.toUpperCase();
      if (w === 'FROM' || w === 'JOIN' || w === 'LATERAL') return true;
      if (w === 'ON' || w === 'USING') return comma;
      if (CLAUSES.has(w)) return false;
    }
  }
  return false;
}

/** Snowflake's path syntax (`a.b[0]`, `"K"`, `['k']`) as segments, or undefined if it is not one. */
export function parsePath(text: string): (string | number)[] | undefined {
  const s = text.trim();
  const out: (string | number)[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const sub = /^\[\s*(?:(\d+)|'((?:[^']|'')*)'|"((?:[^"]|"")*)")\s*\]/.exec(rest);
    if (sub) {
      const [, n, single, double] = sub;
      out.push(
        n !== undefined ? Number(n) : (single?.replace(/''/g, "'") ?? (double as string).replace(/""/g, '"')),
      );
      i += sub[0].length;
      continue;
    }
    const dot = out.length > 0 ? 1 : 0;
    if (dot && rest[0] !== '.') return undefined;
    const key = /^(?:([A-Za-z_$][\w$]*)|"((?:[^"]|"")*)")/.exec(rest.slice(dot));
    if (!key) return undefined;
    out.push(key[1] ?? (key[2] as string).replace(/""/g, '"'));
    i += dot + key[0].length;
  }
  return out;
}

export interface FlattenSite {
  family: SqlFamily;
  /** The whole text, for positioned errors. */
  sql: string;
  /** Translates tokens [a, b) (the INPUT expression). */
  translate(a: number, b: number): string;
}

function fail(site: FlattenSite, code: ErrorCode, message: string, at: Token, hint?: string): never {
  throw new DtError(code, message, {
    position: positionAt(site.sql, at.start),
    sql: site.sql,
    ...(hint ? { hint } : {}),
  });
}

/** FLATTEN's arguments (`name` is the FLATTEN token, `args` the ranges of its call). */
function readCall(tokens: Token[], name: Token, args: [number, number][], site: FlattenSite): FlattenCall {
  const given = new Map<Argument, number[]>();
  args.forEach(([a, b], p) => {
    const idx: number[] = [];
    for (let k = a; k < b; k++) if (!blank(tokens[k])) idx.push(k);
    const first = tokens[idx[0] as number];
    if (!first) fail(site, 'DT_ERR_SYNTAX', 'an argument of FLATTEN is empty', name);
    const named = first.kind === 'word' && tokens[idx[1] as number]?.text === '=>';
    const arg = (named ? first.text.toLowerCase() : ARGUMENTS[p]) as Argument | undefined;
    const list = ARGUMENTS.map((x) => x.toUpperCase()).join(', ');
    if (!arg || !ARGUMENTS.includes(arg))
      fail(
        site,
        'DT_ERR_SYNTAX',
        `${named ? `unknown argument ${first.text}` : 'too many arguments'} of FLATTEN: it takes ${list}`,
        first,
      );
    if (given.has(arg)) fail(site, 'DT_ERR_SYNTAX', `FLATTEN's ${arg.toUpperCase()} is given twice`, first);
    const value = named ? idx.slice(2) : idx;
    if (value.length === 0) fail(site, 'DT_ERR_SYNTAX', `FLATTEN's ${arg.toUpperCase()} has no value`, first);
    given.set(arg, value);
  });
  const input = given.get('input');
  if (!input) fail(site, 'DT_ERR_SYNTAX', 'FLATTEN needs INPUT => the value to flatten', name);
  const literal = (arg: Argument, kind: 'string' | 'word', what: string): Token | undefined => {
    const value = given.get(arg);
    if (!value) return undefined;
    const t = tokens[value[0] as number] as Token;
    if (value.length !== 1 || t.kind !== kind)
      fail(site, 'DT_ERR_SYNTAX', `FLATTEN's ${arg.toUpperCase()} must be ${what}`, t);
    return t;
  };
  const flag = (arg: Argument): boolean => {
    const t = literal(arg, 'word', 'TRUE or FALSE');
    if (t && !['TRUE', 'FALSE'].includes(t.text.toUpperCase()))
      fail(site, 'DT_ERR_SYNTAX', `FLATTEN's ${arg.toUpperCase()} must be TRUE or FALSE`, t);
    return t?.text.toUpperCase() === 'TRUE';
  };
  const pathToken = literal('path', 'string', "a string constant (PATH => 'a.b[0]')");
  const pathText = pathToken ? stringValue(pathToken) : '';
  const path = parsePath(pathText);
  if (!path)
    fail(
      site,
      'DT_ERR_SYNTAX',
      `FLATTEN's PATH '${pathText}' is not a path (write it as a.b[0].c)`,
      pathToken as Token,
    );
  const modeToken = literal('mode', 'string', "'BOTH', 'ARRAY' or 'OBJECT'");
  const mode = (modeToken ? stringValue(modeToken).toUpperCase() : 'BOTH') as FlattenMode;
  if (!['BOTH', 'ARRAY', 'OBJECT'].includes(mode))
    fail(site, 'DT_ERR_SYNTAX', "FLATTEN's MODE must be 'BOTH', 'ARRAY' or 'OBJECT'", modeToken as Token);
  if (flag('recursive'))
    fail(
      site,
      'DT_ERR_UNSUPPORTED',
      "FLATTEN's RECURSIVE => TRUE is not supported: DT Lab flattens one level",
      name,
      'flatten the values again: …, LATERAL FLATTEN(input => f.value) g',
    );
  const text = site.translate(input[0] as number, (input[input.length - 1] as number) + 1).trim();
  return { input: text, path, pathText, outer: flag('outer'), mode };
}

/**
 * If tokens[i] starts a FLATTEN item of a FROM clause (`FLATTEN(…)` or `TABLE(FLATTEN(…))`), its replacement
 * and the index of its last token (the alias that follows is left as written).
 */
export function flattenAt(
  tokens: Token[],
  i: number,
  site: FlattenSite,
): { text: string; close: number } | undefined {
  const before = tokens[prev(tokens, i)];
  if (before?.kind === 'op' && before.text === '.') return undefined;
  let name = i;
  let open = next(tokens, i);
  if (isKeyword(tokens[i], 'TABLE') && tokens[open]?.text === '(') {
    name = next(tokens, open);
    open = next(tokens, name);
  } else if (!isKeyword(tokens[i], 'FLATTEN') || !inFrom(tokens, i)) return undefined;
  if (!isKeyword(tokens[name], 'FLATTEN') || tokens[open]?.text !== '(') return undefined;
  const call = callAt(tokens, open);
  if (!call) return undefined;
  const close = name === i ? call.close : next(tokens, call.close);
  if (tokens[close]?.text !== ')') return undefined;
  const flatten = tokens[name] as Token;
  const spec = readCall(tokens, flatten, call.args, site);
  let a = next(tokens, close);
  if (isKeyword(tokens[a], 'AS')) a = next(tokens, a);
  const cand = tokens[a];
  const alias =
    cand && (cand.kind === 'quoted' || (cand.kind === 'word' && !NOT_ALIAS.has(cand.text.toUpperCase())))
      ? identifierName(cand)
      : undefined;
  // SEQ (Snowflake's number of the input row) is not provided: a reference to it is refused where it is.
  for (let k = 0; alias && k < tokens.length; k++) {
    const dot = next(tokens, k);
    const seq = tokens[next(tokens, dot)];
    const t = tokens[k] as Token;
    if (
      (t.kind === 'word' || t.kind === 'quoted') &&
      identifierName(t) === alias &&
      tokens[dot]?.text === '.' &&
      seq &&
      identifierName(seq) === 'seq'
    )
      fail(
        site,
        'DT_ERR_UNSUPPORTED',
        "FLATTEN's SEQ column is not supported: DT Lab does not number the input rows",
        seq,
        "identify the input row by its own key (for example t.id); FLATTEN's other columns are KEY, PATH, INDEX, VALUE, THIS",
      );
  }
  const built = dialectOf(site.family).flatten(spec);
  if ('unsupported' in built) fail(site, 'DT_ERR_UNSUPPORTED', built.unsupported, flatten, built.hint);
  const lateral = isKeyword(tokens[prev(tokens, i)], 'LATERAL');
  return { text: `${lateral ? '' : 'LATERAL '}(${built.sql})${alias ? '' : ' AS flatten'}`, close };
}

/**
 * The text with FLATTEN's argument names blanked (`INPUT => x` as `         x`) for node-sql-parser, which
 * does not read named arguments. Every offset holds.
 */
export function flattenForParser(query: string): string {
  const tokens = tokenize(query);
  let out = query;
  tokens.forEach((t, i) => {
    const open = next(tokens, i);
    if (!isKeyword(t, 'FLATTEN') || tokens[open]?.text !== '(') return;
    for (const [a, b] of callAt(tokens, open)?.args ?? []) {
      const first = next(tokens, a - 1);
      const arrow = next(tokens, first);
      if (first < b && tokens[first]?.kind === 'word' && tokens[arrow]?.text === '=>') {
        const [s, e] = [(tokens[first] as Token).start, (tokens[arrow] as Token).end];
        out = out.slice(0, s) + ' '.repeat(e - s) + out.slice(e);
      }
    }
  });
  return out;
}
