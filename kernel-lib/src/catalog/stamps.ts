/**
 * On a PostgreSQL server several engines share one catalog, so what an engine holds in memory (its known
 * catalog, alerts and incidents, DMF schedules) may go stale by another process's change. Reading it all again
 * at every scheduler look cost five statements per look (issue 13); instead one statement reads a stamp of
 * each part — an md5 of its rows as text, computed by the server — and only the parts whose stamp moved since
 * the previous look are read again.
 *
 * Why it is exact: a stamp is a function of the rows a snapshot sees. A part is read again only after the
 * stamp that told it to, so what it holds is at least as new as the last stamp taken; a change committed
 * after that stamp moves the next one. The engine's own changes move it too (one read more, harmless).
 */
import type { Queryable } from '../backends/backend.js';

/** The parts an engine holds, and the catalog tables each is read from. */
export const STAMPED = {
  catalog: ['dtlab.dynamic_tables', 'dtlab.dependencies', 'dtlab.warehouses'],
  alerts: ['dtlab.alerts', 'dtlab.incidents'],
  quality: ['dtlab.dmf_schedules', 'dtlab.dmf_associations'],
} as const;

export type StampedPart = keyof typeof STAMPED;

/**
 * What every refresh moves, left out of its table's stamp and read as it is instead (a row per DT): a DT's
 * data timestamp. A refresh by this engine or another then moves no stamp, and the engine updates what it
 * knows from these rows (catalog/known.ts `observed`) without reading its catalog again.
 */
const MOVING: Readonly<Record<string, string>> = { 'dtlab.dynamic_tables': 'data_timestamp' };

/** A row of `t` as text, without its moving column. */
const rowText = (table: string) => {
  const moving = MOVING[table];
  return moving ? `(to_jsonb(t) - '${moving}')::text` : 't::text';
};

/**
 * One statement (PostgreSQL): a row (part, table, md5 of the table's rows, NULL) per table of `STAMPED`, then
 * a row ('data_timestamp', DT, NULL, its data timestamp) per DT.
 */
export function stampsSql(): string {
  const stamps = Object.entries(STAMPED).flatMap(([part, tables]) =>
    tables.map(
      (t) =>
        `SELECT '${part}', '${t}', md5(coalesce(string_agg(${rowText(t)}, chr(10) ORDER BY ${rowText(t)}), '')), CAST(NULL AS TIMESTAMP) FROM ${t} t`,
    ),
  );
  return [...stamps, "SELECT 'data_timestamp', name, NULL, data_timestamp FROM dtlab.dynamic_tables"].join(
    '\nUNION ALL ',
  );
}

export interface Stamps {
  /** md5 per `part:table`. */
  stamps: Map<string, string>;
  /** Each DT's data timestamp (as the catalog reads it). */
  dataTimestamps: Map<string, string | null>;
}

/** The parts whose stamps differ between two readings (every part, the first time). */
export function movedParts(
  before: ReadonlyMap<string, string> | undefined,
  after: ReadonlyMap<string, string>,
): Set<StampedPart> {
  const moved = new Set<StampedPart>();
  for (const [part, tables] of Object.entries(STAMPED) as [StampedPart, readonly string[]][])
    if (!before || tables.some((t) => before.get(`${part}:${t}`) !== after.get(`${part}:${t}`)))
      moved.add(part);
  return moved;
}

/** The stamps as the server has them now. */
export async function readStamps(db: Queryable): Promise<Stamps> {
  const { rows } = await db.query(stampsSql());
  const stamps = new Map<string, string>();
  const dataTimestamps = new Map<string, string | null>();
  for (const r of rows) {
    if (r[0] === 'data_timestamp') dataTimestamps.set(String(r[1]), r[3] === null ? null : String(r[3]));
    else stamps.set(`${String(r[0])}:${String(r[1])}`, String(r[2]));
  }
  return { stamps, dataTimestamps };
}

/** What an engine holds of the shared catalog, and when each part was stamped last. */
export class CatalogStamps {
  private last: Map<string, string> | undefined;

  /** `forget(part)` drops what is held of a part, which is read again when next needed. */
  constructor(private readonly forget: (part: StampedPart) => void) {}

  /** One statement; what moved since the previous call is forgotten. Returns the DTs' data timestamps. */
  async check(db: Queryable): Promise<Stamps['dataTimestamps']> {
    const { stamps, dataTimestamps } = await readStamps(db);
    const moved = movedParts(this.last, stamps);
    this.last = stamps;
    for (const part of moved) this.forget(part);
    return dataTimestamps;
  }
}
