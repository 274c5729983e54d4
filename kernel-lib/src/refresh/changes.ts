/**
 * What capture says of a DT's sources, and what a refresh leaves it: the changes since the DT's position (the
 * I/O behind the pure `decideAction`, refresh/decide.ts), a lost capture reinstalled, the positions advanced
 * after a refresh. All run inside
 * the refresh's transaction (REPEATABLE READ on Postgres), so the changes read and the new position belong to
 * one snapshot.
 */
import {
  BackendError,
  LOCK_NOT_AVAILABLE,
  type Queryable,
  quoteIdent,
  type SqlFamily,
} from '../backends/backend.js';
import {
  captureIntact,
  changesSince,
  collectGarbage,
  currentPosition,
  positionsOf,
  reinstallCapture,
  setPositions,
} from '../capture/capture.js';
import { lockForReinstall, ReinstallRaced } from '../capture/reinstall.js';
import { refreshMetadata } from '../catalog/refresh-metadata.js';
import { dialectOf } from '../dialect/index.js';
import type { DynamicTable } from '../types.js';
import { type ChangeFacts, COST_RULE_MIN_ROWS, type SourceChanges } from './decide.js';

/**
 * What capture says of each source since the DT's position (the I/O behind the pure `decideAction`,
 * refresh/decide.ts): whether it still stands, the changes' counts, and the source's size estimate where the
 * cost rule may need it.
 */
export async function gatherChanges(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
): Promise<ChangeFacts> {
  const position = await currentPosition(tx, family);
  const positions = await positionsOf(tx, dt.name);
  const sources: SourceChanges[] = [];
  for (const s of dt.sources.filter((x) => x.kind !== 'VIEW')) {
    const since = positions.get(s.name);
    if (since === undefined) sources.push({ source: s.name, kind: 'no-position' });
    else if (!(await captureIntact(tx, family, s.name))) sources.push({ source: s.name, kind: 'lost' });
    else {
      const summary = await changesSince(tx, family, s.name, since);
      const n = summary.inserted + summary.deleted;
      sources.push({
        source: s.name,
        kind: 'read',
        ...summary,
        ...(n >= COST_RULE_MIN_ROWS && dt.refreshMode === 'AUTO'
          ? { estimatedRows: await estimatedRows(tx, family, s.name) }
          : {}),
      });
    }
  }
  return { position, sources };
}

/**
 * Reinstalls the capture of `sources` (a REINITIALIZE's), locking them all first (capture/reinstall.ts). A
 * cycle of the scheduler may hold a share lock on a table (engine/fence.ts), which the reinstall waits for:
 * after 0.6 s this refresh fails, saying why, instead of waiting forever (the next cycle, finding capture
 * broken, runs without that lock); a lock its later statements wait for, after 2 s.
 */
export async function reinstallWithin(
  tx: Queryable,
  family: SqlFamily,
  sources: readonly string[],
  dt: string,
): Promise<void> {
  if (sources.length === 0) return;
  // Locked before the snapshot (a second run, refresh/run.ts): no write can have committed since.
  const first = refreshMetadata(tx)?.lockedFirst ?? [];
  const late = sources.every((s) => first.includes(s)) ? 'none' : 'retry';
  await withinLockTimeout(
    tx,
    family,
    `capture on ${sources.join(', ')} must be reinstalled, and`,
    async () => {
      await lockForReinstall(tx, family, sources);
      try {
        for (const source of sources) await reinstallCapture(tx, family, source, dt, true, late);
      } catch (e) {
        throw e instanceof ReinstallRaced ? new ReinstallRaced(sources) : e;
      }
    },
  );
}

/**
 * A refresh's second run, after its reinstall of capture on `sources` met commits made since its snapshot
 * (refresh/run.ts): the sources locked before the snapshot, so that none can have committed since.
 */
export async function lockSourcesFirst(
  tx: Queryable,
  family: SqlFamily,
  sources: readonly string[],
): Promise<void> {
  const lock = dialectOf(family).capture.reinstall;
  if (!lock) return;
  const what = `capture on ${sources.join(', ')} was reinstalled while others wrote; its second run locks them first, and`;
  await withinLockTimeout(tx, family, what, async () => {
    for (const sql of lock.lockFirst(sources)) await tx.query(sql);
  });
}

/**
 * Runs `fn` with the family's lock timeout for reinstalls (2 s): a lock not granted by then fails the refresh
 * with a BackendError that says `what` and why — without the lock code, so it is recorded as a FAILED refresh,
 * not skipped as "another session is refreshing it", which is not the reason.
 */
async function withinLockTimeout(
  tx: Queryable,
  family: SqlFamily,
  what: string,
  fn: () => Promise<void>,
): Promise<void> {
  const timeout = dialectOf(family).reinstallLockTimeout;
  if (!timeout) return fn();
  await tx.query(timeout.set);
  try {
    await fn();
  } catch (e) {
    if (e instanceof BackendError && e.sqlState === LOCK_NOT_AVAILABLE)
      throw new BackendError(
        `${what} a lock (a refresh cycle's, or another transaction's) was not released within 2 s; the next refresh tries again`,
      );
    throw e;
  }
  await tx.query(timeout.reset);
}

/**
 * A table's row count as the catalog estimates it (the cost rule needs a size, not an exact count, and
 * counting a large table would cost more than the refresh). On PostgreSQL, a table never analysed has no
 * estimate: its size on disk over 64 bytes a row stands in (an overestimate, which favours incremental).
 * Counted only when there is nothing to estimate from.
 */
async function estimatedRows(tx: Queryable, family: SqlFamily, table: string): Promise<number> {
  const known = refreshMetadata(tx)?.estimatedRows.get(table);
  if (known !== undefined && known >= 0) return known;
  const estimate = await tx.query(dialectOf(family).estimatedRowsSql, [table]);
  const n = Number(estimate.rows[0]?.[0] ?? -1);
  if (n >= 0) return n;
  return Number((await tx.query(`SELECT count(*) FROM ${quoteIdent(table)}`)).rows[0]?.[0]);
}

/**
 * After any successful refresh: the DT has consumed its sources' changes up to `position`; the change tables
 * of `collect` (sources whose window had rows, capture/garbage.ts says which) lose the rows nobody needs now.
 */
export async function advancePositions(
  tx: Queryable,
  family: SqlFamily,
  dt: DynamicTable,
  position: string,
  collect: readonly string[],
): Promise<void> {
  const sources = dt.sources.filter((s) => s.kind !== 'VIEW').map((s) => s.name);
  await setPositions(tx, dt.name, sources, position);
  for (const s of sources) if (collect.includes(s)) await collectGarbage(tx, family, s);
}
