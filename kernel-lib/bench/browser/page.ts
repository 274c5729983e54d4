/**
 * The browser benchmark page: loads TPC-H into DuckDB-WASM in a dedicated worker and meanwhile measures how
 * responsive the main thread stays (gaps between 16 ms interval ticks and between animation frames, plus
 * long tasks). The result is shown on the page and published as `window.benchResult` / `window.benchDone`.
 *
 * Query parameters: `sf` (default 0.1); `thread=main` runs the same job on the main thread instead, as a
 * control that shows what the measurement reports when the page is blocked; `autostart=0` waits for the button.
 */
import type { BenchResult, StartMessage, WorkerMessage } from './protocol.js';

declare global {
  interface Window {
    benchResult?: BenchResult;
    benchDone?: Promise<BenchResult>;
  }
}

const params = new URLSearchParams(location.search);
const SF = Number(params.get('sf') ?? '0.1');
const THREAD: 'worker' | 'main' = params.get('thread') === 'main' ? 'main' : 'worker';
const TICK_MS = 16;

/** The slice of `Worker` the page uses, so the control run can stand in for one. */
interface JobPort {
  onmessage: ((event: MessageEvent<WorkerMessage>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  postMessage(message: StartMessage): void;
  terminate(): void;
}

function startJob(): JobPort {
  if (THREAD === 'worker') {
    return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'tpch-load' });
  }
  const port: JobPort = {
    onmessage: null,
    onerror: null,
    postMessage(start) {
      void import('./job.js').then(({ runJob }) =>
        runJob(start, (data) => port.onmessage?.(new MessageEvent('message', { data }))),
      );
    },
    terminate() {},
  };
  return port;
}

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

const bar = element<HTMLProgressElement>('progress');
const status = element<HTMLElement>('status');
const stats = element<HTMLElement>('stats');
const button = element<HTMLButtonElement>('start');
const summary = element<HTMLElement>('summary');
if (THREAD === 'main')
  element<HTMLElement>('title').textContent = 'TPC-H load into DuckDB-WASM (CONTROL: main thread)';

/** Records gaps between successive calls of `tick`, and when the largest ended and what was going on. */
class GapRecorder {
  private last = performance.now();
  readonly gaps: number[] = [];
  maxAt = 0;
  maxDuring = '';

  constructor(private readonly phase: () => string) {}

  tick(now = performance.now()): void {
    const gap = now - this.last;
    if (gap > this.max) {
      this.maxAt = now;
      this.maxDuring = this.phase();
    }
    this.gaps.push(gap);
    this.last = now;
  }

  reset(now = performance.now()): void {
    this.gaps.length = 0;
    this.last = now;
  }

  get max(): number {
    let max = 0;
    for (const g of this.gaps) if (g > max) max = g;
    return max;
  }

