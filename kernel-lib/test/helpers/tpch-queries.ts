/**
 * A seeded generator of defining queries and change sequences over a small TPC-H: the TPC-H tables' column
 * names and types (tpch/schema.ts, without keys or NOT NULL, so NULLs and duplicate keys happen), a few dozen
 * rows drawn from small domains so joins match. Queries: aggregates over inner-join chains along the foreign
 * keys (grouped and whole-table, COUNT/SUM/AVG/MIN/MAX/COUNT(DISTINCT), HAVING), LEFT JOINs, projections
 * (also DISTINCT), subqueries (IN, EXISTS, NOT EXISTS, correlated scalar), CTEs, set operations (UNION [ALL],
 * EXCEPT, INTERSECT) and aggregates over aggregating subqueries in FROM. Changes: inserts (with NULLs),
 * updates of keys, measures and categories (also to NULL), deletes. Pure: the seed decides everything.
 */

import { tpchDdl } from '../../src/tpch/load.js';
import type { TpchTableName } from '../../src/tpch/schema.js';
import { random } from '../../src/tpch/simulator.js';

type Kind = 'key' | 'int' | 'dec' | 'cat' | 'date' | 'text';
interface Col {
  name: string;
  kind: Kind;
  /** Keys: values 0..n-1 (+ offset); categories: the values. */
  domain?: number | string[];
  offset?: number;
}

const T: Partial<Record<TpchTableName, Col[]>> = {
  region: [
    { name: 'r_regionkey', kind: 'key', domain: 3 },
    { name: 'r_name', kind: 'cat', domain: ['AFRICA', 'AMERICA', 'ASIA'] },
    { name: 'r_comment', kind: 'text' },
  ],
  nation: [
    { name: 'n_nationkey', kind: 'key', domain: 6 },
    { name: 'n_name', kind: 'cat', domain: ['ALGERIA', 'BRAZIL', 'CHINA', 'EGYPT', 'FRANCE', 'INDIA'] },
    { name: 'n_regionkey', kind: 'key', domain: 3 },
    { name: 'n_comment', kind: 'text' },
  ],
  supplier: [
    { name: 's_suppkey', kind: 'key', domain: 4, offset: 1 },
    { name: 's_name', kind: 'cat', domain: ['Supplier#1', 'Supplier#2', 'Supplier#3'] },
    { name: 's_address', kind: 'text' },
    { name: 's_nationkey', kind: 'key', domain: 6 },
    { name: 's_phone', kind: 'text' },
    { name: 's_acctbal', kind: 'dec' },
    { name: 's_comment', kind: 'text' },
  ],
  customer: [
    { name: 'c_custkey', kind: 'key', domain: 8, offset: 1 },
    { name: 'c_name', kind: 'cat', domain: ['Customer#1', 'Customer#2', 'Customer#3', 'Customer#4'] },
    { name: 'c_address', kind: 'text' },
    { name: 'c_nationkey', kind: 'key', domain: 6 },
    { name: 'c_phone', kind: 'text' },
    { name: 'c_acctbal', kind: 'dec' },
    { name: 'c_mktsegment', kind: 'cat', domain: ['BUILDING', 'MACHINERY', 'HOUSEHOLD'] },
    { name: 'c_comment', kind: 'text' },
  ],
  orders: [
    { name: 'o_orderkey', kind: 'key', domain: 15, offset: 1 },
    { name: 'o_custkey', kind: 'key', domain: 9, offset: 1 },
    { name: 'o_orderstatus', kind: 'cat', domain: ['F', 'O', 'P'] },
    { name: 'o_totalprice', kind: 'dec' },
    { name: 'o_orderdate', kind: 'date' },
    { name: 'o_orderpriority', kind: 'cat', domain: ['1-URGENT', '2-HIGH', '5-LOW'] },
    { name: 'o_clerk', kind: 'text' },
    { name: 'o_shippriority', kind: 'int' },
    { name: 'o_comment', kind: 'text' },
  ],
  lineitem: [
    { name: 'l_orderkey', kind: 'key', domain: 16, offset: 1 },
    { name: 'l_partkey', kind: 'key', domain: 5, offset: 1 },
    { name: 'l_suppkey', kind: 'key', domain: 5, offset: 1 },
    { name: 'l_linenumber', kind: 'key', domain: 4, offset: 1 },
    { name: 'l_quantity', kind: 'dec' },
    { name: 'l_extendedprice', kind: 'dec' },
    { name: 'l_discount', kind: 'dec' },
    { name: 'l_tax', kind: 'dec' },
    { name: 'l_returnflag', kind: 'cat', domain: ['A', 'N', 'R'] },
    { name: 'l_linestatus', kind: 'cat', domain: ['F', 'O'] },
    { name: 'l_shipdate', kind: 'date' },
    { name: 'l_commitdate', kind: 'date' },
    { name: 'l_receiptdate', kind: 'date' },
    { name: 'l_shipinstruct', kind: 'text' },
    { name: 'l_shipmode', kind: 'cat', domain: ['AIR', 'MAIL', 'SHIP'] },
    { name: 'l_comment', kind: 'text' },
  ],
};
const TABLES = Object.keys(T) as TpchTableName[];
const INITIAL: Record<string, number> = {
  region: 3,
  nation: 6,
  supplier: 4,
  customer: 8,
  orders: 15,
  lineitem: 36,
};

