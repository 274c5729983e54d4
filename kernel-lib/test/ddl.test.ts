import { describe, expect, it } from 'vitest';
import type { DtError } from '../src/errors.js';
import { formatLag, parseLagDuration } from '../src/sql/lag.js';
import { splitStatements } from '../src/sql/split.js';
import { fails, parse } from './helpers/parse.js';

describe('CREATE DYNAMIC TABLE', () => {
  it('parses every option, the column list and the query verbatim', () => {
    const sql = `create or replace dynamic table Daily (d DATE, n DECIMAL(15, 2), c)
      TARGET_LAG = '5 minutes' WAREHOUSE = wh REFRESH_MODE = incremental INITIALIZE = ON_SCHEDULE
      SCHEDULER = DISABLE COMMENT = 'it''s mine'
      AS SELECT a, LAG(a) OVER (ORDER BY a) FROM t -- trailing`;
    const s = parse(sql);
    expect(s).toMatchObject({
      kind: 'create_dynamic_table',
      orReplace: true,
      ifNotExists: false,
      name: 'daily',
      columns: [{ name: 'd', type: 'DATE' }, { name: 'n', type: 'DECIMAL(15, 2)' }, { name: 'c' }],
      targetLag: { kind: 'duration', seconds: 300 },
      warehouse: 'wh',
      refreshMode: 'INCREMENTAL',
      initialize: 'ON_SCHEDULE',
      scheduler: 'DISABLE',
      comment: "it's mine",
      // Comments after the last token belong to no statement.
      query: 'SELECT a, LAG(a) OVER (ORDER BY a) FROM t',
    });
  });

  it("accepts the seeds' LAG = spelling, DOWNSTREAM, defaults and IF NOT EXISTS in either place", () => {
    expect(parse("CREATE DYNAMIC TABLE x LAG = '1 day' AS SELECT 1")).toMatchObject({
      targetLag: { kind: 'duration', seconds: 86400 },
      refreshMode: 'AUTO',
      initialize: 'ON_CREATE',
      scheduler: 'ENABLE',
    });
    expect(parse('CREATE DYNAMIC TABLE IF NOT EXISTS x TARGET_LAG = DOWNSTREAM AS SELECT 1')).toMatchObject({
      ifNotExists: true,
      targetLag: { kind: 'downstream' },
    });
    expect(
      parse('CREATE IF NOT EXISTS DYNAMIC TABLE "MiXed" TARGET_LAG = DOWNSTREAM AS SELECT 1'),
    ).toMatchObject({
      ifNotExists: true,
      name: 'MiXed',
    });
  });

  it.each([
    [
      "CREATE DYNAMIC TABLE x TARGET_LAG = '1 minute' TARGET_LAG = '2 minutes' AS SELECT 1",
      'DT_ERR_OPTION',
      /given twice/,
      48,
    ],
    [
      "CREATE DYNAMIC TABLE x TARGET_LAG = '1 minute' COLOUR = red AS SELECT 1",
      'DT_ERR_OPTION',
      /unknown option COLOUR/,
      48,
    ],
    ["CREATE DYNAMIC TABLE x TARGET_LAG = '1 minute'", 'DT_ERR_SYNTAX', /expected AS/, 47],
    ["CREATE DYNAMIC TABLE x TARGET_LAG = '1 minute' AS", 'DT_ERR_SYNTAX', /expected a query/, 50],
    [
      "CREATE OR REPLACE DYNAMIC TABLE IF NOT EXISTS x TARGET_LAG = '1 minute' AS SELECT 1",
      'DT_ERR_SYNTAX',
      /cannot be used together/,
      undefined,
    ],
    ["CREATE DYNAMIC TABLE s.x TARGET_LAG = '1 minute' AS SELECT 1", 'DT_ERR_SYNTAX', /qualified names/, 23],
    [
      "CREATE DYNAMIC TABLE x (a INT, a INT) TARGET_LAG = '1 minute' AS SELECT 1, 2",
      'DT_ERR_SYNTAX',
      /listed twice/,
      undefined,
    ],
    [
      "CREATE DYNAMIC TABLE x TARGET_LAG = '30 seconds' AS SELECT 1",
      'DT_ERR_OPTION',
      /minimum is 1 minute/,
      37,
    ],
    ['CREATE DYNAMIC TABLE x TARGET_LAG = 5 AS SELECT 1', 'DT_ERR_SYNTAX', /quoted string/, 37],
  ])('%s → %s', (sql, code, message, column) => {
    const err = fails(sql);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    if (column !== undefined) expect(err.details.position?.column).toBe(column);
  });
});

