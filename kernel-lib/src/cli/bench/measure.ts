/** Timing helpers of `dtlab bench`: wall-clock milliseconds, medians, ratios, the load average. */
import { loadavg } from 'node:os';
import { TPCH_END } from '../../tpch/load.js';

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export const ms = (n: number) => Math.round(n * 10) / 10;
export const ratio = (full: number, incr: number) => (incr > 0 ? `${(full / incr).toFixed(1)}×` : '—');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** "load average 1.23 (1 min)": how busy the machine was while the figures were taken. */
export const loadAverage = () => `load average ${loadavg()[0]?.toFixed(2)} (1 min)`;

/** Where the bench's clock starts: where TPC-H's order dates end (tpch/load.ts). */
export { TPCH_END };
