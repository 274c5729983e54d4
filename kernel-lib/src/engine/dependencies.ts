/**
 * The database's own view of a query: which relations it reads and which non-immutable functions it calls,
 * as the database resolved them, to check the parse walk (sql/relations.ts) against.
 *
 * - PostgreSQL family: the query becomes a temporary view (in a transaction rolled back after), whose
 *   rewrite rule's `pg_depend` rows name every relation it reads (views followed down to their base
 *   relations) and whose stored tree names every function (`:funcid`) and system column (negative
 *   `:varattno`) it uses.
 * - DuckDB: `EXPLAIN` of the query with the optimizer off (nothing pruned) scans every base table it reads,
 *   views expanded; a view's base tables are the scans of `SELECT * FROM view`. Function volatility comes
 *   from `duckdb_functions()`.
 */
import { type Backend, type Queryable, quoteIdent, sqlLiteral } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';

export type DbRelationKind = 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'OTHER';

export interface DbRelation {
  name: string;
  kind: DbRelationKind;
  /** The view through which the query reads it (absent: the query names it). */
  via?: string;
  /** Schema, when it is not the current one. */
  otherSchema?: string;
  /** A partition or inheritance child of `via` (PostgreSQL): its own writes need its own capture. */
  child?: boolean;
}

export interface DatabaseView {
  /**
   * PostgreSQL: the relations the query names, and those under its views (`via`). DuckDB: base tables
   * scanned by the query (no `via`), and by each view named in `views` (`via` = the view).
   */
  relations: DbRelation[];
  /** Whether `relations` lists what the query names (PostgreSQL) or only base tables it scans (DuckDB). */
  namesViews: boolean;
  /** Functions whose result may change between calls with the same arguments. */
  volatile: { name: string; volatility: string }[];
  /** The query reads a system column (PostgreSQL `xmin`, `ctid`, …). */
  systemColumn: boolean;
}

const PROBE = 'dtlab_dependency_probe';

class Rollback extends Error {}

