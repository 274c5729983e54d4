/**
 * Generates TPC-H at a scale factor and loads it into a backend through its COPY path (DuckDB: CSV through
 * its virtual file system; PGlite: COPY from a blob; PostgreSQL: COPY FROM STDIN). Runs in Node and in the
 * browser. What was loaded is recorded in `dtlab.tpch`, which makes loading idempotent: the same load again
 * does nothing, a different one is refused unless `replace` is set.
 */
import { Observable } from 'rxjs';
import type { Backend, Value } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { DtError, messageOf, throwIfInterrupted, yieldToEventLoop } from '../errors.js';
import {
  distinctPartSuppliers,
  generateOrdersWithLineitems,
  generateRows,
  rowCount,
  scaleInfo,
  TPCH_COLUMNS,
  type TpchTable,
  validateScaleFactor,
} from './gen/index.js';
import { TPCH_DDL, TPCH_TABLES, type TpchTableName } from './schema.js';

export type KeyMode = 'primary' | 'none';

export interface LoadOptions {
  sf: number;
  /**
   * 'primary' (default) declares the spec's primary keys. 'none' leaves them out, for the data-quality lessons
   * whose simulator injects duplicate order keys.
   */
  keys?: KeyMode;
  /** Days added to every date (see `shiftDaysToToday`); 0 keeps dbgen's 1992–1998 dates. */
  shiftDays?: number;
  /** Drop whatever TPC-H tables exist and load anew. */
  replace?: boolean;
  /** How many dbgen refresh sets (RF1/RF2) this load prepares for; `tpch rf1 --set K` needs K ≤ this. */
  updates?: number;
  onProgress?: (p: LoadProgress) => void;
  /**
   * Aborted: the load stops after the chunk under way and fails with DT_ERR_INTERRUPTED, keeping nothing
   * (as any failed load).
   */
  signal?: AbortSignal;
}

export interface LoadProgress {
  table: TpchTableName;
  tableRows: number;
  tableTotal: number;
  rows: number;
  total: number;
}

export interface TpchInfo {
  sf: number;
  keys: KeyMode;
  shiftDays: number;
  updates: number;
}

export const DEFAULT_UPDATE_SETS = 10;

export type LoadResult =
  | { status: 'loaded'; rows: Record<TpchTableName, number>; ms: number }
  | { status: 'unchanged'; info: TpchInfo };

/** dbgen's last order date: 1998-08-02 (its END_DATE minus 151 days). */
export const LAST_ORDER_DATE = '1998-08-02';
/**
 * Where a lesson's clock starts: noon UTC of the day TPC-H's order dates end, so a query's CURRENT_DATE sees
 * the loaded data as current (order_analytics_incremental keeps the last 30 days) and simulated orders,
 * dated by the lesson clock, follow on from the loaded ones.
 */
export const TPCH_END = Date.parse(`${LAST_ORDER_DATE}T12:00:00Z`);
const DAY_MS = 86_400_000;

/** The shift that moves the latest order date to the UTC day of `nowMs`. */
export function shiftDaysToToday(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) - Date.parse(`${LAST_ORDER_DATE}T00:00:00Z`) / DAY_MS;
}

export type DateShifter = ((date: string) => string) & { days: number };

/** Adds `days` to 'YYYY-MM-DD' strings, memoised: TPC-H has only a few thousand distinct dates. */
export function dateShifter(days: number): DateShifter {
  const memo = new Map<string, string>();
  const shift = (d: string) => {
    let out = memo.get(d);
    if (out === undefined) {
      out = new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
      memo.set(d, out);
    }
    return out;
  };
  return Object.assign(shift, { days });
}

/** Date columns by table (indexes in TPC-H column order). */
export const DATE_COLUMNS: Partial<Record<TpchTable, number[]>> = { orders: [4], lineitem: [10, 11, 12] };

/** The row with its dates shifted: a copy when anything moves (generator rows are never mutated). */
export function shiftRow(table: TpchTable, row: readonly Value[], shift: DateShifter): Value[] {
  const columns = DATE_COLUMNS[table];
  if (!columns || shift.days === 0) return row as Value[];
  const out = [...row];
  for (const i of columns) out[i] = shift(out[i] as string);
  return out;
}

export function tpchDdl(table: TpchTableName, keys: KeyMode): string {
  const ddl = TPCH_DDL[table];
  return keys === 'primary' ? ddl : ddl.replace(/ PRIMARY KEY/g, '').replace(/,\s*\(\s*[a-z_, ]+\)\)$/, ')');
}

