/** `dtlab tpch …`: generate dbgen's files, load a backend, apply RF1/RF2, run the order simulator. */
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { FAULT_NAMES } from '../magics/faults.js';
import {
  formatDeleteKey,
  formatTbl,
  generateRows,
  TPCH_TABLES,
  type TpchTable,
  updateDeletes,
  updateOrdersWithLineitems,
  validateScaleFactor,
} from '../tpch/gen/index.js';
import { dateShifter, type KeyMode, loadTpch, shiftDaysToToday, shiftRow } from '../tpch/load.js';
import { applyRf1, applyRf2 } from '../tpch/refresh-functions.js';
import { type FaultKind, OrderSimulator } from '../tpch/simulator.js';

export interface TpchValues {
  sf?: string;
  out?: string;
  updates?: string;
  table?: string;
  set?: string;
  keys?: string;
  replace?: boolean;
  'shift-to-today'?: boolean;
  rate?: string;
  seconds?: string;
  faults?: string;
  seed?: string;
}

/** A plain decimal number (`0.1`, `1`, `1e-2`): `Number()` alone would also take `0x10`, `0b1` or `''`. */
const DECIMAL = /^\s*\+?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

export function parseScaleFactor(text: string | undefined): number {
  if (text === undefined) throw new DtError('DT_ERR_USAGE', '--sf is required (e.g. --sf 0.01)');
  const sf = Number(text);
  try {
    if (!DECIMAL.test(text)) throw new Error('not a decimal number');
    validateScaleFactor(sf);
  } catch {
    throw new DtError('DT_ERR_USAGE', `--sf must be a number greater than 0, got '${text}'`);
  }
  return sf;
}

function parseCount(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new DtError('DT_ERR_USAGE', `--${name} must be a whole number ≥ ${min}, got '${text}'`);
  }
  return n;
}

function parseTables(text: string | undefined): TpchTable[] {
  if (text === undefined) return [...TPCH_TABLES];
  const names = text.split(',').map((t) => t.trim().toLowerCase());
  for (const n of names) {
    if (!(TPCH_TABLES as readonly string[]).includes(n)) {
      throw new DtError(
        'DT_ERR_USAGE',
        `unknown TPC-H table '${n}': expected one of ${TPCH_TABLES.join(', ')}`,
      );
    }
  }
  return names as TpchTable[];
}

/** Writes `lines` to `file` through a temporary name, so a failure leaves no partial file. */
async function writeLines(file: string, lines: Iterable<string>, temps: string[]): Promise<number> {
  const temp = `${file}.partial`;
  temps.push(temp);
  const out = createWriteStream(temp);
  let n = 0;
  let buffer: string[] = [];
  const drain = async () => {
    if (!out.write(`${buffer.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    buffer = [];
  };
  for (const line of lines) {
    buffer.push(line);
    n++;
    if (buffer.length === 10_000) await drain();
  }
  if (buffer.length > 0) await drain();
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return n;
}

export async function tpchGen(values: TpchValues, log: (s: string) => void): Promise<void> {
  const sf = parseScaleFactor(values.sf);
  if (!values.out) throw new DtError('DT_ERR_USAGE', '--out DIR is required');
  const tables = parseTables(values.table);
  const updates = parseCount('updates', values.updates, 0);
  const shift = dateShifter(values['shift-to-today'] ? shiftDaysToToday(Date.now()) : 0);
  mkdirSync(values.out, { recursive: true });
  const temps: string[] = [];
  const files: [string, number][] = [];
  const started = performance.now();
  try {
    for (const t of tables) {
      const rows = (function* () {
        for (const r of generateRows(t, sf)) yield formatTbl(t, shiftRow(t, r, shift) as never);
      })();
      files.push([`${t}.tbl`, await writeLines(path.join(values.out, `${t}.tbl`), rows, temps)]);
    }
    for (let k = 1; k <= updates; k++) {
      const orders: string[] = [];
      const lines: string[] = [];
      for (const { order, lineitems } of updateOrdersWithLineitems(sf, k)) {
        orders.push(formatTbl('orders', shiftRow('orders', order, shift) as never));
        for (const l of lineitems) lines.push(formatTbl('lineitem', shiftRow('lineitem', l, shift) as never));
      }
      files.push([
        `orders.tbl.u${k}`,
        await writeLines(path.join(values.out, `orders.tbl.u${k}`), orders, temps),
      ]);
      files.push([
        `lineitem.tbl.u${k}`,
        await writeLines(path.join(values.out, `lineitem.tbl.u${k}`), lines, temps),
      ]);
      const deletes = updateDeletes(sf, k).map(formatDeleteKey);
      files.push([`delete.${k}`, await writeLines(path.join(values.out, `delete.${k}`), deletes, temps)]);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw e;
  }
  for (const t of temps) renameSync(t, t.slice(0, -'.partial'.length));
  const rows = files.reduce((n, [, r]) => n + r, 0);
  const seconds = (performance.now() - started) / 1000;
  for (const [f, r] of files) log(`${f}: ${r} rows`);
  log(
    `generated ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s) into ${values.out}`,
  );
}

/** A progress bar on a terminal, a line per table otherwise. */
function progressReporter(err: (s: string) => void) {
  const tty = process.stderr.isTTY;
  let lastTable = '';
  return (p: { table: string; tableRows: number; tableTotal: number; rows: number; total: number }) => {
    if (tty) {
      const width = 30;
      const filled = Math.round((p.rows / p.total) * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((100 * p.rows) / p.total).toFixed(0).padStart(3)}% ${p.table.padEnd(8)} ${p.rows}/${p.total} rows`,
      );
      if (p.rows === p.total) process.stderr.write('\n');
    } else if (p.tableRows === p.tableTotal && p.table !== lastTable) {
      lastTable = p.table;
      err(`loaded ${p.table}: ${p.tableRows} rows`);
    }
  };
}

