/** A thrown error as a Jupyter error output: the code, the message, and the cell line with a caret. */
import { isDtError, messageOf } from '../errors.js';
import { caretSnippet } from '../sql/position.js';

export interface ErrorOutput {
  ename: string;
  evalue: string;
  traceback: string[];
}

export function errorOutput(e: unknown): ErrorOutput {
  if (!isDtError(e)) return { ename: 'Error', evalue: messageOf(e), traceback: [`Error: ${messageOf(e)}`] };
  // An interruption reads as Jupyter users know it from every kernel.
  if (e.code === 'DT_ERR_INTERRUPTED')
    return { ename: 'KeyboardInterrupt', evalue: e.message, traceback: [`KeyboardInterrupt: ${e.message}`] };
  const { position, sql, hint } = e.details;
  const where = position ? ` at line ${position.line}, column ${position.column}` : '';
  const lines = [`${e.code}${where}: ${e.message}`];
  if (position && sql) lines.push(caretSnippet(sql, position));
  if (hint) lines.push(`hint: ${hint}`);
  return { ename: e.code, evalue: `${e.message}${where}`, traceback: lines };
}
