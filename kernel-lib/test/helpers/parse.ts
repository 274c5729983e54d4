/** The DDL parse tests' helpers: the first statement of a text parsed, and the DtError a bad one raises. */
import { expect } from 'vitest';
import { DtError } from '../../src/errors.js';
import { parseStatement } from '../../src/sql/ddl.js';
import { splitStatements } from '../../src/sql/split.js';

export const parse = (sql: string) => {
  const [stmt] = splitStatements(sql);
  if (!stmt) throw new Error('no statement');
  return parseStatement(stmt.text, stmt.tokens);
};

/** The DtError parsing `sql` throws; fails the test if it parses. */
export const fails = (sql: string): DtError => {
  try {
    parse(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(DtError);
    return e as DtError;
  }
  throw new Error(`expected ${sql} to fail`);
};
