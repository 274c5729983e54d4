/**
 * The order simulator: a stream of realistic TPC-H activity for lessons — new orders with line items, status
 * changes, price corrections and cancellations — at a rate measured on the engine's clock, written through
 * the engine. Optional fault injection (null or unknown customers, duplicate order keys, negative prices)
 * for the data-quality lessons; every injected fault is counted so a lesson can show exactly what it did.
 *
 * New orders are dbgen rows (a random order of the loaded scale factor, with its line items) given a fresh
 * key and today's date on the engine clock, so their distributions match the loaded data.
 */
import { type Observable, Subject } from 'rxjs';
import type { Value } from '../backends/backend.js';
import type { WriteItem } from '../engine/bulk.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { DATE_STRINGS } from './gen/calendar.js';
import { generateOrdersWithLineitems, rowCount } from './gen/index.js';
import { tpchInfo } from './load.js';
import { tickStatements } from './simulator-sql.js';

export type EventKind = 'newOrder' | 'statusChange' | 'correction' | 'cancellation';
export type FaultKind = 'nullCustomer' | 'duplicateKey' | 'negativePrice' | 'unknownCustomer';

export interface SimulatorOptions {
  /** Events per second of engine-clock time. */
  rate: number;
  /** Relative weights of the event kinds (default 70/15/10/5). */
  mix?: Partial<Record<EventKind, number>>;
  /** Probability, per new order, of each fault (default none). */
  faults?: Partial<Record<FaultKind, number>>;
  /** Seed of the simulator's random numbers: the same seed and clock give the same writes. */
  seed?: number;
  /** Upper bound of events written by one tick; the rest wait for the next tick. */
  maxEventsPerTick?: number;
}

export interface SimulatorCounts {
  events: Record<EventKind, number>;
  lineitems: number;
  faults: Record<FaultKind, number>;
}

export interface SimulatorTick {
  at: number;
  events: number;
  counts: SimulatorCounts;
}

const DEFAULT_MIX: Record<EventKind, number> = {
  newOrder: 70,
  statusChange: 15,
  correction: 10,
  cancellation: 5,
};
const DAY_MS = 86_400_000;

