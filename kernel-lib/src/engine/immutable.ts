/**
 * IMMUTABLE WHERE and BACKFILL FROM in the engine (the rule: plan/immutable.ts; docs/incremental.md):
 * CREATE's checks (the predicate is run by the backend over the DT's rows: it must name only the DT's columns,
 * be BOOLEAN and row-level; the backfill table must exist with the DT's columns, in order, of compatible
 * types), the backfill itself, and ALTER DYNAMIC TABLE … SET / UNSET IMMUTABLE WHERE. Every refusal is
 * positioned and changes nothing.
 */
import { type Backend, type Queryable, quoteIdent } from '../backends/backend.js';
import { describeColumns, updateDynamicTable } from '../catalog/catalog.js';
import { DtError } from '../errors.js';
import { probeSql } from '../plan/full.js';
import { backfillSql, predicateCheckSql, predicateSql } from '../plan/immutable.js';
import type { CreateDynamicTable } from '../sql/ddl.js';
import type { ImmutableWhere } from '../sql/immutable-ddl.js';
import { positionAt } from '../sql/position.js';
import type { DynamicTable } from '../types.js';
import { checkCondition } from './condition-check.js';

/** Why a DT with IMMUTABLE WHERE is refreshed by recomputing (its mode's reason; INCREMENTAL is refused). */
export const IMMUTABLE_FULL_REASON =
  'IMMUTABLE WHERE: each refresh recomputes the rows outside the immutable region (DT Lab does not maintain that region incrementally)';

/** The checks CREATE makes before anything else: the options IMMUTABLE WHERE and BACKFILL FROM go with. */
export function checkImmutableOptions(stmt: CreateDynamicTable, sql: string): void {
  const at = (offset: number) => ({ position: positionAt(sql, offset), sql });
  if (stmt.backfill && !stmt.immutableWhere)
    throw new DtError(
      'DT_ERR_OPTION',
      'BACKFILL FROM needs IMMUTABLE WHERE: the backfilled rows are the immutable region',
      at(stmt.backfill.offset),
    );
  if (stmt.immutableWhere && stmt.refreshMode === 'INCREMENTAL')
    throw new DtError(
      'DT_ERR_UNSUPPORTED',
      'REFRESH_MODE = INCREMENTAL with IMMUTABLE WHERE is not supported: DT Lab keeps an immutable region by recomputing the rows outside it at each refresh; use REFRESH_MODE = AUTO or FULL',
      at(stmt.immutableWhere.offset),
    );
}

/** The predicate checked over `rowsSql` (the DT's rows by column name) at `now`; a positioned error otherwise. */
export async function checkPredicate(
  db: Queryable,
  family: Backend['family'],
  sql: string,
  where: ImmutableWhere,
  rowsSql: string,
  now: number,
): Promise<void> {
  await checkCondition(
    db,
    predicateCheckSql(predicateSql(where.text, family, now), rowsSql),
    { ...where, sql },
    'DT_ERR_QUERY',
    {
      failed: (first) =>
        `IMMUTABLE WHERE: ${first} (the predicate may read only the dynamic table's own columns, row by row)`,
      notBoolean: (type) => `IMMUTABLE WHERE: the predicate ${where.text} is of type ${type}, not BOOLEAN`,
    },
  );
}

/** A type's family for BACKFILL's compatibility check (numbers with numbers, text with text, …). */
function typeFamily(type: string): string {
  const t = type.toLowerCase();
  if (/int|numeric|decimal|double|real|float|number/.test(t)) return 'number';
  if (/char|text|string/.test(t)) return 'text';
  if (/timestamp/.test(t)) return 'timestamp';
  if (/^date/.test(t)) return 'date';
  if (/bool/.test(t)) return 'boolean';
  return t;
}

/**
 * CREATE's checks of IMMUTABLE WHERE and BACKFILL FROM against the DT's rows (`select`, its columns `columns`
 * with their types). BACKFILL needs IMMUTABLE WHERE (the rows it copies are the immutable region's).
 */