const META_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  `CREATE TABLE IF NOT EXISTS dtlab.tpch (sf DOUBLE PRECISION NOT NULL, keys VARCHAR NOT NULL,
     shift_days INTEGER NOT NULL, updates INTEGER NOT NULL)`,
  /** Refresh sets applied: one row per (function, set). */
  'CREATE TABLE IF NOT EXISTS dtlab.tpch_refresh (rf VARCHAR NOT NULL, set_no INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)',
];

export async function tpchInfo(backend: Backend): Promise<TpchInfo | undefined> {
  for (const ddl of META_DDL) await backend.query(ddl);
  const { rows } = await backend.query('SELECT sf, keys, shift_days, updates FROM dtlab.tpch');
  const r = rows[0];
  return r
    ? { sf: Number(r[0]), keys: r[1] as KeyMode, shiftDays: Number(r[2]), updates: Number(r[3]) }
    : undefined;
}

async function existingTables(backend: Backend): Promise<TpchTableName[]> {
  const { rows } = await backend.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
        AND table_name IN (${TPCH_TABLES.map((t) => `'${t}'`).join(', ')})`,
  );
  return TPCH_TABLES.filter((t) => rows.some((r) => r[0] === t));
}

async function dropTables(backend: Backend, tables: readonly TpchTableName[]): Promise<void> {
  for (const t of tables) await backend.query(`DROP TABLE IF EXISTS ${t}`);
  await backend.query('DELETE FROM dtlab.tpch');
  await backend.query('DELETE FROM dtlab.tpch_refresh');
}

/** "SF 0.01 (keys primary, dates shifted 0 days, 2 update sets)"; with `only`, just the parts it picks. */
function describeLoad(info: TpchInfo, only: (key: keyof TpchInfo) => boolean = () => true): string {
  const parts: [keyof TpchInfo, string][] = [
    ['keys', `keys ${info.keys}`],
    ['shiftDays', `dates shifted ${info.shiftDays} days`],
    ['updates', `${info.updates} update sets`],
  ];
  const details = parts.filter(([k]) => only(k)).map(([, text]) => text);
  if (!only('sf')) return details.join(', ');
  return details.length > 0 ? `SF ${info.sf} (${details.join(', ')})` : `SF ${info.sf}`;
}

/** Rows are copied in chunks of this many, so memory stays flat at any scale factor. */
const CHUNK_ROWS = 100_000;

export async function loadTpch(backend: Backend, options: LoadOptions): Promise<LoadResult> {
  const { sf } = options;
  try {
    validateScaleFactor(sf);
  } catch (e) {
    throw new DtError('DT_ERR_USAGE', messageOf(e));
  }
  const keys = options.keys ?? 'primary';
  const { parts, suppliers } = scaleInfo(sf);
  if (keys === 'primary' && !distinctPartSuppliers(parts, suppliers))
    throw new DtError(
      'DT_ERR_USAGE',
      `at SF ${sf} (${suppliers} suppliers) TPC-H's generator gives some parts the same supplier twice, so partsupp's primary key would not hold`,
      { hint: 'use a scale factor such as 0.01, 0.02 or 0.1, or load without keys (--keys none)' },
    );
  const shiftDays = options.shiftDays ?? 0;
  const updates = options.updates ?? DEFAULT_UPDATE_SETS;
  if (!Number.isSafeInteger(updates) || updates < 0) {
    throw new DtError('DT_ERR_USAGE', `the number of update sets must be a whole number ≥ 0, got ${updates}`);
  }
  const info = await tpchInfo(backend);
  const present = await existingTables(backend);
  const existing = info && describeLoad(info);
  if (!options.replace && info && present.length === TPCH_TABLES.length) {
    if (info.sf === sf && info.keys === keys && info.shiftDays === shiftDays && info.updates === updates) {
      return { status: 'unchanged', info };
    }
    // Say what differs: "SF 0.01" alone reads as a match when only the number of update sets differs.
    const asked = { sf, keys, shiftDays, updates };
    const differences = describeLoad(asked, (k) => asked[k] !== info[k]);
    throw new DtError(
      'DT_ERR_EXISTS',
      `this database already has TPC-H at ${existing}, not ${differences}; nothing was changed`,
      { hint: 'add --replace to drop those tables and load anew' },
    );
  }
  if (!options.replace && info && present.length > 0) {
    const missing = TPCH_TABLES.filter((t) => !present.includes(t));
    throw new DtError(
      'DT_ERR_EXISTS',
      `this database has an incomplete TPC-H load of ${existing}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; nothing was changed`,
      { hint: 'add --replace to drop the rest and load anew' },
    );
  }
  if (!options.replace && present.length > 0) {
    const [noun, verb] = present.length === 1 ? ['table', 'exists'] : ['tables', 'exist'];
    throw new DtError(
      'DT_ERR_EXISTS',
      `${noun} ${present.join(', ')} already ${verb} and ${present.length === 1 ? 'was' : 'were'} not loaded by dtlab; nothing was changed`,
      {
        hint: `add --replace to drop ${present.length === 1 ? 'it' : 'them'} and load TPC-H`,
      },
    );
  }

  const started = performance.now();
  await dropTables(backend, present);
  const totals = Object.fromEntries(TPCH_TABLES.map((t) => [t, rowCount(t, sf)])) as Record<
    TpchTableName,
    number
  >;
  const total = Object.values(totals).reduce((a, b) => a + b, 0);
  const loaded = Object.fromEntries(TPCH_TABLES.map((t) => [t, 0])) as Record<TpchTableName, number>;
  let done = 0;
  const report = async (table: TpchTableName, n: number) => {
    loaded[table] += n;
    done += n;
    options.onProgress?.({ table, tableRows: loaded[table], tableTotal: totals[table], rows: done, total });
    if (options.signal) await yieldToEventLoop(); // where an interrupt gets its turn
    throwIfInterrupted(
      options.signal,
      () =>
        `interrupted after loading ${done} of ${total} rows of TPC-H SF ${sf}; nothing was kept (its tables were dropped)`,
    );
  };
  const shift = dateShifter(shiftDays);
  const columns = (t: TpchTable) => TPCH_COLUMNS[t].map((c) => c.name);

  try {
    for (const t of TPCH_TABLES) await backend.query(tpchDdl(t, keys));
    for (const t of TPCH_TABLES) {
      if (t === 'orders' || t === 'lineitem') continue;
      let chunk: Value[][] = [];
      for (const row of generateRows(t, sf)) {
        chunk.push(row as Value[]);
        if (chunk.length === CHUNK_ROWS) {
          await report(t, await backend.copyRows(t, columns(t), chunk));
          chunk = [];
        }
      }
      if (chunk.length > 0) await report(t, await backend.copyRows(t, columns(t), chunk));
    }
    // Orders and their line items come from one pass of the generator.
    let orders: Value[][] = [];
    let lineitems: Value[][] = [];
    const flush = async () => {
      await report('orders', await backend.copyRows('orders', columns('orders'), orders));
      await report('lineitem', await backend.copyRows('lineitem', columns('lineitem'), lineitems));
      orders = [];
      lineitems = [];
    };
    for (const { order, lineitems: lines } of generateOrdersWithLineitems(sf)) {
      orders.push(shiftRow('orders', order, shift));
      for (const l of lines) lineitems.push(shiftRow('lineitem', l, shift));
      if (lineitems.length >= CHUNK_ROWS) await flush();
    }
    if (orders.length > 0) await flush();
    // Statistics, as after any bulk load: the planner (and the refresh cost rule) need row counts.
    const { analyze } = dialectOf(backend.family);
    for (const t of TPCH_TABLES) for (const s of analyze(t)) await backend.query(s);
    await backend.query('INSERT INTO dtlab.tpch VALUES ($1, $2, $3, $4)', [sf, keys, shiftDays, updates]);
  } catch (e) {
    // Nothing half-written: a failed load removes what it created.
    await dropTables(backend, TPCH_TABLES).catch(() => {});
    throw e instanceof DtError
      ? e
      : new DtError('DT_ERR_BACKEND', `loading TPC-H failed, nothing was kept: ${messageOf(e)}`, {
          cause: e,
        });
  }
  return { status: 'loaded', rows: loaded, ms: performance.now() - started };
}

/** The same load as an Observable of progress (for widgets): completes when loaded, errors on failure. */
export function loadTpch$(
  backend: Backend,
  options: Omit<LoadOptions, 'onProgress'>,
): Observable<LoadProgress> {
  return new Observable<LoadProgress>((subscriber) => {
    loadTpch(backend, { ...options, onProgress: (p) => subscriber.next(p) }).then(
      () => subscriber.complete(),
      (e) => subscriber.error(e),
    );
  });
}