describe('other dynamic-table statements', () => {
  it.each([
    [
      'ALTER DYNAMIC TABLE x SUSPEND',
      { kind: 'alter_dynamic_table', name: 'x', action: { kind: 'suspend' } },
    ],
    ['ALTER DYNAMIC TABLE x RESUME', { action: { kind: 'resume' } }],
    ['alter dynamic table x refresh', { action: { kind: 'refresh' } }],
    ['ALTER DYNAMIC TABLE x VERIFY', { action: { kind: 'verify' } }],
    [
      "ALTER DYNAMIC TABLE x SET TARGET_LAG = '2 hours'",
      { action: { kind: 'set', targetLag: { kind: 'duration', seconds: 7200 } } },
    ],
    ['ALTER DYNAMIC TABLE x SET WAREHOUSE = big', { action: { kind: 'set', warehouse: 'big' } }],
    [
      'ALTER DYNAMIC TABLE x SET INITIALIZATION_WAREHOUSE = \'4XL_WH\', WAREHOUSE = "Small"',
      {
        action: {
          kind: 'set',
          initializationWarehouse: '4xl_wh',
          warehouse: 'Small',
          warehouseAt: { initializationWarehouse: 53, warehouse: 75 },
        },
      },
    ],
    [
      'ALTER DYNAMIC TABLE x UNSET INITIALIZATION_WAREHOUSE, COMMENT',
      { action: { kind: 'set', initializationWarehouse: null, comment: null } },
    ],
    [
      'ALTER DYNAMIC TABLE IF EXISTS x RENAME TO y',
      { ifExists: true, action: { kind: 'rename', newName: 'y' } },
    ],
    ['DROP DYNAMIC TABLE IF EXISTS x', { kind: 'drop_dynamic_table', ifExists: true, name: 'x' }],
    ['SHOW DYNAMIC TABLES', { kind: 'show_dynamic_tables' }],
    ["SHOW DYNAMIC TABLES LIKE 'daily%'", { kind: 'show_dynamic_tables', like: 'daily%' }],
    [
      "SHOW DYNAMIC TABLES LIKE 'd%' IN SCHEMA mydb.public STARTS WITH 'da' LIMIT 5",
      {
        like: 'd%',
        scope: { kind: 'SCHEMA', database: 'mydb', schema: 'public', at: 40 },
        startsWith: 'da',
        limit: 5,
      },
    ],
    ['SHOW DYNAMIC TABLES IN ACCOUNT', { scope: { kind: 'ACCOUNT' } }],
    ['SHOW DYNAMIC TABLES IN DATABASE', { scope: { kind: 'DATABASE' } }],
    ['SHOW WAREHOUSES IN SCHEMA', { kind: 'show_warehouses', scope: { kind: 'SCHEMA' } }],
    ['SHOW DYNAMIC TABLES IN main', { scope: { kind: 'SCHEMA', schema: 'main' } }],
    ["CREATE DYNAMIC TABLE d TARGET_LAG = 'downstream' AS SELECT 1", { targetLag: { kind: 'downstream' } }],
    ['DESC DYNAMIC TABLE x', { kind: 'describe_dynamic_table', name: 'x' }],
    [
      'CREATE WAREHOUSE w WITH WAREHOUSE_SIZE = 4XLARGE AUTO_SUSPEND = 60',
      { kind: 'create_warehouse', size: '4XLARGE', autoSuspendSeconds: 60 },
    ],
    [
      "CREATE WAREHOUSE w WAREHOUSE_SIZE = 'X-SMALL' MAX_CONCURRENCY_LEVEL = 2",
      { size: 'XSMALL', maxConcurrency: 2 },
    ],
    ['SHOW WAREHOUSES', { kind: 'show_warehouses' }],
    ['DROP WAREHOUSE w', { kind: 'drop_warehouse', name: 'w' }],
    ['CREATE TABLE t (a INT)', { kind: 'passthrough' }],
    ['SELECT 1', { kind: 'passthrough' }],
  ])('%s', (sql, expected) => {
    expect(parse(sql)).toMatchObject(expected);
  });

  it.each([
    ['ALTER DYNAMIC TABLE x SET REFRESH_MODE = FULL', /CREATE OR REPLACE/],
    [
      'ALTER DYNAMIC TABLE x EXPLODE',
      /expected SUSPEND, RESUME, REFRESH, VERIFY, SET, UNSET, RENAME TO, SWAP WITH, ADD CONSTRAINT, DROP CONSTRAINT, READMIT or DISCARD/,
    ],
    ['ALTER DYNAMIC TABLE x UNSET TARGET_LAG', /expected COMMENT or INITIALIZATION_WAREHOUSE after UNSET/],
    ['ALTER DYNAMIC TABLE x SET WAREHOUSE = a WAREHOUSE = b', /option WAREHOUSE is given twice/],
    [
      'ALTER DYNAMIC TABLE x SET TARGET_LAG = DOWNSTREAM,',
      /expected TARGET_LAG, WAREHOUSE, INITIALIZATION_WAREHOUSE/,
    ],
    ["ALTER DYNAMIC TABLE x SET INITIALIZATION_WAREHOUSE = ''", /an empty string is not a name/],
    ['DROP DYNAMIC TABLE x y', /expected end of statement/],
    ['SHOW DYNAMIC TABLES LIMIT -1', /invalid LIMIT/],
    ['SHOW DYNAMIC TABLES IN SCHEMA a.b.c', /expected LIKE, IN, STARTS WITH, LIMIT/],
    ["SHOW DYNAMIC TABLES STARTS WITH 'a' LIKE 'b'", /expected LIKE, IN, STARTS WITH, LIMIT/],
    ['CREATE WAREHOUSE w WAREHOUSE_SIZE = HUGE', /invalid WAREHOUSE_SIZE HUGE/],
  ])('%s fails', (sql, message) => {
    expect(fails(sql).message).toMatch(message);
  });
});