export async function checkImmutable(
  backend: Backend,
  stmt: CreateDynamicTable,
  sql: string,
  select: string,
  now: number,
  tables: ReadonlyMap<string, string>,
): Promise<void> {
  const at = (offset: number) => ({ position: positionAt(sql, offset), sql });
  const { immutableWhere: where, backfill } = stmt;
  if (!where) return;
  await checkPredicate(backend, backend.family, sql, where, select, now);
  if (!backfill) return;
  const columns = (await backend.query(probeSql(select))).columns;
  const kind = tables.get(backfill.table);
  if (kind === undefined)
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `BACKFILL FROM: table ${backfill.table} does not exist`,
      at(backfill.offset),
    );
  const from = await describeColumns(backend, backend.family, backfill.table);
  const want = columns.map((c) => `${c.name} ${c.type}`).join(', ');
  const have = from.map((c) => `${c.name} ${c.type}`).join(', ');
  const mismatch =
    from.length !== columns.length
      ? `it has ${from.length} columns, the dynamic table ${columns.length}`
      : columns
          .map((c, i) => ({ c, b: from[i] as { name: string; type: string } }))
          .filter(
            ({ c, b }) =>
              c.name.toLowerCase() !== b.name.toLowerCase() || typeFamily(c.type) !== typeFamily(b.type),
          )
          .map(({ c, b }) => `column ${c.name} ${c.type} is ${b.name} ${b.type} there`)[0];
  if (mismatch)
    throw new DtError(
      'DT_ERR_COLUMNS',
      `BACKFILL FROM ${backfill.table}: its columns do not match the dynamic table's (${mismatch}); expected (${want}), found (${have})`,
      at(backfill.offset),
    );
}

/** The backfill, in CREATE's transaction after the storage exists: the table's rows in the immutable region. */
export async function runBackfill(
  tx: Queryable,
  family: Backend['family'],
  dt: DynamicTable,
  columns: string[],
  now: number,
): Promise<void> {
  if (dt.backfillFrom === undefined || dt.immutableWhere === undefined) return;
  await tx.query(
    backfillSql(dt.name, columns, dt.backfillFrom, predicateSql(dt.immutableWhere, family, now)),
  );
}

/**
 * ALTER DYNAMIC TABLE … SET IMMUTABLE WHERE ( … ) / UNSET IMMUTABLE WHERE: the new predicate, checked over the
 * DT's rows, is stored and the next refresh recomputes the (new) mutable region; UNSET makes every row mutable
 * again, so that refresh recomputes the whole DT.
 */
export async function alterImmutable(
  backend: Backend,
  dt: DynamicTable,
  where: ImmutableWhere | null,
  sql: string,
  now: number,
): Promise<string> {
  if (where && dt.effectiveMode === 'INCREMENTAL')
    throw new DtError(
      'DT_ERR_UNSUPPORTED',
      `${dt.name} refreshes incrementally, and DT Lab keeps an immutable region only by recomputing the rest: recreate it with CREATE OR REPLACE DYNAMIC TABLE … IMMUTABLE WHERE ( … ) (REFRESH_MODE AUTO or FULL)`,
      { position: positionAt(sql, where.offset), sql },
    );
  if (where)
    await checkPredicate(backend, backend.family, sql, where, `SELECT * FROM ${quoteIdent(dt.name)}`, now);
  if (!where && dt.immutableWhere === undefined)
    return `Dynamic table ${dt.name} has no IMMUTABLE WHERE, statement succeeded.`;
  await updateDynamicTable(backend, dt.name, {
    immutable_where: where ? where.text : null,
    pending_recompute: where
      ? `IMMUTABLE WHERE was set to (${where.text}): the mutable region is recomputed`
      : 'IMMUTABLE WHERE was unset: every row is mutable again, so the dynamic table is recomputed',
  });
  return where
    ? `Dynamic table ${dt.name} altered: IMMUTABLE WHERE (${where.text}); its next refresh recomputes the rows outside it.`
    : `Dynamic table ${dt.name} altered: IMMUTABLE WHERE unset; its next refresh recomputes it.`;
}
