/** What each `%dt` subcommand does with the session's engine; returns the bundles the notebook shows. */
import type { Value } from '../backends/backend.js';
import { type OutputBundle, tableBundle, textBundle } from '../display/bundle.js';
import { dagBundle, dagModel } from '../display/graph.js';
import { historyBundle, type LagPoint, lagBundle } from '../display/history.js';
import { qualityBundle } from '../display/quality.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { checkExercise, impactBundle } from '../exercises/magic.js';
import { qualityView } from '../quality/report.js';
import { readRunsSince } from '../schedule/record.js';
import { loadTpch } from '../tpch/load.js';
import { OrderSimulator } from '../tpch/simulator.js';
import { adviseCommand, calcBundle } from './advise.js';
import { runAlertCommand } from './alert-commands.js';
import { longestStep, MAX_REFRESHES_PER_STEP, refreshesInStep } from './bounds.js';
import { compare } from './compare.js';
import type { DtCommand } from './dt-line.js';
import type { RunControl } from './interrupt.js';
import { quarantineCommand } from './quarantine.js';
import type { MagicSession } from './session.js';
import { billSummary, refreshSummary, simulatorSummary } from './summary.js';
import { magicError } from './words.js';

/**
 * Runs one `%dt` command; `cell` is the cell it came from (errors point into it). The long ones (a clock step,
 * a TPC-H load) report progress to `control` and stop when its signal is aborted (magics/interrupt.ts).
 */
export async function runDtCommand(
  session: MagicSession,
  command: DtCommand,
  cell = '',
  control: RunControl = {},
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
      const { engine, scheduler } = await session.connect();
      const dts = await engine.listDynamicTables();
      // Alert runs are steps of the clock too (alerts/service.ts).
      const refreshes =
        refreshesInStep(command.ms, dts) +
        (await engine.alerts.runsInStep(command.ms, MAX_REFRESHES_PER_STEP));
      if (refreshes > MAX_REFRESHES_PER_STEP)
        throw magicError(
          cell,
          command.at,
          `%dt clock ${command.text} would run about ${refreshes} refreshes (at most ${MAX_REFRESHES_PER_STEP} per step): use a shorter step such as ${longestStep(dts)}, several times`,
          'DT_ERR_OPTION',
        );
      const lastId = (await engine.history())[0]?.refreshId ?? 0;
      await session.advance(command.ms, { ...control, step: command.text, expected: refreshes });
      const records = (await engine.history()).filter((r) => r.refreshId > lastId);
      const runs = [...(await readRunsSince(engine.backend, before)), ...scheduler.openRuns()];
      return [textBundle(`${session.clockText()}\n${refreshSummary(records)}\n${billSummary(runs)}`)];
    }
    case 'calc':
      return [calcBundle(command.input)]; // magics/advise.ts
    case 'simulate_stop': {
      const sim = session.simulator;
      if (!sim) return [textBundle('no simulation is running')];
      await sim.stop();
      session.simulator = undefined;
      return [textBundle(simulatorSummary(sim.counts))];
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
        ...(control.signal ? { signal: control.signal } : {}),
        onProgress: (p) =>
          control.onProgress?.({ kind: 'load', table: p.table, rows: p.rows, total: p.total }),
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
    case 'history': {
      const all = await engine.history(command.name);
      return [
        historyBundle(all.slice(0, command.limit), {
          name: command.name ?? null,
          limit: command.limit,
          total: all.length,
        }),
      ];
    }
    case 'refresh':
      return [
        historyBundle([
          await engine.refresh(command.name, 'MANUAL', control.signal ? { signal: control.signal } : {}),
        ]),
      ];
    case 'verify': {
      const v = await engine.verify(command.name);
      // IMMUTABLE WHERE: only the mutable region is compared (refresh/verify.ts).
      const frozen =
        v.immutableRows === undefined
          ? ''
          : ` outside its immutable region (${v.immutableRows} rows there, kept as they were, not compared)`;
      if (v.equal) return [textBundle(`${command.name} equals its query${frozen}: verified`)];
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
    case 'check':
      return [await checkExercise(engine, command.exercise)];
    case 'impact':
      return [impactBundle(await engine.listDynamicTables(), command.table, command.column)];
    case 'alert_template':
    case 'alert_preview':
    case 'alerts_list':
    case 'alerts_ack':
    case 'alerts_resolve':
    case 'alerts_show':
      return runAlertCommand(engine, command, cell); // magics/alert-commands.ts
    case 'quarantine':
    case 'quarantine_review':
      return quarantineCommand(engine, command, cell);
    case 'quality':
      if (command.evaluate && command.name) await engine.quality.measure(command.name);
      return [qualityBundle(await qualityView(engine.backend, command.name))];
    case 'advise':
      return [await adviseCommand(engine, (await session.connect()).scheduler.openRuns(), command.names)];
    default:
      throw new DtError('DT_ERR_INTERNAL', `unhandled %dt command ${(command as DtCommand).kind}`);
  }
}

/** Lag samples of `names` (none: every DT), oldest first. */
export async function lagPoints(engine: Engine, names: string[]): Promise<LagPoint[]> {
  await engine.flushLagSamples();
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
