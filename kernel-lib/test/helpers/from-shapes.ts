/**
 * A generator of queries over tables t0..t3 (columns a, b) and view v0 (over t3), in every FROM shape the
 * engine must see through: parenthesised joins of every kind, CROSS JOIN, LATERAL, subqueries in FROM /
 * WHERE / SELECT at any depth, UNION ALL, CTEs (nested, and named like a table they then hide), views.
 * Each query comes with the relations it reads (its ground truth), computed as it is written.
 */

export const SHAPE_TABLES = ['t0', 't1', 't2', 't3'];

import { random } from '../../src/tpch/simulator.js';

export const SHAPE_SETUP = [
  ...SHAPE_TABLES.map((t) => `CREATE TABLE ${t} (a INTEGER, b INTEGER)`),
  ...SHAPE_TABLES.map((t) => `INSERT INTO ${t} VALUES (1, 1), (2, 2), (3, 3)`),
  'CREATE VIEW v0 AS SELECT a, b FROM t3',
];

export interface ShapeQuery {
  sql: string;
  /** Relation names the query itself names (tables and views; CTE references resolved). */
  names: Set<string>;
  /** `names` with every view's base tables added. */
  reads: Set<string>;
}

interface Item {
  sql: string;
  names: Set<string>;
  /** Aliases that expose column `a` in the enclosing scope. */
  aliases: string[];
}

