/**
 * ALTER DYNAMIC TABLE after its `DYNAMIC TABLE` keywords: SUSPEND, RESUME, REFRESH, VERIFY, RENAME TO,
 * SWAP WITH, SET / UNSET (options and IMMUTABLE WHERE), ADD / DROP CONSTRAINT, READMIT and DISCARD.
 */
import { type Cursor, end } from './cursor.js';
import type { AlterAction, AlterDynamicTable } from './ddl-types.js';
import { alterSet, alterUnset, unsupportedClause } from './dt-options.js';
import { parseConstraint, parseReviewIds } from './expectations.js';
import { parseImmutableWhere } from './immutable-ddl.js';

export function alterDynamicTable(c: Cursor, sql: string): AlterDynamicTable {
  const ifExists = c.accept('IF', 'EXISTS');
  const name = c.identifier('a dynamic table name');
  let action: AlterAction;
  if (c.accept('SUSPEND')) action = { kind: 'suspend' };
  else if (c.accept('RESUME')) action = { kind: 'resume' };
  else if (c.accept('REFRESH')) action = { kind: 'refresh' };
  else if (c.accept('VERIFY')) action = { kind: 'verify' };
  else if (c.accept('RENAME', 'TO')) action = { kind: 'rename', newName: c.identifier('the new name') };
  else if (c.accept('SWAP', 'WITH')) action = { kind: 'swap', other: c.identifier('a dynamic table name') };
  else if (c.accept('ADD', 'CONSTRAINT'))
    action = { kind: 'add_constraint', expectation: parseConstraint(c) };
  else if (c.accept('READMIT')) action = { kind: 'review', review: 'READMIT', ...parseReviewIds(c) };
  else if (c.accept('DISCARD')) action = { kind: 'review', review: 'DISCARD', ...parseReviewIds(c) };
  else if (c.accept('DROP', 'CONSTRAINT')) {
    const nameOffset = c.peek()?.start ?? sql.length;
    action = { kind: 'drop_constraint', name: c.identifier('an expectation name'), nameOffset };
  } else if (c.accept('SET', 'IMMUTABLE')) {
    action = { kind: 'immutable', where: parseImmutableWhere(c) };
  } else if (c.accept('UNSET', 'IMMUTABLE', 'WHERE')) {
    action = { kind: 'immutable', where: null };
  } else if (c.accept('SET')) {
    action = alterSet(c);
  } else if (c.accept('UNSET')) {
    action = alterUnset(c);
  } else {
    // ALTER … CLUSTER BY and the like: refused naming the clause.
    const t = c.peek();
    if (t) unsupportedClause(c, t);
    c.fail(
      'expected SUSPEND, RESUME, REFRESH, VERIFY, SET, UNSET, RENAME TO, SWAP WITH, ADD CONSTRAINT, DROP CONSTRAINT, READMIT or DISCARD',
    );
  }
  end(c);
  return { kind: 'alter_dynamic_table', ifExists, name, action };
}
