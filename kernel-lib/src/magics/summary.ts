/**
 * What a `%dt clock` step did, in words: the scheduled refreshes that ran in it per DT (by action, with the
 * source rows they read and their credits), and what the warehouses were billed; and what the order simulator
 * wrote. Pure: the callers read the history, the metering table and the scheduler's open runs.
 */
import type { WarehouseRun } from '../schedule/warehouse.js';
import type { SimulatorCounts } from '../tpch/simulator.js';
import type { RefreshRecord } from '../types.js';

const n = (x: number) => x.toLocaleString('en-US');
const credits = (x: number) => `${Math.round(x * 1e4) / 1e4} credits`;

/**
 * "240 scheduled refreshes ran: a 120 (INCREMENTAL 118, NO_DATA 2; 3,512 source rows read, 0.0001 credits); …".
 * Only SCHEDULED refreshes count: CREATE's and manual refreshes ran before the step, not in it.
 */
export function refreshSummary(records: readonly RefreshRecord[]): string {
  const per = new Map<string, { counts: Map<string, number>; read: number; credits: number }>();
  const scheduled = records.filter((r) => r.refreshTrigger === 'SCHEDULED');
  for (const r of scheduled) {
    const d = per.get(r.name) ?? { counts: new Map<string, number>(), read: 0, credits: 0 };
    const key = r.state === 'SUCCEEDED' ? (r.refreshAction ?? r.state) : r.state;
    d.counts.set(key, (d.counts.get(key) ?? 0) + 1);
    d.read += r.rowsRead;
    d.credits += r.creditsUsed;
    per.set(r.name, d);
  }
  if (per.size === 0) return 'no refresh was due';
  const parts = [...per].map(([name, d]) => {
    const total = [...d.counts.values()].reduce((a, b) => a + b, 0);
    const kinds = [...d.counts].map(([k, c]) => `${k} ${c}`).join(', ');
    return `${name} ${total} (${kinds}; ${n(d.read)} source rows read, ${credits(d.credits)})`;
  });
  return `${scheduled.length} scheduled refreshes ran: ${parts.join('; ')}`;
}

/**
 * "warehouse full_wh: up 3,510 s since it resumed, busy 131 s of it, billed 0.975 credits": per warehouse, its
 * runs that ended in the step (`dtlab.warehouse_metering_history`) and the one still up (billed as of now).
 * A run counts from its resume, which may be before the step.
 */
export function billSummary(runs: readonly Omit<WarehouseRun, 'size'>[]): string {
  if (runs.length === 0) return 'no warehouse ran (NO_DATA refreshes need none)';
  const per = new Map<string, { busy: number; up: number; credits: number; runs: number }>();
  for (const r of runs) {
    const d = per.get(r.warehouse) ?? { busy: 0, up: 0, credits: 0, runs: 0 };
    d.busy += r.busyMs / 1000;
    d.up += (r.endMs - r.startMs) / 1000;
    d.credits += r.credits;
    d.runs++;
    per.set(r.warehouse, d);
  }
  return [...per]
    .map(([w, d]) => {
      const since = d.runs === 1 ? 'since it resumed' : `in ${d.runs} runs`;
      return `warehouse ${w}: up ${n(Math.round(d.up))} s ${since}, busy ${n(Math.round(d.busy))} s of it, billed ${credits(d.credits)}`;
    })
    .join('\n');
}

const EVENT_WORDS: Record<keyof SimulatorCounts['events'], string> = {
  newOrder: 'new orders',
  statusChange: 'status changes',
  correction: 'price corrections',
  cancellation: 'cancellations',
};

/** "simulation stopped after 7,200 events: 5,040 new orders (20,160 line items), 1,080 status changes, …". */
export function simulatorSummary(c: SimulatorCounts): string {
  const total = Object.values(c.events).reduce((a, b) => a + b, 0);
  const parts = (Object.keys(EVENT_WORDS) as (keyof SimulatorCounts['events'])[]).map((k) =>
    k === 'newOrder'
      ? `${n(c.events[k])} ${EVENT_WORDS[k]} (${n(c.lineitems)} line items)`
      : `${n(c.events[k])} ${EVENT_WORDS[k]}`,
  );
  const faults = Object.entries(c.faults).filter(([, v]) => v > 0);
  const faultText = faults.length ? `; faults: ${faults.map(([k, v]) => `${k} ${n(v)}`).join(', ')}` : '';
  return `simulation stopped after ${n(total)} events: ${parts.join(', ')}${faultText}`;
}

const VERBS: Record<string, string> = {
  INSERT: 'inserted',
  UPDATE: 'updated',
  DELETE: 'deleted',
  MERGE: 'merged',
  COPY: 'copied',
};

/**
 * What a statement without a result set did, for `%%sql`: "15,000 rows inserted", "CREATE TABLE done".
 * `sql` is the statement as written (a leading WITH is skipped to find the verb).
 */
export function statementStatus(sql: string, rowCount: number): string {
  const words = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => w.toUpperCase());
  const verb = words.find((w) => w in VERBS);
  if (verb && (words[0] === verb || words[0] === 'WITH'))
    return `${n(rowCount)} row${rowCount === 1 ? '' : 's'} ${VERBS[verb]}`;
  const head = words.slice(0, words[1] && /^[A-Z]+$/.test(words[1]) ? 2 : 1).join(' ');
  return `${head.replace(/[;(].*$/, '')} done`;
}
