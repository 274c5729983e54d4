/**
 * Review of quarantined rows (docs/quality.md): list them with their reasons (paged), re-admit them, discard
 * them; every action is recorded in dtlab.quarantine_reviews.
 *
 * Re-admit means "this row no longer violates": a row still in the DT's query result (as of now) that fails
 * one of the DT's current DROP ROW / QUARANTINE expectations still violates, and is refused (nothing changes).
 * Otherwise — its source was fixed (the row is no longer in the result), or its expectation was changed or
 * dropped (ALTER … ADD / DROP CONSTRAINT) — the action is recorded and the DT refreshed: that refresh takes the
 * stale row out of the quarantine and brings the fixed row (or, after a changed expectation, the row itself)
 * into the DT, so the quarantine stays exactly the violating rows of the current result.
 *
 * Discard removes the row from the quarantine (nothing enters the DT) and remembers it in
 * dtlab.discarded_<dt>: while the query result still holds the same row failing the same expectations, later
 * refreshes (a recompute of its group, a full refresh) keep it out of the quarantine; when it leaves the
 * result (its source row changed or went), it is forgotten, and a new version that violates is quarantined.
 */
import { type Backend, exec, quoteIdent, sqlLiteral, type Value } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import { qualifyStarColumns } from '../catalog/star-catalog.js';
import { DtError, type SourcePosition } from '../errors.js';
import { discardSql } from '../plan/discards.js';
import { evaluatedSql, passed, quarantineTable } from '../plan/expectations.js';
import { refreshSelect } from '../plan/full.js';
import type { ReviewAction } from '../sql/expectations.js';
import { translateSql, translateType } from '../sql/translate.js';
import type { DynamicTable, RefreshRecord } from '../types.js';

/** What a review needs from the engine. */
export interface ReviewContext {
  backend: Backend;
  now: number;
  timestamp(ms: number): string;
  refresh(name: string): Promise<RefreshRecord>;
}

/** Where the i-th id was written (statement or cell), for positioned errors; {} when unknown. */
export type IdPosition = (i: number) => { position?: SourcePosition; sql?: string };

function requireQuarantine(dt: DynamicTable): void {
  if (!dt.expectations?.some((e) => e.action === 'QUARANTINE'))
    throw new DtError('DT_ERR_EXPECTATION', `${dt.name} has no QUARANTINE expectation, so no quarantine`, {
      hint: `ALTER DYNAMIC TABLE ${dt.name} ADD CONSTRAINT name EXPECT (…) ON VIOLATION QUARANTINE`,
    });
}

/** One page of quarantined rows, oldest first: id, reasons, refresh, data timestamp, then the DT's columns. */
export async function listQuarantine(backend: Backend, dt: DynamicTable, limit: number, offset: number) {
  requireQuarantine(dt);
  const columns = (await describeColumns(backend, backend.family, dt.name)).map((c) => quoteIdent(c.name));
  const [page, total] = await Promise.all([
    backend.query(
      `SELECT dtlab_id AS id, dtlab_expectations AS failed_expectations, dtlab_refresh_id AS refresh_id,
              dtlab_data_timestamp AS data_timestamp, ${columns.join(', ')}
         FROM ${quarantineTable(dt.name)} ORDER BY dtlab_id LIMIT ${limit} OFFSET ${offset}`,
    ),
    backend.query(`SELECT count(*) FROM ${quarantineTable(dt.name)}`),
  ]);
  return { columns: page.columns, rows: page.rows, total: Number(total.rows[0]?.[0] ?? 0) };
}

/**
 * READMIT or DISCARD the quarantined rows `ids` of `dt`. Every id is checked first (it exists; for READMIT,
 * the row no longer violates); an error names the id at fault and changes nothing.
 */