/** A small seeded PRNG (mulberry32): deterministic scenarios, no global state. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const zeroCounts = (): SimulatorCounts => ({
  events: { newOrder: 0, statusChange: 0, correction: 0, cancellation: 0 },
  lineitems: 0,
  faults: { nullCustomer: 0, duplicateKey: 0, negativePrice: 0, unknownCustomer: 0 },
});

/** Days since 1970-01-01 of a date as generated (a table lookup for TPC-H's calendar), or as parsed. */
const GENERATED_DAYS = new Map(DATE_STRINGS.map((d, i) => [d, Date.UTC(1992, 0, 1) / DAY_MS + i]));
const dayNumber = (date: string) =>
  GENERATED_DAYS.get(date) ?? Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export class OrderSimulator {
  private readonly ticks = new Subject<SimulatorTick>();
  /** One value per tick that wrote something. */
  readonly ticks$: Observable<SimulatorTick> = this.ticks.asObservable();
  readonly counts = zeroCounts();
  private readonly rand: () => number;
  private readonly mix: [EventKind, number][];
  private lastTick: number;
  private carry = 0;
  private paused = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly engine: Engine,
    private readonly options: SimulatorOptions,
    private readonly sf: number,
    private nextKey: number,
    private readonly customers: number,
    /** Orders the simulator may update or cancel: the newest existing ones and those it created. */
    private readonly open: number[],
  ) {
    this.rand = random(options.seed ?? 1);
    const weights = { ...DEFAULT_MIX, ...options.mix };
    const sum = Object.values(weights).reduce((a, b) => a + b, 0);
    this.mix = (Object.entries(weights) as [EventKind, number][]).map(([k, w]) => [k, w / sum]);
    this.lastTick = engine.clock.now();
  }

  static async create(engine: Engine, options: SimulatorOptions): Promise<OrderSimulator> {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) {
      throw new DtError(
        'DT_ERR_USAGE',
        `the simulator rate must be a positive number of events per second, got ${options.rate}`,
      );
    }
    for (const [fault, p] of Object.entries(options.faults ?? {})) {
      if (!(p >= 0 && p <= 1))
        throw new DtError('DT_ERR_USAGE', `fault probability ${fault} must be between 0 and 1, got ${p}`);
    }
    const info = await tpchInfo(engine.backend);
    if (!info)
      throw new DtError(
        'DT_ERR_UNKNOWN_OBJECT',
        'the order simulator needs TPC-H data: run dtlab tpch load first',
      );
    if ((options.faults?.duplicateKey ?? 0) > 0 && info.keys === 'primary') {
      throw new DtError('DT_ERR_USAGE', 'duplicate order keys cannot be injected: orders has a primary key', {
        hint: 'load with dtlab tpch load --keys none for the data-quality lessons',
      });
    }
    const max = await engine.backend.query('SELECT max(o_orderkey) FROM orders');
    const customers = await engine.backend.query('SELECT count(*) FROM customer');
    const recent = await engine.backend.query(
      "SELECT o_orderkey FROM orders WHERE o_orderstatus = 'O' ORDER BY o_orderkey DESC LIMIT 2000",
    );
    return new OrderSimulator(
      engine,
      options,
      info.sf,
      Number(max.rows[0]?.[0] ?? 0) + 1,
      Number(customers.rows[0]?.[0] ?? 0),
      recent.rows.map((r) => Number(r[0])),
    );
  }

  /** Writes the events due since the last tick (engine clock) in one transaction. */
  async tick(): Promise<SimulatorTick> {
    const now = this.engine.clock.now();
    const elapsed = Math.max(0, now - this.lastTick);
    this.lastTick = now;
    if (this.paused) return { at: now, events: 0, counts: this.counts };
    this.carry += (elapsed / 1000) * this.options.rate;
    const due = Math.min(Math.floor(this.carry), this.options.maxEventsPerTick ?? 10_000);
    this.carry -= due;
    if (due === 0) return { at: now, events: 0, counts: this.counts };
    const { statements, counts } = this.plan(due, now);
    // Nobody reads the counts: on DuckDB the tick's statements go with its COMMIT (engine/writes.ts).
    await this.engine.write(statements, { counted: false });
    this.merge(counts);
    const tick = { at: now, events: due, counts: this.counts };
    this.ticks.next(tick);
    return tick;
  }

  /** Ticks every `intervalMs` of wall time until stopped (ticks never overlap). */
  start(intervalMs = 250): void {
    if (this.timer) return;
    this.lastTick = this.engine.clock.now();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick()).catch((e) => this.ticks.error(e));
    }, intervalMs);
  }

  /** Time passes but nothing is written; resume() continues from then, without a burst. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.lastTick = this.engine.clock.now();
    this.carry = 0;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.ticks.complete();
  }

  private pick(): EventKind {
    let r = this.rand();
    for (const [kind, p] of this.mix) {
      r -= p;
      if (r < 0) return kind;
    }
    return 'newOrder';
  }

  private chance(fault: FaultKind): boolean {
    const p = this.options.faults?.[fault] ?? 0;
    return p > 0 && this.rand() < p;
  }

  /** Pure with respect to the database: decides the events and their SQL. */
  private plan(count: number, now: number): { statements: WriteItem[]; counts: SimulatorCounts } {
    const counts = zeroCounts();
    const orders: Value[][] = [];
    const lineitems: Value[][] = [];
    /** Per kind of event, the orders it hits (corrections: their factors in turn). */
    const corrections = new Map<number, string[]>();
    // Sets: an order may be open twice (a duplicate-key fault), and a key listed twice in IN makes DuckDB
    // update its row twice, which its primary key refuses.
    const finished = new Set<number>();
    const cancelled = new Set<number>();
    /** Orders this tick inserts. */
    const created = new Set<number>();
    const todayNumber = Math.floor(now / DAY_MS);
    const today = dateOf(todayNumber);
    // The tick's dates, each formatted once: every line item's dates fall within days of today.
    const dates = new Map<number, string>();
    const dateAt = (day: number) => {
      const known = dates.get(day);
      if (known !== undefined) return known;
      const date = dateOf(day);
      dates.set(day, date);
      return date;
    };
    for (let i = 0; i < count; i++) {
      let kind = this.pick();
      if (kind !== 'newOrder' && this.open.length === 0) kind = 'newOrder';
      counts.events[kind]++;
      if (kind === 'newOrder') {
        const template = 1 + Math.floor(this.rand() * rowCount('orders', this.sf));
        const { order, lineitems: lines } = generateOrdersWithLineitems(this.sf, {
          start: template,
          count: 1,
        }).next().value as { order: Value[]; lineitems: Value[][] };
        const row = [...order];
        const orderDay = dayNumber(row[4] as string);
        let key = this.nextKey++;
        if (this.chance('duplicateKey') && this.open.length > 0) {
          key = this.open[Math.floor(this.rand() * this.open.length)] as number;
          counts.faults.duplicateKey++;
        }
        row[0] = key;
        row[2] = 'O';
        row[4] = today;
        if (this.chance('nullCustomer')) {
          row[1] = null;
          counts.faults.nullCustomer++;
        } else if (this.chance('unknownCustomer')) {
          row[1] = this.customers + 1_000_000 + Math.floor(this.rand() * 1000);
          counts.faults.unknownCustomer++;
        }
        if (this.chance('negativePrice')) {
          row[3] = -Math.abs(row[3] as number);
          counts.faults.negativePrice++;
        }
        orders.push(row);
        created.add(key);
        for (const l of lines) {
          const li = [...l];
          li[0] = key;
          li[8] = 'N';
          li[9] = 'O';
          for (const d of [10, 11, 12]) li[d] = dateAt(todayNumber + dayNumber(li[d] as string) - orderDay);
          lineitems.push(li);
        }
        counts.lineitems += lines.length;
        this.open.push(key);
      } else {
        const at = Math.floor(this.rand() * this.open.length);
        const key = this.open[at] as number;
        if (kind === 'statusChange') {
          finished.add(key);
          this.open.splice(at, 1);
        } else if (kind === 'correction') {
          const factor = (0.9 + this.rand() * 0.2).toFixed(4);
          corrections.set(key, [...(corrections.get(key) ?? []), factor]);
        } else {
          cancelled.add(key);
          this.open.splice(at, 1);
        }
      }
    }
    const statements = tickStatements({ orders, lineitems, corrections, finished, cancelled, created });
    return { statements, counts };
  }

  private merge(c: SimulatorCounts): void {
    for (const k of Object.keys(c.events) as EventKind[]) this.counts.events[k] += c.events[k];
    for (const k of Object.keys(c.faults) as FaultKind[]) this.counts.faults[k] += c.faults[k];
    this.counts.lineitems += c.lineitems;
  }
}
