/**
 * The engine's own rows for every column of a table (engine/bulk.ts), as one INSERT statement. Pure.
 * - `valuesInsertSql`: `INSERT INTO t VALUES (…), (…)` (DuckDB, where no stage takes the rows).
 * - `rowArrayInsertSql` (the PostgreSQL family): `INSERT INTO t SELECT * FROM unnest('{…}'::t[])`, the rows
 *   as one literal of an array of the table's row type. PostgreSQL plans a VALUES list value by value, which
 *   cost ~4 ms of the ~6 ms a 341-row insert into lineitem took; the array literal is parsed by each
 *   column's own input function, positionally, with no per-value planning (3.5× faster, docs/incremental.md).
 */
import { quoteIdent, sqlLiteral, type Value } from '../backends/backend.js';

/** One INSERT … VALUES of `rows`. */
export function valuesInsertSql(table: string, rows: readonly Value[][]): string {
  return `INSERT INTO ${quoteIdent(table)} VALUES ${rows.map((r) => `(${r.map(sqlLiteral).join(', ')})`).join(',\n')}`;
}

/**
 * A field of a row literal written inside an array literal inside a SQL string: NULL is empty; a number or a
 * boolean goes bare (no character of it needs quoting); a text is quoted for the row (`"`, with `"` and `\`
 * escaped by a backslash), that quoting escaped again for the array (every `"` and `\` of it), and `'`
 * doubled for SQL. A hot loop (the order simulator writes hundreds of rows a minute): no work for a text
 * without those characters.
 */
function field(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const text = /["\\']/.test(v) ? v.replace(/["\\']/g, (c) => ESCAPED[c] as string) : v;
  return `\\"${text}\\"`;
}

/** `"` → `\"` in the row → `\\\"` in the array; `\` → `\\` → `\\\\`; `'` → `''` for SQL. */
const ESCAPED: Record<string, string> = { '"': '\\\\\\"', '\\': '\\\\\\\\', "'": "''" };

/** One INSERT of `rows` as a literal array of `table`'s row type (PostgreSQL family). */
export function rowArrayInsertSql(table: string, rows: readonly Value[][]): string {
  const elements = rows.map((r) => `"(${r.map(field).join(',')})"`);
  const type = `${quoteIdent(table)}[]`;
  return `INSERT INTO ${quoteIdent(table)} SELECT * FROM unnest(CAST('{${elements.join(',')}}' AS ${type}))`;
}
