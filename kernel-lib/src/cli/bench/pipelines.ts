/**
 * The seeds' seven pipelines in the bench: read verbatim (or with every target lag set to one value), each
 * with a REFRESH_MODE = FULL twin (`<name>__full`) reading the same sources, and a round that refreshes each
 * pipeline and its twin after a change, so the ratio compares the same work on the same data.
 */
import { readFileSync } from 'node:fs';
import type { ResultColumn, Value } from '../../backends/backend.js';
import type { Engine } from '../../engine/engine.js';
import { type CreateDynamicTable, parseStatement } from '../../sql/ddl.js';
import { splitStatements } from '../../sql/split.js';
import { repoFile } from '../paths.js';
import { ms, ratio, timed } from './measure.js';
import { profileReport, type Tracer } from './profile.js';

const PIPELINES = repoFile('data/pipelines/seed_pipelines.sql');
/** New orders get keys above every dbgen key (dbgen's sparse keys stay below 4 × 1.5 M × SF × 8). */
export const KEY_OFFSET = 2_000_000_000;

export interface Pipeline {
  name: string;
  twin: string;
}

/** The seeds' pipelines (with `lag`, every TARGET_LAG set to it) and a FULL twin of each. */
export function pipelineScripts(lag?: string): { script: string; pipelines: Pipeline[]; twins: string } {
  const original = readFileSync(PIPELINES, 'utf8');
  const script = lag ? original.replace(/^(TARGET_)?LAG\s*=\s*'[^']*'/gim, `LAG = '${lag}'`) : original;
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

/** Refreshes each pipeline and its twin; one row per pipeline. */
export async function refreshRound(
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

export const ROUND_COLUMNS: ResultColumn[] = [
  { name: 'pipeline', type: 'varchar' },
  { name: 'action', type: 'varchar' },
  { name: 'changes_read', type: 'integer' },
  { name: 'full_ms', type: 'double' },
  { name: 'incremental_ms', type: 'double' },
  { name: 'full/incremental', type: 'varchar' },
];

/** Copies `n` existing orders (and their line items) under new keys, in one captured transaction. */
export function batchInsert(n: number, round: number): string[] {
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