/** Foreign-key edges: [table, column, referenced table, referenced column]. */
const EDGES: [string, string, string, string][] = [
  ['nation', 'n_regionkey', 'region', 'r_regionkey'],
  ['customer', 'c_nationkey', 'nation', 'n_nationkey'],
  ['supplier', 's_nationkey', 'nation', 'n_nationkey'],
  ['orders', 'o_custkey', 'customer', 'c_custkey'],
  ['lineitem', 'l_orderkey', 'orders', 'o_orderkey'],
  ['lineitem', 'l_suppkey', 'supplier', 's_suppkey'],
];

export interface GeneratedQuery {
  /** What kind of query it is (for the report). */
  family: string;
  sql: string;
}

export type Rng = () => number;
const pickOf =
  (rnd: Rng) =>
  <T>(xs: readonly T[]): T =>
    xs[Math.floor(rnd() * xs.length)] as T;

/** CREATE TABLE statements: the TPC-H tables used, without keys or NOT NULL. */
export function tpchSetup(): string[] {
  return TABLES.map((t) => tpchDdl(t, 'none').replace(/ NOT NULL/g, ''));
}

function value(rnd: Rng, c: Col, nulls: number): string {
  if (rnd() < nulls) return 'NULL';
  const pick = pickOf(rnd);
  switch (c.kind) {
    case 'key':
      return String(Math.floor(rnd() * (c.domain as number)) + (c.offset ?? 0));
    case 'int':
      return String(Math.floor(rnd() * 5));
    case 'dec':
      // Two decimals; small values so sums stay exact and equal often.
      return (Math.floor(rnd() * 4000) / 100 - (rnd() < 0.1 ? 20 : 0)).toFixed(2);
    case 'cat':
      return `'${pick(c.domain as string[])}'`;
    case 'date':
      return `DATE '199${5 + Math.floor(rnd() * 3)}-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}'`;
    case 'text':
      return `'t${Math.floor(rnd() * 3)}'`;
  }
}

const rowSql = (rnd: Rng, t: TpchTableName, nulls: number) =>
  `(${(T[t] as Col[]).map((c) => value(rnd, c, nulls)).join(', ')})`;

/** INSERT statements of the initial rows. */
export function tpchRows(seed: number): string[] {
  const rnd = random(seed ^ 0x5eed);
  return TABLES.map(
    (t) =>
      `INSERT INTO ${t} VALUES ${Array.from({ length: INITIAL[t] as number }, () => rowSql(rnd, t, 0.05)).join(', ')}`,
  );
}