export async function reviewQuarantine(
  ctx: ReviewContext,
  dt: DynamicTable,
  action: ReviewAction,
  ids: number[],
  at: IdPosition,
): Promise<string> {
  requireQuarantine(dt);
  const { backend } = ctx;
  const storage = await describeColumns(backend, backend.family, dt.name);
  const names = storage.map((c) => c.name);
  const cols = names.map(quoteIdent);
  const q = quarantineTable(dt.name);
  const found = await backend.query(
    `SELECT dtlab_id, dtlab_expectations, ${cols.join(', ')} FROM ${q} WHERE dtlab_id IN (${ids.join(', ')})`,
  );
  const byId = new Map(found.rows.map((r) => [Number(r[0]), r]));
  ids.forEach((id, i) => {
    if (!byId.has(id))
      throw new DtError(
        'DT_ERR_EXPECTATION',
        `${dt.name} has no quarantined row ${id} (see SHOW QUARANTINED ROWS IN ${dt.name})`,
        at(i),
      );
  });
  const detail = (id: number) => {
    const r = byId.get(id) as Value[];
    return names.map((n, k) => `${n}=${show(r[k + 2])}`).join(', ');
  };
  if (action === 'READMIT') {
    const still = await stillViolating(backend, dt, storage, ids, ctx.now);
    ids.forEach((id, i) => {
      const failing = still.get(id);
      if (failing)
        throw new DtError(
          'DT_ERR_EXPECTATION',
          `quarantined row ${id} of ${dt.name} (${detail(id)}) still violates ${failing}: fix the source row, or change the expectation (ALTER DYNAMIC TABLE … DROP CONSTRAINT / ADD CONSTRAINT), then re-admit it`,
          at(i),
        );
    });
  }
  const time = sqlLiteral(ctx.timestamp(ctx.now));
  await backend.transaction(async (tx) => {
    const values = ids.map(
      (id) =>
        `(CAST(${time} AS TIMESTAMP), ${sqlLiteral(dt.name)}, ${id}, ${sqlLiteral(action)}, ${sqlLiteral(String((byId.get(id) as Value[])[1] ?? ''))}, ${sqlLiteral(detail(id))})`,
    );
    await exec(
      tx,
      `INSERT INTO dtlab.quarantine_reviews (review_time, name, quarantine_id, review_action, expectations, detail) VALUES ${values.join(', ')}`,
    );
    if (action === 'DISCARD') {
      // Remembered (plan/discards.ts): a later recompute does not quarantine the same row again.
      await exec(tx, discardSql(dt.name, names, ids));
      await tx.query(`DELETE FROM ${q} WHERE dtlab_id IN (${ids.join(', ')})`);
    }
  });
  if (action === 'DISCARD') return `Discarded ${ids.length} quarantined row(s) of ${dt.name}.`;
  // The refresh moves the rows: the stale ones leave the quarantine, the fixed (or now passing) ones enter.
  const r = await ctx.refresh(dt.name);
  return `Re-admitted ${ids.length} quarantined row(s) of ${dt.name}: refresh ${r.refreshId} (${r.refreshAction}) brought the DT up to date.`;
}

/**
 * Per id: the names of the current DROP ROW / QUARANTINE expectations its row fails, when the row is still in
 * the DT's query result now (one statement, on one snapshot).
 */
async function stillViolating(
  backend: Backend,
  dt: DynamicTable,
  storage: { name: string }[],
  ids: number[],
  now: number,
): Promise<Map<number, string>> {
  const list = dt.expectations ?? [];
  const output = storage.map((c, i) => {
    const declared = dt.columns?.[i]?.type;
    return declared ? { name: c.name, type: translateType(declared, backend.family) } : { name: c.name };
  });
  const columnsOf = await qualifyStarColumns(backend, backend.family, dt.query);
  const select = refreshSelect(
    translateSql(dt.query, backend.family, { now, ...(columnsOf ? { columnsOf } : {}) }).text,
    output,
  );
  const cols = storage.map((c) => quoteIdent(c.name));
  const same = cols.map((c) => `dtlab_q.${c} IS NOT DISTINCT FROM dtlab_r.${c}`).join(' AND ');
  const rows = `SELECT dtlab_id, ${cols.join(', ')} FROM ${quarantineTable(dt.name)} WHERE dtlab_id IN (${ids.join(', ')})`;
  const judged = list.flatMap((e, i) =>
    e.action === 'DROP ROW' || e.action === 'QUARANTINE'
      ? [`CASE WHEN NOT ${passed(i)} THEN ${sqlLiteral(e.name)} END`]
      : [],
  );
  if (judged.length === 0) return new Map();
  const sql = `SELECT dtlab_r.dtlab_id, concat_ws(', ', ${judged.join(', ')}),
      EXISTS (SELECT 1 FROM (${select}) AS dtlab_q WHERE ${same})
    FROM (${evaluatedSql(rows, list, backend.family)}) AS dtlab_r`;
  const result = await backend.transaction((tx) => tx.query(sql), { isolation: 'repeatable read' });
  const out = new Map<number, string>();
  for (const r of result.rows) if (r[2] === true && r[1]) out.set(Number(r[0]), String(r[1]));
  return out;
}

const show = (v: Value | undefined) =>
  v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v);
