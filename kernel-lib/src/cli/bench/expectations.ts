/**
 * The cost of expectations in an incremental refresh (docs/quality.md): on a fresh database at TPC-H SF 0.01
 * (or the bench's SF), each DT shape is created twice over `orders` — without expectations and with five (two
 * WARN, one DROP ROW, one QUARANTINE, one FAIL UPDATE that never fails) — and after each round of changes (new
 * orders, and updates of existing ones) both twins are refreshed, in alternating order. Medians and minima of
 * the refreshes' wall time, and medians of the process's CPU time (DuckDB-WASM's worker is a thread of this
 * process: its CPU time is less disturbed by other jobs than wall time; a PostgreSQL server's is not in it);
 * the ratios are the cost of evaluating the five expectations on the changed rows.
 */
import type { Backend, ResultColumn, Value } from '../../backends/backend.js';
import { ManualClock } from '../../clock.js';
import { Engine } from '../../engine/engine.js';
import { loadTpch } from '../../tpch/load.js';
import { median, ms, TPCH_END, timed } from './measure.js';
import { freshBackend } from './small.js';

export const ROUNDS = 21;
const NEW_KEYS = 1_000_000_000;

const FIVE = `CONSTRAINT price_positive EXPECT (price > 0) ON VIOLATION QUARANTINE,
  CONSTRAINT known_customer EXPECT (custkey IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT status_known EXPECT (status IN ('O', 'F', 'P')),
  CONSTRAINT recent EXPECT (day >= DATE '1992-01-01'),
  CONSTRAINT key_positive EXPECT (orderkey > 0) ON VIOLATION FAIL UPDATE`;
const FIVE_AGG = `CONSTRAINT revenue_positive EXPECT (revenue > 0) ON VIOLATION QUARANTINE,
  CONSTRAINT day_known EXPECT (day IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT some_orders EXPECT (n > 0),
  CONSTRAINT recent EXPECT (day >= DATE '1992-01-01'),
  CONSTRAINT average_sane EXPECT (revenue / n < 1000000) ON VIOLATION FAIL UPDATE`;

const SHAPES = [
  {
    name: 'rows',
    what: 'projection (row deltas)',
    query:
      'SELECT o_orderkey AS orderkey, o_custkey AS custkey, o_totalprice AS price, o_orderdate AS day, o_orderstatus AS status FROM orders WHERE o_totalprice > 1000',
    five: FIVE,
  },
  {
    name: 'daily',
    what: 'aggregate (linear, per day)',
    query:
      'SELECT o_orderdate AS day, COUNT(*) AS n, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderdate',
    five: FIVE_AGG,
  },
];

export const EXPECTATION_COLUMNS: ResultColumn[] = [
  { name: 'dynamic table', type: 'varchar' },
  { name: 'changed orders', type: 'bigint' },
  { name: 'no expectations ms', type: 'double' },
  { name: 'five expectations ms', type: 'double' },
  { name: 'ratio', type: 'varchar' },
  { name: 'min ms (none / five)', type: 'varchar' },
  { name: 'ratio of mins', type: 'varchar' },
  { name: 'CPU ms (none / five)', type: 'varchar' },
  { name: 'CPU ratio', type: 'varchar' },
];

/** The process's CPU time (user and system, all threads) in milliseconds. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One round of changes: `n` new orders (new keys) and `n` updated prices. */
function changes(n: number, round: number): string[] {
  // New keys above TPC-H's (within INTEGER, the key's type at small scale factors).
  const offset = NEW_KEYS + round * 1_000_000;
  const pick = `SELECT o_orderkey FROM orders WHERE o_orderkey < ${NEW_KEYS} ORDER BY o_orderkey LIMIT ${n}`;
  return [
    `INSERT INTO orders SELECT o_orderkey + ${offset}, o_custkey, o_orderstatus, o_totalprice, o_orderdate,
       o_orderpriority, o_clerk, o_shippriority, o_comment FROM orders WHERE o_orderkey IN (${pick})`,
    `UPDATE orders SET o_totalprice = o_totalprice + 1 WHERE o_orderkey IN (SELECT o_orderkey + ${n * 7} FROM (${pick}) AS p)`,
  ];
}

export async function expectationsOverhead(main: Backend, sf: number, n = 100): Promise<Value[][]> {
  const { backend, dispose } = await freshBackend(main);
  const engine = await Engine.open(backend, { clock: new ManualClock(TPCH_END) });
  try {
    await loadTpch(backend, { sf, updates: 1 });
    for (const s of SHAPES) {
      const opts = "TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL";
      await engine.execute(`CREATE DYNAMIC TABLE ${s.name}_plain ${opts} AS ${s.query}`);
      await engine.execute(`CREATE DYNAMIC TABLE ${s.name}_five (${s.five}) ${opts} AS ${s.query}`);
    }
    const times = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const sql of changes(n, round)) await engine.execute(sql);
      for (const s of SHAPES) {
        const order = round % 2 === 0 ? ['plain', 'five'] : ['five', 'plain'];
        for (const twin of order) {
          const name = `${s.name}_${twin}`;
          const c0 = cpuMs();
          const t = await timed(() => engine.refresh(name));
          cpu.set(name, [...(cpu.get(name) ?? []), cpuMs() - c0]);
          if (t.value.refreshAction !== 'INCREMENTAL')
            throw new Error(`${name} refreshed ${t.value.refreshAction}, not INCREMENTAL: ${t.value.reason}`);
          times.set(name, [...(times.get(name) ?? []), t.ms]);
        }
      }
    }
    return SHAPES.map((s) => {
      const plainTimes = times.get(`${s.name}_plain`) ?? [];
      const fiveTimes = times.get(`${s.name}_five`) ?? [];
      const plain = median(plainTimes);
      const five = median(fiveTimes);
      // The minimum is the figure least disturbed by a busy machine.
      const [plainMin, fiveMin] = [Math.min(...plainTimes), Math.min(...fiveTimes)];
      const [plainCpu, fiveCpu] = [
        median(cpu.get(`${s.name}_plain`) ?? []),
        median(cpu.get(`${s.name}_five`) ?? []),
      ];
      return [
        s.what,
        2 * n,
        ms(plain),
        ms(five),
        `${(five / plain).toFixed(2)}×`,
        `${ms(plainMin)} / ${ms(fiveMin)}`,
        `${(fiveMin / plainMin).toFixed(2)}×`,
        `${ms(plainCpu)} / ${ms(fiveCpu)}`,
        `${(fiveCpu / plainCpu).toFixed(2)}×`,
      ];
    });
  } finally {
    await engine.close();
    await dispose();
  }
}
