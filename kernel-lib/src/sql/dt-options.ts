/**
 * Option values shared by CREATE and ALTER DYNAMIC TABLE (TARGET_LAG, warehouse names), ALTER's SET / UNSET
 * lists, and the Snowflake clauses DT Lab does not have, refused naming the clause.
 */
import type { Cursor } from './cursor.js';
import type { AlterAction, WarehouseOffsets } from './ddl-types.js';
import { parseLagDuration, type TargetLag } from './lag.js';
import { stringValue, type Token } from './lexer.js';

/** Snowflake clauses of CREATE DYNAMIC TABLE that DT Lab does not have, and what to do instead. */
const UNSUPPORTED_CLAUSES: Record<string, string> = {
  CLUSTER: 'CLUSTER BY is not supported: the backends here have no clustering keys; leave it out',
  FROZEN: 'FROZEN WHERE (frozen regions) is not supported yet: every row is maintained; leave it out',
  CLONE: 'CREATE DYNAMIC TABLE … CLONE is not supported: create it from its query instead',
  COPY: 'COPY GRANTS is not supported: DT Lab has no access control; leave it out',
  WITH: 'WITH … POLICY / TAG / CONTACT is not supported: DT Lab has no access control or tags; leave it out',
  ROW: 'ROW ACCESS POLICY is not supported: DT Lab has no access control; leave it out',
  AGGREGATION: 'AGGREGATION POLICY is not supported: DT Lab has no access control; leave it out',
  TAG: 'TAG is not supported: DT Lab has no object tags; leave it out',
  DATA_RETENTION_TIME_IN_DAYS:
    'DATA_RETENTION_TIME_IN_DAYS is not supported: DT Lab keeps no Time Travel; leave it out',
  MAX_DATA_EXTENSION_TIME_IN_DAYS:
    'MAX_DATA_EXTENSION_TIME_IN_DAYS is not supported: DT Lab keeps no Time Travel; leave it out',
};

export function unsupportedClause(c: Cursor, t: Token): void {
  const message = UNSUPPORTED_CLAUSES[t.text.toUpperCase()];
  if (message) c.unsupported(message, t);
}

export function lagValue(c: Cursor): TargetLag {
  if (c.accept('DOWNSTREAM')) return { kind: 'downstream' };
  const t = c.peek();
  // Snowflake's documentation writes it quoted too: TARGET_LAG = 'DOWNSTREAM'.
  if (t?.kind === 'string' && stringValue(t).trim().toUpperCase() === 'DOWNSTREAM') {
    c.next();
    return { kind: 'downstream' };
  }
  const text = c.string("a target lag such as '1 minute' or DOWNSTREAM");
  const parsed = parseLagDuration(text);
  if ('error' in parsed) c.failOption(parsed.error, t);
  return { kind: 'duration', seconds: parsed.seconds };
}

/**
 * A warehouse name: an identifier, or a string as Snowflake's documentation writes it
 * (`WAREHOUSE = 'XS_WAREHOUSE'`), which names the warehouse as the same text unquoted would (case-insensitive).
 */
export function warehouseName(c: Cursor): string {
  const t = c.peek();
  if (t?.kind !== 'string') return c.identifier('a warehouse name');
  const name = stringValue(t).toLowerCase();
  if (name.trim() === '') c.fail('expected a warehouse name: an empty string is not a name');
  c.next();
  return name;
}

/** `SET option = value [,] …`: TARGET_LAG, WAREHOUSE, INITIALIZATION_WAREHOUSE, COMMENT. */
export function alterSet(c: Cursor): Extract<AlterAction, { kind: 'set' }> {
  const set: Extract<AlterAction, { kind: 'set' }> = { kind: 'set' };
  const at: WarehouseOffsets = {};
  const seen = new Set<string>();
  do {
    const t = c.peek();
    const word = t?.kind === 'word' ? t.text.toUpperCase() : '';
    const option = word === 'LAG' ? 'TARGET_LAG' : word;
    if (option === 'REFRESH_MODE' || option === 'INITIALIZE')
      c.failOption(`${option} cannot be altered: use CREATE OR REPLACE DYNAMIC TABLE`, t);
    if (!['TARGET_LAG', 'WAREHOUSE', 'INITIALIZATION_WAREHOUSE', 'COMMENT'].includes(option)) {
      if (t) unsupportedClause(c, t);
      c.fail('expected TARGET_LAG, WAREHOUSE, INITIALIZATION_WAREHOUSE or COMMENT after SET');
    }
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.add(option);
    c.next();
    c.expectOp('=');
    const valueAt = c.peek()?.start ?? 0;
    if (option === 'TARGET_LAG') set.targetLag = lagValue(c);
    else if (option === 'COMMENT') set.comment = c.string('a comment');
    else if (option === 'WAREHOUSE') {
      set.warehouse = warehouseName(c);
      at.warehouse = valueAt;
    } else {
      set.initializationWarehouse = warehouseName(c);
      at.initializationWarehouse = valueAt;
    }
  } while (c.acceptOp(',') || !c.atEnd());
  return Object.keys(at).length > 0 ? { ...set, warehouseAt: at } : set;
}

/** `UNSET option [, …]`: COMMENT, INITIALIZATION_WAREHOUSE. */
export function alterUnset(c: Cursor): Extract<AlterAction, { kind: 'set' }> {
  const set: Extract<AlterAction, { kind: 'set' }> = { kind: 'set' };
  do {
    const t = c.peek();
    if (c.accept('COMMENT')) set.comment = null;
    else if (c.accept('INITIALIZATION_WAREHOUSE')) set.initializationWarehouse = null;
    else {
      if (t) unsupportedClause(c, t);
      c.fail('expected COMMENT or INITIALIZATION_WAREHOUSE after UNSET');
    }
  } while (c.acceptOp(','));
  return set;
}
