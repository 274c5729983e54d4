/**
 * Snowflake's FLATTEN in each family (the call is read by sql/flatten.ts): a subquery of the family's own
 * functions, lateral to the FROM items before it, with FLATTEN's columns KEY, PATH, INDEX, VALUE and THIS
 * (SEQ is not provided). Every alias inside starts with `dtlab_f`, so the input expression, which names the
 * user's tables, can only mean them.
 *
 * - PostgreSQL (PGlite, a server): the input as jsonb (`to_jsonb`: a jsonb or json value as it is, an array
 *   column as a JSON array, text as a JSON string), an array's elements by `jsonb_array_elements … WITH
 *   ORDINALITY` and an object's fields by `jsonb_each`; anything else expands to no rows.
 * - DuckDB (no json extension in DT Lab): a LIST's elements by `unnest` beside `generate_subscripts`.
 *
 * OUTER => TRUE keeps one row for an input that expands to nothing (KEY, PATH, INDEX, VALUE NULL; THIS the
 * input), by a LEFT JOIN inside the subquery, so the FROM item stays an inner (comma) join.
 */
import { sqlLiteral } from '../backends/backend.js';

export type FlattenMode = 'BOTH' | 'ARRAY' | 'OBJECT';

export interface FlattenCall {
  /** The INPUT expression, already translated. */
  input: string;
  /** PATH as segments: object keys and array indexes. */
  path: (string | number)[];
  /** PATH as written ('' when absent): the prefix of the output PATH column. */
  pathText: string;
  outer: boolean;
  mode: FlattenMode;
}

/** The subquery's text, or what of the call the family cannot express. */
export type FlattenSql = { sql: string } | { unsupported: string; hint: string };

const join = (outer: boolean, elements: string) =>
  outer
    ? `LEFT JOIN LATERAL (${elements}) AS dtlab_fe ON TRUE`
    : `CROSS JOIN LATERAL (${elements}) AS dtlab_fe`;

const select = (key: string, path: string, input: string, outer: boolean, elements: string) =>
  `SELECT ${key} AS "key", ${path} AS "path", dtlab_fe.i AS "index", dtlab_fe.v AS "value", dtlab_fx.x AS "this" FROM (SELECT ${input} AS x) AS dtlab_fx ${join(outer, elements)}`;

/** The output PATH of an element: `prefix[i]`, `prefix.key`, or `prefix['key']` for a key that is no identifier. */
function pgPath(prefix: string): string {
  const p = sqlLiteral(prefix);
  const dot = sqlLiteral(prefix ? `${prefix}.` : '');
  return `CASE WHEN dtlab_fe.k IS NULL THEN ${p} || '[' || dtlab_fe.i || ']' WHEN dtlab_fe.k ~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN ${dot} || dtlab_fe.k ELSE ${p} || '[''' || dtlab_fe.k || ''']' END`;
}

export function postgresFlatten(c: FlattenCall): FlattenSql {
  const json = `to_jsonb(${c.input})`;
  const input =
    c.path.length === 0
      ? json
      : `${json} #> CAST(ARRAY[${c.path.map((s) => sqlLiteral(String(s))).join(', ')}] AS TEXT[])`;
  const kind = (type: string) => `CASE WHEN jsonb_typeof(dtlab_fx.x) = '${type}' THEN dtlab_fx.x END`;
  const arrays = `SELECT CAST(NULL AS TEXT) AS k, dtlab_fa.o - 1 AS i, dtlab_fa.v FROM jsonb_array_elements(${kind('array')}) WITH ORDINALITY AS dtlab_fa(v, o)`;
  const objects = `SELECT dtlab_fo.key AS k, CAST(NULL AS BIGINT) AS i, dtlab_fo.value AS v FROM jsonb_each(${kind('object')}) AS dtlab_fo`;
  const elements =
    c.mode === 'ARRAY' ? arrays : c.mode === 'OBJECT' ? objects : `${arrays} UNION ALL ${objects}`;
  return { sql: select('dtlab_fe.k', pgPath(c.pathText), input, c.outer, elements) };
}

export function duckdbFlatten(c: FlattenCall): FlattenSql {
  const why =
    'DT Lab flattens LIST columns there (a JSON type needs the json extension, which DT Lab does not load)';
  if (c.path.length > 0)
    return {
      unsupported: `FLATTEN's PATH is not supported on DuckDB: ${why}, and a LIST has no paths`,
      hint: 'flatten the list itself (index a nested list as col[1]), or use PostgreSQL/PGlite for JSON paths',
    };
  if (c.mode === 'OBJECT')
    return {
      unsupported: `FLATTEN's MODE => 'OBJECT' is not supported on DuckDB: ${why}, and a LIST has no objects`,
      hint: "leave MODE out (or MODE => 'ARRAY'), or use PostgreSQL/PGlite for JSON objects",
    };
  const elements = 'SELECT unnest(dtlab_fx.x) AS v, generate_subscripts(dtlab_fx.x, 1) - 1 AS i';
  const path = `'[' || CAST(dtlab_fe.i AS VARCHAR) || ']'`;
  return { sql: select('CAST(NULL AS VARCHAR)', path, c.input, c.outer, elements) };
}
