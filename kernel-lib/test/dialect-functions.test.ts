import { describe, expect, it } from 'vitest';
import type { SqlFamily } from '../src/backends/backend.js';
import { dialectOf } from '../src/dialect/index.js';
import { DtError } from '../src/errors.js';
import { TRANSLATED_FUNCTIONS, translateSql, translateType } from '../src/sql/translate.js';

const FAMILIES: SqlFamily[] = ['duckdb', 'postgres'];

/** Argument lists that between them fit every translated function's arity, date part and format. */
const ARGUMENTS = ['', 'x', "x, 'YYYY-MM-DD'", 'x, y', "'day', 1, x", 'a, b, c'];

/** What a family makes of `fn(args)`: the rewritten text, or the refusal. */
function outcome(fn: string, args: string, family: SqlFamily): { text: string } | { refused: DtError } {
  try {
    return { text: translateSql(`SELECT ${fn}(${args}) FROM t`, family).text };
  } catch (e) {
    if (e instanceof DtError) return { refused: e };
    throw e;
  }
}

describe('Snowflake functions per dialect', () => {
  it('spells MIN_BY / MAX_BY per family as ordered aggregates, ties broken by the value', () => {
    expect(translateSql('SELECT MIN_BY(x, y) FROM t', 'duckdb').text).toBe(
      'SELECT first((x) ORDER BY (y) ASC, (x) ASC NULLS LAST) FILTER (WHERE (y) IS NOT NULL) FROM t',
    );
    expect(translateSql('SELECT max_by(a.x, a.y + 1) FROM t', 'postgres').text).toBe(
      'SELECT (array_agg((a.x) ORDER BY (a.y + 1) DESC, (a.x) ASC NULLS LAST) FILTER (WHERE (a.y + 1) IS NOT NULL))[1] FROM t',
    );
  });

  it.each(TRANSLATED_FUNCTIONS.flatMap((fn) => FAMILIES.map((family) => [fn, family] as const)))(
    '%s on %s is rewritten or refused at the call',
    (fn, family) => {
      const outcomes = ARGUMENTS.map((args) => ({ args, ...outcome(fn, args, family) }));
      const refused = outcomes.filter((o) => 'refused' in o);
      // A refusal points at the name, and says what to do instead.
      for (const o of refused) {
        if (!('refused' in o)) continue;
        expect(o.refused.code).toBe('DT_ERR_UNSUPPORTED');
        expect(o.refused.message).toContain(fn.toUpperCase());
        expect(o.refused.details.hint).toBeTruthy();
        expect(o.refused.details.position).toEqual({ offset: 7, line: 1, column: 8 });
      }
      if (Object.hasOwn(dialectOf(family).functions.refused, fn)) {
        // A family that cannot express the function refuses every call of it.
        expect(refused).toHaveLength(ARGUMENTS.length);
        return;
      }
      // Otherwise only a form translation does not take is refused (MIN_BY's three arguments).
      const rewritten = outcomes.filter(
        (o) => 'text' in o && o.text !== `SELECT ${fn}(${o.args}) FROM t` && !o.text.includes(`${fn}(`),
      );
      expect(rewritten.length, `no argument list rewrites ${fn} on ${family}`).toBeGreaterThan(0);
    },
  );

  it('refuses only Snowflake functions that translation knows', () => {
    for (const family of FAMILIES) {
      for (const name of Object.keys(dialectOf(family).functions.refused))
        expect(TRANSLATED_FUNCTIONS).toContain(name);
    }
  });

  it('leaves a function named like an Object property as written', () => {
    // The lookup tables are plain objects: `constructor` once found Object's own and was refused, with no message.
    for (const family of FAMILIES) {
      expect(translateSql('SELECT constructor(x) FROM t', family).text).toBe('SELECT constructor(x) FROM t');
      expect(translateSql('SELECT dateadd(constructor, 1, x) FROM t', family).text).toBe(
        'SELECT dateadd(constructor, 1, x) FROM t',
      );
    }
  });

  it('names the column types per family', () => {
    expect(translateType('BINARY', 'duckdb')).toBe('BLOB');
    expect(translateType('VARBINARY', 'postgres')).toBe('BYTEA');
    expect(translateType('FLOAT8', 'duckdb')).toBe('DOUBLE');
    expect(translateType('DECIMAL(5,1)', 'duckdb')).toBe('DECIMAL(5,1)');
    expect(translateType('NUMBER', 'postgres')).toBe('NUMERIC(38,0)');
  });

  it('spells formats per family, quoted text and % included', () => {
    const sql = `SELECT TO_CHAR(d, '"at %"HH24:MI 100%')`;
    expect(translateSql(sql, 'duckdb').text).toBe("SELECT strftime(d, 'at %%%H:%M 100%%')");
    expect(translateSql(sql, 'postgres').text).toBe(`SELECT to_char(d, '"at %"HH24:MI 100%')`);
  });
});
