/**
 * The backend's check of a condition a user wrote over a DT's rows (an expectation's, engine/expectations.ts;
 * IMMUTABLE WHERE's, engine/immutable.ts): the probe query is run with LIMIT 0; it must succeed and its one
 * column be BOOLEAN. Either refusal is a DtError positioned in the statement.
 */
import { BackendError, type Queryable } from '../backends/backend.js';
import { DtError, type ErrorCode } from '../errors.js';
import { positionAt } from '../sql/position.js';

const BOOLEAN = /^(bool|boolean)$/i;

export interface WrittenCondition {
  /** The condition as written, and where it starts in `sql`. */
  text: string;
  offset: number;
  sql: string;
}

/**
 * Runs `probe` (SELECT of the condition over the DT's rows). A backend error (an unknown column, a type error)
 * becomes `code` with `failed(its first line)`, at the name it complains of when the condition has it (else at
 * the condition); a result not BOOLEAN becomes `code` with `notBoolean(type)`, at the condition.
 */
export async function checkCondition(
  db: Queryable,
  probe: string,
  condition: WrittenCondition,
  code: ErrorCode,
  messages: { failed: (first: string) => string; notBoolean: (type: string) => string },
): Promise<void> {
  const { text, offset, sql } = condition;
  const at = (o: number) => ({ position: positionAt(sql, o), sql });
  let type: string | undefined;
  try {
    type = (await db.query(probe)).columns[0]?.type;
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    const first = err.message.split('\n')[0] as string;
    // Point at the name the backend complains of, when the condition has it.
    const named = /column "?([A-Za-z_][\w$]*)"?|"([A-Za-z_][\w$]*)" not found/i.exec(first);
    const word = named?.[1] ?? named?.[2];
    const inCondition = word ? findWord(text, word) : -1;
    throw new DtError(code, messages.failed(first), at(offset + Math.max(0, inCondition)));
  }
  if (type !== undefined && !BOOLEAN.test(type))
    throw new DtError(code, messages.notBoolean(type), at(offset));
}

function findWord(text: string, word: string): number {
  const m = new RegExp(`(?<![\\w$"])"?${word.replace(/\$/g, '\\$')}"?(?![\\w$])`, 'i').exec(text);
  return m ? m.index : -1;
}
