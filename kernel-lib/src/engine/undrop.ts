/**
 * UNDROP DYNAMIC TABLE. DROP keeps the last dropped version of each DT name: its rows (copied into
 * dtlab.<storage>) and its catalog entry (as JSON) in dtlab.dropped_dynamic_tables. The kept version is replaced
 * when a DT of that name is dropped again, and removed by UNDROP; there is no time limit (the rule is documented
 * in docs/sql-dialect.md). Refresh history is never deleted by DROP, so an undropped DT keeps it.
 *
 * UNDROP restores contents, definition (query, lag, warehouses, mode, comment, expectations) and scheduling
 * state under the same name, re-installs capture on its sources and marks it for a full recompute: the writes
 * made to its sources while it was dropped were not captured, so its next refresh reinitializes it.
 */
import { formatTimestamp, type Queryable, quoteIdent } from '../backends/backend.js';
import { currentPosition, ensureCapture, setPositions } from '../capture/capture.js';
import { withCaptureChange } from '../capture/lock.js';
import { insertDynamicTable, relationKinds } from '../catalog/catalog.js';
import { DtError } from '../errors.js';
import { quarantineTablesSql } from '../plan/discards.js';
import type { DynamicTable } from '../types.js';
import type { EngineContext } from './context.js';

/** The storage of a kept version: short (PostgreSQL cuts names at 63 bytes) and one per name. */
export function droppedStorage(name: string): string {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ (ch.codePointAt(0) as number), 0x01000193) >>> 0;
  return `dropped_${h.toString(16).padStart(8, '0')}`;
}

/** Inside DROP's transaction, before the table goes: keeps `dt` (replacing an older kept version). */
export async function keepDropped(tx: Queryable, dt: DynamicTable, now: number): Promise<void> {
  await forgetDropped(tx, dt.name);
  const storage = droppedStorage(dt.name);
  await tx.query(`CREATE TABLE dtlab.${quoteIdent(storage)} AS SELECT * FROM ${quoteIdent(dt.name)}`);
  await tx.query('INSERT INTO dtlab.dropped_dynamic_tables VALUES ($1, $2, $3, $4)', [
    dt.name,
    formatTimestamp(now),
    storage,
    JSON.stringify(dt),
  ]);
}

async function forgetDropped(tx: Queryable, name: string): Promise<void> {
  const { rows } = await tx.query('SELECT storage FROM dtlab.dropped_dynamic_tables WHERE name = $1', [name]);
  for (const r of rows) await tx.query(`DROP TABLE IF EXISTS dtlab.${quoteIdent(String(r[0]))}`);
  await tx.query('DELETE FROM dtlab.dropped_dynamic_tables WHERE name = $1', [name]);
}

export async function undropDynamicTable(ctx: EngineContext, name: string): Promise<string> {
  const { backend } = ctx;
  const { rows } = await backend.query(
    'SELECT storage, definition FROM dtlab.dropped_dynamic_tables WHERE name = $1',
    [name],
  );
  const kept = rows[0];
  if (!kept)
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `no dropped dynamic table ${name} to undrop`, {
      hint: 'DT Lab keeps the last dropped version of each name until a DT of that name is dropped again',
    });
  const relations = await relationKinds(backend);
  if (relations.has(name))
    throw new DtError(
      'DT_ERR_EXISTS',
      `cannot undrop ${name}: a ${relations.get(name)?.toLowerCase()} of that name exists`,
      {
        hint: `rename or drop the existing ${name} first`,
      },
    );
  const dt = JSON.parse(String(kept[1])) as DynamicTable;
  const missing = dt.sources.filter((s) => !relations.has(s.name));
  if (missing.length > 0)
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `cannot undrop ${name}: its source${missing.length > 1 ? 's' : ''} ${missing.map((s) => s.name).join(', ')} no longer exist${missing.length > 1 ? '' : 's'}`,
    );
  const storage = String(kept[0]);
  // Captured writes wait meanwhile (DuckDB, capture/lock.ts), as for CREATE (engine/create.ts).
  await withCaptureChange(backend, ctx.ledger, () =>
    backend.transaction(async (tx) => {
      await tx.query(`CREATE TABLE ${quoteIdent(name)} AS SELECT * FROM dtlab.${quoteIdent(storage)}`);
      await insertDynamicTable(tx, {
        ...dt,
        pendingRecompute: 'undropped: writes to its sources while it was dropped were not captured',
      });
      const tracked = dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
      for (const s of tracked) await ensureCapture(tx, backend.family, s);
      if (tracked.length > 0)
        await setPositions(tx, name, tracked, await currentPosition(tx, backend.family));
      if (dt.expectations?.some((e) => e.action === 'QUARANTINE'))
        for (const sql of quarantineTablesSql(name)) await tx.query(sql);
      await forgetDropped(tx, name);
    }),
  );
  return `Dynamic table ${name} successfully restored.`;
}
