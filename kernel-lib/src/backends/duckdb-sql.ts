/**
 * The SQL text DuckDB-WASM is sent and what its answers say: parameters bound as literals, a write's row
 * count, and errors as BackendErrors (JSON messages unwrapped, positions turned into offsets). Pure: no I/O.
 */
import {
  BackendError,
  type QueryResult,
  type ResultColumn,
  SERIALIZATION_FAILURE,
  sqlLiteral,
  type Value,
} from './backend.js';

/**
 * A pending query (`conn.send`) reports some errors (the parser's) as JSON, `{"exception_type": "Parser",
 * "exception_message": "…"}`: the text `conn.query` reports for them, "Parser Error: …".
 */
function errorText(text: string): string {
  if (!text.startsWith('{')) return text;
  try {
    const json = JSON.parse(text) as { exception_type?: unknown; exception_message?: unknown };
    if (typeof json.exception_message !== 'string') return text;
    const type = typeof json.exception_type === 'string' ? `${json.exception_type} Error: ` : '';
    return `${type}${json.exception_message}`;
  } catch {
    return text;
  }
}

/**
 * DuckDB reports positions as "LINE n: <snippet>" and a caret line; turn that into an offset in `sql`
 * and strip it from the message (we print our own caret).
 */
export function duckdbError(e: unknown, sql: string): BackendError {
  const text = errorText(e instanceof Error ? e.message : String(e));
  const cut = text.indexOf('\n\nLINE ');
  const message = (cut < 0 ? text : text.slice(0, cut)).trim();
  // A write-write conflict with a concurrent transaction ("TransactionContext Error: Conflict on tuple
  // deletion!"): rolled back, as PostgreSQL's serialization failures are.
  const state = /^TransactionContext Error:.*conflict/i.test(message) ? SERIALIZATION_FAILURE : undefined;
  const m = /\n\nLINE (\d+): (.*)\n( *)\^/.exec(text);
  if (!m) return new BackendError(message, undefined, state);
  const lineNo = Number(m[1]);
  const prefix = `LINE ${m[1]}: `.length;
  let snippet = m[2] as string;
  let caret = (m[3] as string).length - prefix;
  if (snippet.startsWith('...')) {
    snippet = snippet.slice(3);
    caret -= 3;
  }
  snippet = snippet.replace(/\.\.\.$/, '');
  const lines = sql.split('\n');
  const line = lines[lineNo - 1] ?? '';
  const at = Math.max(0, line.indexOf(snippet));
  const lineStart = lines.slice(0, lineNo - 1).reduce((n, l) => n + l.length + 1, 0);
  return new BackendError(message, lineStart + at + Math.max(0, caret), state);
}

/** The worker's prepared statements do not take every type we pass; bind by literal substitution of $n. */
export function bind(sql: string, params?: Value[]): string {
  if (!params || params.length === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_m, n) => sqlLiteral(params[Number(n) - 1] ?? null));
}

export function result(sql: string, columns: ResultColumn[], rows: Value[][]): QueryResult {
  // DuckDB answers writes and DDL with a single "Count" column (rows touched); report that as rowCount.
  const isWriteCount =
    columns.length === 1 &&
    columns[0]?.name === 'Count' &&
    !/^\s*(select|with|values|from|table|show|describe|summarize|pragma|explain|call)\b/i.test(sql);
  return isWriteCount
    ? { columns: [], rows: [], rowCount: Number(rows[0]?.[0] ?? 0) }
    : { columns, rows, rowCount: rows.length };
}
