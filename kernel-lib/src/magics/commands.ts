/** What each `%dt` subcommand does with the session's engine; returns the bundles the notebook shows. */
import { quoteIdent, type ResultColumn, type Value } from '../backends/backend.js';
import {
  escapeHtml,
  type JsonValue,
  MIME,
  type OutputBundle,
  tableBundle,
  textBundle,
} from '../display/bundle.js';
import { dagBundle, dagModel, timestampMs } from '../display/graph.js';
import { historyBundle, type LagPoint, lagBundle } from '../display/history.js';
import { qualityBundle } from '../display/quality.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { qualityView } from '../quality/report.js';
import { loadTpch } from '../tpch/load.js';
import { OrderSimulator } from '../tpch/simulator.js';
import type { RefreshRecord } from '../types.js';
import { longestStep, MAX_REFRESHES_PER_STEP, refreshesInStep } from './bounds.js';
import type { DtCommand } from './dt-line.js';
import type { MagicSession } from './session.js';
import { magicError } from './words.js';

/** Runs one `%dt` command; `cell` is the cell it came from (errors point into it). */
export async function runDtCommand(
  session: MagicSession,
  command: DtCommand,
  cell = '',
): Promise<OutputBundle[]> {
  switch (command.kind) {
    case 'connect': {
      const c = await session.connect(command.spec);
      return [textBundle(`connected to ${c.engine.backend.description ?? c.spec}`)];
    }
    case 'clock_show':
      return [textBundle(session.clockText())];
    case 'clock_pause':
      session.stopRunning();
      return [textBundle(session.clockText())];
    case 'clock_run':
      await session.connect();
      session.startRunning(command.factor);
      return [textBundle(session.clockText())];
    case 'clock_advance': {
      const before = session.clock.now();
      const { engine } = await session.connect();
      const dts = await engine.listDynamicTables();
      const refreshes = refreshesInStep(command.ms, dts);
      if (refreshes > MAX_REFRESHES_PER_STEP)
        throw magicError(
          cell,
          command.at,
          `%dt clock ${command.text} would run about ${refreshes} refreshes (at most ${MAX_REFRESHES_PER_STEP} per step): use a shorter step such as ${longestStep(dts)}, several times`,
          'DT_ERR_OPTION',
        );
      await session.advance(command.ms);
      const records = (await engine.history()).filter((r) => timestampMs(r.refreshStartTime) >= before);
      return [textBundle(`${session.clockText()}\n${refreshSummary(records)}`)];
    }
    case 'simulate_stop': {
      const sim = session.simulator;
      if (!sim) return [textBundle('no simulation is running')];
      await sim.stop();
      session.simulator = undefined;
      return [
        textBundle(
          `simulation stopped: ${JSON.stringify(sim.counts.events)}; faults injected: ${JSON.stringify(sim.counts.faults)}`,
        ),
      ];
    }
    default:
      break;
  }
  const { engine } = await session.connect();
  switch (command.kind) {
    case 'load_tpch': {
      const r = await loadTpch(engine.backend, {
        sf: command.sf,
        keys: command.keys,
        replace: command.replace,
      });
      if (r.status === 'unchanged')
        return [textBundle(`TPC-H SF ${r.info.sf} is already loaded (use --replace to load it again)`)];
      const rows: Value[][] = Object.entries(r.rows).map(([t, n]) => [t, n]);
      return [
        tableBundle(
          {
            columns: [
              { name: 'table', type: 'varchar' },
              { name: 'rows', type: 'bigint' },
            ],
            rows,
          },
          `TPC-H SF ${command.sf} loaded in ${Math.round(r.ms)} ms`,
        ),
      ];
    }
    case 'show': {
      const like = command.like === undefined ? '' : ` LIKE '${command.like.replace(/'/g, "''")}'`;
      const [result] = await engine.execute(`SHOW DYNAMIC TABLES${like}`);
      return result ? [tableBundle(result)] : [];
    }
    case 'graph':
      return [dagBundle(dagModel(await engine.listDynamicTables(), engine.clock.now()))];
    case 'history':
      return [
        historyBundle((await engine.history(command.name)).slice(0, command.limit), {
          name: command.name ?? null,
          limit: command.limit,
        }),
      ];
    case 'refresh':
      return [historyBundle([await engine.refresh(command.name)])];
    case 'verify': {
      const v = await engine.verify(command.name);
      if (v.equal) return [textBundle(`${command.name} equals its query: verified`)];
      return [
        textBundle(`${command.name} differs from its query ('+' only in the table, '-' only in the query):`),
        tableBundle(v),
      ];
    }
    case 'lag':
      return [lagBundle(await lagPoints(engine, command.names), command.names)];
    case 'simulate': {
      if (session.simulator)
        throw new DtError('DT_ERR_USAGE', 'a simulation is already running: %dt simulate stop first');
      session.simulator = await OrderSimulator.create(engine, {
        rate: command.rate,
        seed: command.seed,
        ...(command.faults ? { faults: command.faults } : {}),
      });
      const faults = Object.entries(command.faults ?? {}).map(([k, p]) => `${k} ${p}`);
      return [
        textBundle(
          `simulating ${command.rate} order events per clock second${faults.length ? ` with faults (${faults.join(', ')} per new order)` : ''}; they arrive as the clock moves (%dt clock +1h or run x60)`,
        ),
      ];
    }
    case 'compare':
      return [await compare(engine, command.a, command.b)];
    case 'quality':
      if (command.evaluate && command.name) await engine.quality.measure(command.name);
      return [qualityBundle(await qualityView(engine.backend, command.name))];
    default:
      throw new DtError('DT_ERR_INTERNAL', `unhandled %dt command ${(command as DtCommand).kind}`);
  }
}

