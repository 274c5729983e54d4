/**
 * A cursor over the significant tokens of one statement, shared by every statement grammar (dynamic tables,
 * warehouses, and the grammars that add their own statement kinds), and its end-of-statement check. Every
 * error carries the position of the token at fault.
 */
import { DtError } from '../errors.js';
import { identifierName, isKeyword, stringValue, type Token } from './lexer.js';
import { positionAt } from './position.js';

/** Walks the significant tokens of one statement; every error carries the position of the token at fault. */
export class Cursor {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.i + ahead];
  }

  next(): Token | undefined {
    return this.tokens[this.i++];
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  accept(...keywords: string[]): boolean {
    if (!keywords.every((kw, k) => isKeyword(this.peek(k), kw))) return false;
    this.i += keywords.length;
    return true;
  }

  expect(...keywords: string[]): void {
    for (const kw of keywords) {
      if (!this.accept(kw)) this.fail(`expected ${kw}`);
    }
  }

  acceptOp(op: string): boolean {
    const t = this.peek();
    if (t?.kind === 'op' && t.text === op) {
      this.i++;
      return true;
    }
    return false;
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected '${op}'`);
  }

  identifier(what: string): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) this.fail(`expected ${what}`);
    if (identifierName(t) === '') this.fail(`expected ${what}: an empty quoted name is not a name`);
    this.i++;
    if (this.peek()?.kind === 'op' && this.peek()?.text === '.') {
      this.fail('qualified names (schema.name) are not supported for dynamic tables; use a plain name');
    }
    return identifierName(t as Token);
  }

  /** `name` or `db.name` (SHOW's IN clause), as [first, second]. */
  qualifiedName(what: string): [string, string?] {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) this.fail(`expected ${what}`);
    this.i++;
    const first = identifierName(t as Token);
    if (!this.acceptOp('.')) return [first];
    const u = this.peek();
    if (!u || (u.kind !== 'word' && u.kind !== 'quoted')) this.fail(`expected ${what} after '.'`);
    this.i++;
    return [first, identifierName(u as Token)];
  }

  string(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string' || !t.text.startsWith("'")) this.fail(`expected ${what} as a quoted string`);
    this.i++;
    return stringValue(t as Token);
  }

  /** The rest of the statement from the current token, verbatim. */
  rest(): { text: string; offset: number } {
    const t = this.peek();
    if (!t) this.fail('expected a query');
    const offset = (t as Token).start;
    return { text: this.sql.slice(offset), offset };
  }

  /**
   * `( … )` with its parentheses balanced: the text inside, verbatim, and where it starts. `look` sees each
   * token inside (with the one after it) before it is taken, to refuse what may not stand there. `errors`
   * say what is missing: the closing ')' (at the opening one), or anything between the two.
   */
  parenthesized(
    errors: { unclosed: string; empty: string },
    look?: (t: Token, after: Token | undefined) => void,
  ): { text: string; offset: number } {
    const open = this.peek();
    this.expectOp('(');
    let depth = 0;
    let first: Token | undefined;
    let last: Token | undefined;
    for (;;) {
      const t = this.peek();
      if (!t) this.fail(errors.unclosed, open);
      if (t.kind === 'op' && t.text === ')' && depth === 0) break;
      if (t.kind === 'op' && t.text === '(') depth++;
      if (t.kind === 'op' && t.text === ')') depth--;
      look?.(t, this.peek(1));
      first ??= t;
      last = t;
      this.next();
    }
    if (!first || !last) this.fail(errors.empty);
    this.expectOp(')');
    return { text: this.sql.slice(first.start, last.end), offset: first.start };
  }

  /** Fails at the current token (or at the end of the statement). */
  fail(message: string, at: Token | undefined = this.peek()): never {
    const offset = at ? at.start : this.sql.length;
    const found = at ? `'${at.text}'` : 'end of statement';
    throw new DtError('DT_ERR_SYNTAX', `${message}, found ${found}`, {
      position: positionAt(this.sql, offset),
      sql: this.sql,
    });
  }

  /** One of `allowed` (a word or a quoted string, any case), or DT_ERR_OPTION at it. */
  choice<T extends string>(option: string, allowed: readonly T[]): T {
    const t = this.peek();
    const value =
      t?.kind === 'word' ? t.text.toUpperCase() : t?.kind === 'string' ? stringValue(t).toUpperCase() : '';
    if (!(allowed as readonly string[]).includes(value)) {
      this.failOption(`invalid ${option} ${t ? t.text : '(missing)'}: expected ${allowed.join(', ')}`, t);
    }
    this.i++;
    return value as T;
  }

  /** A whole number 0…max (no sign, fraction or exponent), or DT_ERR_OPTION at it. */
  wholeNumber(option: string, max: number): number {
    const t = this.peek();
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text) || Number(t.text) > max) {
      this.failOption(
        `invalid ${option} ${t ? t.text : '(missing)'}: expected a whole number from 0 to ${max}`,
        t,
      );
    }
    this.i++;
    return Number((t as Token).text);
  }

  /** A Snowflake clause or statement DT Lab does not have (DT_ERR_UNSUPPORTED), at `at`. */
  unsupported(message: string, at: Token | undefined): never {
    const offset = at ? at.start : this.sql.length;
    throw new DtError('DT_ERR_UNSUPPORTED', message, {
      position: positionAt(this.sql, offset),
      sql: this.sql,
    });
  }

  failOption(message: string, at: Token | undefined): never {
    const offset = at ? at.start : this.sql.length;
    throw new DtError('DT_ERR_OPTION', message, { position: positionAt(this.sql, offset), sql: this.sql });
  }
}

/** Fails unless every token of the statement has been taken. */
export function end(c: Cursor): void {
  if (!c.atEnd()) c.fail('expected end of statement');
}