/** One step of changes: 1–3 inserts, updates or deletes. */
export function changeStep(rnd: Rng): string[] {
  const pick = pickOf(rnd);
  const out: string[] = [];
  for (let i = 0, n = 1 + Math.floor(rnd() * 3); i < n; i++) {
    const t = pick(TABLES);
    const cols = T[t] as Col[];
    const key = cols.find((c) => c.kind === 'key') as Col;
    const where = `${key.name} = ${value(rnd, key, 0)}`;
    const r = rnd();
    if (r < 0.4) {
      const rows = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => rowSql(rnd, t, 0.15));
      out.push(`INSERT INTO ${t} VALUES ${rows.join(', ')}`);
    } else if (r < 0.75) {
      const c = pick(cols.filter((x) => x.kind !== 'text'));
      const v = c.kind === 'dec' && rnd() < 0.5 ? `${c.name} + 1.25` : value(rnd, c, 0.2);
      out.push(`UPDATE ${t} SET ${c.name} = ${v} WHERE ${where}`);
    } else {
      const dec = cols.find((x) => x.kind === 'dec');
      out.push(
        dec && rnd() < 0.3
          ? `DELETE FROM ${t} WHERE ${dec.name} > ${value(rnd, dec, 0)}`
          : `DELETE FROM ${t} WHERE ${where}`,
      );
    }
  }
  return out;
}

const ALIAS: Record<string, string> = {
  region: 'r',
  nation: 'n',
  supplier: 's',
  customer: 'c',
  orders: 'o',
  lineitem: 'l',
};

interface Chain {
  tables: string[];
  from: string;
}

/** A chain of 1–`max` tables joined along foreign keys (inner joins). */
function chain(rnd: Rng, max: number, start?: string): Chain {
  const pick = pickOf(rnd);
  const tables = [start ?? pick(TABLES)];
  let from = `${tables[0]} ${ALIAS[tables[0] as string]}`;
  const n = 1 + Math.floor(rnd() * max);
  while (tables.length < n) {
    const next = EDGES.filter(
      ([a, , b]) =>
        (tables.includes(a) && !tables.includes(b)) || (tables.includes(b) && !tables.includes(a)),
    );
    if (next.length === 0) break;
    const [a, ac, b, bc] = pick(next);
    const added = tables.includes(a) ? b : a;
    tables.push(added);
    from += ` JOIN ${added} ${ALIAS[added]} ON ${ALIAS[a]}.${ac} = ${ALIAS[b]}.${bc}`;
  }
  return { tables, from };
}

const colsOf = (tables: string[], kinds: Kind[]) =>
  tables.flatMap((t) =>
    (T[t as TpchTableName] as Col[]).filter((c) => kinds.includes(c.kind)).map((c) => ({ t, c })),
  );
const ref = ({ t, c }: { t: string; c: Col }) => `${ALIAS[t]}.${c.name}`;
/** A summable column of `tables`: a DECIMAL or integer measure, else a key. */
const measure = (rnd: Rng, tables: string[]) => {
  const m = colsOf(tables, ['dec', 'int']);
  return pickOf(rnd)(m.length ? m : colsOf(tables, ['key']));
};

function predicate(rnd: Rng, tables: string[]): string {
  const pick = pickOf(rnd);
  const x = pick(colsOf(tables, ['key', 'dec', 'cat', 'date', 'int']));
  const r = rnd();
  if (r < 0.15) return `${ref(x)} IS ${rnd() < 0.5 ? 'NOT ' : ''}NULL`;
  const v = value(rnd, x.c, 0);
  if (x.c.kind === 'cat') return `${ref(x)} ${rnd() < 0.7 ? '=' : '<>'} ${v}`;
  return `${ref(x)} ${pick(['<', '>', '<=', '>='])} ${v}`;
}

