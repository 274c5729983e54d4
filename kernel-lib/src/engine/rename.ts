/**
 * ALTER DYNAMIC TABLE … RENAME TO and … SWAP WITH: the storage table, the catalog rows and the capture positions
 * move together in one transaction. A DT that other DTs read by name is neither renamed nor swapped (their
 * queries would silently read something else); the incremental state, named after the DT, is dropped and built
 * anew by the next refresh.
 */
import { type Queryable, quoteIdent } from '../backends/backend.js';
import { renamePositions } from '../capture/capture.js';
import { renameDynamicTable } from '../catalog/catalog.js';
import { directDependents } from '../catalog/graph.js';
import { DtError } from '../errors.js';
import { dropState } from '../refresh/state.js';
import { renameQuarantine } from './expectations.js';

/** Fails when a DT in `names` is read by another DT (outside `names`: a swap's pair may read each other). */
export function refuseReaders(edges: Map<string, string[]>, names: string[], verb: string): void {
  for (const name of names) {
    const readers = directDependents(edges, name);
    if (readers.length > 0)
      throw new DtError(
        'DT_ERR_HAS_DEPENDENTS',
        `cannot ${verb} ${name}: ${readers.join(', ')} read it by name`,
      );
  }
}

/** Renames one DT inside `tx`. */
export async function renameSteps(tx: Queryable, from: string, to: string): Promise<void> {
  await tx.query(`ALTER TABLE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
  await renameDynamicTable(tx, from, to);
  await renamePositions(tx, from, to);
  await dropState(tx, from);
  await renameQuarantine(tx, from, to);
}

/** Swaps two DTs' names inside `tx`, through a name no relation has. */
export async function swapSteps(tx: Queryable, a: string, b: string, free: string): Promise<void> {
  await renameSteps(tx, a, free);
  await renameSteps(tx, b, a);
  await renameSteps(tx, free, b);
}
