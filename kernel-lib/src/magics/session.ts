/**
 * A magic session: one engine, its scheduler and a clock, driven by notebook cells. Runtime-independent: the
 * runtime (browser page, kernel, test) supplies how a database is opened and renders the bundles returned.
 *
 * Time is a ManualClock the session moves: `%dt clock +6h` simulates six hours at once (the scheduler runs
 * every cycle on the way, the order simulator writes the orders of each step); `%dt clock run x60` moves it
 * 60× faster than real time in small steps until `%dt clock pause`. Stepping a manual clock, rather than
 * switching to an accelerated one, keeps the engine's clock one object and a scenario reproducible.
 *
 * Cells run one at a time (a queue): a cell run while a refresh is in flight waits for it, never interleaves.
 */

import type { Notifier } from '../alerts/incidents.js';
import type { Backend, ResultColumn, Value } from '../backends/backend.js';
import { formatTimestamp } from '../backends/backend.js';
import { ManualClock } from '../clock.js';
import { type OutputBundle, tableBundle, textBundle } from '../display/bundle.js';
import { Engine } from '../engine/engine.js';
import { DtError, messageOf } from '../errors.js';
import { Scheduler } from '../schedule/scheduler.js';
import { TPCH_END } from '../tpch/load.js';
import type { OrderSimulator } from '../tpch/simulator.js';
import { runDtCommand } from './commands.js';
import { type MagicCommand, moveError, parseCell } from './parse.js';
import { statementStatus } from './summary.js';

export interface MagicSessionOptions {
  /** Opens the database `%dt connect SPEC` names (and `defaultSpec` on first use). */
  open: (spec: string) => Promise<Backend>;
  /** The database used until `%dt connect`: duckdb in the browser, pglite in a kernel. */
  defaultSpec: string;
  /**
   * Where the session clock starts (default: where TPC-H's order dates end, so CURRENT_DATE filters see the
   * loaded data and simulated orders follow on from it).
   */
  start?: number;
  /** Real ms between steps of `%dt clock run` (default 250). */
  stepMs?: number;
  /** Called after each new connection is open (the browser runtime marks "DuckDB ready" with it). */
  onConnected?: (connection: Connection) => void;
  /** Where incidents notify (default: delivery's outbox); tests pass a recording one. */
  notifier?: (backend: Backend) => Notifier;
}

export interface Connection {
  spec: string;
  engine: Engine;
  scheduler: Scheduler;
}

/** Largest clock step while the order simulator runs, so orders arrive spread over the interval. */
const SIM_STEP_MS = 60_000;

export class MagicSession {
  readonly clock: ManualClock;
  /** Result sets kept by `%%sql --save NAME`. */
  readonly saved = new Map<string, { columns: ResultColumn[]; rows: Value[][] }>();
  /** How long each magic cell took to execute (not counting its wait in the queue), in order. */
  readonly timings: { cell: string; ms: number }[] = [];
  simulator: OrderSimulator | undefined;
  /** The cell running now (not queued), for a progress display. */
  current: string | undefined;
  private connection: Connection | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private runTimer: ReturnType<typeof setInterval> | undefined;
  private runFactor = 0;

  constructor(private readonly options: MagicSessionOptions) {
    this.clock = new ManualClock(options.start ?? TPCH_END);
  }

  /**
   * Runs a cell: its output bundles, or null when the cell is not a magic (the kernel's business). Cells run
   * in the order of the calls (JupyterLab's Run All starts every cell at once).
   */
  run(cell: string): Promise<OutputBundle[] | null> {
    const commands = parseCell(cell); // syntax errors throw at once, without waiting for the queue
    if (commands === null) return Promise.resolve(null);
    return this.serialized(async () => {
      const started = performance.now();
      const out: OutputBundle[] = [];
      this.current = cell;
      try {
        for (const command of commands) out.push(...(await this.execute(command, cell)));
      } finally {
        this.current = undefined;
        this.timings.push({ cell: cell.trim().split('\n')[0] ?? '', ms: performance.now() - started });
      }
      return out;
    });
  }

