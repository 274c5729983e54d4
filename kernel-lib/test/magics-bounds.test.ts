/**
 * Every numeric argument of the magics and of the DDL options has a documented range: outside it, a
 * positioned DT_ERR_OPTION. A property test feeds random magic lines and random option values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DtError } from '../src/errors.js';
import { BOUNDS } from '../src/magics/dt-line.js';
import { parseCell } from '../src/magics/parse.js';
import { parseStatement } from '../src/sql/ddl.js';
import { tokenize } from '../src/sql/lexer.js';

const errorOf = (run: () => unknown): DtError => {
  try {
    run();
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error('expected an error');
};
const BAD = ['1e300', '0x10', '99999999999999999999', '-1', 'NaN', 'Infinity', '1e3', ''];

describe('bounded magic arguments', () => {
  const lines: [string, (v: string) => string][] = [
    ['sf', (v) => `%dt load tpch --sf '${v}'`],
    ['rate', (v) => `%dt simulate orders --rate '${v}'`],
    ['seed', (v) => `%dt simulate orders --rate 1 --seed '${v}'`],
    ['limit', (v) => `%dt history --limit '${v}'`],
    ['speed', (v) => `%dt clock run 'x${v}'`],
  ];
  it.each(lines.flatMap(([name, line]) => BAD.map((v) => [name, v, line(v)] as const)))(
    '--%s %s is a positioned DT_ERR_OPTION',
    (_, value, line) => {
      const e = errorOf(() => parseCell(line));
      expect(e.code, e.message).toBe('DT_ERR_OPTION');
      expect(e.details.position?.column).toBe(line.lastIndexOf(`'`, line.length - 2 - value.length) + 1);
      expect(e.message).toMatch(/from .* to /);
    },
  );

  it.each(lines.map(([name, line]) => [name, line] as const))('--%s accepts its range', (name, line) => {
    const b = BOUNDS[name as keyof typeof BOUNDS];
    for (const v of [b.min, b.max]) expect(parseCell(line(String(v)))).toHaveLength(1);
    const above = b.integer ? String(b.max + 1) : String(b.max * 2);
    expect(errorOf(() => parseCell(line(above))).code).toBe('DT_ERR_OPTION');
  });

  it.each(['+100000d', '+99999999999999999999d', '+367d', `+${'9'.repeat(400)}h`])(
    '%%dt clock %s is refused: at most 366 days a step',
    (step) => {
      const e = errorOf(() => parseCell(`%dt clock ${step}`));
      expect(e.code).toBe('DT_ERR_OPTION');
      expect(e.details.position?.column).toBe(11);
    },
  );
});

describe('bounded DDL options', () => {
  const stmt = (sql: string) => parseStatement(sql, tokenize(sql));
  it.each([
    "CREATE DYNAMIC TABLE d TARGET_LAG = '99999999999999999999 days' AS SELECT 1",
    "CREATE DYNAMIC TABLE d TARGET_LAG = '367 days' AS SELECT 1",
    "ALTER DYNAMIC TABLE d SET TARGET_LAG = '9999999 hours'",
    'CREATE WAREHOUSE w MAX_CONCURRENCY_LEVEL = 99999999999999999999',
    'CREATE WAREHOUSE w AUTO_SUSPEND = 1e300',
  ])('%s is a positioned DT_ERR_OPTION', (sql) => {
    const e = errorOf(() => stmt(sql));
    expect(e.code, e.message).toBe('DT_ERR_OPTION');
    expect(e.details.position?.line).toBe(1);
  });

  it("accepts TARGET_LAG = '366 days'", () => {
    expect(stmt("ALTER DYNAMIC TABLE d SET TARGET_LAG = '366 days'")).toMatchObject({
      action: { targetLag: { seconds: 366 * 86_400 } },
    });
  });
});

describe('refused names carry line:column', () => {
  it.each([
    [`CREATE DYNAMIC TABLE "" TARGET_LAG = '1 minute' AS SELECT 1`, 22],
    ['ALTER DYNAMIC TABLE d RENAME TO ""', 33],
    ['DROP DYNAMIC TABLE ""', 20],
  ])('%s: an empty quoted name is a positioned DT_ERR_SYNTAX', (sql, column) => {
    const e = errorOf(() => parseStatement(sql, tokenize(sql)));
    expect(e.code).toBe('DT_ERR_SYNTAX');
    expect(e.message).toMatch(/empty quoted name/);
    expect(e.details.position?.column).toBe(column);
  });
});

describe('random magic lines and option values', () => {
  const word = fc.oneof(
    fc.constantFrom(
      'tpch',
      'orders',
      'stop',
      'run',
      'show',
      'pause',
      '--sf',
      '--rate',
      '--seed',
      '--limit',
      '--keys',
    ),
    fc.constantFrom(...BAD, 'x60', 'x0', '+6h', '+1e9d', '0.01', '1', 'primary'),
    fc.stringMatching(/^[+x-]?[0-9.eEx]{0,25}[smhd]?$/),
    fc.string({ maxLength: 12 }).filter((s) => !/[\s'"]/.test(s)),
  );
  const sub = fc.constantFrom(
    'load',
    'simulate',
    'clock',
    'history',
    'show',
    'lag',
    'refresh',
    'connect',
    'graph',
  );

  it('every line parses or fails with a positioned DT_ERR code, never anything else', () => {
    fc.assert(
      fc.property(sub, fc.array(word, { maxLength: 6 }), (s, words) => {
        const line = `%dt ${s} ${words.join(' ')}`;
        try {
          parseCell(line);
        } catch (e) {
          expect(e).toBeInstanceOf(DtError);
          expect((e as DtError).code).toMatch(/^DT_ERR_(SYNTAX|OPTION|USAGE)$/);
          expect((e as DtError).details.position).toBeDefined();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('every TARGET_LAG value parses within range or fails as a positioned DT_ERR_OPTION / DT_ERR_SYNTAX', () => {
    const value = fc.oneof(
      fc.tuple(
        fc.stringMatching(/^[0-9]{1,30}$/),
        fc.constantFrom('seconds', 'minutes', 'hours', 'days', 'weeks'),
      ),
      fc.tuple(fc.constantFrom(...BAD), fc.constantFrom('days', 'minute')),
    );
    fc.assert(
      fc.property(value, ([n, unit]) => {
        const sql = `ALTER DYNAMIC TABLE d SET TARGET_LAG = '${n} ${unit}'`;
        try {
          const s = parseStatement(sql, tokenize(sql));
          const lag =
            s.kind === 'alter_dynamic_table' && s.action.kind === 'set' ? s.action.targetLag : undefined;
          expect(lag?.kind === 'duration' && lag.seconds >= 60 && lag.seconds <= 366 * 86_400).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(DtError);
          expect((e as DtError).code).toMatch(/^DT_ERR_(OPTION|SYNTAX)$/);
          expect((e as DtError).details.position?.column).toBeGreaterThan(1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