function aggregate(rnd: Rng, tables: string[], linearOnly = false): string {
  const pick = pickOf(rnd);
  const m = ref(measure(rnd, tables));
  const any = ref(pick(colsOf(tables, ['key', 'dec', 'cat', 'date'])));
  const options = [
    'COUNT(*)',
    `COUNT(${any})`,
    `SUM(${m})`,
    `AVG(${m})`,
    `SUM(${m} * 2 - 1)`,
    `SUM(CASE WHEN ${predicate(rnd, tables)} THEN ${m} ELSE 0 END)`,
    `AVG(COALESCE(${m}, 0))`,
    `MIN(${any})`,
    `MAX(${m})`,
  ];
  if (!linearOnly) options.push(`COUNT(DISTINCT ${any})`);
  return pick(options);
}

function aggQuery(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const ch = chain(rnd, 3);
  const global = rnd() < 0.2;
  const keys = global
    ? []
    : [
        ...new Set(
          Array.from({ length: 1 + Math.floor(rnd() * 2) }, () =>
            ref(pick(colsOf(ch.tables, ['key', 'cat', 'date']))),
          ),
        ),
      ];
  const aggs = Array.from(
    { length: 1 + Math.floor(rnd() * 3) },
    (_x, i) => `${aggregate(rnd, ch.tables, global)} AS a${i}`,
  );
  const where = rnd() < 0.5 ? ` WHERE ${predicate(rnd, ch.tables)}` : '';
  const having = !global && rnd() < 0.15 ? ' HAVING COUNT(*) > 1' : '';
  const select = [...keys.map((k, i) => `${k} AS k${i}`), ...aggs].join(', ');
  const group = keys.length ? ` GROUP BY ${keys.join(', ')}` : '';
  return {
    family: global ? 'global aggregate' : 'aggregate',
    sql: `SELECT ${select} FROM ${ch.from}${where}${group}${having}`,
  };
}

function leftJoinQuery(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const [a, ac, b, bc] = pick(EDGES);
  // The referenced side preserved (customers without orders), or the referencing side (orders of no customer).
  const [p, pc, o, oc] = rnd() < 0.7 ? [b, bc, a, ac] : [a, ac, b, bc];
  const from = `${p} ${ALIAS[p]} LEFT JOIN ${o} ${ALIAS[o]} ON ${ALIAS[o]}.${oc} = ${ALIAS[p]}.${pc}`;
  const key = ref(pick(colsOf([p], ['key', 'cat'])));
  if (rnd() < 0.3) {
    const cols = [key, ref(pick(colsOf([o], ['key', 'dec', 'cat'])))];
    return { family: 'left join rows', sql: `SELECT ${cols[0]} AS k0, ${cols[1]} AS v0 FROM ${from}` };
  }
  const m = ref(measure(rnd, [o]));
  const aggs = [
    `COUNT(${ALIAS[o]}.${oc}) AS n`,
    pick([`SUM(${m})`, `AVG(${m})`, `MAX(${m})`, `MIN(${m})`]) + ' AS a1',
  ];
  const where = rnd() < 0.3 ? ` WHERE ${predicate(rnd, [p])}` : '';
  return {
    family: 'left join aggregate',
    sql: `SELECT ${key} AS k0, ${aggs.join(', ')} FROM ${from}${where} GROUP BY ${key}`,
  };
}

function outerRows(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const [a, ac, b, bc] = pick(EDGES);
  const join = pick(['LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN']);
  const cols = [ref(pick(colsOf([a], ['key', 'dec', 'cat']))), ref(pick(colsOf([b], ['key', 'cat'])))];
  const where = rnd() < 0.3 ? ` WHERE ${predicate(rnd, [a, b])}` : '';
  return {
    family: `outer join rows (${join})`,
    sql: `SELECT ${cols[0]} AS p0, ${cols[1]} AS p1 FROM ${a} ${ALIAS[a]} ${join} ${b} ${ALIAS[b]} ON ${ALIAS[a]}.${ac} = ${ALIAS[b]}.${bc}${where}`,
  };
}

