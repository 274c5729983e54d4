/** The grammar of IMMUTABLE WHERE / BACKFILL FROM and ALTER … SET / UNSET IMMUTABLE WHERE (sql/immutable-ddl.ts). */
import { describe, expect, it } from 'vitest';
import { fails, parse } from './helpers/parse.js';

describe('IMMUTABLE WHERE and BACKFILL FROM', () => {
  it('parses both, in any order among the options, keeping the predicate verbatim with its offset', () => {
    const sql = `CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute'
      BACKFILL FROM hist IMMUTABLE WHERE (ts < CURRENT_TIMESTAMP() - INTERVAL '1 day' AND (k > 1))
      WAREHOUSE = wh AS SELECT k, ts FROM t`;
    const s = parse(sql);
    expect(s).toMatchObject({
      kind: 'create_dynamic_table',
      warehouse: 'wh',
      backfill: { table: 'hist' },
      immutableWhere: { text: "ts < CURRENT_TIMESTAMP() - INTERVAL '1 day' AND (k > 1)" },
      query: 'SELECT k, ts FROM t',
    });
    if (s.kind !== 'create_dynamic_table' || !s.immutableWhere || !s.backfill) throw new Error('parsed');
    expect(sql.slice(s.immutableWhere.offset).startsWith('ts < CURRENT')).toBe(true);
    expect(sql.slice(s.backfill.offset).startsWith('hist')).toBe(true);
  });

  it('parses ALTER … SET IMMUTABLE WHERE and UNSET IMMUTABLE WHERE', () => {
    expect(parse('ALTER DYNAMIC TABLE d SET IMMUTABLE WHERE (day < 3)')).toMatchObject({
      action: { kind: 'immutable', where: { text: 'day < 3', offset: 43 } },
    });
    expect(parse('ALTER DYNAMIC TABLE d UNSET IMMUTABLE WHERE')).toMatchObject({
      action: { kind: 'immutable', where: null },
    });
  });

  it.each([
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE WHERE (uuid_string() = 'x') AS SELECT 1",
      'DT_ERR_UNSUPPORTED',
      63,
      /uuid_string\(\): it is not deterministic/,
    ],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour'\nIMMUTABLE WHERE (EXISTS (SELECT 1)) AS SELECT 1",
      'DT_ERR_UNSUPPORTED',
      18,
      /subquery/,
    ],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE WHERE () AS SELECT 1",
      'DT_ERR_SYNTAX',
      63,
      /predicate inside IMMUTABLE WHERE/,
    ],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE WHERE (a < 1",
      'DT_ERR_SYNTAX',
      62,
      /close IMMUTABLE WHERE/,
    ],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE (a < 1) AS SELECT 1",
      'DT_ERR_SYNTAX',
      56,
      /WHERE/,
    ],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE WHERE (a < 1) IMMUTABLE WHERE (a < 2) AS SELECT 1",
      'DT_ERR_OPTION',
      70,
      /given twice/,
    ],
    ["CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' BACKFILL hist AS SELECT 1", 'DT_ERR_SYNTAX', 55, /FROM/],
    ['ALTER DYNAMIC TABLE d SET IMMUTABLE WHERE (random() > 1)', 'DT_ERR_UNSUPPORTED', 44, /random/],
  ])('%s → %s at column %d', (sql, code, column, message) => {
    const err = fails(sql);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.details.position?.column).toBe(column);
  });
});
