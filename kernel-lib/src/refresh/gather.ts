/**
 * What a refresh needs to know before it decides, read in its transaction after the first look
 * (refresh/probe.ts) found something to do (refresh/run.ts): the refresh's metadata — adopted from the probe,
 * one statement of what writes move, or one statement of everything (catalog/refresh-metadata.ts) — with the
 * warehouse's size, the DT's storage columns and the refresh SELECT (`gatherRefresh`); and, once the refresh
 * committed, what the engine's ledger keeps of it for the next refresh of the DT (`settleLedger`).
 */
import type { Queryable, SqlFamily } from '../backends/backend.js';
import type { LedgerMark, WriteLedger } from '../capture/ledger.js';
import { describeColumns } from '../catalog/catalog.js';
import { prefetchMovingMetadata } from '../catalog/moving-metadata.js';
import {
  adoptProbe,
  prefetchRefreshMetadata,
  type RefreshMetadata,
  type RefreshTx,
  staticPart,
  withKnown,
} from '../catalog/refresh-metadata.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import { type OutputColumn, refreshSelect } from '../plan/full.js';
import { translateSql, translateType } from '../sql/translate.js';
import type { DynamicTable } from '../types.js';
import type { RefreshRequest } from './full.js';
import type { FirstLook } from './probe.js';
import type { RunOutcome } from './run.js';

export interface Gathering {
  tx: Queryable;
  family: SqlFamily;
  dt: DynamicTable;
  /** The cycle's data timestamp (engine clock, ms). */
  dataTimestamp: number;
  ledger: WriteLedger;
  /** The DT's tracked sources (refresh/probe.ts `trackedSources`). */
  tracked: readonly string[];
  /** What the refresh learnt first: the probe (PostgreSQL family) or the ledger (DuckDB). */
  look: FirstLook;
  /** The DT's definition as this engine knows it (catalog/known.ts `definitionOf`). */
  definition: string;
  /** The refresh's request: its history id drawn ahead, its warehouse's size and its SELECT are set here. */
  request: RefreshRequest;
  skipIfCurrent?: boolean | undefined;
  /** Sources the transaction locked before its snapshot (refresh/run.ts `lockFirst`). */
  lockedFirst?: readonly string[] | undefined;
}

export type Gathered =
  /** `rtx`: the context every step of the refresh is given; `output`: the DT's columns. */
  | { meta: RefreshMetadata; rtx: RefreshTx; output: OutputColumn[] }
  /** The DT already reflects this data timestamp (another engine refreshed this cycle). */
  | { meta: RefreshMetadata; skipped: RunOutcome };

/** Reads what the refresh needs to know, in its transaction `a.tx`: see the module's comment. */
export async function gatherRefresh(a: Gathering): Promise<Gathered> {
  const { tx, family, dt, dataTimestamp, ledger, tracked, look, definition, request } = a;
  // The rest of what the refresh needs to know. While the engine knows what the DT's previous refresh
  // read of the catalog (no DDL since), the probe was all of it (PostgreSQL family) or one statement of
  // what writes move reads the rest (DuckDB); otherwise one statement reads everything.
  const statics = ledger.knownStatics(dt.name, definition);
  const meta =
    (statics && !ledger.seesEveryWrite ? adoptProbe(dt, statics, look) : undefined) ??
    (statics && ledger.seesEveryWrite
      ? await prefetchMovingMetadata(
          tx,
          dt,
          statics,
          quietSources(ledger, dt.name, tracked),
          request.refreshId === undefined,
          ledger.expectedPosition(dt.name),
        )
      : await prefetchRefreshMetadata(tx, family, dt));
  if (request.refreshId !== undefined && (meta.refreshId === undefined || look.refreshId === undefined))
    meta.refreshId = request.refreshId;
  if (a.lockedFirst) meta.lockedFirst = a.lockedFirst;
  delete request.refreshId;
  // The context every step of the refresh is given: its transaction and what it knows.
  const rtx = withKnown(tx, meta);
  if (a.skipIfCurrent) {
    const current = meta.dataTimestamp;
    if (typeof current === 'string' && Date.parse(`${current.replace(' ', 'T')}Z`) >= dataTimestamp)
      return { meta, skipped: { kind: 'skipped', reason: 'already refreshed to this data timestamp' } };
  }
  request.warehouseSize = (meta.warehouseSize as RefreshRequest['warehouseSize'] | undefined) ?? 'XSMALL';
  const storage = await describeColumns(rtx, family, dt.name);
  const output = storage.map((c, i) => {
    const declared = dt.columns?.[i]?.type;
    return declared
      ? { name: c.name, type: translateType(declared, family), stored: c.type }
      : { name: c.name, stored: c.type };
  });
  // Translated only now: a refresh that found nothing changed never needs the query's text.
  const columnsOf = await qualifyStarColumns(rtx, family, dt.query);
  const translation = translateSql(dt.query, family, {
    now: dataTimestamp,
    ...(columnsOf ? { columnsOf } : {}),
  });
  request.select = refreshSelect(translation.text, output);
  return { meta, rtx, output };
}

/** The sources of `dt` nobody wrote since its last successful refresh (none where the ledger cannot tell). */
function quietSources(ledger: WriteLedger, dt: string, tracked: readonly string[]): Set<string> {
  return new Set(tracked.filter((s) => ledger.unchangedSince(dt, [s])));
}

/**
 * After a refresh committed (DuckDB): its mark becomes what it has read, and a DT whose contents changed
 * counts as written for its readers. A reinitialized source (capture reinstalled) makes every DT look again.
 */
export function settleLedger(
  ledger: WriteLedger,
  dt: DynamicTable,
  outcome: RunOutcome,
  mark: LedgerMark | undefined,
  read: RefreshMetadata | undefined,
  definition: string,
) {
  if (outcome.kind !== 'ran') return;
  const { name } = dt;
  const r = outcome.record;
  if (r.state !== 'SUCCEEDED') {
    ledger.keepStatics(name, undefined);
    return ledger.settle(name, undefined);
  }
  ledger.settle(name, mark, read?.position);
  // A REINITIALIZE refresh may have made what it read stale (capture reinstalled), and so may a FULL one of an
  // incremental DT (its state built anew); a FULL refresh of a DT refreshed in full builds and installs nothing.
  const unchanged =
    r.refreshAction === 'INCREMENTAL' ||
    r.refreshAction === 'NO_DATA' ||
    (r.refreshAction === 'FULL' && dt.effectiveMode === 'FULL');
  if (read) ledger.keepStatics(name, unchanged ? staticPart(read) : undefined, definition);
  else if (!unchanged) ledger.keepStatics(name, undefined);
  if (r.refreshAction === 'REINITIALIZE') ledger.wrote(undefined);
  if (r.rowsInserted + r.rowsDeleted > 0 || r.refreshAction !== 'NO_DATA') ledger.wrote(name);
}
