/**
 * The write overhead of change capture: the same INSERT of `n` orders into a table with capture (a DT reads
 * it) and into one without, in alternating rounds on fresh tables; medians. Twice: into bare copies of
 * `orders` (no index: the capture's cost against the cheapest write) and into copies with `orders`'
 * primary key (the write a TPC-H source actually takes).
 */
import type { Engine } from '../../engine/engine.js';
import { tpchDdl } from '../../tpch/load.js';
import { median, timed } from './measure.js';
import { KEY_OFFSET } from './pipelines.js';

export interface Overhead {
  plain: number;
  captured: number;
}

const ROUNDS = 5;

async function oneRound(
  engine: Engine,
  n: number,
  keyed: boolean,
  capturedFirst: boolean,
): Promise<Overhead> {
  const create = (table: string) =>
    keyed
      ? tpchDdl('orders', 'primary').replace(/^CREATE TABLE orders/, `CREATE TABLE ${table}`)
      : `CREATE TABLE ${table} AS SELECT * FROM orders WHERE 1 = 0`;
  await engine.execute(
    `DROP DYNAMIC TABLE IF EXISTS bench_capture_reader;
     DROP TABLE IF EXISTS bench_orders_plain; DROP TABLE IF EXISTS bench_orders_captured;
     ${create('bench_orders_plain')}; ${create('bench_orders_captured')};
     CREATE DYNAMIC TABLE bench_capture_reader TARGET_LAG = '1 day' AS
       SELECT o_orderstatus, count(*) AS n FROM bench_orders_captured GROUP BY o_orderstatus`,
  );
  const insert = (table: string) =>
    `INSERT INTO ${table} SELECT * FROM orders WHERE o_orderkey < ${KEY_OFFSET} ORDER BY o_orderkey LIMIT ${n}`;
  const run = async (table: string) => (await timed(() => engine.execute(insert(table)))).ms;
  if (capturedFirst) {
    const captured = await run('bench_orders_captured');
    return { plain: await run('bench_orders_plain'), captured };
  }
  const plain = await run('bench_orders_plain');
  return { plain, captured: await run('bench_orders_captured') };
}

export async function captureOverhead(engine: Engine, n: number, keyed: boolean): Promise<Overhead> {
  const rounds: Overhead[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await oneRound(engine, n, keyed, i % 2 === 1));
  await engine.execute(
    'DROP DYNAMIC TABLE bench_capture_reader; DROP TABLE bench_orders_plain; DROP TABLE bench_orders_captured',
  );
  return { plain: median(rounds.map((r) => r.plain)), captured: median(rounds.map((r) => r.captured)) };
}
