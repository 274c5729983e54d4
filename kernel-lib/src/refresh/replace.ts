/**
 * How a keyed incremental refresh replaces the DT's rows of the affected keys (those in KEYS_TABLE) in as
 * few calls as the backend allows. Pure SQL builders; refresh/incremental.ts runs them.
 *
 * - `look`: one statement answers whether a key has a NULL part (such keys are matched apart, by
 *   IS NOT DISTINCT FROM) and, where the family replaces rows by `counted-ahead`, how many DT rows the
 *   affected keys hold — the rows the DELETE will remove in the same transaction, so the DELETE's count
 *   need not come back and the DELETE goes with the INSERT in one call. DuckDB, which hashes
 *   IS NOT DISTINCT FROM, looks only for expectations' counts: otherwise one statement matches every key
 *   null-safely ('matched') and the DELETE, last of the call that computes the keys, answers its count.
 * - `one-statement` (PostgreSQL family): the DELETE and the INSERT are data-modifying CTEs of one statement
 *   answering both counts. Both see the statement's snapshot: the DELETE never sees the rows the INSERT
 *   writes, and the INSERT reads the sources or the state, never the DT. Keys with a NULL part go in the same
 *   statement, gated (`nullKeysGate`), so the refresh need not look for them first.
 */
import { quoteIdent } from '../backends/backend.js';
import { KEYS_TABLE } from '../plan/incremental.js';

/** A key with a NULL part in KEYS_TABLE, of `keyCount` key columns k1…kn. */
const nullKeyTest = (keyCount: number) =>
  Array.from({ length: keyCount }, (_v, i) => `k${i + 1} IS NULL`).join(' OR ');

/**
 * Whether the keys of a refresh have a NULL part: known not (false), known so (true), or not looked at —
 * 'gated' (PostgreSQL family): the statements for such keys run anyway, each behind `nullKeysGate`;
 * 'matched' (a family that hashes IS NOT DISTINCT FROM, DuckDB): one statement matches every key by it.
 */
export type NullKeys = boolean | 'gated' | 'matched';

/**
 * A condition true when KEYS_TABLE holds a key with a NULL part. Uncorrelated, so PostgreSQL evaluates it
 * once (an InitPlan) and, when false, executes nothing of the statement it gates (a one-time filter): the
 * NULL-key statements cost their planning only, and the refresh no round trip to look for such keys.
 */
export const nullKeysGate = (keyCount: number) =>
  `EXISTS (SELECT 1 FROM ${KEYS_TABLE} WHERE ${nullKeyTest(keyCount)})`;

/**
 * One row: the number of keys with a NULL part, then (when `rowsOf` is given: the DT's rows of every
 * affected key, NULL-part keys included) the number of such rows, then the `extra` one-value subqueries.
 * Each is a one-row derived table of the row's cross join: as scalar subqueries of one select list the
 * statement took half as long again in DuckDB-WASM (1.9 ms against 1.3).
 */
export function keysLookSql(
  keyCount: number,
  rowsOf?: { table: string; condition: string },
  extra: string[] = [],
): string {
  const nulls = `SELECT count(*) FROM ${KEYS_TABLE} WHERE ${nullKeyTest(keyCount)}`;
  if (!rowsOf && extra.length === 0) return nulls;
  const rows = rowsOf ? [`(SELECT count(*) FROM ${quoteIdent(rowsOf.table)} WHERE ${rowsOf.condition})`] : [];
  const parts = [`(${nulls})`, ...rows, ...extra].map((q, i) => `${q} AS dtlab_look${i}`);
  return `SELECT * FROM ${parts.join(', ')}`;
}

/**
 * PostgreSQL family: deletes the DT's rows matching `condition` and inserts `rows`; answers (deleted, inserted)
 * and then the `also` expressions. `nulls`: the same for the keys with a NULL part (their rows are disjoint from
 * the others'), behind `gate`.
 */
export function replaceRowsSql(
  table: string,
  condition: string,
  rows: string,
  nulls?: { condition: string; rows: string; gate: string },
  also: string[] = [],
): string {
  const t = quoteIdent(table);
  const both = (cte: string) =>
    nulls
      ? `(SELECT count(*) FROM ${cte}) + (SELECT count(*) FROM ${cte}_n)`
      : `(SELECT count(*) FROM ${cte})`;
  const gated = nulls
    ? `,
  dtlab_deleted_n AS (DELETE FROM ${t} WHERE ${nulls.gate} AND ${nulls.condition} RETURNING 1),
  dtlab_inserted_n AS (INSERT INTO ${t} SELECT * FROM (${nulls.rows}) AS dtlab_n WHERE ${nulls.gate} RETURNING 1)`
    : '';
  return `WITH dtlab_deleted AS (DELETE FROM ${t} WHERE ${condition} RETURNING 1),
  dtlab_inserted AS (INSERT INTO ${t} ${rows} RETURNING 1)${gated}
SELECT ${[both('dtlab_deleted'), both('dtlab_inserted'), ...also].join(', ')}`;
}
