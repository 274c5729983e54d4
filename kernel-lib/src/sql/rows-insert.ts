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

/** `"` and `\` escaped with a backslash: the quoting of a composite's field and of an array's element. */
const escaped = (text: string) => text.replace(/["\\]/g, '\\$&');

/** A field of a row literal: empty for NULL (an empty text is `""`), else quoted. */
const field = (v: Value) =>
  v === null ? '' : `"${escaped(typeof v === 'boolean' ? (v ? 't' : 'f') : String(v))}"`;

/** One INSERT of `rows` as a literal array of `table`'s row type (PostgreSQL family). */
export function rowArrayInsertSql(table: string, rows: readonly Value[][]): string {
  const elements = rows.map((r) => `"${escaped(`(${r.map(field).join(',')})`)}"`);
  const type = `${quoteIdent(table)}[]`;
  return `INSERT INTO ${quoteIdent(table)} SELECT * FROM unnest(CAST(${sqlLiteral(`{${elements.join(',')}}`)} AS ${type}))`;
}
