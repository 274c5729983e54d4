/**
 * DuckDB's errors as the engine reads them (backends/duckdb-sql.ts `duckdbError`): a write-write conflict
 * with a concurrent transaction is a serialization failure, so a refresh that loses one is retried
 * (refresh/run.ts) instead of failing; other errors keep no SQLSTATE.
 */
import { describe, expect, it } from 'vitest';
import { SERIALIZATION_FAILURE } from '../src/backends/backend.js';
import { duckdbError } from '../src/backends/duckdb-sql.js';

describe('duckdbError', () => {
  it('reads a write-write conflict as a serialization failure', () => {
    for (const text of [
      'TransactionContext Error: Conflict on tuple deletion!',
      'TransactionContext Error: Catalog write-write conflict on alter with "t"',
    ])
      expect(duckdbError(new Error(text), 'DELETE FROM t').sqlState).toBe(SERIALIZATION_FAILURE);
  });
  it('leaves other errors without a SQLSTATE', () => {
    expect(
      duckdbError(new Error('Catalog Error: Table with name t does not exist!'), 'SELECT 1').sqlState,
    ).toBe(undefined);
  });
});
