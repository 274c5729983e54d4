/**
 * `dtlab bench quality --sf SF [--db DB]`: how fast a full evaluation of the system data metric functions
 * runs on lineitem. Loads TPC-H at SF (unless that load is there already), then measures lineitem ROUNDS
 * times (median) with two sets of associations:
 * 1. every system function once (13, each on a column it takes: the issue's "full evaluation");
 * 2. every single-column system function but the distinct counts and ACCEPTED_VALUES on
 *    every column whose type it takes (about 80 metrics).
 * It prints rows of lineitem per second of evaluation for each (the one-scan design: quality/evaluate.ts).
 */
import { describeColumns } from '../../catalog/catalog.js';
import type { Engine } from '../../engine/engine.js';
import { SYSTEM_METRICS, typeClass } from '../../quality/metrics.js';
import { loadTpch, tpchInfo } from '../../tpch/load.js';
import { median } from './measure.js';

const ROUNDS = 3;

/** Each system function once on lineitem. */
export const EACH_ONCE = [
  'NULL_COUNT ON (l_comment)',
  'NULL_PERCENT ON (l_shipdate)',
  'BLANK_COUNT ON (l_comment)',
  'BLANK_PERCENT ON (l_shipmode)',
  'DUPLICATE_COUNT ON (l_orderkey, l_linenumber)',
  'UNIQUE_COUNT ON (l_shipmode)',
  'ROW_COUNT ON ()',
  'FRESHNESS ON (l_shipdate)',
  "ACCEPTED_VALUES ON (l_returnflag, l_returnflag -> l_returnflag IN ('R', 'A', 'N'))",
  'AVG ON (l_extendedprice)',
  'MIN ON (l_quantity)',
  'MAX ON (l_discount)',
  'STDDEV ON (l_extendedprice)',
];

/** Every single-scan system function on every lineitem column it takes, beyond EACH_ONCE. */
export async function everyColumn(engine: Engine): Promise<string[]> {
  const cols = await describeColumns(engine.backend, engine.backend.family, 'lineitem');
  const uses: string[] = [];
  for (const c of cols)
    for (const [name, m] of Object.entries(SYSTEM_METRICS))
      if (m.columns !== 0 && !m.lambda && !m.distinct && m.types.includes(typeClass(c.type))) {
        const use = `${name} ON (${c.name})`;
        if (!EACH_ONCE.includes(use)) uses.push(use);
      }
  return uses;
}

const alter = (uses: string[]) =>
  `ALTER TABLE lineitem ADD ${uses.map((u) => `DATA METRIC FUNCTION SNOWFLAKE.CORE.${u}`).join(',\n  ')}`;

async function measure(engine: Engine, label: string, out: (s: string) => void): Promise<void> {
  const times: number[] = [];
  let rows = 0;
  let metrics = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const ev = await engine.quality.measure('lineitem');
    rows = ev.rows ?? 0;
    metrics = ev.metrics.length;
    times.push(ev.elapsedMs);
  }
  const ms = median(times);
  out(
    `quality bench (${engine.backend.family}): ${label}: ${metrics} metrics on lineitem, ${rows} rows, median of ${ROUNDS} ${(ms / 1000).toFixed(2)} s = ${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`,
  );
}

export async function benchQuality(engine: Engine, sf: number, out: (s: string) => void): Promise<void> {
  // lineitem is all it reads: a load at this SF with keys serves, whatever its update sets or date shift.
  const info = await tpchInfo(engine.backend);
  const status =
    info?.sf === sf && info.keys === 'primary'
      ? 'unchanged'
      : (await loadTpch(engine.backend, { sf, keys: 'primary' })).status;
  out(`TPC-H SF ${sf}: ${status}`);
  // The bench's own associations, from scratch (a persistent database keeps them between runs).
  await engine.backend.query("DELETE FROM dtlab.dmf_associations WHERE table_name = 'lineitem'");
  await engine.execute(alter(EACH_ONCE));
  await measure(engine, 'each system function once', out);
  await engine.execute(alter(await everyColumn(engine)));
  await measure(engine, 'every single-scan system function on every column it takes', out);
}
