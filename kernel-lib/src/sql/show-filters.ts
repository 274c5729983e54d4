/** SHOW's filters (LIKE, IN, STARTS WITH, LIMIT), shared by SHOW DYNAMIC TABLES and SHOW WAREHOUSES. */
import type { Cursor } from './cursor.js';
import type { ShowFilters } from './ddl-types.js';
import { isKeyword } from './lexer.js';

const endOfScope = (c: Cursor) => c.atEnd() || isKeyword(c.peek(), 'STARTS') || isKeyword(c.peek(), 'LIMIT');

export function showFilters(c: Cursor): ShowFilters {
  const out: ShowFilters = {};
  if (c.accept('LIKE')) out.like = c.string('a LIKE pattern');
  if (c.accept('IN')) {
    const at = c.peek()?.start ?? 0;
    if (c.accept('ACCOUNT')) out.scope = { kind: 'ACCOUNT', at };
    else if (c.accept('DATABASE')) {
      const nameAt = c.peek()?.start ?? at;
      const database = endOfScope(c) ? undefined : c.identifier('a database name');
      out.scope = { kind: 'DATABASE', ...(database ? { database } : {}), at: database ? nameAt : at };
    } else {
      const schemaWord = c.accept('SCHEMA');
      const nameAt = c.peek()?.start ?? at;
      const named = !schemaWord || !endOfScope(c);
      const [first, second] = named ? c.qualifiedName('a schema name') : [];
      out.scope = {
        kind: 'SCHEMA',
        ...(second !== undefined
          ? { database: first, schema: second }
          : first !== undefined
            ? { schema: first }
            : {}),
        at: named ? nameAt : at,
      };
    }
  }
  if (c.accept('STARTS', 'WITH')) out.startsWith = c.string('a name prefix');
  if (c.accept('LIMIT')) out.limit = c.wholeNumber('LIMIT', 10_000);
  if (!c.atEnd()) c.fail('expected LIKE, IN, STARTS WITH, LIMIT or the end of the statement');
  return out;
}