function windowed(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const t = pick(TABLES.filter((x) => colsOf([x], ['dec']).length > 0));
  const key = ref(pick(colsOf([t], ['key', 'cat'])));
  const m = ref(pick(colsOf([t], ['dec'])));
  return {
    family: 'window',
    sql: `SELECT ${key} AS p0, ${m} AS p1, SUM(${m}) OVER (PARTITION BY ${key}) AS w0, COUNT(*) OVER (PARTITION BY ${key}) AS w1 FROM ${t} ${ALIAS[t]}`,
  };
}

function projection(rnd: Rng, distinct = rnd() < 0.25): GeneratedQuery {
  const pick = pickOf(rnd);
  const ch = chain(rnd, 3);
  const cols = [
    ...new Set(
      Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
        ref(pick(colsOf(ch.tables, ['key', 'dec', 'cat', 'date']))),
      ),
    ),
  ];
  const exprs = cols.map((c, i) => `${c} AS p${i}`);
  const dec = colsOf(ch.tables, ['dec']);
  if (dec.length && rnd() < 0.4)
    exprs.push(
      rnd() < 0.5
        ? `${ref(pick(dec))} * 2 AS p${cols.length}`
        : `CASE WHEN ${ref(pick(dec))} > 10 THEN 'big' ELSE 'small' END AS p${cols.length}`,
    );
  const where = rnd() < 0.6 ? ` WHERE ${predicate(rnd, ch.tables)}` : '';
  return {
    family: distinct ? 'distinct' : 'projection',
    sql: `SELECT ${distinct ? 'DISTINCT ' : ''}${exprs.join(', ')} FROM ${ch.from}${where}`,
  };
}

function subqueryQuery(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const [a, ac, b, bc] = pick(EDGES);
  // Outer rows of one side, filtered by the other side's rows.
  const [outer, oc, inner, ic] = rnd() < 0.5 ? [a, ac, b, bc] : [b, bc, a, ac];
  const o = ALIAS[outer] as string;
  const i = `${ALIAS[inner]}2`;
  const innerWhere =
    rnd() < 0.5 ? ` AND ${predicate(rnd, [inner]).replaceAll(`${ALIAS[inner]}.`, `${i}.`)}` : '';
  const m = measure(rnd, [inner]);
  const om = colsOf([outer], ['dec', 'int']);
  const kind = pick(['in', 'exists', 'not exists', 'scalar']);
  let cond: string;
  if (kind === 'in') cond = `${o}.${oc} IN (SELECT ${i}.${ic} FROM ${inner} ${i} WHERE TRUE${innerWhere})`;
  else if (kind === 'scalar' && om.length)
    cond = `${ref(pick(om))} > (SELECT AVG(${i}.${m.c.name}) FROM ${inner} ${i} WHERE ${i}.${ic} = ${o}.${oc})`;
  else
    cond = `${kind === 'not exists' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${inner} ${i} WHERE ${i}.${ic} = ${o}.${oc}${innerWhere})`;
  const key = ref(pick(colsOf([outer], ['key', 'cat'])));
  const sql =
    rnd() < 0.5
      ? `SELECT ${key} AS k0, COUNT(*) AS n FROM ${outer} ${o} WHERE ${cond} GROUP BY ${key}`
      : `SELECT ${key} AS k0, ${ref(pick(colsOf([outer], ['key', 'dec', 'cat'])))} AS v0 FROM ${outer} ${o} WHERE ${cond}`;
  return { family: `subquery (${kind})`, sql };
}

function cteQuery(rnd: Rng): GeneratedQuery {
  const inner = aggQuery(rnd);
  const body = inner.sql.includes(' AS k0') ? inner.sql : projection(rnd, false).sql;
  const first = body.includes(' AS k0') ? 'k0' : 'p0';
  return {
    family: 'cte',
    sql: `WITH w AS (${body}) SELECT ${first}, COUNT(*) AS n FROM w GROUP BY ${first}`,
  };
}

