/**
 * The definitions of the plain views a DT reads, at any depth (a view's own views too), as the catalog gives
 * them now (PostgreSQL: `pg_get_viewdef`; DuckDB: `duckdb_views().sql`). Read at CREATE and at every refresh
 * of a DT that reads a view, never kept between them: plan/normalize.ts inlines them, and a definition that
 * differs from the one stored with the DT means the view was redefined.
 */
import { type Queryable, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { viewBody } from '../plan/normalize.js';
import { analyzeQuery } from '../sql/analyze.js';

export async function viewDefinitions(
  db: Queryable,
  family: SqlFamily,
  views: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const asked = new Set<string>();
  let next = [...new Set(views)];
  while (next.length > 0) {
    for (const v of next) asked.add(v);
    const { rows } = await db.query(
      dialectOf(family).viewDefinitionsSql(next.map((v) => sqlLiteral(v)).join(', ')),
    );
    next = [];
    for (const r of rows) {
      out.set(String(r[0]), String(r[1]));
      // The relations this view reads: those that are views are asked for next.
      const body = viewBody(String(r[1]));
      for (const name of body ? analyzeQuery(body, () => false).sources : [])
        if (!asked.has(name) && !next.includes(name)) next.push(name);
    }
  }
  return out;
}
