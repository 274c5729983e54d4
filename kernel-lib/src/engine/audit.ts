/**
 * The DDL audit trail: every statement that changes a dynamic table's definition or state (CREATE, CREATE OR
 * REPLACE / ALTER, ALTER … SET / SUSPEND / RESUME / RENAME / SWAP, DROP, DROP TABLE of a DT) leaves one row per
 * DT it changed in `dtlab.dynamic_table_ddl_history`: when (engine clock), who (the database user), the
 * statement, the definition before and after (JSON; NULL for none), and the DT's COMMENT as the reason.
 * Refreshes are not DDL and are not audited (their history is the refresh history). Planning is pure; the
 * engine reads the catalog before and after the statement and writes the rows (engine/script.ts dispatch).
 */
import type { Queryable } from '../backends/backend.js';
import type { Statement } from '../sql/ddl.js';
import { formatLag } from '../sql/lag.js';
import type { DynamicTable } from '../types.js';

/** The DT names a statement may change (before and after), or none when it changes no DT. */
export function auditedNames(parsed: Statement): string[] {
  switch (parsed.kind) {
    case 'create_dynamic_table':
    case 'drop_dynamic_table':
    case 'undrop_dynamic_table':
      return [parsed.name];
    case 'alter_dynamic_table': {
      const a = parsed.action;
      if (a.kind === 'verify' || a.kind === 'refresh') return [];
      if (a.kind === 'rename') return [parsed.name, a.newName];
      if (a.kind === 'swap') return [parsed.name, a.other];
      return [parsed.name];
    }
    default:
      return [];
  }
}

/** A DT's definition as audited: what a user states, and its scheduling state. */
export function definitionJson(dt: DynamicTable | undefined): string | null {
  if (!dt) return null;
  return JSON.stringify({
    query: dt.query,
    ...(dt.columns ? { columns: dt.columns } : {}),
    ...(dt.expectations?.length ? { expectations: dt.expectations } : {}),
    target_lag: formatLag(dt.targetLag),
    warehouse: dt.warehouse,
    refresh_mode: dt.refreshMode,
    initialize: dt.initialize,
    scheduler: dt.scheduler,
    scheduling_state: dt.schedulingState,
    ...(dt.comment !== undefined ? { comment: dt.comment } : {}),
    ...(dt.immutableWhere !== undefined ? { immutable_where: dt.immutableWhere } : {}),
    ...(dt.backfillFrom !== undefined ? { backfill_from: dt.backfillFrom } : {}),
  });
}

export interface AuditRow {
  name: string;
  action: 'CREATE' | 'REPLACE' | 'ALTER' | 'RENAME' | 'SWAP' | 'DROP';
  old: string | null;
  new: string | null;
  comment: string | null;
}

/** One row per name whose definition differs between `before` and `after`. */
export function auditRows(
  names: string[],
  before: Map<string, DynamicTable | undefined>,
  after: Map<string, DynamicTable | undefined>,
  parsed: Statement,
): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const name of new Set(names)) {
    const old = definitionJson(before.get(name));
    const now = definitionJson(after.get(name));
    const create = parsed.kind === 'create_dynamic_table' ? parsed : undefined;
    // CREATE OR REPLACE always recreates (even with the same definition); CREATE OR ALTER does when the
    // query, columns, mode or INITIALIZE changed (engine/create-or-alter.ts).
    const recreated =
      old !== null && now !== null && create !== undefined && (!create.orAlter || redefined(old, now));
    if (old === now && !recreated) continue;
    const moved = parsed.kind === 'alter_dynamic_table' ? parsed.action.kind : undefined;
    rows.push({
      name,
      action:
        moved === 'rename'
          ? 'RENAME'
          : moved === 'swap'
            ? 'SWAP'
            : now === null
              ? 'DROP'
              : old === null
                ? 'CREATE'
                : recreated
                  ? 'REPLACE'
                  : 'ALTER',
      old,
      new: now,
      comment: after.get(name)?.comment ?? before.get(name)?.comment ?? null,
    });
  }
  return rows;
}

function redefined(old: string, now: string): boolean {
  const a = JSON.parse(old);
  const b = JSON.parse(now);
  return ['query', 'columns', 'expectations', 'refresh_mode', 'initialize'].some(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

export async function recordAudit(
  db: Queryable,
  rows: AuditRow[],
  at: string,
  user: string | null,
  statement: string,
): Promise<void> {
  for (const r of rows)
    await db.query('INSERT INTO dtlab.dynamic_table_ddl_history VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      at,
      r.name,
      r.action,
      user,
      statement,
      r.old,
      r.new,
      r.comment,
    ]);
}