/** Runs `fn` in a transaction that is always rolled back, returning what it computed. */
async function rolledBack<T>(backend: Backend, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  let out: T | undefined;
  try {
    await backend.transaction(async (tx) => {
      out = await fn(tx);
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return out as T;
}

const PG_KINDS: Record<string, DbRelationKind> = {
  r: 'TABLE',
  p: 'TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
};

/** Relations a view reads, followed down through views (`via` = the view that reads it, null at the top). */
const PG_READS = `
  WITH RECURSIVE reads(oid, via) AS (
    SELECT d.refobjid, CAST(NULL AS oid) FROM pg_rewrite w
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> w.ev_class
     WHERE w.ev_class = '${PROBE}'::regclass
    UNION
    SELECT d.refobjid, r.oid FROM reads r
      JOIN pg_class v ON v.oid = r.oid AND v.relkind = 'v'
      JOIN pg_rewrite w ON w.ev_class = v.oid
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> w.ev_class)
  SELECT DISTINCT c.relname, c.relkind, CASE WHEN c.relnamespace = current_schema()::regnamespace THEN NULL
         ELSE n.nspname END, v.relname
    FROM reads r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class v ON v.oid = r.via
   WHERE c.relkind <> 'S'`;

/** Every partition and inheritance child (at any depth) of the tables the probe reads, with its parent. */
const PG_CHILDREN = `
  WITH RECURSIVE kids(oid, parent) AS (
    SELECT i.inhrelid, i.inhparent FROM pg_inherits i
     WHERE i.inhparent IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
                              AND c.relname = ANY(CAST($1 AS text[])))
    UNION
    SELECT i.inhrelid, i.inhparent FROM kids k JOIN pg_inherits i ON i.inhparent = k.oid)
  SELECT DISTINCT c.relname, p.relname, CASE WHEN c.relnamespace = current_schema()::regnamespace THEN NULL
         ELSE n.nspname END
    FROM kids k JOIN pg_class c ON c.oid = k.oid JOIN pg_class p ON p.oid = k.parent
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p')`;

async function postgresView(tx: Queryable, query: string): Promise<DatabaseView> {
  // Wrapped in a subquery: a view needs distinct column names, the query does not.
  await tx.query(`CREATE TEMPORARY VIEW ${PROBE} AS SELECT 1 AS x FROM (${query}\n) AS q`);
  const { rows } = await tx.query(PG_READS);
  const relations: DbRelation[] = rows.map((r) => ({
    name: String(r[0]),
    kind: PG_KINDS[String(r[1])] ?? 'OTHER',
    ...(r[2] !== null ? { otherSchema: String(r[2]) } : {}),
    ...(r[3] !== null ? { via: String(r[3]) } : {}),
  }));
  const tables = relations.filter((r) => r.kind === 'TABLE' && !r.otherSchema).map((r) => r.name);
  if (tables.length > 0) {
    const kids = await tx.query(PG_CHILDREN, [
      `{${tables.map((t) => `"${t.replace(/"/g, '\\"')}"`).join(',')}}`,
    ]);
    for (const r of kids.rows) {
      relations.push({
        name: String(r[0]),
        kind: 'TABLE',
        via: String(r[1]),
        child: true,
        ...(r[2] !== null ? { otherSchema: String(r[2]) } : {}),
      });
    }
  }
  const tree = await tx.query(`SELECT ev_action::text FROM pg_rewrite WHERE ev_class = '${PROBE}'::regclass`);
  const text = String(tree.rows[0]?.[0] ?? '');
  const ids = [...new Set([...text.matchAll(/:(?:funcid|opfuncid) (\d+)/g)].map((m) => m[1]))];
  // Built-in functions that are only stable read the session's settings (time zone, …) or the transaction's
  // time, which the engine pins; a user's stable function may read tables: both are flagged when volatile,
  // only the user's when stable.
  const fns =
    ids.length === 0
      ? []
      : (
          await tx.query(
            `SELECT DISTINCT proname, provolatile FROM pg_proc
              WHERE oid IN (${ids.join(', ')})
                AND (provolatile = 'v' OR (provolatile = 's' AND oid >= 16384))`,
          )
        ).rows;
  return {
    relations,
    namesViews: true,
    volatile: fns.map((r) => ({ name: String(r[0]), volatility: r[1] === 'v' ? 'volatile' : 'stable' })),
    systemColumn: /:varattno -\d/.test(text),
  };
}

function scannedTables(plan: unknown, into: Set<string>): void {
  if (Array.isArray(plan)) {
    for (const p of plan) scannedTables(p, into);
    return;
  }
  if (plan === null || typeof plan !== 'object') return;
  const node = plan as { extra_info?: { Table?: unknown }; children?: unknown };
  if (typeof node.extra_info?.Table === 'string') into.add(node.extra_info.Table);
  scannedTables(node.children, into);
}

async function duckdbScans(tx: Queryable, query: string): Promise<Set<string>> {
  const { rows } = await tx.query(`EXPLAIN (FORMAT JSON) ${query}`);
  const scans = new Set<string>();
  for (const r of rows) scannedTables(JSON.parse(String(r[1])), scans);
  return scans;
}

async function duckdbView(
  tx: Queryable,
  query: string,
  views: string[],
  functions: string[],
): Promise<DatabaseView> {
  await tx.query('PRAGMA disable_optimizer');
  const relations: DbRelation[] = [...(await duckdbScans(tx, query))].map((name) => ({
    name,
    kind: 'TABLE',
  }));
  for (const v of views) {
    for (const name of await duckdbScans(tx, `SELECT * FROM ${quoteIdent(v)}`))
      relations.push({ name, kind: 'TABLE', via: v });
  }
  await tx.query('PRAGMA enable_optimizer');
  const volatile =
    functions.length === 0
      ? []
      : (
          await tx.query(
            `SELECT DISTINCT function_name FROM duckdb_functions()
              WHERE stability = 'VOLATILE' AND function_name IN (${functions.map((f) => sqlLiteral(f)).join(', ')})`,
          )
        ).rows.map((r) => ({ name: String(r[0]), volatility: 'volatile' }));
  return { relations, namesViews: false, volatile, systemColumn: false };
}

/**
 * The database's view of `query` (already translated to the backend's family). `views`: the views the
 * parse found (DuckDB expands them separately); `functions`: the function names it found (DuckDB looks
 * their volatility up). A BackendError means the database could not take the query apart.
 */
export function databaseView(
  backend: Backend,
  query: string,
  views: string[],
  functions: string[],
): Promise<DatabaseView> {
  const probe = dialectOf(backend.family).readsProbe;
  return rolledBack(backend, (tx) =>
    probe === 'temporary-view' ? postgresView(tx, query) : duckdbView(tx, query, views, functions),
  );
}
