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
import { DtError, InterruptedError, messageOf, throwIfInterrupted } from '../errors.js';
import { Scheduler } from '../schedule/scheduler.js';
import { TPCH_END } from '../tpch/load.js';
import type { OrderSimulator } from '../tpch/simulator.js';
import { runDtCommand } from './commands.js';
import { clockInterrupted, type MagicProgress, type RunControl } from './interrupt.js';
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
  /** `%dt clock run`'s steps stop with it. */
  private runAbort: AbortController | undefined;
  /** One per cell running or queued: `interrupt()` aborts them. */
  private readonly pending = new Set<AbortController>();

  constructor(private readonly options: MagicSessionOptions) {
    this.clock = new ManualClock(options.start ?? TPCH_END);
  }

  /**
   * Runs a cell: its output bundles, or null when the cell is not a magic (the kernel's business). Cells run
   * in the order of the calls (JupyterLab's Run All starts every cell at once). Aborting `control.signal` (or
   * `interrupt()`) stops a long command between two units of work with a DT_ERR_INTERRUPTED saying how far it
   * got; a cell still queued then does not start. `control.onProgress` hears how a long command is going.
   */
  run(cell: string, control: RunControl = {}): Promise<OutputBundle[] | null> {
    const commands = parseCell(cell); // syntax errors throw at once, without waiting for the queue
    if (commands === null) return Promise.resolve(null);
    const own = new AbortController();
    const outer = control.signal;
    const forward = () => own.abort();
    if (outer?.aborted) own.abort();
    else outer?.addEventListener('abort', forward, { once: true });
    this.pending.add(own);
    const { signal } = own;
    return this.serialized(async () => {
      if (signal.aborted) throw new InterruptedError('not run: interrupted before it started', true);
      const started = performance.now();
      const out: OutputBundle[] = [];
      this.current = cell;
      try {
        for (const [i, command] of commands.entries()) {
          throwIfInterrupted(
            signal,
            () => `interrupted after ${i} of the cell's ${commands.length} commands`,
          );
          out.push(...(await this.execute(command, cell, { ...control, signal })));
        }
      } finally {
        this.current = undefined;
        this.timings.push({ cell: cell.trim().split('\n')[0] ?? '', ms: performance.now() - started });
      }
      return out;
    }).finally(() => {
      this.pending.delete(own);
      outer?.removeEventListener('abort', forward);
    });
  }

  /** Interrupts every cell running or queued now (see `run`) and pauses `%dt clock run`. */
  interrupt(): void {
    for (const c of this.pending) c.abort();
    this.stopRunning();
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

  /**
   * Moves the clock by `ms`, writing simulated orders and running the scheduler on the way. Reports progress
   * after each refresh and simulator step; once `control.signal` is aborted it stops after the clock instant
   * (or simulator step) under way and throws a DT_ERR_INTERRUPTED saying how far it got.
   */
  async advance(ms: number, control: RunControl & { step?: string; expected?: number } = {}): Promise<void> {
    const { scheduler } = await this.connect();
    const { signal, onProgress } = control;
    const from = this.clock.now();
    let refreshes = 0;
    const progress = (): Extract<MagicProgress, { kind: 'clock' }> => ({
      kind: 'clock',
      refreshes,
      expected: control.expected ?? 0,
      clock: this.clock.now(),
      from,
      to: from + ms,
    });
    const counting = scheduler.events$.subscribe((e) => {
      if (e.type !== 'refresh') return;
      refreshes++;
      onProgress?.(progress());
    });
    try {
      let left = ms;
      while (left > 0) {
        const step = this.simulator ? Math.min(left, SIM_STEP_MS) : left;
        // Lag samples wait for the refreshes of the next steps (schedule/lag-buffer.ts), written below if left.
        if (!(await scheduler.advance(step, signal, { keepLagSamples: true }))) break;
        // The orders of the step are written at its end (one transaction); the next step's refreshes read them.
        if (this.simulator) await this.simulator.tick();
        left -= step;
        onProgress?.(progress());
        if (signal?.aborted) break;
      }
      if (this.clock.now() < from + ms)
        throw new InterruptedError(clockInterrupted(control.step ?? `+${ms / 1000}s`, progress()));
    } finally {
      counting.unsubscribe();
      // The move's lag samples no refresh took along: written once, not after every step.
      await scheduler.engine.flushLagSamples();
    }
  }

  /** `%dt clock run xN`: steps the clock N× faster than real time until paused. */
  startRunning(factor: number): void {
    this.stopRunning();
    this.runFactor = factor;
    const stepMs = this.options.stepMs ?? 250;
    const abort = new AbortController();
    this.runAbort = abort;
    let busy = false;
    this.runTimer = setInterval(() => {
      if (busy || abort.signal.aborted) return; // a slow step delays the next one instead of piling up
      busy = true;
      void this.serialized(() =>
        abort.signal.aborted ? Promise.resolve() : this.advance(stepMs * factor, { signal: abort.signal }),
      )
        .catch(() => undefined) // a pause mid-step ends it early (InterruptedError); failures show as events
        .finally(() => {
          busy = false;
        });
    }, stepMs);
  }

  /** Pauses `%dt clock run`: no further steps, and the one under way stops after its current instant. */
  stopRunning(): void {
    if (this.runTimer !== undefined) clearInterval(this.runTimer);
    this.runAbort?.abort();
    this.runAbort = undefined;
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

  private async execute(command: MagicCommand, cell: string, control: RunControl): Promise<OutputBundle[]> {
    if (command.kind === 'sql') {
      const { engine } = await this.connect();
      // Interruptible while a statement runs (engine/interrupted.ts), not only between commands.
      const results = await engine
        .execute(command.sql, control.signal ? { signal: control.signal } : {})
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
        .execute(command.ddl, control.signal ? { signal: control.signal } : {})
        .catch((e: unknown) => Promise.reject(moveError(e, cell, command.toCell)));
      const dt = (await engine.listDynamicTables()).find((d) => d.name === command.statement.name);
      const how = dt ? `\nrefresh mode ${dt.effectiveMode}: ${dt.refreshModeReason}` : '';
      return [textBundle(`${result?.message ?? ''}${how}`)];
    }
    try {
      return await runDtCommand(this, command, cell, control);
    } catch (e) {
      if (e instanceof DtError) throw e;
      throw new DtError('DT_ERR_INTERNAL', `line ${command.line}: ${messageOf(e)}`, { cause: e });
    }
  }
}
