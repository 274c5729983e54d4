/**
 * The catalog's column lists a query's `QUALIFY` over `*` needs where QUALIFY is rewritten into a subquery
 * (the PostgreSQL family: sql/select-rewrite.ts must name every output column). Read only for a query that
 * has both a QUALIFY and a `*`, in one statement for every name the query mentions; undefined otherwise, so
 * other queries cost nothing. The names are kept as the catalog spells them.
 */
import { type Queryable, type SqlFamily, sqlLiteral } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { identifierName, isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import type { ColumnsOf } from '../sql/star-columns.js';

export async function qualifyStarColumns(
  db: Queryable,
  family: SqlFamily,
  sql: string,
): Promise<ColumnsOf | undefined> {
  if (!dialectOf(family).selectRewrites.qualify || !/qualify/i.test(sql) || !sql.includes('*'))
    return undefined;
  let tokens: Token[];
  try {
    tokens = significant(tokenize(sql));
  } catch {
    return undefined;
  }
  if (!tokens.some((t) => isKeyword(t, 'QUALIFY')) || !tokens.some((t) => t.text === '*')) return undefined;
  const names = [
    ...new Set(tokens.filter((t) => t.kind === 'word' || t.kind === 'quoted').map(identifierName)),
  ];
  const { rows } = await db.query(dialectOf(family).sourceColumnsSql(names.map(sqlLiteral).join(', ')));
  const columns = new Map<string, string[]>();
  for (const r of rows) {
    const table = String(r[0]);
    columns.set(table, [...(columns.get(table) ?? []), String(r[1])]);
  }
  return (table) => columns.get(table);
}
