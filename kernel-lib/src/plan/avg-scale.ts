/**
 * Whether a linear AVG can equal the backend's own AVG exactly on a family whose AVG is a NUMERIC division
 * (PostgreSQL): there `numeric / numeric` picks the result's scale from the dividend's display scale, and the
 * backend's AVG divides the sum of the group's current values, whose display scale is the largest of theirs.
 * A running sum in the linear state keeps the largest display scale of every value ever added, also of values
 * since deleted (0.5 from 1/2 has 20 digits after the point, 5/3 has 16), so the two would round the same
 * average at different scales. The linear strategy is exact only when every value of the argument has one
 * display scale: integers, floats (a float division has no scale), NUMERIC(p, s) columns and literals,
 * combined by `+`, `-` and `*` (whose result scale follows the operands' scales alone). Pure.
 */
import { identifierName, significant, type Token, tokenize } from '../sql/lexer.js';
import type { Aggregate } from './linear-plan.js';
import type { TableRef } from './shape.js';

/** A source column's type as the backend spells it (format_type on PostgreSQL), or undefined if unknown. */
export type TypeOf = (table: string, column: string) => string | undefined;

/** Types whose every value has the same display scale (PostgreSQL's format_type spelling). */
const FIXED_SCALE =
  /^(smallint|integer|bigint|int2|int4|int8|real|double precision|float4|float8|numeric\(\d+,\s*\d+\)|decimal\(\d+,\s*\d+\))$/i;

const OPERATORS = new Set(['+', '-', '*', '(', ')']);

/** Why `arg` may have values of different display scales, or undefined when every value has one scale. */
function argumentReason(arg: string, tables: TableRef[], typeOf: TypeOf): string | undefined {
  const tokens = significant(tokenize(arg));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'number') continue;
    if (t.kind === 'op' && OPERATORS.has(t.text)) continue;
    if (t.kind !== 'word' && t.kind !== 'quoted') return `it uses ${t.text}`;
    if (tokens[i + 1]?.text === '(') return `it calls ${t.text}`;
    const qualified = tokens[i + 1]?.text === '.';
    const column = identifierName((qualified ? tokens[i + 2] : t) as Token).toLowerCase();
    const label = (r: TableRef) => (r.alias ?? r.name).toLowerCase();
    const owners = qualified
      ? tables.filter((r) => label(r) === identifierName(t).toLowerCase())
      : tables.filter((r) => typeOf(r.name, column) !== undefined);
    const type = owners.length === 1 ? typeOf((owners[0] as TableRef).name, column) : undefined;
    const name = qualified ? `${t.text}.${column}` : column;
    if (type === undefined) return `the type of ${name} is not known`;
    if (!FIXED_SCALE.test(type.trim())) return `${name} is ${type}, whose values may differ in scale`;
    if (qualified) i += 2;
  }
  return undefined;
}

/**
 * Why the linear strategy cannot keep these AVGs exactly (the first AVG whose argument's values may differ in
 * display scale), or undefined.
 */
export function avgScaleReason(
  aggregates: Aggregate[],
  tables: TableRef[],
  typeOf: TypeOf,
): string | undefined {
  for (const a of aggregates) {
    if (a.fn !== 'avg' || a.arg === undefined) continue;
    const why = argumentReason(a.arg, tables, typeOf);
    if (why)
      return `AVG(${a.arg}) is a NUMERIC division whose scale follows its values' scales, and ${why}: a running sum would keep the scale of deleted values`;
  }
  return undefined;
}

/** A TypeOf over sources' typed columns (names lower-cased). */
export function typeLookup(typed: ReadonlyMap<string, readonly { name: string; type: string }[]>): TypeOf {
  return (table, column) => typed.get(table)?.find((c) => c.name === column)?.type;
}