  percentile(p: number): number {
    if (this.gaps.length === 0) return 0;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function run(): Promise<BenchResult> {
  const result: BenchResult = {
    ok: false,
    thread: THREAD,
    sf: SF,
    openMs: 0,
    loadMs: 0,
    rows: 0,
    tables: {},
    ticks: 0,
    maxGapMs: 0,
    p99GapMs: 0,
    frames: 0,
    maxFrameGapMs: 0,
    p99FrameGapMs: 0,
    maxGapAtMs: 0,
    maxGapDuring: '',
    longTasks: 0,
    longTaskList: [],
    timeline: [],
  };
  button.disabled = true;
  bar.value = 0;
  summary.textContent = '';
  status.textContent = `starting DuckDB-WASM (load on the ${THREAD === 'worker' ? 'worker' : 'MAIN thread'})…`;

  let phase = 'opening';
  let loadStart = 0;
  const ticks = new GapRecorder(() => phase);
  const frames = new GapRecorder(() => phase);
  let measuring = false;
  const longTaskList: { startMs: number; ms: number }[] = [];
  const interval = setInterval(() => {
    if (measuring) ticks.tick();
  }, TICK_MS);
  let raf = 0;
  const frame = (now: number) => {
    if (measuring) frames.tick(now);
    raf = requestAnimationFrame(frame);
  };
  raf = requestAnimationFrame(frame);
  let observer: PerformanceObserver | undefined;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (measuring) longTaskList.push({ startMs: e.startTime - loadStart, ms: e.duration });
      }
    });
    observer.observe({ type: 'longtask', buffered: false });
  } catch {
    observer = undefined; // Long-task timing is Chromium-only; the gaps are what matter.
  }

  const showStats = () => {
    stats.textContent =
      `main thread: ${ticks.gaps.length} ticks, max gap ${fmt(ticks.max)} ms, p99 ${fmt(ticks.percentile(99))} ms; ` +
      `${frames.gaps.length} frames, max frame gap ${fmt(frames.max)} ms; long tasks ${longTaskList.length}`;
  };

  const worker = startJob();
  return new Promise<BenchResult>((resolve) => {
    const finish = (error?: string) => {
      measuring = false;
      clearInterval(interval);
      cancelAnimationFrame(raf);
      observer?.disconnect();
      worker.terminate();
      Object.assign(result, {
        ok: error === undefined,
        ticks: ticks.gaps.length,
        maxGapMs: ticks.max,
        p99GapMs: ticks.percentile(99),
        frames: frames.gaps.length,
        maxFrameGapMs: frames.max,
        p99FrameGapMs: frames.percentile(99),
        maxGapAtMs: ticks.maxAt - loadStart,
        maxGapDuring: ticks.maxDuring,
        longTasks: longTaskList.length,
        longTaskList,
      });
      if (error !== undefined) result.error = error;
      showStats();
      button.disabled = false;
      window.benchResult = result;
      resolve(result);
    };
    worker.onerror = (e) => finish(`worker failed: ${e.message}`);
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      switch (m.type) {
        case 'opened':
          result.openMs = m.ms;
          status.textContent = `${m.description} ready in ${fmt(m.ms, 0)} ms; generating and loading SF ${SF}…`;
          // Measure from here: the load is what must not disturb the page.
          loadStart = performance.now();
          ticks.reset(loadStart);
          frames.reset(loadStart);
          measuring = true;
          break;
        case 'progress':
          phase = m.table;
          result.timeline.push({ atMs: performance.now() - loadStart, table: m.table, rows: m.rows });
          bar.value = m.rows / m.total;
          status.textContent = `loading ${m.table}: ${int(m.rows)} / ${int(m.total)} rows`;
          showStats();
          break;
        case 'loaded':
          measuring = false;
          phase = 'verifying';
          bar.value = 1;
          result.loadMs = m.ms;
          result.rows = m.rows;
          result.tables = m.tables;
          status.textContent = `loaded ${int(m.rows)} rows in ${fmt(m.ms / 1000, 2)} s; verifying…`;
          break;
        case 'verified': {
          result.counts = m.counts;
          const ok = m.counts.lineitem === 600_572 && m.counts.orders === 150_000;
          const checks = SF === 0.1 ? (ok ? ' (as expected)' : ' (UNEXPECTED)') : '';
          status.textContent = `done: lineitem=${int(m.counts.lineitem)}, orders=${int(m.counts.orders)}${checks}`;
          summary.textContent =
            `SF ${SF}: ${int(result.rows)} rows in ${fmt(result.loadMs / 1000, 2)} s ` +
            `(${int(result.rows / (result.loadMs / 1000))} rows/s), DuckDB open ${fmt(result.openMs, 0)} ms`;
          finish();
          break;
        }
        case 'error':
          status.textContent = `failed: ${m.message}`;
          finish(m.message);
          break;
      }
    };
    const base = new URL('/duckdb/', location.href);
    const start: StartMessage = {
      type: 'start',
      sf: SF,
      mainModule: new URL('duckdb-eh.wasm', base).href,
      mainWorker: new URL('duckdb-browser-eh.worker.js', base).href,
    };
    worker.postMessage(start);
  });
}

button.addEventListener('click', () => {
  window.benchDone = run();
});
if (params.get('autostart') !== '0') window.benchDone = run();
