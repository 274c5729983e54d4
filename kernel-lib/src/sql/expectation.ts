/**
 * A DMF's EXPECTATION: `name (VALUE <op> number [AND|OR VALUE <op> number …])`, AND binding tighter than OR;
 * parsed on the shared Cursor (positioned errors) and evaluated against a measured value. Pure.
 */
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

/** `VALUE <op> <number>` terms joined by AND (binds tighter) and OR. */
export interface ExpectationTerm {
  op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  value: number;
}
export interface Expectation {
  name: string;
  /** Disjunction of conjunctions. */
  anyOf: ExpectationTerm[][];
  /** As written, for the results view. */
  text: string;
}

const OPS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);

export function expectation(c: Cursor, sql: string): Expectation {
  const name = c.identifier('an expectation name');
  c.expectOp('(');
  const from = c.peek();
  const anyOf: ExpectationTerm[][] = [[]];
  let last: Token | undefined;
  for (;;) {
    if (!c.accept('VALUE')) c.fail('expected VALUE (an expectation compares VALUE with a number)');
    const op = c.peek();
    if (op?.kind !== 'op' || !OPS.has(op.text)) c.fail('expected a comparison (=, !=, <, <=, >, >=)');
    c.next();
    const neg = c.acceptOp('-');
    const n = c.peek();
    if (n?.kind !== 'number') c.fail('expected a number');
    c.next();
    last = n;
    const value = Number(n.text) * (neg ? -1 : 1);
    const term: ExpectationTerm = { op: (op.text === '<>' ? '!=' : op.text) as ExpectationTerm['op'], value };
    (anyOf[anyOf.length - 1] as ExpectationTerm[]).push(term);
    if (c.accept('AND')) continue;
    if (c.accept('OR')) {
      anyOf.push([]);
      continue;
    }
    break;
  }
  c.expectOp(')');
  return { name, anyOf, text: sql.slice((from as Token).start, (last as Token).end) };
}

/** Whether `value` meets the expectation (a NULL value never does). */
export function expectationMet(e: Expectation, value: number | null): boolean {
  if (value === null || Number.isNaN(value)) return false;
  const ok = (t: ExpectationTerm) =>
    t.op === '='
      ? value === t.value
      : t.op === '!='
        ? value !== t.value
        : t.op === '<'
          ? value < t.value
          : t.op === '<='
            ? value <= t.value
            : t.op === '>'
              ? value > t.value
              : value >= t.value;
  return e.anyOf.some((all) => all.every(ok));
}
