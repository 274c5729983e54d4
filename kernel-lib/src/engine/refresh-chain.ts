/**
 * A refresh someone asked for (ALTER DYNAMIC TABLE … REFRESH, `%dt refresh`): the DT and, first, the
 * upstream DTs it reads (transitively), all to one data timestamp, as Snowflake does.
 */
import { topologicalOrder } from '../catalog/graph.js';
import type { KnownCatalog } from '../catalog/known.js';
import type { Clock } from '../clock.js';
import { DtError } from '../errors.js';
import type { RunOptions, RunOutcome } from '../refresh/run.js';
import type { DynamicTable, RefreshRecord, RefreshTrigger } from '../types.js';
import { refreshInterrupted } from './interrupted.js';

/** A refresh's outcome as the engine reports it: it ran (and wrote a history row), or was skipped. */
export type RefreshOutcome = Exclude<RunOutcome, { kind: 'catalog-changed' }>;

/** How often a requested refresh runs again when another session refreshed the DT at the same moment. */
const REFRESH_ATTEMPTS = 5;

/** What a chain of refreshes needs of the engine. */
export interface ChainHost {
  clock: Clock;
  catalog: KnownCatalog;
  /** One refresh of one DT, serialised with others of it; publishes its record. */
  refreshOne(dt: DynamicTable, options: RunOptions): Promise<RefreshOutcome>;
  /** Records a refresh that did not run (an upstream failed). */
  recordNotRun(
    dt: DynamicTable,
    state: 'UPSTREAM_FAILED',
    message: string,
    trigger: RefreshTrigger,
  ): Promise<RefreshRecord>;
}

/**
 * Refreshes `name` after its upstream DTs, in topological order, at the clock's now. Throws
 * DT_ERR_REFRESH_FAILED if it or an upstream fails; every DT keeps its previous contents then, and those that
 * could not run record UPSTREAM_FAILED. Aborting `signal` stops between refreshes (each stays whole).
 */
export async function refreshWithUpstreams(
  host: ChainHost,
  name: string,
  trigger: RefreshTrigger,
  signal?: AbortSignal,
): Promise<RefreshRecord> {
  // What the engine knows: each refresh checks it against the database's catalog (refresh/run.ts).
  const all = await host.catalog.list({ fresh: false });
  const dt = all.find((d) => d.name === name);
  if (!dt) throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
  const edges = new Map(all.map((d) => [d.name, d.sources.map((s) => s.name)]));
  const needed = new Set<string>([dt.name]);
  for (const n of topologicalOrder(edges).reverse())
    if (needed.has(n)) for (const s of edges.get(n) ?? []) if (edges.has(s)) needed.add(s);
  const dataTimestamp = host.clock.now();
  const failed = new Map<string, string>();
  let last: RefreshRecord | undefined;
  const done: string[] = [];
  for (const n of topologicalOrder(edges).filter((x) => needed.has(x))) {
    // Interrupted: what refreshed so far stays (each whole); the rest does not run.
    if (signal?.aborted) throw refreshInterrupted(n, done);
    const target = all.find((d) => d.name === n) as DynamicTable;
    const broken = target.sources.map((s) => failed.get(s.name)).find((f) => f !== undefined);
    if (broken !== undefined) {
      failed.set(n, broken);
      last = await host.recordNotRun(target, 'UPSTREAM_FAILED', `upstream ${broken} failed`, trigger);
      continue;
    }
    last = await refreshWaiting(host, target, { trigger, dataTimestamp, ...(signal ? { signal } : {}) });
    if (last.state !== 'SUCCEEDED' && signal?.aborted) throw refreshInterrupted(n, done);
    if (last.state !== 'SUCCEEDED') failed.set(n, n);
    else done.push(n);
  }
  if (last?.state !== 'SUCCEEDED') {
    throw new DtError(
      'DT_ERR_REFRESH_FAILED',
      `refresh of ${name} failed, previous contents kept: ${last?.stateMessage}`,
    );
  }
  return last;
}

/**
 * When another session refreshes or changes the DT at the same moment, the refresh runs again once that one
 * is done (the lock is then free); it fails as a user error only if that keeps happening.
 */
async function refreshWaiting(
  host: ChainHost,
  dt: DynamicTable,
  options: RunOptions,
): Promise<RefreshRecord> {
  let target = dt;
  for (let attempt = 1; ; attempt++) {
    const outcome = await host.refreshOne(target, options);
    if (outcome.kind === 'ran') return outcome.record;
    host.catalog.forget();
    const now = await host.catalog.get(dt.name);
    if (!now)
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${dt.name} was dropped by another session`);
    if (attempt >= REFRESH_ATTEMPTS)
      throw new DtError(
        'DT_ERR_BUSY',
        `${dt.name} is being refreshed by another session (${outcome.reason})`,
        {
          hint: 'try again in a moment',
        },
      );
    target = now;
  }
}
