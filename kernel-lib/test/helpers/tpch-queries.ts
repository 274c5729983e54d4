/**
 * A seeded generator of defining queries and change sequences over a small TPC-H: the TPC-H tables' column
 * names and types (tpch/schema.ts, without keys or NOT NULL, so NULLs and duplicate keys happen), a few dozen
 * rows drawn from small domains so joins match. Queries: aggregates over inner-join chains along the foreign
 * keys (grouped and whole-table, COUNT/SUM/AVG/MIN/MAX/COUNT(DISTINCT), HAVING), LEFT JOINs, chains of
 * LEFT / RIGHT / FULL joins (rows, and groups keyed by any side), projections
 * (also DISTINCT), subqueries (IN, EXISTS, NOT EXISTS, correlated scalar), CTEs, set operations (UNION [ALL],
 * EXCEPT, INTERSECT), aggregates over aggregating subqueries in FROM, aggregating subqueries outer-joined to a
 * table, `SELECT *` and views (tpchViews()). Changes: inserts (with NULLs),
 * updates of keys, measures and categories (also to NULL), deletes. Pure: the seed decides everything.
 */
import { random } from '../../src/tpch/simulator.js';
import { type Col, colsOfTable, EDGES, type Kind, pickOf, type Rng, TABLES, value } from './tpch-data.js';

export { changeStep, tpchRows, tpchSetup } from './tpch-data.js';

export interface GeneratedQuery {
  /** What kind of query it is (for the report). */
  family: string;
  sql: string;
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

/** A chain of 1–`max` tables joined along foreign keys (inner joins, or any of `joins`). */
function chain(rnd: Rng, max: number, start?: string, joins = ['JOIN']): Chain {
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
    from += ` ${pick(joins)} ${added} ${ALIAS[added]} ON ${ALIAS[a]}.${ac} = ${ALIAS[b]}.${bc}`;
  }
  return { tables, from };
}

const colsOf = (tables: string[], kinds: Kind[]) =>
  tables.flatMap((t) => colsOfTable(t, kinds).map((c) => ({ t, c })));
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
    `${pick([`SUM(${m})`, `AVG(${m})`, `MAX(${m})`, `MIN(${m})`])} AS a1`,
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

/** A chain of 2–3 tables joined by LEFT / RIGHT / FULL / inner joins: rows, or groups keyed by any side. */
function outerChain(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  let ch = chain(rnd, 3, undefined, ['LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'FULL OUTER JOIN', 'JOIN']);
  while (ch.tables.length < 2) ch = chain(rnd, 3, undefined, ['LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN']);
  const keys = [
    ...new Set(
      Array.from({ length: 1 + Math.floor(rnd() * 2) }, () =>
        ref(pick(colsOf(ch.tables, ['key', 'cat', 'date']))),
      ),
    ),
  ];
  const where = rnd() < 0.3 ? ` WHERE ${predicate(rnd, ch.tables)}` : '';
  const select = keys.map((k, i) => `${k} AS k${i}`);
  if (rnd() < 0.4)
    return { family: 'outer join chain rows', sql: `SELECT ${select.join(', ')} FROM ${ch.from}${where}` };
  const aggs = [`${aggregate(rnd, ch.tables)} AS a0`, `${aggregate(rnd, ch.tables)} AS a1`];
  return {
    family: 'outer join chain aggregate',
    sql: `SELECT ${[...select, ...aggs].join(', ')} FROM ${ch.from}${where} GROUP BY ${keys.join(', ')}`,
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
 * An aggregating subquery outer-joined to the table its key refers to, either way round (plan/nested-outer.ts):
 * rows, or groups keyed by the table's key.
 */
function outerAggregate(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const [a, ac, b, bc] = pick(EDGES);
  const [ta, tb] = [ALIAS[a] as string, ALIAS[b] as string];
  const m = ref(measure(rnd, [a]));
  const inner = `SELECT ${ta}.${ac} AS k, COUNT(*) AS cnt, SUM(${m}) AS total FROM ${a} ${ta} GROUP BY ${ta}.${ac}`;
  const join = pick(['LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN']);
  const sides = [`${b} ${tb}`, `(${inner}) x`];
  if (rnd() < 0.5) sides.reverse();
  const from = `${sides[0]} ${join} ${sides[1]} ON x.k = ${tb}.${bc}`;
  return {
    family: `outer join around an aggregate (${join})`,
    sql:
      rnd() < 0.3
        ? `SELECT ${tb}.${bc} AS k0, COUNT(x.k) AS n, SUM(x.total) AS s FROM ${from} GROUP BY ${tb}.${bc}`
        : `SELECT ${tb}.${bc} AS p0, x.k, x.cnt, x.total FROM ${from}`,
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

/** `SELECT *` / `t.*`, and queries over the views of tpchViews() (views of views included). */
function starOrView(rnd: Rng): GeneratedQuery {
  const pick = pickOf(rnd);
  const t = pick(TABLES);
  const a = ALIAS[t] as string;
  const where = rnd() < 0.5 ? ` WHERE ${predicate(rnd, [t])}` : '';
  const key = ref(pick(colsOf([t], ['key', 'cat'])));
  const m = measure(rnd, [t]);
  const shapes: [string, string][] = [
    ['star', `SELECT * FROM ${t} ${a}${where}`],
    ['star', `SELECT DISTINCT * FROM ${t} ${a}${where}`],
    ['star', `SELECT ${a}.*, ${a}.${m.c.name} * 2 AS m2 FROM ${t} ${a}${where}`],
    ['view', `SELECT * FROM v_${t} ${a}${where}`],
    [
      'view',
      `SELECT ${key} AS k0, COUNT(*) AS n, SUM(${ref(m)}) AS s FROM v_${t} ${a}${where} GROUP BY ${key}`,
    ],
    [
      'view',
      'SELECT o.o_orderstatus AS k0, COUNT(*) AS n, SUM(o.l_quantity) AS q FROM v_order_lines o GROUP BY o.o_orderstatus',
    ],
    ['view', `SELECT * FROM v_order_lines o WHERE o.l_quantity > ${Math.floor(rnd() * 30)}`],
  ];
  const [family, sql] = pick(shapes);
  return { family: `star or view (${family})`, sql };
}

const FAMILIES: [number, (rnd: Rng) => GeneratedQuery][] = [
  [2, starOrView],
  [5, aggQuery],
  [2, leftJoinQuery],
  [1, outerRows],
  [2, outerChain],
  [3, (rnd) => projection(rnd)],
  [3, subqueryQuery],
  [1, cteQuery],
  [2, setOpQuery],
  [1, derivedQuery],
  [1, windowed],
  [1, outerAggregate],
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
