/**
 * `dtlab bench refresh`: what a refresh costs on one backend, measured in one run (files in bench/):
 * 1. at SF 0.01 on fresh databases: the latency of a refresh that finds nothing changed and of one after a
 *    1-row change, and two lesson hours (Scenario A; the seven seed pipelines at 1-minute lags);
 * 2. at the chosen SF: incremental vs full refresh of the seeds' seven pipelines after a TPC-H RF1 + RF2 pair
 *    and after a batch of new orders (each pipeline has a REFRESH_MODE = FULL twin on the same data);
 * 3. the write overhead of change capture.
 * Every clock starts where TPC-H's order dates end, so date filters relative to CURRENT_DATE see data.
 * Figures are wall-clock milliseconds (refreshes: `engine.refresh`, planning, execution and commit), each
 * printed with the machine's 1-minute load average.
 */
import { ManualClock } from '../clock.js';
import { dialectOf } from '../dialect/index.js';
import { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { loadTpch, tpchInfo } from '../tpch/load.js';
import { applyRf1, applyRf2 } from '../tpch/refresh-functions.js';
import { captureOverhead, type Overhead } from './bench/capture.js';
import { EXPECTATION_COLUMNS, expectationsOverhead, ROUNDS } from './bench/expectations.js';
import { loadAverage, ms, TPCH_END, timed } from './bench/measure.js';
import { batchInsert, pipelineScripts, ROUND_COLUMNS, refreshRound } from './bench/pipelines.js';
import { tracer } from './bench/profile.js';
import {
  LATENCY_COLUMNS,
  type LessonHour,
  MEASURED,
  pipelinesSmall,
  scenarioAHour,
  WARMUP,
} from './bench/small.js';
import { formatTable } from './table.js';

export interface BenchOptions {
  sf: number;
  /** Orders in the batch (capped at a tenth of the orders table, so the batch stays a batch). */
  batch: number;
  /** Lesson-clock minutes of the lesson hours (60; fewer for a quick check). */
  minutes: number;
}

async function requireEmpty(engine: Engine, sf: number): Promise<void> {
  const existing = await engine.backend.query(
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('orders', 'lineitem')",
  );
  // A database holding only a fresh TPC-H load of this scale (`dtlab tpch load --sf SF --updates 1`, no
  // refresh function applied) will do too: e.g. a copy of a template, which saves the load on each run.
  const info = await tpchInfo(engine.backend);
  const pristine =
    info?.sf === sf &&
    info.updates === 1 &&
    info.shiftDays === 0 &&
    Number((await engine.backend.query('SELECT count(*) FROM dtlab.tpch_refresh')).rows[0]?.[0]) === 0;
  if ((await engine.listDynamicTables()).length > 0 || (Number(existing.rows[0]?.[0]) > 0 && !pristine)) {
    throw new DtError(
      'DT_ERR_USAGE',
      'dtlab bench refresh needs an empty database: it loads TPC-H, applies RF1/RF2 and creates pipelines',
      {
        hint: 'use --db duckdb (in memory), an empty pglite:DIR, a new PostgreSQL database, or a copy of one where only `dtlab tpch load --sf SF --updates 1` ran',
      },
    );
  }
}

const hourText = (name: string, h: LessonHour) =>
  `  ${name}: ${ms(h.ms)} ms for ${h.refreshes} refreshes and ${h.events} simulated events`;
const overheadText = (what: string, n: number, o: Overhead) =>
  `  INSERT of ${n} orders into ${what}: without capture ${ms(o.plain)} ms, with capture ${ms(o.captured)} ms (${(o.captured / o.plain).toFixed(2)}×)`;

export async function benchRefresh(given: Engine, options: BenchOptions, out: (s: string) => void) {
  await requireEmpty(given, options.sf);
  // The same database, on a manual clock at the end of TPC-H's dates (the given engine reads the system clock).
  // It shares the given engine's backend, which the CLI closes: closed without it, before the CLI closes that.
  const engine = await Engine.open(given.backend, { clock: new ManualClock(TPCH_END) });
  try {
    await benchOn(engine, options, out);
  } finally {
    await engine.close({ keepBackend: true });
  }
}

async function benchOn(engine: Engine, options: BenchOptions, out: (s: string) => void) {
  const backend = engine.backend;
  out(`database: ${backend.description}; ${loadAverage()}`);

  out(
    `\nlatency at SF 0.01 (a fresh database, the seven pipelines; medians of ${MEASURED} refreshes after ${WARMUP} whose median is the last column):`,
  );
  const small = await pipelinesSmall(backend, options.minutes);
  out(formatTable(LATENCY_COLUMNS, small.latencies));
  out(`  ${loadAverage()}`);
  out(
    `\nlesson hours at SF 0.01 (fresh databases; the lesson clock moved by ${options.minutes} minutes, from 1998-08-02 12:00 UTC):`,
  );
  out(hourText('Scenario A (2 DTs, simulator at rate 2)', await scenarioAHour(backend, options.minutes)));
  out(hourText('seven seed pipelines (1-minute lags, simulator at rate 10)', small.pipelinesHour));
  out(`  ${loadAverage()}`);

  out(`\nTPC-H SF ${options.sf}:`);
  const load = await timed(() => loadTpch(backend, { sf: options.sf, updates: 1 }));
  out(`loaded TPC-H in ${ms(load.ms)} ms`);
  if (dialectOf(backend.family).indexesState) {
    // The supporting index an affected-key recompute wants on PostgreSQL: customer_ltv recomputes the
    // touched customers from their orders, which without it means a scan of all orders. (DuckDB joins by
    // hashing either way.) The FULL twins scan everything regardless.
    const index = await timed(() =>
      engine.execute('CREATE INDEX IF NOT EXISTS orders_o_custkey ON orders (o_custkey)'),
    );
    out(`created index orders (o_custkey) in ${ms(index.ms)} ms`);
  }
  const { pipelines, script, twins } = pipelineScripts();
  const create = await timed(async () => {
    await engine.execute(script);
    await engine.execute(twins);
  });
  out(`created ${pipelines.length} pipelines and their FULL twins in ${ms(create.ms)} ms`);
  const modes = await engine.listDynamicTables();
  for (const p of pipelines) {
    const dt = modes.find((d) => d.name === p.name);
    out(`  ${p.name}: ${dt?.effectiveMode} — ${dt?.refreshModeReason}`);
  }

  const held = await backend.query('SELECT count(*) FROM order_analytics_incremental');
  out(`  order_analytics_incremental holds ${held.rows[0]?.[0]} days (its CURRENT_DATE is 1998-08-02)`);

  const rf1 = await applyRf1(engine, 1);
  const rf2 = await applyRf2(engine, 1);
  out(
    `\nafter RF1 + RF2 of update set 1 (+${rf1.orders} orders / ${rf1.lineitems} line items, −${rf2.orders} / ${rf2.lineitems}):`,
  );
  const trace = process.env.DTLAB_BENCH_PROFILE ? tracer(backend) : undefined;
  out(formatTable(ROUND_COLUMNS, await refreshRound(engine, pipelines, trace, out)));
  out(`  ${loadAverage()}`);

  const orders = Number((await backend.query('SELECT count(*) FROM orders')).rows[0]?.[0]);
  const batch = Math.min(options.batch, Math.floor(orders / 10));
  const write = await timed(() => engine.write(batchInsert(batch, 0)));
  out(`\nafter a batch of ${batch} new orders with their line items (written in ${ms(write.ms)} ms):`);
  out(formatTable(ROUND_COLUMNS, await refreshRound(engine, pipelines, trace, out)));
  out(`  ${loadAverage()}`);

  out('\ncapture overhead (medians of 5 alternating rounds):');
  out(overheadText('a bare copy of orders', batch, await captureOverhead(engine, batch, false)));
  out(overheadText("a copy with orders' primary key", batch, await captureOverhead(engine, batch, true)));
  out(`  ${loadAverage()}`);
  await benchExpectations(backend, out);
}

/** Section 4 (also `dtlab bench expectations`): five expectations' cost in an incremental refresh. */
export async function benchExpectations(backend: Engine['backend'], out: (s: string) => void, sf = 0.01) {
  out(
    `\nexpectations at SF ${sf} (a fresh database; incremental refreshes after 100 new and 100 updated orders, medians of ${ROUNDS}):`,
  );
  out(`  ${loadAverage()} before`);
  out(formatTable(EXPECTATION_COLUMNS, await expectationsOverhead(backend, sf)));
  out(`  ${loadAverage()} after`);
}

export function parseMinutes(text: string | undefined): number {
  if (text === undefined) return 60;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new DtError('DT_ERR_USAGE', `--minutes must be a whole number ≥ 1, got '${text}'`);
  return n;
}

export function parseBatch(text: string | undefined): number {
  if (text === undefined) return 100_000;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new DtError('DT_ERR_USAGE', `--batch must be a whole number ≥ 1, got '${text}'`);
  return n;
}
