/**
 * The expectation grammar (Databricks' syntax) inside CREATE / ALTER DYNAMIC TABLE:
 *
 *   CONSTRAINT name EXPECT ( condition ) [ ON VIOLATION { WARN | DROP ROW | FAIL UPDATE | QUARANTINE } ]
 *
 * in the column list (mixed with column specs, or alone), and `ALTER DYNAMIC TABLE t ADD CONSTRAINT …` /
 * `DROP CONSTRAINT name`. The condition is kept as text with its offset (the backend judges it: that it names
 * the DT's columns and is boolean, engine/expectations.ts). WARN is the default action.
 */
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

export const VIOLATION_ACTIONS = ['WARN', 'DROP ROW', 'FAIL UPDATE', 'QUARANTINE'] as const;
export type ViolationAction = (typeof VIOLATION_ACTIONS)[number];

export interface Expectation {
  name: string;
  /** The condition as written (Snowflake flavour), without the parentheses. */
  condition: string;
  action: ViolationAction;
}

/** An expectation as parsed, with where its condition starts in the statement (for positioned errors). */
export interface ParsedExpectation extends Expectation {
  conditionOffset: number;
  nameOffset: number;
}

/** Upper bound on expectations per DT (each costs a column of the evaluated rows). */
export const MAX_EXPECTATIONS = 32;

/** Parses `name EXPECT (condition) [ON VIOLATION action]`; the cursor is just after CONSTRAINT. */
export function parseConstraint(c: Cursor): ParsedExpectation {
  const nameToken = c.peek();
  const name = c.identifier('an expectation name');
  c.expect('EXPECT');
  const condition = c.parenthesized({
    unclosed: "expected ')' to close the expectation's condition",
    empty: 'expected a condition inside EXPECT ( … )',
  });
  let action: ViolationAction = 'WARN';
  if (c.accept('ON', 'VIOLATION')) {
    if (c.accept('WARN')) action = 'WARN';
    else if (c.accept('DROP', 'ROW')) action = 'DROP ROW';
    else if (c.accept('FAIL', 'UPDATE')) action = 'FAIL UPDATE';
    else if (c.accept('QUARANTINE')) action = 'QUARANTINE';
    else c.fail('expected WARN, DROP ROW, FAIL UPDATE or QUARANTINE after ON VIOLATION');
  }
  return {
    name,
    condition: condition.text,
    action,
    conditionOffset: condition.offset,
    nameOffset: (nameToken as Token).start,
  };
}

/** Whether the cursor is at `CONSTRAINT` (a constraint in a column list). */
export function atConstraint(c: Cursor): boolean {
  const t = c.peek();
  return t?.kind === 'word' && t.text.toUpperCase() === 'CONSTRAINT' && c.peek(1)?.kind !== 'op';
}

/** Refuses two expectations of one name (names compare as identifiers: unquoted ones case-insensitively). */
export function checkDistinct(c: Cursor, list: ParsedExpectation[]): void {
  if (list.length > MAX_EXPECTATIONS)
    c.failOption(`at most ${MAX_EXPECTATIONS} expectations per dynamic table`, undefined);
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.has(e.name)) {
      const t: Token = { kind: 'word', text: e.name, start: e.nameOffset, end: e.nameOffset + e.name.length };
      c.fail(`expectation ${e.name} is defined twice`, t);
    }
    seen.add(e.name);
  }
}

/** Strips the parse positions: what the catalog stores. */
export const stored = (e: Expectation): Expectation => ({
  name: e.name,
  condition: e.condition,
  action: e.action,
});

/** Review actions on quarantined rows (docs/quality.md). */
export type ReviewAction = 'READMIT' | 'DISCARD';

/** At most this many ids in one review statement or `%dt quarantine … readmit|discard`. */
export const MAX_REVIEW_IDS = 1000;
/** LIMIT of SHOW QUARANTINED ROWS (and the magic's --page-size): 1 to 10000. */
export const MAX_QUARANTINE_PAGE = 10_000;

export interface ReviewIds {
  ids: number[];
  /** Offset of each id in the statement. */
  offsets: number[];
}

/** `QUARANTINED ROWS ( id [, id …] )`, after READMIT / DISCARD. */
export function parseReviewIds(c: Cursor): ReviewIds {
  c.expect('QUARANTINED', 'ROWS');
  c.expectOp('(');
  const ids: number[] = [];
  const offsets: number[] = [];
  do {
    const t = c.peek();
    if (t?.kind !== 'number' || !/^\d{1,15}$/.test(t.text))
      c.fail('expected a quarantined row id (a whole number)');
    if (ids.length >= MAX_REVIEW_IDS) c.failOption(`at most ${MAX_REVIEW_IDS} ids at once`, t);
    ids.push(Number(t.text));
    offsets.push(t.start);
    c.next();
  } while (c.acceptOp(','));
  c.expectOp(')');
  return { ids, offsets };
}

/** `[LIMIT n] [OFFSET n]` of SHOW QUARANTINED ROWS, within their ranges. */
export function parsePage(c: Cursor): { limit: number; offset: number } {
  let limit = 100;
  let offset = 0;
  if (c.accept('LIMIT')) limit = wholeNumber(c, 'LIMIT', 1, MAX_QUARANTINE_PAGE);
  if (c.accept('OFFSET')) offset = wholeNumber(c, 'OFFSET', 0, 1_000_000_000);
  return { limit, offset };
}

function wholeNumber(c: Cursor, what: string, min: number, max: number): number {
  const t = c.peek();
  const n = t?.kind === 'number' && /^\d{1,12}$/.test(t.text) ? Number(t.text) : Number.NaN;
  if (!(n >= min && n <= max)) c.failOption(`${what} must be a whole number from ${min} to ${max}`, t);
  c.next();
  return n;
}