  /** The current connection, opening the default database on first use. */
  async connect(spec?: string): Promise<Connection> {
    if (this.connection && (spec === undefined || spec === this.connection.spec)) return this.connection;
    const target = spec ?? this.options.defaultSpec;
    const backend = await this.options.open(target); // a failure leaves the previous connection in place
    const notifier = this.options.notifier?.(backend);
    const engine = await Engine.open(backend, { clock: this.clock, ...(notifier ? { notifier } : {}) });
    await this.disconnect();
    this.connection = { spec: target, engine, scheduler: new Scheduler(engine) };
    this.options.onConnected?.(this.connection);
    return this.connection;
  }

  get connected(): Connection | undefined {
    return this.connection;
  }

  get running(): number {
    return this.runFactor;
  }

  async close(): Promise<void> {
    await this.serialized(() => this.disconnect());
  }

  /** Moves the clock by `ms`, writing simulated orders and running the scheduler on the way. */
  async advance(ms: number): Promise<void> {
    const { scheduler } = await this.connect();
    let left = ms;
    while (left > 0) {
      const step = this.simulator ? Math.min(left, SIM_STEP_MS) : left;
      await scheduler.advance(step);
      // The orders of the step are written at its end; the next step's refreshes pick them up.
      if (this.simulator) await this.simulator.tick();
      left -= step;
    }
  }

  /** `%dt clock run xN`: steps the clock N× faster than real time until paused. */
  startRunning(factor: number): void {
    this.stopRunning();
    this.runFactor = factor;
    const stepMs = this.options.stepMs ?? 250;
    let busy = false;
    this.runTimer = setInterval(() => {
      if (busy) return; // a slow step delays the next one instead of piling up
      busy = true;
      void this.serialized(() => this.advance(stepMs * factor)).finally(() => {
        busy = false;
      });
    }, stepMs);
  }

  stopRunning(): void {
    if (this.runTimer !== undefined) clearInterval(this.runTimer);
    this.runTimer = undefined;
    this.runFactor = 0;
  }

  clockText(): string {
    const mode = this.runFactor > 0 ? `running ×${this.runFactor}` : 'paused (move it with %dt clock +1h)';
    return `clock ${formatTimestamp(this.clock.now()).slice(0, 19)} UTC, ${mode}`;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async disconnect(): Promise<void> {
    this.stopRunning();
    const old = this.connection;
    this.connection = undefined;
    if (this.simulator) await this.simulator.stop();
    this.simulator = undefined;
    if (old) await old.engine.close();
  }

  private async execute(command: MagicCommand, cell: string): Promise<OutputBundle[]> {
    if (command.kind === 'sql') {
      const { engine } = await this.connect();
      const results = await engine
        .execute(command.sql)
        .catch((e: unknown) => Promise.reject(moveError(e, cell, (o) => o + command.offset)));
      const last = results.at(-1);
      if (command.save && last) this.saved.set(command.save, { columns: last.columns, rows: last.rows });
      const out = results.map((r) =>
        r.message !== undefined
          ? textBundle(r.message)
          : r.columns.length === 0
            ? textBundle(statementStatus(r.sql, r.rowCount))
            : tableBundle(r),
      );
      if (command.save) out.push(textBundle(`saved the last result as ${command.save}`));
      return out;
    }
    if (command.kind === 'dynamic_table') {
      const { engine } = await this.connect();
      const [result] = await engine
        .execute(command.ddl)
        .catch((e: unknown) => Promise.reject(moveError(e, cell, command.toCell)));
      const dt = (await engine.listDynamicTables()).find((d) => d.name === command.statement.name);
      const how = dt ? `\nrefresh mode ${dt.effectiveMode}: ${dt.refreshModeReason}` : '';
      return [textBundle(`${result?.message ?? ''}${how}`)];
    }
    try {
      return await runDtCommand(this, command, cell);
    } catch (e) {
      if (e instanceof DtError) throw e;
      throw new DtError('DT_ERR_INTERNAL', `line ${command.line}: ${messageOf(e)}`, { cause: e });
    }
  }
}
