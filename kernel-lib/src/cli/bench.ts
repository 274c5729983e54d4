/**
 * `dtlab bench refresh`: incremental vs full refresh of the seeds' seven pipelines on TPC-H, measured in one
 * run. Each pipeline is created as written and again as a REFRESH_MODE = FULL twin (`<name>__full`) reading
 * the same sources; after a change both are refreshed and timed, so the ratio compares the same work on the
 * same data. Changes: one TPC-H RF1 + RF2 pair (update set 1), then a batch of new orders (copies of existing
 * orders and their line items under new keys). Also the write overhead of change capture: the same INSERT of
 * a batch of orders into a table with capture and into one without.
 * Figures are wall-clock milliseconds of `engine.refresh` (planning, execution, commit).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend, Queryable, ResultColumn, Value } from '../backends/backend.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { type CreateDynamicTable, parseStatement } from '../sql/ddl.js';
import { splitStatements } from '../sql/split.js';
import { loadTpch, tpchInfo } from '../tpch/load.js';
import { applyRf1, applyRf2 } from '../tpch/refresh-functions.js';
import { formatTable } from './table.js';

const PIPELINES = fileURLToPath(new URL('../../../data/pipelines/seed_pipelines.sql', import.meta.url));
/** New orders get keys above every dbgen key (dbgen's sparse keys stay below 4 × 1.5 M × SF × 8). */
const KEY_OFFSET = 2_000_000_000;

export interface BenchOptions {
  sf: number;
  /** Orders in the batch (capped at a tenth of the orders table, so the batch stays a batch). */
  batch: number;
}

interface Pipeline {
  name: string;
  twin: string;
}