export function shapeQuery(seed: number, depth = 3): ShapeQuery {
  // mulberry32, the simulator's PRNG: fast-check's integer seed reproduces a query.
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  let counter = 0;
  // Inside a correlated subquery DuckDB cannot decorrelate outer joins: only inner joins there.
  let correlated = 0;
  const joins = (all: string[]) => (correlated > 0 ? all.filter((j) => !/LEFT|RIGHT|FULL/.test(j)) : all);
  const alias = () => `x${counter++}`;
  const union = (...sets: Set<string>[]) => new Set(sets.flatMap((s) => [...s]));

  const leaf = (ctes: Map<string, Set<string>>): Item => {
    const x = alias();
    const name = pick([...SHAPE_TABLES, 'v0', ...ctes.keys()]);
    return { sql: `${name} AS ${x}`, names: ctes.get(name) ?? new Set([name]), aliases: [x] };
  };

  /**
   * A SELECT returning one column `a`, optionally with its own WITH. `distinct` (CTE bodies, derived tables):
   * SELECT DISTINCT, so a nested cross product yields a few rows, not the product of its inputs (products of
   * products exhausted DuckDB-WASM's memory), whatever FROM shape it has.
   */
  const select = (
    depth: number,
    outer: Map<string, Set<string>>,
    withAllowed = true,
    distinct = false,
  ): Item => {
    const ctes = new Map(outer);
    let withSql = '';
    let names = new Set<string>();
    if (withAllowed && depth > 0 && rnd() < 0.3) {
      const defs: string[] = [];
      for (let i = 0, n = 1 + Math.floor(rnd() * 2); i < n; i++) {
        // Sometimes named like a table: inside the query that name means the CTE, in its own body the table.
        const name = rnd() < 0.5 ? `c${counter++}` : pick(SHAPE_TABLES);
        if (defs.some((d) => d.startsWith(`${name} AS`))) continue;
        const body = select(depth - 1, ctes, true, true);
        defs.push(`${name} AS (${body.sql})`);
        ctes.set(name, body.names);
        names = union(names, body.names); // every CTE is read below (the FROM list reads them all)
      }
      withSql = `WITH ${defs.join(', ')} `;
    }
    const from = fromList(depth, ctes);
    names = union(names, from.names);
    // CTEs defined here are all read, so the truth needs no "unused CTE" case.
    const unused = [...ctes.keys()].filter((k) => !outer.has(k) || outer.get(k) !== ctes.get(k));
    let sql = `SELECT ${distinct ? 'DISTINCT ' : ''}${from.aliases[0]}.a AS a FROM ${from.sql}`;
    for (const c of unused) sql += `, (SELECT count(*) AS a FROM ${c}) AS ${alias()}`;
    if (depth > 0 && rnd() < 0.4) {
      const p = predicate(depth - 1, ctes, pick(from.aliases));
      sql += ` WHERE ${p.sql}`;
      names = union(names, p.names);
    }
    if (depth > 0 && rnd() < 0.2) {
      const other = select(depth - 1, ctes, false, distinct); // `UNION ALL WITH …` is not SQL
      sql = `${sql} UNION ALL ${other.sql}`;
      names = union(names, other.names);
    }
    return { sql: `${withSql}${sql}`, names, aliases: [] };
  };

  const predicate = (depth: number, ctes: Map<string, Set<string>>, outer: string): Item => {
    correlated++;
    const inner = fromList(depth, ctes);
    correlated--;
    const i = pick(inner.aliases);
    const sql = pick([
      `EXISTS (SELECT 1 FROM ${inner.sql} WHERE ${i}.a = ${outer}.a)`,
      `${outer}.a IN (SELECT ${i}.a FROM ${inner.sql})`,
      `${outer}.a <= (SELECT max(${i}.a) FROM ${inner.sql})`,
    ]);
    return { sql, names: inner.names, aliases: [] };
  };

  const item = (depth: number, ctes: Map<string, Set<string>>): Item => {
    const kind = depth <= 0 ? 0 : Math.floor(rnd() * 4);
    if (kind === 1) {
      const l = item(depth - 1, ctes);
      const r = item(depth - 1, ctes);
      const join = pick(joins(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN']));
      const on = join === 'CROSS JOIN' ? '' : ` ON ${pick(l.aliases)}.a = ${pick(r.aliases)}.a`;
      return {
        sql: `(${l.sql} ${join} ${r.sql}${on})`,
        names: union(l.names, r.names),
        aliases: [...l.aliases, ...r.aliases],
      };
    }
    if (kind === 2) {
      const s = select(depth - 1, ctes, true, true);
      const x = alias();
      return { sql: `(${s.sql}) AS ${x}`, names: s.names, aliases: [x] };
    }
    return leaf(ctes);
  };

  const fromList = (depth: number, ctes: Map<string, Set<string>>): Item => {
    let acc = item(depth, ctes);
    // A JOIN binds tighter than a comma: ON and LATERAL see only the items since the last comma.
    let scope = acc.aliases;
    for (let i = 0, n = Math.floor(rnd() * 3); i < n; i++) {
      const next = item(depth - 1, ctes);
      const sep = pick(joins([', ', ' JOIN ', ' LEFT JOIN ', ' CROSS JOIN ', ' FULL JOIN ']));
      const on =
        sep.includes('JOIN') && sep !== ' CROSS JOIN '
          ? ` ON ${pick(scope)}.a = ${pick(next.aliases)}.a`
          : '';
      scope = sep === ', ' ? next.aliases : [...scope, ...next.aliases];
      acc = {
        sql: `${acc.sql}${sep}${next.sql}${on}`,
        names: union(acc.names, next.names),
        aliases: [...acc.aliases, ...next.aliases],
      };
    }
    if (depth > 0 && rnd() < 0.3) {
      // LATERAL: a subquery correlated with the items before it.
      correlated++;
      const s = fromList(depth - 1, ctes);
      correlated--;
      const x = alias();
      acc = {
        sql: `${acc.sql} CROSS JOIN LATERAL (SELECT DISTINCT ${s.aliases[0]}.a AS a FROM ${s.sql} WHERE ${pick(s.aliases)}.a = ${pick(scope)}.a) AS ${x}`,
        names: union(acc.names, s.names),
        aliases: [...acc.aliases, x],
      };
    }
    return acc;
  };

  const top = select(depth, new Map());
  const reads = new Set(top.names);
  if (reads.has('v0')) reads.add('t3');
  return { sql: top.sql, names: top.names, reads };
}
