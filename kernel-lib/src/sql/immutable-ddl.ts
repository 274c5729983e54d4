/**
 * The immutability clauses of CREATE DYNAMIC TABLE (docs/incremental.md, "Immutable regions"):
 * `IMMUTABLE WHERE ( <predicate> )` and `BACKFILL FROM <table>`, and ALTER's `SET / UNSET IMMUTABLE WHERE`.
 * Pure: the predicate is kept as text with its offset; what it may contain is checked here as far as tokens
 * tell (no subquery, no volatile function), the rest (its columns must be the DT's, its type BOOLEAN) by the
 * backend at CREATE / ALTER (engine/immutable.ts).
 */
import type { Cursor } from './cursor.js';
import { isKeyword, type Token } from './lexer.js';
import { VOLATILE_FUNCTIONS } from './volatile.js';

export interface ImmutableWhere {
  /** The predicate as written (Snowflake flavour), without the parentheses. */
  text: string;
  /** Where it starts in the statement. */
  offset: number;
}

export interface Backfill {
  table: string;
  /** Where the table's name is in the statement. */
  offset: number;
}

/** Functions that read something other than the row and the clock: never in an immutability predicate. */
const NOT_DETERMINISTIC = new Set([
  ...VOLATILE_FUNCTIONS,
  'seq1',
  'seq2',
  'seq4',
  'seq8',
  'uniform',
  'normal',
]);

/** `WHERE ( predicate )`, the cursor just after IMMUTABLE. */
export function parseImmutableWhere(c: Cursor): ImmutableWhere {
  c.expect('WHERE');
  return c.parenthesized(
    {
      unclosed: "expected ')' to close IMMUTABLE WHERE's predicate",
      empty: 'expected a predicate inside IMMUTABLE WHERE ( … )',
    },
    (t, after) => checkToken(c, t, after),
  );
}

function checkToken(c: Cursor, t: Token, after: Token | undefined): void {
  if (isKeyword(t, 'SELECT') || isKeyword(t, 'EXISTS'))
    c.unsupported(
      'IMMUTABLE WHERE cannot contain a subquery: the predicate reads only the dynamic table’s own columns',
      t,
    );
  if (t.kind === 'word' && after?.kind === 'op' && after.text === '(') {
    const name = t.text.toLowerCase();
    if (NOT_DETERMINISTIC.has(name))
      c.unsupported(
        `IMMUTABLE WHERE cannot call ${t.text}(): it is not deterministic, so which rows are immutable would change from call to call`,
        t,
      );
  }
}

/** `FROM <table>`, the cursor just after BACKFILL. */
export function parseBackfill(c: Cursor): Backfill {
  c.expect('FROM');
  const at = c.peek();
  const table = c.identifier('the name of the table to backfill from');
  if (isKeyword(c.peek(), 'AT') || isKeyword(c.peek(), 'BEFORE'))
    c.unsupported('BACKFILL FROM … AT / BEFORE is not supported: DT Lab keeps no Time Travel', c.peek());
  return { table, offset: (at as Token).start };
}