describe('target lag', () => {
  it('parses units and prints canonical text', () => {
    expect(parseLagDuration('90 seconds')).toEqual({ seconds: 90 });
    expect(parseLagDuration('1 HOUR')).toEqual({ seconds: 3600 });
    expect(parseLagDuration('2days')).toEqual({ seconds: 172800 });
    expect(formatLag({ kind: 'duration', seconds: 90 })).toBe('90 seconds');
    expect(formatLag({ kind: 'duration', seconds: 7200 })).toBe('2 hours');
    expect(formatLag({ kind: 'duration', seconds: 60 })).toBe('1 minute');
    expect(formatLag({ kind: 'downstream' })).toBe('DOWNSTREAM');
  });
  it.each(['0 minutes', 'ten minutes', '', '5 fortnights', '-1 minute', '1.5 hours'])(
    'rejects %j',
    (text) => {
      expect(parseLagDuration(text)).toHaveProperty('error');
    },
  );
});

describe('statement splitting', () => {
  it('splits at top-level semicolons only, keeping offsets', () => {
    const script = 'SELECT \';\' AS a; -- c;\n SELECT $$;$$ /* ; */ ;\n\n SELECT "x;" FROM t';
    const parts = splitStatements(script);
    expect(parts.map((p) => p.text)).toEqual(["SELECT ';' AS a", 'SELECT $$;$$', 'SELECT "x;" FROM t']);
    for (const p of parts) expect(script.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
  });
  it('reports an unterminated string with its position', () => {
    try {
      splitStatements("SELECT 1;\nSELECT 'oops");
      throw new Error('no error');
    } catch (e) {
      expect((e as DtError).code).toBe('DT_ERR_SYNTAX');
      expect((e as DtError).details.position).toMatchObject({ line: 2, column: 8 });
    }
  });
});

describe('Snowflake clauses DT Lab does not have', () => {
  it.each([
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' CLUSTER BY (a) AS SELECT 1",
      46,
      /CLUSTER BY is not supported/,
    ],
    ["CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' FROZEN WHERE (a < 1) AS SELECT 1", 46, /FROZEN WHERE/],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' IMMUTABLE WHERE (a < 1) BACKFILL FROM t AT (OFFSET => -60) AS SELECT 1",
      86,
      /BACKFILL FROM … AT/,
    ],
    ['CREATE DYNAMIC TABLE d CLONE e', 24, /CLONE is not supported/],
    ["CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' COPY GRANTS AS SELECT 1", 46, /COPY GRANTS/],
    [
      "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' DATA_RETENTION_TIME_IN_DAYS = 1 AS SELECT 1",
      46,
      /Time Travel/,
    ],
  ])('%s → DT_ERR_UNSUPPORTED at column %d', (sql, column, message) => {
    const err = fails(sql);
    expect(err.code).toBe('DT_ERR_UNSUPPORTED');
    expect(err.message).toMatch(message);
    expect(err.details.position?.column).toBe(column);
  });

  it('UNDROP DYNAMIC TABLE parses (engine: test/undrop.test.ts)', () => {
    expect(parse('UNDROP DYNAMIC TABLE d')).toEqual({ kind: 'undrop_dynamic_table', name: 'd' });
  });

  it('INITIALIZATION_WAREHOUSE is an option (engine: test/initialization-warehouse.test.ts)', () => {
    expect(
      parse("CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' INITIALIZATION_WAREHOUSE = w AS SELECT 1"),
    ).toMatchObject({ kind: 'create_dynamic_table', initializationWarehouse: 'w' });
  });

  it('CREATE TRANSIENT DYNAMIC TABLE is a dynamic table (every DT here is transient)', () => {
    expect(
      parse("CREATE OR REPLACE TRANSIENT DYNAMIC TABLE d TARGET_LAG = '1 hour' AS SELECT 1"),
    ).toMatchObject({
      kind: 'create_dynamic_table',
      orReplace: true,
      name: 'd',
    });
  });
});
