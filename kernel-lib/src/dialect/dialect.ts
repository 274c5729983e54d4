/**
 * Where the two SQL families differ, in one object each (dialect/postgres.ts, dialect/duckdb.ts): change
 * capture's statements, the dictionary queries the engine needs, and the few expressions that are spelt
 * differently. Code that builds SQL asks `dialectOf(family)` instead of branching on the family.
 * (Function translation for learners' SQL — TO_CHAR, DATEADD, … — is read by sql/function-rewrites.ts and
 * spelt per family here, dialect/functions.ts; likewise Snowflake's FLATTEN, sql/flatten.ts and
 * dialect/flatten.ts.)
 */
import type { SqlFamily, Value } from '../backends/backend.js';
import type { pgNoDataSql } from '../refresh/probe.js';
import type { FlattenCall, FlattenSql } from './flatten.js';
import type { FunctionSpelling } from './functions.js';

/** The family's names of the column types whose Snowflake names it lacks (sql/column-types.ts). */
export interface TypeNames {
  /** NUMBER / NUMERIC / DECIMAL. */
  readonly decimal: string;
  /** FLOAT, DOUBLE, REAL, … */
  readonly double: string;
  /** BINARY / VARBINARY. */
  readonly binary: string;
}

export interface CaptureDialect {
  /** The change table of `source`, in schema dtlab. */
  changeTable(source: string): string;
  /** Creates capture on `source` (change table, and triggers where the family has them). */
  install(source: string): string[];
  /** The change table's own columns, before the source's: a source may not have columns of these names. */
  readonly ownColumns: readonly string[];
  remove(source: string): string[];
  /** The consumer's position now (one text column). */
  readonly position: string;
  /** The condition "`column` was committed after position `$1`". */
  after(column: string): string;
  /** The condition on a change table's rows: written after position `$1`. */
  readonly since: string;
  /**
   * Inserted and deleted counts since position `$1`, whether an uncapturable write happened, and whether
   * change rows past `$1` were pruned ($2 = source; capture/marks.ts).
   */
  windowSummary(source: string): string;
  /** The change rows since position `$1`. */
  windowRows(source: string): string;
  /** Deletes the change rows every incrementally refreshed consumer has read, keeping a pruning mark. */
  collectGarbage(source: string): readonly string[];
  /** Whether capture on `$1` stands (one boolean). */
  readonly intactSql: string;
  /**
   * Where reinstalling capture drops and creates triggers (the PostgreSQL family, capture/reinstall.ts): the
   * sources are locked first, all at once (`attempt`: one attempt whose locks wait at most `waitMs`; `undo`
   * undoes a failed one); `lateCommits` asks whether any transaction committed since this transaction's
   * snapshot (one boolean), and `lockFirst` locks sources before a transaction's snapshot, so that none that
   * wrote them can have.
   */
  readonly reinstall?: {
    attempt(sources: readonly string[], waitMs: number): string[];
    readonly undo: string;
    readonly lateCommits: string;
    lockFirst(sources: readonly string[]): string[];
  };
  /**
   * Reclaiming the space of pruned change rows (capture/marks.ts): `flushStats` makes this session's counts
   * of dead rows visible to the next statement, `candidatesSql` names the change tables (in schema dtlab)
   * whose dead rows are worth a VACUUM, `vacuum` reclaims one, outside any transaction. Absent where deleted
   * rows' space is reused without it (DuckDB).
   */
  readonly reclaim?: {
    readonly flushStats: string;
    readonly candidatesSql: string;
    vacuum(table: string): string;
  };
}