function setOpQuery(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  // Two (key, measure) projections of the same types: an int key and a DECIMAL(15,2).
  const side = () => {
    const t = pick(TABLES.filter((x) => colsOf([x], ['dec']).length > 0));
    const k = ref(pick(colsOf([t], ['key'])));
    const m = ref(pick(colsOf([t], ['dec'])));
    const where = rnd() < 0.5 ? ` WHERE ${predicate(rnd, [t])}` : '';
    return `SELECT ${k} AS k0, ${m} AS m0 FROM ${t} ${ALIAS[t]}${where}`;
  };
  const op = pick(['UNION ALL', 'UNION ALL', 'UNION', 'EXCEPT', 'INTERSECT']);
  return { family: `set operation (${op})`, sql: `${side()} ${op} ${side()}` };
}

function derivedQuery(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  // TPC-H Q13's shape: a distribution of per-key counts.
  const [a, ac, b, bc] = pick(EDGES);
  const join = rnd() < 0.5 ? 'LEFT JOIN' : 'JOIN';
  const inner = `SELECT ${ALIAS[b]}.${bc} AS k, COUNT(${ALIAS[a]}.${ac}) AS cnt FROM ${b} ${ALIAS[b]} ${join} ${a} ${ALIAS[a]} ON ${ALIAS[a]}.${ac} = ${ALIAS[b]}.${bc} GROUP BY ${ALIAS[b]}.${bc}`;
  return {
    family: 'aggregate over aggregate',
    sql: `SELECT cnt, COUNT(*) AS n, MIN(k) AS lo FROM (${inner}) AS x GROUP BY cnt`,
  };
}

/**
 * A query over an earlier generated DT `g<j>` (which the caller creates first): its rows grouped by its first
 * column, or counted, or filtered.
 */
function onDt(rnd: Rng, earlier: GeneratedQuery[]): GeneratedQuery | undefined {
  const pick = pickOf(rnd);
  const candidates = earlier
    .map((q, j) => ({ q, j }))
    .filter(({ q }) => /^SELECT (DISTINCT )?\S+ AS (k0|p0)\b/.test(q.sql) && !q.sql.startsWith('WITH'));
  if (candidates.length === 0) return undefined;
  const { q, j } = pick(candidates);
  const first = /AS k0\b/.test(q.sql) ? 'k0' : 'p0';
  const shapes = [
    `SELECT ${first}, COUNT(*) AS n FROM g${j} GROUP BY ${first}`,
    `SELECT COUNT(*) AS n, COUNT(DISTINCT ${first}) AS nd FROM g${j}`,
    `SELECT ${first} FROM g${j} WHERE ${first} IS NOT NULL`,
  ];
  return { family: 'DT over DT', sql: pick(shapes) };
}

const FAMILIES: [number, (rnd: Rng) => GeneratedQuery][] = [
  [5, aggQuery],
  [2, leftJoinQuery],
  [1, outerRows],
  [3, (rnd) => projection(rnd)],
  [3, subqueryQuery],
  [1, cteQuery],
  [2, setOpQuery],
  [1, derivedQuery],
  [1, windowed],
];

/** `count` queries from `seed`; query i is meant to be DT `g<i>` (a DT over a DT reads an earlier one). */
export function generateQueries(seed: number, count: number): GeneratedQuery[] {
  const rnd = random(seed);
  const total = FAMILIES.reduce((s, [w]) => s + w, 0);
  const out: GeneratedQuery[] = [];
  for (let i = 0; i < count; i++) {
    const over = rnd() < 0.1 ? onDt(rnd, out) : undefined;
    if (over) {
      out.push(over);
      continue;
    }
    let r = rnd() * total;
    let q: GeneratedQuery | undefined;
    for (const [w, f] of FAMILIES) {
      r -= w;
      if (r < 0) {
        q = f(rnd);
        break;
      }
    }
    out.push(q ?? aggQuery(rnd));
  }
  return out;
}
