/**
 * `dtlab bench quality` measures lineitem wherever TPC-H at its SF is loaded with keys: a database that
 * `dtlab bench refresh` (or `%dt load tpch`) loaded with another number of update sets serves as it is,
 * instead of being refused with "not 10 update sets".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchQuality } from '../src/cli/bench/quality.js';
import { Engine } from '../src/engine/engine.js';
import { loadTpch } from '../src/tpch/load.js';
import { freshBackend } from './helpers/backends.js';

describe('bench quality on an existing load', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open(await freshBackend('duckdb'));
    await loadTpch(engine.backend, { sf: 0.01, keys: 'primary', updates: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('uses a load with one update set and measures both sets of metrics', async () => {
    const lines: string[] = [];
    await benchQuality(engine, 0.01, (s) => lines.push(s));
    expect(lines[0]).toBe('TPC-H SF 0.01: unchanged');
    expect(lines.filter((l) => /metrics on lineitem, 60175 rows, .* rows\/s$/.test(l))).toHaveLength(2);
  }, 120_000);
});
