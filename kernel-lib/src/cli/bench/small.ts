/**
 * The bench's small-scale sections, each on a fresh database of the bench's backend (TPC-H SF 0.01, the
 * lessons' scale) driven by a magic session, as a notebook would be, on a manual clock that starts where
 * TPC-H's order dates end:
 * - latencies: a refresh that finds nothing changed (NO_DATA), and one after a 1-row change, of a linear
 *   DT (order_analytics_incremental) and of customer_ltv_incremental (medians);
 * - lesson hours: Scenario A's two DTs (content/scenario-a.md, its cells as written) with the order
 *   simulator at rate 2, then the seven seed pipelines at 1-minute lags with the simulator at rate 10, the
 *   lesson clock moved by one hour (`%dt clock +1h`); wall time, refreshes run and events written.
 */
import { readFileSync } from 'node:fs';
import type { Backend, ResultColumn, Value } from '../../backends/backend.js';
import { openBackend } from '../../backends/open.js';
import { dialectOf } from '../../dialect/index.js';
import type { Engine } from '../../engine/engine.js';
import { MagicSession } from '../../magics/session.js';
import { repoFile } from '../paths.js';
import { median, ms, TPCH_END, timed } from './measure.js';
import { KEY_OFFSET, pipelineScripts } from './pipelines.js';

const SCENARIO_A = repoFile('content/scenario-a.md');
const SMALL_SF = 0.01;
/**
 * Latencies: the first WARMUP refreshes after the DTs are made run while V8 compiles the engine's code and the
 * database warms its caches (on DuckDB-WASM the first ten 1-row refreshes took twice as long as the fortieth);
 * a lesson hour is hundreds of refreshes. The median of the MEASURED after them is the latency; theirs is shown
 * beside it.
 */
export const WARMUP = 9;
export const MEASURED = 31;

/** A fresh, empty database like `main`'s: in memory for DuckDB and PGlite, a new database on a server. */
export async function freshBackend(
  main: Backend,
): Promise<{ backend: Backend; dispose: () => Promise<void> }> {
  if (main.family === 'duckdb') return { backend: await openBackend('duckdb'), dispose: async () => {} };
  const url = (main as { url?: unknown }).url;
  if (typeof url !== 'string') return { backend: await openBackend('pglite'), dispose: async () => {} };
  const target = new URL(url);
  const name = `${decodeURIComponent(target.pathname.slice(1)) || 'postgres'}_bench_small`;
  const quoted = `"${name.replace(/"/g, '""')}"`;
  await main.query(`DROP DATABASE IF EXISTS ${quoted}`);
  await main.query(`CREATE DATABASE ${quoted}`);
  target.pathname = `/${encodeURIComponent(name)}`;
  return {
    backend: await openBackend(target.toString()),
    dispose: () => main.query(`DROP DATABASE IF EXISTS ${quoted}`).then(() => {}),
  };
}

/** Runs `cells` in a magic session on a fresh database; `fn` measures; the database goes afterwards. */
async function inSession<T>(
  main: Backend,
  cells: string[],
  fn: (session: MagicSession, engine: Engine) => Promise<T>,
): Promise<T> {
  const { backend, dispose } = await freshBackend(main);
  const session = new MagicSession({ open: async () => backend, defaultSpec: 'bench', start: TPCH_END });
  try {
    for (const cell of cells) await session.run(cell);
    const { engine } = await session.connect();
    return await fn(session, engine);
  } finally {
    await session.close();
    await dispose();
  }
}

export interface LessonHour {
  ms: number;
  refreshes: number;
  events: number;
}

/** Moves the session's clock by `minutes` (`%dt clock +60m` is the lesson hour); what it cost and did. */
async function lessonHour(session: MagicSession, minutes: number): Promise<LessonHour> {
  const { scheduler } = await session.connect();
  let refreshes = 0;
  const sub = scheduler.events$.subscribe((e) => {
    if (e.type === 'refresh') refreshes++;
  });
  const before = Object.values(session.simulator?.counts.events ?? {}).reduce((a, b) => a + b, 0);
  const hour = await timed(() => session.run(`%dt clock +${minutes}m`));
  sub.unsubscribe();
  const after = Object.values(session.simulator?.counts.events ?? {}).reduce((a, b) => a + b, 0);
  return { ms: hour.ms, refreshes, events: after - before };
}

