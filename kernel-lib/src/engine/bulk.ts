/**
 * The engine's own bulk inserts (the order simulator, TPC-H's RF1): rows for every column of a table, in
 * order. Where the family binds a VALUES list value by value (dialect `stagesRows`: DuckDB), the rows go first
 * through the backend's bulk path (Arrow on DuckDB) into a stage table in schema dtlab, and the write is
 * `INSERT INTO t SELECT * FROM dtlab.<stage>` — a statement of a few bytes that capture and translation handle
 * like any INSERT … SELECT. Stages are dropped by the write's transaction (no call of their own), or after it
 * when it did not commit. Elsewhere (the PostgreSQL family) the rows are inserted inside the transaction:
 * copied where it can (`Queryable.insertRows`: PGlite's COPY, in the write's transaction), else as one
 * INSERT of the rows as an array of the table's row type (`insertRowsIn`, sql/rows-insert.ts).
 */
import {
  type Backend,
  type Queryable,
  qualifiedName,
  quoteIdent,
  type SqlFamily,
  type Value,
} from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';

/** Rows for every column of `insert`, in the table's column order. */
export interface RowsInsert {
  readonly insert: string;
  readonly rows: readonly Value[][];
}

/** What the engine writes in one transaction: statements, and rows to insert. */
export type WriteItem = string | RowsInsert;

/**
 * One statement of a write, or rows the transaction inserts (`rows`). `rowsInto` is set on what the engine
 * built from a RowsInsert: a statement's text is already the backend's SQL and names that table, so it is
 * neither translated nor parsed to find the table.
 */
export type PreparedWrite =
  | { readonly sql: string; readonly rowsInto?: string }
  | { readonly rowsInto: string; readonly rows: readonly Value[][] };

/**
 * Inserts `rows` into `table` in the transaction `tx`: copied where it can (PGlite), else one INSERT of the
 * family (dialect `rowsInsertSql`), sent with the next call when `deferred` and the transaction defers (its
 * count is then NaN).
 */
export async function insertRowsIn(
  tx: Queryable,
  family: SqlFamily,
  table: string,
  rows: readonly Value[][],
  deferred = false,
): Promise<number> {
  if (tx.insertRows) return tx.insertRows(table, rows);
  const sql = dialectOf(family).rowsInsertSql(table, rows);
  if (!deferred || !tx.defer) return (await tx.query(sql)).rowCount;
  tx.defer(sql);
  return Number.NaN;
}

const STAGE_SCHEMA = 'dtlab';
let stages = 0;
/** Tells this process's stages from any a crashed one left in a database file. */
const STAGE_RUN = Math.floor(Math.random() * 36 ** 4).toString(36);

/** What a write runs: a statement per item (none for an insert of no rows), and its stages' drops. */
export interface PreparedWrites {
  statements: (PreparedWrite | undefined)[];
  /** Drop the stages: run them in the write's transaction (they commit with it). */
  drops: string[];
  /** Drops the stages on their own: call it when the write did not commit. */
  release: () => Promise<void>;
}

/**
 * The statement that writes each of `items`, after staging the rows of each RowsInsert where the family
 * stages rows: one call of the backend's bulk path per insert (`stageRows`), the stage holding the rows as
 * that path carries them and the insert casting them to the table's types.
 */
export async function prepareWrite(backend: Backend, items: readonly WriteItem[]): Promise<PreparedWrites> {
  const drops: string[] = [];
  const release = async () => {
    for (const drop of drops.splice(0)) await backend.query(drop);
  };
  const statements: (PreparedWrite | undefined)[] = [];
  try {
    for (const item of items) {
      if (typeof item === 'string') statements.push({ sql: item });
      else if (item.rows.length === 0) statements.push(undefined);
      else if (!dialectOf(backend.family).stagesRows)
        statements.push({ rowsInto: item.insert, rows: item.rows });
      else if (!backend.stageRows)
        statements.push({
          sql: dialectOf(backend.family).rowsInsertSql(item.insert, item.rows),
          rowsInto: item.insert,
        });
      else {
        const stage = `stage_${item.insert}_${STAGE_RUN}_${++stages}`;
        const name = qualifiedName(stage, STAGE_SCHEMA);
        drops.push(`DROP TABLE IF EXISTS ${name}`);
        await backend.stageRows(stage, item.rows, STAGE_SCHEMA);
        statements.push({
          sql: `INSERT INTO ${quoteIdent(item.insert)} SELECT * FROM ${name}`,
          rowsInto: item.insert,
        });
      }
    }
  } catch (e) {
    await release();
    throw e;
  }
  return { statements, drops, release };
}
