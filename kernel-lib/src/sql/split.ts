import { DtError } from '../errors.js';
import { LexError, type Token, tokenize } from './lexer.js';
import { positionAt } from './position.js';

/** One statement of a script, with where it sits in the script (for error positions). */
export interface ScriptStatement {
  text: string;
  /** Offset of `text` in the script. */
  offset: number;
  tokens: Token[];
}

/**
 * Splits a script at top-level semicolons. Statements that hold only comments are dropped; token offsets
 * are made relative to each statement.
 */
export function splitStatements(script: string): ScriptStatement[] {
  let tokens: Token[];
  try {
    tokens = tokenize(script);
  } catch (e) {
    if (e instanceof LexError) {
      throw new DtError('DT_ERR_SYNTAX', e.message, { position: positionAt(script, e.offset), sql: script });
    }
    throw e;
  }
  const out: ScriptStatement[] = [];
  let current: Token[] = [];
  const flush = () => {
    const meaningful = current.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
    if (meaningful.length > 0) {
      const first = meaningful[0] as Token;
      const last = meaningful[meaningful.length - 1] as Token;
      const text = script.slice(first.start, last.end);
      out.push({
        text,
        offset: first.start,
        tokens: current
          .filter((t) => t.start >= first.start && t.end <= last.end)
          .map((t) => ({ ...t, start: t.start - first.start, end: t.end - first.start })),
      });
    }
    current = [];
  };
  for (const t of tokens) {
    if (t.kind === 'semicolon') flush();
    else current.push(t);
  }
  flush();
  return out;
}