/** Scenario A's cells, as written, up to and including the first `%dt clock +…` (which is timed apart). */
function scenarioACells(): string[] {
  const cells = [...readFileSync(SCENARIO_A, 'utf8').matchAll(/```dtlab\n([\s\S]*?)```/g)].map(
    (m) => m[1] ?? '',
  );
  // Up to the first clock move (the lesson moves its hour in steps; the bench times one move of its own).
  const last = cells.findIndex((c) => /%dt clock \+/.test(c));
  return [...cells.slice(0, last), (cells[last] ?? '').replace(/%dt clock \+\S+/, '')].filter((c) =>
    c.trim(),
  );
}

export async function scenarioAHour(main: Backend, minutes: number): Promise<LessonHour> {
  return inSession(main, scenarioACells(), (session) => lessonHour(session, minutes));
}

/** One new order of the last day of TPC-H's dates, under a fresh key. */
const oneOrder = (i: number) =>
  `INSERT INTO orders SELECT o_orderkey + ${KEY_OFFSET + i}, o_custkey, o_orderstatus, o_totalprice,
     DATE '1998-08-01', o_orderpriority, o_clerk, o_shippriority, o_comment FROM orders WHERE o_orderkey = 1`;

export const LATENCY_COLUMNS: ResultColumn[] = [
  { name: 'refresh', type: 'varchar' },
  { name: 'dynamic table', type: 'varchar' },
  { name: 'action', type: 'varchar' },
  { name: 'median_ms', type: 'double' },
  { name: 'min_ms', type: 'double' },
  { name: `first_${WARMUP}_median_ms`, type: 'double' },
];

export interface SmallScale {
  latencies: Value[][];
  pipelinesHour: LessonHour;
}

/** The seven pipelines at 1-minute lags: latencies first, then their lesson hour at rate 10. */
export async function pipelinesSmall(main: Backend, minutes: number): Promise<SmallScale> {
  const { script } = pipelineScripts('1 minute');
  const cells = [`%dt load tpch --sf ${SMALL_SF}`, `%%sql\n${script}`];
  if (dialectOf(main.family).indexesState)
    cells.push('%%sql\nCREATE INDEX orders_o_custkey ON orders (o_custkey)');
  return inSession(main, cells, async (session, engine) => {
    const linear = 'order_analytics_incremental';
    const ltv = 'customer_ltv_incremental';
    const latencies: Value[][] = [];
    const row = (kind: string, dt: string, actions: Set<string>, times: number[]) => {
      const [first, rest] = [times.slice(0, WARMUP), times.slice(WARMUP)];
      latencies.push([
        kind,
        dt,
        [...actions].join(', '),
        ms(median(rest)),
        ms(Math.min(...rest)),
        ms(median(first)),
      ]);
    };
    for (const dt of [linear, ltv]) {
      await engine.refresh(dt);
      const actions = new Set<string>();
      const times: number[] = [];
      for (let i = 0; i < WARMUP + MEASURED; i++) {
        const r = await timed(() => engine.refresh(dt));
        actions.add(String(r.value.refreshAction));
        times.push(r.ms);
      }
      row('nothing changed', dt, actions, times);
    }
    const times = new Map([linear, ltv].map((dt) => [dt, [] as number[]]));
    const actions = new Map([linear, ltv].map((dt) => [dt, new Set<string>()]));
    for (let i = 0; i < WARMUP + MEASURED; i++) {
      await engine.write([oneOrder(i)]);
      for (const dt of [linear, ltv]) {
        const r = await timed(() => engine.refresh(dt));
        actions.get(dt)?.add(String(r.value.refreshAction));
        times.get(dt)?.push(r.ms);
      }
    }
    for (const dt of [linear, ltv])
      row('1 row inserted', dt, actions.get(dt) ?? new Set(), times.get(dt) ?? []);
    await session.run('%dt simulate orders --rate 10');
    return { latencies, pipelinesHour: await lessonHour(session, minutes) };
  });
}