async function lagPoints(engine: Engine, names: string[]): Promise<LagPoint[]> {
  const where = names.length ? `WHERE name IN (${names.map((_, i) => `$${i + 1}`).join(', ')})` : '';
  const { rows } = await engine.backend.query(
    `SELECT name, CAST(sample_time AS VARCHAR), kind, lag_s, target_lag_s FROM dtlab.lag_samples ${where}
      ORDER BY sample_time, name`,
    names,
  );
  return rows.map((r) => ({
    name: String(r[0]),
    sampleTime: String(r[1]),
    kind: String(r[2]),
    lagSeconds: r[3] === null ? null : Number(r[3]),
    targetLagSeconds: r[4] === null ? null : Number(r[4]),
  }));
}

interface Totals {
  refreshes: number;
  incremental: number;
  full: number;
  rowsChanged: number;
  changesRead: number;
  executionMs: number;
  credits: number;
}

function totals(records: RefreshRecord[]): Totals {
  const ok = records.filter((r) => r.state === 'SUCCEEDED');
  const sum = (f: (r: RefreshRecord) => number) => ok.reduce((a, r) => a + f(r), 0);
  return {
    refreshes: ok.length,
    incremental: ok.filter((r) => r.refreshAction === 'INCREMENTAL').length,
    full: ok.filter((r) => r.refreshAction === 'FULL' || r.refreshAction === 'REINITIALIZE').length,
    rowsChanged: sum((r) => r.rowsInserted + r.rowsDeleted),
    changesRead: sum((r) => Object.values(r.changesRead).reduce((a, b) => a + b, 0)),
    executionMs: Math.round(sum((r) => r.executionMs) * 10) / 10,
    credits: Math.round(sum((r) => r.creditsUsed) * 1e6) / 1e6,
  };
}

/** Two DTs side by side: same contents (EXCEPT ALL both ways), and the work their refreshes did. */
async function compare(engine: Engine, a: string, b: string): Promise<OutputBundle> {
  const dts = await engine.listDynamicTables();
  for (const name of [a, b])
    if (!dts.some((d) => d.name === name))
      throw new DtError('DT_ERR_UNKNOWN_OBJECT', `dynamic table ${name} does not exist`);
  const [qa, qb] = [quoteIdent(a), quoteIdent(b)];
  const diff = await engine.backend.query(
    `SELECT count(*) FROM ((SELECT * FROM ${qa} EXCEPT ALL SELECT * FROM ${qb})
       UNION ALL (SELECT * FROM ${qb} EXCEPT ALL SELECT * FROM ${qa})) d`,
  );
  const differing = Number(diff.rows[0]?.[0] ?? 0);
  const [ta, tb] = [totals(await engine.history(a)), totals(await engine.history(b))];
  const metrics = Object.keys(ta) as (keyof Totals)[];
  const columns: ResultColumn[] = [
    { name: 'metric', type: 'varchar' },
    { name: a, type: 'double' },
    { name: b, type: 'double' },
  ];
  const table = tableBundle({ columns, rows: metrics.map((m) => [m, ta[m], tb[m]]) });
  const verdict = differing === 0 ? 'contents equal' : `contents differ in ${differing} rows`;
  return {
    data: {
      [MIME.compare]: {
        a,
        b,
        equal: differing === 0,
        differingRows: differing,
        totals: { [a]: { ...ta }, [b]: { ...tb } },
      } as JsonValue,
      'text/plain': `${a} vs ${b}: ${verdict}\n${table.data['text/plain']}`,
      'text/html': `<p>${escapeHtml(`${a} vs ${b}: ${verdict}`)}</p>${table.data['text/html']}`,
    },
    metadata: {},
  };
}

/** "12 refreshes: a 6 (INCREMENTAL 3, NO_DATA 3), b 1 (FULL 1)": what a clock move did, per DT. */
export function refreshSummary(records: RefreshRecord[]): string {
  const per = new Map<string, Map<string, number>>();
  for (const r of records) {
    const counts = per.get(r.name) ?? new Map<string, number>();
    const key = r.state === 'SUCCEEDED' ? (r.refreshAction ?? r.state) : r.state;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    per.set(r.name, counts);
  }
  if (per.size === 0) return 'no refresh was due';
  const parts = [...per].map(([name, counts]) => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return `${name} ${total} (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')})`;
  });
  return `${records.length} refreshes ran: ${parts.join('; ')}`;
}
