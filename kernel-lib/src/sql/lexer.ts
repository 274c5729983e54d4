/**
 * A small SQL tokenizer shared by the statement splitter, the dynamic-table DDL grammar and the function
 * translator. It only needs to know what is a string, a comment, a quoted name or a word, so that those
 * stages never look inside literals. Every token keeps its offsets in the original text, which is how
 * errors point at the right line and column.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'semicolon' | 'space' | 'comment';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const TWO_CHAR_OPS = new Set(['::', '<=', '>=', '<>', '!=', '||', '=>', '->']);

function isWordStart(c: string): boolean {
  return /[A-Za-z_\u0080-\uffff]/.test(c);
}

function isWordPart(c: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number) => {
    tokens.push({ kind, text: sql.slice(start, end), start, end });
    i = end;
  };
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1] ?? '';
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j] as string)) j++;
      push('space', i, j);
    } else if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      const nl = sql.indexOf('\n', i);
      push('comment', i, nl < 0 ? n : nl);
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new LexError('unterminated /* comment', i);
      push('comment', i, close + 2);
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const open = c === "'" ? i : i + 1;
      const backslashEscapes = c !== "'";
      let j = open + 1;
      for (;;) {
        if (j >= n) throw new LexError('unterminated string literal', i);
        const d = sql[j];
        if (backslashEscapes && d === '\\') j += 2;
        else if (d === "'" && sql[j + 1] === "'") j += 2;
        else if (d === "'") break;
        else j++;
      }
      push('string', i, j + 1);
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new LexError('unterminated quoted identifier', i);
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      push('quoted', i, j + 1);
    } else if (c === '$' && /[$A-Za-z_]/.test(next)) {
      // Dollar quoting: $$…$$ or $tag$…$tag$ (function bodies in PostgreSQL).
      const m = /^\$[A-Za-z_0-9]*\$/.exec(sql.slice(i));
      if (!m) {
        push('op', i, i + 1);
        continue;
      }
      const close = sql.indexOf(m[0], i + m[0].length);
      if (close < 0) throw new LexError(`unterminated ${m[0]} string`, i);
      push('string', i, close + m[0].length);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i)) as RegExpExecArray;
      push('number', i, i + m[0].length);
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(sql[j] as string)) j++;
      push('word', i, j);
    } else if (c === ';') {
      push('semicolon', i, i + 1);
    } else {
      push('op', i, TWO_CHAR_OPS.has(c + next) ? i + 2 : i + 1);
    }
  }
  return tokens;
}

/** Tokens that carry meaning (no whitespace or comments). */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
}

/** Is `t` the keyword `kw` (case-insensitive, unquoted)? */
export function isKeyword(t: Token | undefined, kw: string): boolean {
  return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === kw;
}

/** An identifier's name as the catalog stores it: unquoted names fold to lower case, quoted ones keep theirs. */
export function identifierName(t: Token): string {
  return t.kind === 'quoted' ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase();
}

/** The value of a single-quoted string literal token. */
export function stringValue(t: Token): string {
  return t.text.slice(1, -1).replace(/''/g, "'");
}

/** An expression's text without parentheses around all of it: `(COALESCE(g, 0))`, as a lateral alias's
 * substitution in GROUP BY writes it, names the result column `COALESCE(g, 0)`. */
export function unparenthesized(text: string): string {
  const t = significant(tokenize(text));
  if (t.length < 2 || t[0]?.text !== '(' || t.at(-1)?.text !== ')') return text;
  let depth = 0;
  for (let i = 0; i < t.length - 1; i++) {
    depth += t[i]?.text === '(' ? 1 : t[i]?.text === ')' ? -1 : 0;
    if (depth === 0) return text; // `(a) + (b)`: the first parenthesis closes before the end
  }
  return unparenthesized(text.slice((t[0] as Token).end, (t.at(-1) as Token).start));
}