/** The seeds' pipelines, verbatim, and a FULL twin of each. */
function pipelineScripts(): { script: string; pipelines: Pipeline[]; twins: string } {
  const script = readFileSync(PIPELINES, 'utf8');
  const pipelines: Pipeline[] = [];
  const twins: string[] = [];
  for (const stmt of splitStatements(script)) {
    const parsed = parseStatement(stmt.text, stmt.tokens);
    if (parsed.kind !== 'create_dynamic_table') continue;
    const dt = parsed as CreateDynamicTable;
    const columns = dt.columns
      ? ` (${dt.columns.map((c) => `${c.name}${c.type ? ` ${c.type}` : ''}`).join(', ')})`
      : '';
    pipelines.push({ name: dt.name, twin: `${dt.name}__full` });
    twins.push(
      `CREATE DYNAMIC TABLE ${dt.name}__full${columns} TARGET_LAG = '1 day' WAREHOUSE = demo_wh REFRESH_MODE = FULL AS ${dt.query}`,
    );
  }
  return { script, pipelines, twins: twins.join(';\n') };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const ms = (n: number) => Math.round(n * 10) / 10;
const ratio = (full: number, incr: number) => (incr > 0 ? `${(full / incr).toFixed(1)}×` : '—');

interface Traced {
  sql: string;
  ms: number;
}

/**
 * Profiling (DTLAB_BENCH_PROFILE=1): records every statement the backend runs (outside and inside
 * transactions) with its time, so a refresh's cost splits into statements, SQL time and the rest (planning,
 * parsing, driver).
 */
function tracer(backend: Backend) {
  let log: Traced[] | undefined;
  const wrap =
    (run: Queryable['query']): Queryable['query'] =>
    async (sql, params) => {
      if (!log) return run(sql, params);
      const t0 = performance.now();
      try {
        return await run(sql, params);
      } finally {
        log.push({ sql, ms: performance.now() - t0 });
      }
    };
  const query = backend.query.bind(backend);
  const transaction = backend.transaction.bind(backend);
  backend.query = wrap(query);
  backend.transaction = (fn, options) =>
    transaction((tx) => {
      const query = wrap(tx.query.bind(tx));
      const defer = tx.defer?.bind(tx);
      if (!defer) return fn({ query });
      // Deferred statements cost no round trip of their own: counted, timed with the query they go with.
      return fn({
        query,
        defer: (sql, params) => {
          log?.push({ sql: `(deferred) ${sql}`, ms: 0 });
          defer(sql, params);
        },
      });
    }, options);
  return {
    start: () => {
      log = [];
    },
    stop: (): Traced[] => {
      const out = log ?? [];
      log = undefined;
      return out;
    },
  };
}

type Tracer = ReturnType<typeof tracer>;

function profileReport(name: string, totalMs: number, log: Traced[], out: (s: string) => void) {
  const sqlMs = log.reduce((a, t) => a + t.ms, 0);
  const deferred = log.filter((t) => t.sql.startsWith('(deferred)')).length;
  out(
    `  profile ${name}: ${log.length} statements in ${log.length - deferred} calls (${deferred} deferred), ${ms(sqlMs)} ms in SQL, ${ms(totalMs - sqlMs)} ms elsewhere (of ${ms(totalMs)} ms)`,
  );
  for (const t of [...log].sort((a, b) => b.ms - a.ms).slice(0, 8))
    out(`    ${ms(t.ms).toString().padStart(8)} ms  ${t.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
}

/** Refreshes each pipeline and its twin; one row per pipeline. */
async function refreshRound(
  engine: Engine,
  pipelines: Pipeline[],
  trace?: Tracer,
  out: (s: string) => void = () => {},
): Promise<Value[][]> {
  const rows: Value[][] = [];
  for (const p of pipelines) {
    trace?.start();
    const incr = await timed(() => engine.refresh(p.name));
    if (trace) profileReport(p.name, incr.ms, trace.stop(), out);
    const full = await timed(() => engine.refresh(p.twin));
    const changes = Object.values(incr.value.changesRead).reduce((a, b) => a + b, 0);
    rows.push([
      p.name,
      incr.value.refreshAction,
      changes,
      ms(full.ms),
      ms(incr.ms),
      incr.value.refreshAction === 'INCREMENTAL' ? ratio(full.ms, incr.ms) : '—',
    ]);
  }
  return rows;
}

const ROUND_COLUMNS: ResultColumn[] = [
  { name: 'pipeline', type: 'varchar' },
  { name: 'action', type: 'varchar' },
  { name: 'changes_read', type: 'integer' },
  { name: 'full_ms', type: 'double' },
  { name: 'incremental_ms', type: 'double' },
  { name: 'full/incremental', type: 'varchar' },
];

/** Copies `n` existing orders (and their line items) under new keys, in one captured transaction. */
function batchInsert(n: number, round: number): string[] {
  const offset = KEY_OFFSET + round * 100_000_000;
  const pick = `SELECT o_orderkey FROM orders WHERE o_orderkey < ${KEY_OFFSET} ORDER BY o_orderkey LIMIT ${n}`;
  return [
    `INSERT INTO lineitem SELECT l_orderkey + ${offset}, l_partkey, l_suppkey, l_linenumber, l_quantity, l_extendedprice,
       l_discount, l_tax, l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipinstruct,
       l_shipmode, l_comment FROM lineitem WHERE l_orderkey IN (${pick})`,
    `INSERT INTO orders SELECT o_orderkey + ${offset}, o_custkey, o_orderstatus, o_totalprice, o_orderdate,
       o_orderpriority, o_clerk, o_shippriority, o_comment FROM orders WHERE o_orderkey IN (${pick})`,
  ];
}

/** The same INSERT of `n` orders into a captured and an uncaptured copy of `orders`. */
async function captureOverhead(engine: Engine, n: number): Promise<{ plain: number; captured: number }> {
  await engine.execute(
    `DROP DYNAMIC TABLE IF EXISTS bench_capture_reader;
     DROP TABLE IF EXISTS bench_orders_plain; DROP TABLE IF EXISTS bench_orders_captured;
     CREATE TABLE bench_orders_plain AS SELECT * FROM orders WHERE 1 = 0;
     CREATE TABLE bench_orders_captured AS SELECT * FROM orders WHERE 1 = 0;
     CREATE DYNAMIC TABLE bench_capture_reader TARGET_LAG = '1 day' AS
       SELECT o_orderstatus, count(*) AS n FROM bench_orders_captured GROUP BY o_orderstatus`,
  );
  const insert = (table: string) =>
    `INSERT INTO ${table} SELECT * FROM orders WHERE o_orderkey < ${KEY_OFFSET} ORDER BY o_orderkey LIMIT ${n}`;
  const plain = await timed(() => engine.execute(insert('bench_orders_plain')));
  const captured = await timed(() => engine.execute(insert('bench_orders_captured')));
  await engine.execute(
    'DROP DYNAMIC TABLE bench_capture_reader; DROP TABLE bench_orders_plain; DROP TABLE bench_orders_captured',
  );
  return { plain: plain.ms, captured: captured.ms };
}

export async function benchRefresh(engine: Engine, options: BenchOptions, out: (s: string) => void) {
  const { pipelines, script, twins } = pipelineScripts();
  const existing = await engine.backend.query(
    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('orders', 'lineitem')",
  );
  // A database holding only a fresh TPC-H load of this scale (`dtlab tpch load --sf SF --updates 1`, no
  // refresh function applied) will do too: e.g. a copy of a template, which saves the load on each run.
  const info = await tpchInfo(engine.backend);
  const pristine =
    info?.sf === options.sf &&
    info.updates === 1 &&
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
  out(`database: ${engine.backend.description}; TPC-H SF ${options.sf}`);
  const load = await timed(() => loadTpch(engine.backend, { sf: options.sf, updates: 1 }));
  out(`loaded TPC-H in ${ms(load.ms)} ms`);
  if (engine.backend.family === 'postgres') {
    // The supporting index an affected-key recompute wants on PostgreSQL: customer_ltv recomputes the
    // touched customers from their orders, which without it means a scan of all orders. (DuckDB joins by
    // hashing either way.) The FULL twins scan everything regardless.
    const index = await timed(() =>
      engine.execute('CREATE INDEX IF NOT EXISTS orders_o_custkey ON orders (o_custkey)'),
    );
    out(`created index orders (o_custkey) in ${ms(index.ms)} ms`);
  }
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

  const rf1 = await applyRf1(engine, 1);
  const rf2 = await applyRf2(engine, 1);
  out(
    `\nafter RF1 + RF2 of update set 1 (+${rf1.orders} orders / ${rf1.lineitems} line items, −${rf2.orders} / ${rf2.lineitems}):`,
  );
  const trace = process.env.DTLAB_BENCH_PROFILE ? tracer(engine.backend) : undefined;
  out(formatTable(ROUND_COLUMNS, await refreshRound(engine, pipelines, trace, out)));

  const orders = Number((await engine.backend.query('SELECT count(*) FROM orders')).rows[0]?.[0]);
  const batch = Math.min(options.batch, Math.floor(orders / 10));
  const write = await timed(() => engine.write(batchInsert(batch, 0)));
  out(`\nafter a batch of ${batch} new orders with their line items (written in ${ms(write.ms)} ms):`);
  out(formatTable(ROUND_COLUMNS, await refreshRound(engine, pipelines, trace, out)));

  const overhead = await captureOverhead(engine, batch);
  out(
    `\ncapture overhead, INSERT of ${batch} orders: without capture ${ms(overhead.plain)} ms, with capture ${ms(overhead.captured)} ms (${(overhead.captured / overhead.plain).toFixed(2)}×)`,
  );
}

export function parseBatch(text: string | undefined): number {
  if (text === undefined) return 100_000;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new DtError('DT_ERR_USAGE', `--batch must be a whole number ≥ 1, got '${text}'`);
  return n;
}
