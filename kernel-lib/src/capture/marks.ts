/**
 * Pruning marks. A change table keeps only the rows some consumer still has to read: a DT refreshed
 * INCREMENTAL reads the rows past its position, but a DT refreshed in FULL mode recomputes from its sources
 * and only asks whether they changed since its position (NO_DATA or FULL). So garbage collection deletes the
 * rows every incrementally refreshed consumer has passed, whatever the FULL-mode consumers' positions, and
 * records what it deleted as a mark: one `capture_events` row of kind PRUNED per source, carrying the newest
 * `_seq` (DuckDB) or `_xid` (PostgreSQL family) deleted. "Changed since p" is then "a change row past p, or a
 * mark past p"; and a DT whose window has a mark past its position (one that was refreshed in FULL mode
 * before) cannot be refreshed incrementally from what is left: it is recomputed (refresh/decide.ts).
 *
 * On DuckDB a mark past p is exact (`_seq > p`). On the PostgreSQL family it is conservative: a pruned
 * transaction that committed after snapshot p has an id at or above p's xmin, so a mark at or above p's xmin
 * says "changed" (it may also say so for a transaction that was running when p was taken and committed
 * before; then a FULL refresh runs where NO_DATA would have done, never the reverse).
 */
export const PRUNED = 'PRUNED';

/** SQL: the event rows of `source` that are not pruning marks (what makes a consumer reinitialize). */
export const notMark = `kind <> '${PRUNED}'`;