export async function tpchLoad(
  engine: Engine,
  values: TpchValues,
  log: (s: string) => void,
  err: (s: string) => void,
) {
  const sf = parseScaleFactor(values.sf);
  const keys = (values.keys ?? 'primary') as KeyMode;
  if (keys !== 'primary' && keys !== 'none') {
    throw new DtError('DT_ERR_USAGE', `--keys must be primary or none, got '${values.keys}'`);
  }
  const result = await loadTpch(engine.backend, {
    sf,
    keys,
    updates: parseCount('updates', values.updates, 10),
    shiftDays: values['shift-to-today'] ? shiftDaysToToday(engine.clock.now()) : 0,
    replace: values.replace === true,
    onProgress: progressReporter(err),
  });
  if (result.status === 'unchanged') {
    log(`TPC-H SF ${result.info.sf} is already loaded in ${engine.backend.description}; nothing to do`);
    return;
  }
  const rows = Object.values(result.rows).reduce((a, b) => a + b, 0);
  log(
    `loaded TPC-H SF ${sf} (${rows} rows) into ${engine.backend.description} in ${(result.ms / 1000).toFixed(1)} s`,
  );
}

export async function tpchRefresh(
  engine: Engine,
  rf: 'rf1' | 'rf2',
  values: TpchValues,
  log: (s: string) => void,
) {
  const set = parseCount('set', values.set, Number.NaN, 1);
  if (Number.isNaN(set)) throw new DtError('DT_ERR_USAGE', '--set K is required');
  const r = rf === 'rf1' ? await applyRf1(engine, set) : await applyRf2(engine, set);
  log(
    `${rf.toUpperCase()} set ${set}: ${rf === 'rf1' ? 'inserted' : 'deleted'} ${r.orders} orders and ${r.lineitems} line items in ${(r.ms / 1000).toFixed(2)} s`,
  );
}

function parseFaults(text: string | undefined): Partial<Record<FaultKind, number>> {
  if (!text) return {};
  const kinds: FaultKind[] = ['nullCustomer', 'duplicateKey', 'negativePrice', 'unknownCustomer'];
  return Object.fromEntries(
    text.split(',').map((part) => {
      const [given, p] = part.split('=');
      // The magics' lesson names (nulls, duplicates, …) or the simulator's own.
      const name = FAULT_NAMES[given ?? ''] ?? given;
      if (!kinds.includes(name as FaultKind) || p === undefined || Number.isNaN(Number(p))) {
        throw new DtError(
          'DT_ERR_USAGE',
          `--faults takes kind=probability pairs of ${Object.keys(FAULT_NAMES).join(', ')} (or ${kinds.join(', ')}), got '${part}'`,
        );
      }
      return [name, Number(p)];
    }),
  );
}

export async function tpchSimulate(engine: Engine, values: TpchValues, log: (s: string) => void) {
  const rate = Number(values.rate ?? '10');
  const seconds = Number(values.seconds ?? '10');
  if (!(seconds > 0))
    throw new DtError('DT_ERR_USAGE', `--seconds must be a number > 0, got '${values.seconds}'`);
  const sim = await OrderSimulator.create(engine, {
    rate,
    faults: parseFaults(values.faults),
    seed: parseCount('seed', values.seed, 1),
  });
  sim.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await sim.stop();
  log(JSON.stringify(sim.counts));
}
