/** The magic grammar, pure: cells → commands, and errors that point at the cell's line and column. */
import { describe, expect, it } from 'vitest';
import { DtError } from '../src/errors.js';
import { parseDuration } from '../src/magics/dt-line.js';
import { type MagicCommand, parseCell } from '../src/magics/parse.js';

function errorOf(cell: string): DtError {
  try {
    parseCell(cell);
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(cell)} to be refused`);
}

const where = (e: DtError) => [e.details.position?.line, e.details.position?.column];
const one = (cell: string): MagicCommand => {
  const cmds = parseCell(cell);
  expect(cmds).toHaveLength(1);
  return (cmds as MagicCommand[])[0] as MagicCommand;
};

describe('cells that are not magics', () => {
  it('returns null for code, including %sql line magics of other tools', () => {
    expect(parseCell('print(1)')).toBeNull();
    expect(parseCell('%time x = 1')).toBeNull();
    expect(parseCell('%%time\nx = 1')).toBeNull();
    expect(parseCell('%%sh\nls')).toBeNull();
    expect(parseCell('%%js\n1')).toBeNull();
    expect(parseCell('')).toBeNull();
  });
});

describe('%%dynamic_table', () => {
  const cell =
    "%%dynamic_table daily TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL\nSELECT a, count(*) AS n\nFROM t GROUP BY a";

  it('becomes CREATE OR REPLACE DYNAMIC TABLE … AS query, parsed by the DDL grammar', () => {
    const c = one(cell);
    if (c.kind !== 'dynamic_table') throw new Error(c.kind);
    expect(c.ddl).toBe(
      "CREATE OR REPLACE DYNAMIC TABLE daily TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL\nAS\nSELECT a, count(*) AS n\nFROM t GROUP BY a",
    );
    expect(c.statement).toMatchObject({
      name: 'daily',
      orReplace: true,
      refreshMode: 'INCREMENTAL',
      targetLag: { kind: 'duration', seconds: 60 },
      query: 'SELECT a, count(*) AS n\nFROM t GROUP BY a',
    });
    // The query's first character maps back to line 2, column 1 of the cell.
    expect(c.toCell(c.statement.queryOffset)).toBe(cell.indexOf('SELECT'));
  });

  it('points an unknown option at its place in the header', () => {
    const e = errorOf("%%dynamic_table d TARGET_LAGG = '1 minute'\nSELECT 1");
    expect(e.code).toBe('DT_ERR_OPTION');
    expect(e.message).toMatch(/unknown option TARGET_LAGG/);
    expect(where(e)).toEqual([1, 19]);
    expect(e.details.sql).toContain('%%dynamic_table');
  });

  it('points a bad value at the value', () => {
    const e = errorOf("%%dynamic_table d TARGET_LAG = '1 minute' REFRESH_MODE = SOMETIMES\nSELECT 1");
    expect(e.code).toBe('DT_ERR_OPTION');
    expect(where(e)).toEqual([1, 58]);
  });

  it('refuses a missing TARGET_LAG, a missing name and a missing query', () => {
    // The cell has no AS: the message says where the option goes in a cell, and points at the first line's end.
    const lag = errorOf('%%dynamic_table d WAREHOUSE = w\nSELECT 1');
    expect(lag.code).toBe('DT_ERR_OPTION');
    expect(lag.message).toMatch(
      /TARGET_LAG is required: add it to the first line, e.g. %%dynamic_table d TARGET_LAG/,
    );
    expect(lag.message).not.toMatch(/\bAS\b/);
    expect(where(lag)).toEqual([1, 32]);
    expect(where(errorOf('%%dynamic_table\nSELECT 1'))).toEqual([1, 16]);
    expect(errorOf("%%dynamic_table d TARGET_LAG = '1 minute'").message).toMatch(/needs the query/);
  });

  it('accepts DOWNSTREAM, the seeds’ LAG spelling, a warehouse and a comment', () => {
    const c = one("%%dynamic_table d LAG = DOWNSTREAM WAREHOUSE = wh COMMENT = 'x y'\nSELECT 1");
    if (c.kind !== 'dynamic_table') throw new Error(c.kind);
    expect(c.statement).toMatchObject({ targetLag: { kind: 'downstream' }, warehouse: 'wh', comment: 'x y' });
  });

  it('suggests the cell magic meant by a typo', () => {
    const e = errorOf("%%dynamic_tabel d TARGET_LAG = '1 minute'\nSELECT 1");
    expect(e.message).toMatch(/did you mean %%dynamic_table/);
    expect(where(e)).toEqual([1, 1]);
  });
});

describe('%%sql', () => {
  it('keeps the body and its offset, with --save', () => {
    expect(one('%%sql --save top\nSELECT 1')).toEqual({
      kind: 'sql',
      sql: 'SELECT 1',
      offset: 17,
      save: 'top',
    });
    expect(one('  %%sql\nSELECT 1;\nSELECT 2')).toEqual({
      kind: 'sql',
      sql: 'SELECT 1;\nSELECT 2',
      offset: 8,
    });
  });

  it('refuses unknown options and an empty body', () => {
    const e = errorOf('%%sql --sav x\nSELECT 1');
    expect(e.message).toMatch(/unknown %%sql option '--sav' \(did you mean --save\?\)/);
    expect(where(e)).toEqual([1, 7]);
    expect(errorOf('%%sql\n  ').message).toMatch(/needs SQL/);
    expect(errorOf('%%sql --save\nSELECT 1').message).toMatch(/--save needs a name/);
  });
});

describe('%dt line magics', () => {
  const dt = (line: string) => {
    const { line: _l, ...rest } = one(line) as MagicCommand & { line: number };
    return rest;
  };

  it('parses every subcommand', () => {
    expect(dt('%dt connect postgres://u@h:5432/db')).toEqual({
      kind: 'connect',
      spec: 'postgres://u@h:5432/db',
    });
    expect(dt('%dt load tpch --sf 0.01')).toEqual({
      kind: 'load_tpch',
      sf: 0.01,
      keys: 'primary',
      replace: false,
    });
    expect(dt('%dt load tpch --sf 1 --keys none --replace')).toEqual({
      kind: 'load_tpch',
      sf: 1,
      keys: 'none',
      replace: true,
    });
    expect(dt('%dt show')).toEqual({ kind: 'show' });
    expect(dt("%dt show 'daily%'")).toEqual({ kind: 'show', like: 'daily%' });
    expect(dt('%dt graph')).toEqual({ kind: 'graph' });
    expect(dt('%dt lag a b')).toEqual({ kind: 'lag', names: ['a', 'b'] });
    expect(dt('%dt history a --limit 5')).toEqual({ kind: 'history', name: 'a', limit: 5 });
    expect(dt('%dt history')).toEqual({ kind: 'history', limit: 20 });
    expect(dt('%dt refresh a')).toEqual({ kind: 'refresh', name: 'a' });
    expect(dt('%dt verify a')).toEqual({ kind: 'verify', name: 'a' });
    expect(dt('%dt clock')).toEqual({ kind: 'clock_show' });
    expect(dt('%dt clock show')).toEqual({ kind: 'clock_show' });
    expect(dt('%dt clock +6h')).toEqual({ kind: 'clock_advance', ms: 6 * 3_600_000, text: '+6h', at: 10 });
    expect(dt('%dt clock run x60')).toEqual({ kind: 'clock_run', factor: 60 });
    expect(dt('%dt clock run ×60')).toEqual({ kind: 'clock_run', factor: 60 });
    expect(dt('%dt clock pause')).toEqual({ kind: 'clock_pause' });
    expect(dt('%dt simulate orders --rate 5')).toEqual({ kind: 'simulate', rate: 5, seed: 1 });
    expect(dt('%dt simulate stop')).toEqual({ kind: 'simulate_stop' });
    expect(dt('%dt compare a b')).toEqual({ kind: 'compare', a: 'a', b: 'b' });
  });

  it('runs several lines, skipping blanks and comments, each with its line number', () => {
    const cmds = parseCell('%dt load tpch --sf 0.01\n\n# then\n  %dt show') as (MagicCommand & {
      line: number;
    })[];
    expect(cmds.map((c) => [c.kind, c.line])).toEqual([
      ['load_tpch', 1],
      ['show', 4],
    ]);
  });

  it('reports typos and bad values with line:column', () => {
    let e = errorOf('%dt shwo');
    expect(e.message).toMatch(/unknown %dt subcommand 'shwo' \(did you mean show\?\)/);
    expect(where(e)).toEqual([1, 5]);
    e = errorOf('%dt show\n%dt load tpch --scale 1');
    expect(e.message).toMatch(/unknown option --scale/);
    expect(where(e)).toEqual([2, 15]);
    e = errorOf('%dt load tpch --sf zero');
    expect(e.code).toBe('DT_ERR_OPTION');
    expect(where(e)).toEqual([1, 20]);
    expect(where(errorOf('%dt clock +6x'))).toEqual([1, 11]);
    expect(errorOf('%dt clock run 60').message).toMatch(/x60/);
    expect(errorOf('%dt simulate orders').message).toMatch(/--rate/);
    expect(errorOf('%dt connect mysql').message).toMatch(/unknown database/);
    expect(errorOf('%dt refresh').message).toMatch(/expected a dynamic table name/);
    expect(where(errorOf('%dt graph extra'))).toEqual([1, 11]);
    expect(errorOf('%dt show\nSELECT 1').message).toMatch(/only %dt lines/);
    expect(errorOf("%dt show 'open").message).toMatch(/unterminated/);
  });
});

describe('durations', () => {
  it('adds units and refuses nonsense', () => {
    expect(parseDuration('+1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('+90m')).toBe(90 * 60_000);
    expect(parseDuration('+0h')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });
});
