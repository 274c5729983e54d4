/**
 * What the database's own dictionary says of the user's relations: their kinds (table or view), a storage
 * table's columns for DESCRIBE, and the columns of a DT's sources for planning. Within a refresh, the columns
 * come from what it already read (catalog/refresh-metadata.ts); otherwise the dialect's dictionary query runs.
 */
import { type Queryable, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { refreshMetadata } from './refresh-metadata.js';

/** What kind of relation `name` is in the current schema, if it exists (catalog tables excluded). */
export async function relationKinds(db: Queryable): Promise<Map<string, 'TABLE' | 'VIEW'>> {
  const { rows } = await db.query(
    `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = current_schema()`,
  );
  return new Map(rows.map((r) => [String(r[0]), r[1] === 'VIEW' ? 'VIEW' : 'TABLE']));
}

/** The storage table's columns and types, for DESCRIBE. */
export async function describeColumns(
  db: Queryable,
  family: SqlFamily,
  table: string,
): Promise<{ name: string; type: string; nullable: boolean }[]> {
  const known = refreshMetadata(db)?.columns.get(table);
  if (known) return known.map((c) => ({ name: c.name, type: c.type.toUpperCase(), nullable: c.nullable }));
  const { rows } = await db.query(dialectOf(family).describeColumnsSql, [table]);
  return rows.map((r) => ({ name: String(r[0]), type: String(r[1]).toUpperCase(), nullable: r[2] === true }));
}

/**
 * Columns of each source (tables, views, DTs) with their types as the backend spells them (names lower-cased),
 * in one round trip: how planning tells which table an unqualified column is in, and an AVG argument's type.
 */
export async function sourceColumnTypes(
  db: Queryable,
  family: SqlFamily,
  sources: { name: string }[],
): Promise<Map<string, { name: string; type: string }[]>> {
  const out = new Map<string, { name: string; type: string }[]>(sources.map((s) => [s.name, []]));
  if (sources.length === 0) return out;
  const known = refreshMetadata(db)?.columns;
  if (known && sources.every((s) => known.has(s.name))) {
    for (const s of sources)
      out.set(
        s.name,
        (known.get(s.name) ?? []).map((c) => ({ name: c.name.toLowerCase(), type: c.type })),
      );
    return out;
  }
  const names = [...out.keys()].map((n) => sqlLiteral(n)).join(', ');
  const { rows } = await db.query(dialectOf(family).sourceColumnsSql(names));
  for (const r of rows) out.get(String(r[0]))?.push({ name: String(r[1]).toLowerCase(), type: String(r[2]) });
  return out;
}