export interface Dialect {
  readonly family: SqlFamily;
  /**
   * The engine captures every write itself (DuckDB has no triggers), so it knows what changed without asking
   * (capture/ledger.ts), and captured writes and refreshes take turns (capture/lock.ts).
   */
  readonly engineCaptures: boolean;
  /** Snowflake SELECT features the family lacks, rewritten by translation (sql/select-rewrite.ts). */
  readonly selectRewrites: { qualify: boolean; lateralAliases: boolean };
  /**
   * PostgreSQL merges a small delta into state by index lookups, and a recompute of a few affected keys wants
   * a supporting index on the table it reads them from (the benchmarks create one); DuckDB hash-joins either way.
   */
  readonly indexesState: boolean;
  /**
   * The planner sizes a join by its statistics, which a change table's, filling and emptying between
   * autovacuum's looks, rarely has right (at SF 1 a 1-row change was taken for 2 000 rows and joined to
   * customer by scanning it): the change a delta term reads is given `LIMIT n`, n its rows in the refresh's
   * snapshot as the change summary counted them (never fewer than it holds), so it is planned as that small.
   */
  readonly boundsChangeRows: boolean;
  /**
   * `IS NOT DISTINCT FROM` is a hash-join condition (DuckDB), so keys with a NULL part are matched with the
   * others in one statement: the state absorbs a delta in one MERGE and the DT's rows of the affected keys are
   * counted by one condition. PostgreSQL hashes only `=`, so there NULL-part keys are matched apart.
   */
  readonly hashesNotDistinct: boolean;
  /**
   * The DT's rows of the affected keys are deleted by `DELETE … USING` the keys table, which DuckDB plans as
   * a hash join; as `WHERE EXISTS (…)` its decorrelation cost ~1 ms a refresh (1.1 against 2.0 ms, one key).
   * PostgreSQL plans either as a (semi-)join and keeps the EXISTS.
   */
  readonly deletesByJoin: boolean;
  /**
   * The engine's own bulk inserts (the order simulator, TPC-H's RF1) stage their rows through the backend's
   * bulk path first (engine/bulk.ts): DuckDB binds a VALUES list value by value, which in DuckDB-WASM cost
   * ~0.3 ms a row of lineitem. The PostgreSQL family needs no table per write (`rowsInsertSql`).
   */
  readonly stagesRows: boolean;
  /** The engine's own rows for every column of `table` as one INSERT (sql/rows-insert.ts). */
  rowsInsertSql(table: string, rows: readonly Value[][]): string;
  /**
   * How a keyed refresh replaces the DT's rows of the affected keys (refresh/replace.ts): in one statement
   * of data-modifying CTEs (PostgreSQL), or with the rows to delete counted ahead, so that the DELETE and
   * the INSERT go to the backend in one call (DuckDB, which has no data-modifying CTEs).
   */
  readonly replaceRows: 'one-statement' | 'counted-ahead';
  /**
   * Data-modifying CTEs (`WITH … AS (UPDATE … RETURNING …) INSERT …`, PostgreSQL): a linear state's existing
   * groups are updated and its new ones inserted in one statement, the new ones found among the delta's keys
   * the update did not return (refresh/merge-plan.ts), not by probing the state once more per key.
   */
  readonly modifyingCtes: boolean;
  /**
   * A refresh's affected keys go to a temporary table kept for the connection, one per shape of their
   * query, emptied instead of dropped (refresh/keys-steps.ts `keptKeys`): on PostgreSQL creating and dropping a
   * temporary table writes the system catalogs: 1.17–1.47 ms a refresh's transaction, against 0.32 ms to fill
   * and empty a kept one (docs/incremental.md). DuckDB creates `dtlab_keys` anew: there a kept table costs
   * more (5.40 ms a transaction against 4.05, its statement more).
   */
  readonly keepsKeys: boolean;
  /**
   * A refresh's temporary tables (keys, change rows) are made by `CREATE OR REPLACE TEMP TABLE` and left on the
   * connection after a small change, for the next refresh to replace (refresh/steps.ts `tempTableSteps`):
   * DuckDB-WASM costs every statement, a `DROP` too. PostgreSQL has no `CREATE OR REPLACE TABLE`.
   */
  readonly replacesTables: boolean;
  readonly capture: CaptureDialect;
  /** A table's columns in the current schema (name, type, nullable), `$1` = table, in order. */
  readonly describeColumnsSql: string;
  /**
   * The types of `select`'s result columns, spelt as `describeColumnsSql` spells a table's: statements run
   * before (`setup`), the read (one row per column, the type first, in order) and after (`cleanup`).
   */
  resultTypes(select: string): { setup: string[]; read: string; cleanup: string[] };
  /** Columns of the tables `names` (a list of literals): (table, column, type), in order. */
  sourceColumnsSql(names: string): string;
  /** Definitions of the plain views among `names` (literals): (view, defining SELECT); no materialized views. */
  viewDefinitionsSql(names: string): string;
  /** A table's row count as the dictionary estimates it (negative or no row: unknown), `$1` = table. */
  readonly estimatedRowsSql: string;
  /** Whether relation `$1` exists in schema dtlab (a count). */
  readonly dtlabRelationSql: string;
  /** A floating-point column rounded to 6 decimals (VERIFY's tolerance). */
  round6(column: string): string;
  /**
   * A refresh's metadata in one statement (catalog/refresh-metadata.ts): rows `(kind, a, b, c, d, n)` of the
   * columns of `tables` (col) and of dtlab relations (dcol), capture triggers (trg), size estimates (est),
   * the position (snap), captured sources (cap), then `common`. Lists are of literals.
   */
  refreshMetadataSql(lists: { tables: string; dtlab: string; tracked: string }, common: string): string;
  /**
   * A refresh the engine expects to find nothing changed, as one statement that probes and, when nothing did,
   * writes the history row and the data timestamp (refresh/no-data.ts, refresh/probe.ts `pgNoDataSql`).
   * Absent where the engine knows without a statement (DuckDB: capture/ledger.ts).
   */
  readonly noDataStatement?: typeof pgNoDataSql;
  /** Statements a refresh transaction starts with: settings, and the DT's refresh lock where it is taken. */
  refreshPreamble(table: string, options: { timeoutMs?: number; noWait?: boolean }): string[];
  /** The backend enforces a refresh's timeout as a transaction option (DuckDB) rather than a setting. */
  readonly timeoutAsTransactionOption: boolean;
  /** Statements the engine runs when it opens a database (after the catalog's). */
  readonly engineDdl: readonly string[];
  /**
   * First in the transaction that installs the engine as it opens (engine/open.ts): where several engines may
   * open one database at once (a server), they take turns, since two transactions creating one schema or
   * replacing one function fail ("duplicate key value", "tuple concurrently updated").
   */
  readonly installLock: readonly string[];
  /** A stored row's address, stable within a transaction (to delete k of n equal rows). */
  readonly rowAddress: string;
  /** Deletes the rows of `table` whose addresses `select` returns. */
  deleteByAddress(table: string, select: string): string;
  /**
   * AVG from a sum and a count, typed as the family's own avg is; `sumType`: the sum's type where it is known
   * (the state table's column, as the catalog spells it).
   */
  avg(sum: string, count: string, sumType?: string): string;
  /**
   * The family's AVG is a NUMERIC division whose result scale follows the sum's display scale: a linear AVG
   * is kept only over arguments whose values all have one scale (plan/avg-scale.ts).
   */
  readonly avgFollowsScale: boolean;
  /**
   * Whether the family sorts NULLs first where an ORDER BY does not say (`descending` or not): PostgreSQL puts
   * them last ascending and first descending (NULL is the largest value); DuckDB last either way.
   */
  nullsFirst(descending: boolean): boolean;
  /**
   * The distinct counts (DUPLICATE_COUNT, UNIQUE_COUNT) go into the data metric scan as COUNT(DISTINCT …).
   * False on both families, by measurement at SF 1: PostgreSQL sorts per COUNT(DISTINCT …) (22.6 s against
   * 8.9 s for hashed GROUP BYs), and DuckDB-WASM's took 38 s against 10.7 s. Then the one statement cross-joins
   * the scan with one hashed GROUP BY per distinct column set (quality/plan.ts).
   */
  readonly distinctInScan: boolean;
  /**
   * The constraints the backend enforces on table `$1` that settle some metrics without the scan
   * (quality/constraints.ts): rows ('n', '', column) per NOT NULL column and ('u', key, column) per column of a
   * unique key (PRIMARY KEY or UNIQUE, valid, not deferrable, without predicate or expressions).
   */
  readonly keyFactsSql: string;
  /**
   * Statements run (in its transaction) before the data metric scan. PostgreSQL: no JIT inlining — the scan
   * runs in parallel workers, each of which compiled the statement's ~40 expressions again, inlining taking
   * two thirds of that (0.7 s of 1.15 s per process at SF 1); the expressions are still compiled.
   */
  readonly measurePreamble: readonly string[];
  /**
   * Statements that make a capture reinstall give up after 2 s of waiting for a lock (a refresh cycle's share
   * lock, engine/fence.ts), and reset it; none where nothing else can hold a lock.
   */
  readonly reinstallLockTimeout?: { set: string; reset: string };
  /** Snowflake's FLATTEN as a lateral subquery of the family, or what of the call it cannot express. */
  flatten(call: FlattenCall): FlattenSql;
  /** How the family spells the Snowflake functions translation rewrites, and those it refuses. */
  readonly functions: FunctionSpelling;
  readonly types: TypeNames;
  /**
   * Statements that wait for every open writer of `tables` (not empty) before a
   * CREATE's transaction takes its snapshot, so that a write is either in the snapshot or captured by the
   * triggers it installs (engine/create.ts). None where the engine captures every write itself.
   */
  awaitWriters(tables: string[]): string[];
  /**
   * Statements a DROP DYNAMIC TABLE's transaction starts with: they wait for every transaction holding the DT's
   * table, a CREATE of a reader among them (it holds its sources by `awaitWriters`), so that the readers the
   * drop then looks for include one created meanwhile (engine/ddl.ts). None where the engine makes CREATE and
   * DROP take turns itself (DuckDB: capture/lock.ts).
   */
  lockToDrop(table: string): string[];
  /** Statements that bring the planner's statistics of `table` up to date after a bulk load. */
  analyze(table: string): string[];
  /**
   * How the database names what a query reads (engine/dependencies.ts): by the dependencies of a temporary
   * view's rewrite rule (PostgreSQL), or by the scans of an EXPLAIN with the optimizer off (DuckDB).
   */
  readonly readsProbe: 'temporary-view' | 'explain';
}
