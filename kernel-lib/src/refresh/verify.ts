/**
 * VERIFY: compares a DT with its defining query on one snapshot — the oracle of the incremental engine, as a
 * user command. Returns the rows that differ: `+` rows the DT has and the query does not, `-` the reverse
 * (multiset difference, so duplicates count). Floating-point columns are compared rounded to 6 decimals.
 */
import { type Backend, quoteIdent, type ResultColumn, type Value } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import { dialectOf } from '../dialect/index.js';
import { filteredSql } from '../plan/expectations.js';
import { refreshSelect } from '../plan/full.js';
import { immutableCountSql, mutableCondition, predicateSql } from '../plan/immutable.js';
import { translateSql, translateType } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';

const FLOAT = /^(double|real|float)/i;

export interface Verification {
  equal: boolean;
  columns: ResultColumn[];
  /** First column `diff`: '+' (only in the DT) or '-' (only in the query result). */
  rows: Value[][];
  /**
   * IMMUTABLE WHERE: the DT's rows in its immutable region, which VERIFY leaves out of the comparison (the DT
   * keeps them as they were, whatever the query says now); only the mutable region is compared.
   */
  immutableRows?: number;
}

export async function verifyDynamicTable(
  backend: Backend,
  dt: DynamicTable,
  now: number,
  limit = 100,
): Promise<Verification> {
  const storage = await describeColumns(backend, backend.family, dt.name);
  const columnsOf = await qualifyStarColumns(backend, backend.family, dt.query);
  const query = translateSql(dt.query, backend.family, { now, ...(columnsOf ? { columnsOf } : {}) }).text;
  const select = refreshSelect(
    query,
    storage.map((c, i) => {
      const declared = dt.columns?.[i]?.type;
      return declared ? { name: c.name, type: translateType(declared, backend.family) } : { name: c.name };
    }),
  );
  // The DT holds its query's rows that pass its DROP ROW and QUARANTINE expectations (docs/quality.md).
  const expected = dt.expectations?.length
    ? filteredSql(
        select,
        dt.expectations,
        backend.family,
        storage.map((c) => c.name),
      )
    : select;
  const compare = storage
    .map((c) => {
      const col = quoteIdent(c.name);
      if (!FLOAT.test(c.type)) return `${col}`;
      return `${dialectOf(backend.family).round6(col)} AS ${col}`;
    })
    .join(', ');
  // The regions as the DT's last refresh drew them (its predicate at its data timestamp).
  const stamp = dt.dataTimestamp ? Date.parse(`${dt.dataTimestamp.replace(' ', 'T')}Z`) : now;
  const predicate =
    dt.immutableWhere === undefined ? undefined : predicateSql(dt.immutableWhere, backend.family, stamp);
  const only = predicate === undefined ? '' : ` WHERE ${mutableCondition(predicate)}`;
  const sql = `WITH dt AS (SELECT ${compare} FROM ${quoteIdent(dt.name)}${only}),
      q AS (SELECT ${compare} FROM (${expected}) AS q${only})
    SELECT '+' AS diff, * FROM (SELECT * FROM dt EXCEPT ALL SELECT * FROM q) AS extra
    UNION ALL
    SELECT '-' AS diff, * FROM (SELECT * FROM q EXCEPT ALL SELECT * FROM dt) AS missing
    LIMIT ${limit}`;
  const { result, frozen } = await backend.transaction(
    async (tx) => ({
      result: await tx.query(sql),
      frozen:
        predicate === undefined
          ? undefined
          : Number((await tx.query(immutableCountSql(dt.name, predicate))).rows[0]?.[0] ?? 0),
    }),
    { isolation: 'repeatable read' },
  );
  return {
    equal: result.rows.length === 0,
    columns: result.columns,
    rows: result.rows,
    ...(frozen !== undefined ? { immutableRows: frozen } : {}),
  };
}
