/** Messages between the benchmark page and its load worker. */

/** Page → worker: start a load. URLs are absolute (the worker's base URL differs from the page's). */
export interface StartMessage {
  type: 'start';
  sf: number;
  mainModule: string;
  mainWorker: string;
}

export interface VerifyCounts {
  lineitem: number;
  orders: number;
}

/** Worker → page. */
export type WorkerMessage =
  | { type: 'opened'; ms: number; description: string }
  | { type: 'progress'; table: string; rows: number; total: number }
  | { type: 'loaded'; ms: number; rows: number; tables: Record<string, number> }
  | { type: 'verified'; counts: VerifyCounts; ms: number }
  | { type: 'error'; message: string };

/** What the page publishes as `window.benchResult` once the run is over. */
export interface BenchResult {
  ok: boolean;
  /** Where the load ran: 'worker' (the benchmark) or 'main' (the control run that blocks the page). */
  thread: 'worker' | 'main';
  error?: string;
  sf: number;
  openMs: number;
  /** Generation + load, as timed by `loadTpch`. */
  loadMs: number;
  rows: number;
  tables: Record<string, number>;
  counts?: VerifyCounts;
  /** Main-thread responsiveness while the worker loads: gaps between 16 ms interval ticks. */
  ticks: number;
  maxGapMs: number;
  p99GapMs: number;
  /** When the largest gap ended (ms after the load started) and which table was loading then. */
  maxGapAtMs: number;
  maxGapDuring: string;
  /** The same for requestAnimationFrame callbacks (frames may be paced by the compositor). */
  frames: number;
  maxFrameGapMs: number;
  p99FrameGapMs: number;
  /** Long tasks (> 50 ms) the browser saw on the main thread during the load. */
  longTasks: number;
  /** Their durations and start times (ms after the load started). */
  longTaskList: { startMs: number; ms: number }[];
  /** When each progress message arrived (ms after the load started). */
  timeline: { atMs: number; table: string; rows: number }[];
}
