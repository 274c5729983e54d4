/** The dtlab CLI, run as a user runs it: through its bin, as a child process, on the embedded default. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError, HELP, main, sized } from '../src/cli/main.js';
import { DtError } from '../src/errors.js';

const run = promisify(execFile);
const BIN = new URL('../bin/dtlab.js', import.meta.url).pathname;

/** Runs main() in-process, capturing output. */
async function dtlab(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('dtlab CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dtlab-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('documents every command and statement in --help', async () => {
    const r = await dtlab('--help');
    expect(r.code).toBe(0);
    for (const word of [
      'dtlab sql',
      'dtlab demo',
      'dtlab bench refresh',
      'dtlab-kernel install',
      '--db',
      'CREATE [OR REPLACE] DYNAMIC TABLE',
      'ALTER DYNAMIC TABLE',
      'DROP DYNAMIC TABLE',
      'SHOW DYNAMIC TABLES',
      'DESCRIBE DYNAMIC TABLE',
      'EXPLAIN REFRESH',
      'CREATE [OR REPLACE] WAREHOUSE',
    ]) {
      expect(r.out).toContain(word);
    }
    expect(HELP).toBe(r.out);
  });

  it('prints result sets as aligned tables', async () => {
    const r = await dtlab(
      'sql',
      '--db',
      'duckdb',
      '-c',
      "SELECT 1 AS n, 'abc' AS s UNION ALL SELECT 22, NULL ORDER BY n",
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        '+----+------+',
        '| n  | s    |',
        '+----+------+',
        '|  1 | abc  |',
        '| 22 | NULL |',
        '+----+------+',
        '2 rows',
      ].join('\n'),
    );
  });

  it('prints errors with line:column and a caret, and exits non-zero', async () => {
    const r = await dtlab('sql', '--db', 'pglite', '-c', 'SELECT 1;\nSELECT a FROM\n  nosuch');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'error DT_ERR_QUERY at line 3, column 3: relation "nosuch" does not exist\n3 |   nosuch\n      ^',
    );
  });

  it('refuses bad usage with exit status 2', async () => {
    expect((await dtlab('sql', '-c', 'SELECT 1', '-f', 'x.sql')).code).toBe(2);
    expect((await dtlab('frobnicate')).code).toBe(2);
    expect((await dtlab('sql', '--bogus')).code).toBe(2);
    expect((await dtlab('sql', '--db', 'oracle', '-c', 'SELECT 1')).err).toMatch(/unknown database 'oracle'/);
    // A DuckDB file would silently lose its data (DuckDB-WASM in Node): refused, and the process exits.
    const file = await dtlab('sql', '--db', `duckdb:${dir}/x.duckdb`, '-c', 'SELECT 1');
    expect(file.code).toBe(1);
    expect(file.err).toMatch(/DT_ERR_BACKEND: cannot open duckdb:.*a DuckDB database file is not supported/);
  });

  it('keeps dynamic tables across restarts on a persistent PGlite (through the real bin)', async () => {
    const db = `pglite:${dir}/pg`;
    await run('node', [
      BIN,
      'sql',
      '--db',
      db,
      '-c',
      "CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2); CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' AS SELECT sum(a) AS s FROM t",
    ]);
    const { stdout } = await run('node', [
      BIN,
      'sql',
      '--db',
      db,
      '-c',
      "SHOW DYNAMIC TABLES LIKE 'd'; SELECT s FROM d",
    ]);
    expect(stdout).toMatch(/\| d +\| 1 hour +\| INCREMENTAL/);
    expect(stdout).toMatch(/\| 3 \|/);
    const failed = await run('node', [BIN, 'sql', '--db', db, '-c', 'DROP DYNAMIC TABLE nope']).catch(
      (e) => e,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/DT_ERR_UNKNOWN_OBJECT.*nope does not exist/);
  });

  it('bench refresh reports every section with figures (tiny scale on DuckDB, through the real bin)', async () => {
    // The bundled bin: the bench reads the seeds' pipelines and Scenario A from the repository (cli/paths.ts).
    const { stdout, stderr } = await run(
      'node',
      [BIN, 'bench', 'refresh', '--db', 'duckdb', '--sf', '0.01', '--batch', '100', '--minutes', '2'],
      { maxBuffer: 1 << 24 },
    );
    const r = { out: stdout, err: stderr };
    expect(r.err).toBe('');
    const num = String.raw`\d+(\.\d+)?`;
    // Latencies: NO_DATA and 1-row refreshes of the linear DT and customer_ltv, with times.
    for (const dt of ['order_analytics_incremental', 'customer_ltv_incremental']) {
      // The median and minimum after the warm-up, and the warm-up's median.
      expect(r.out).toMatch(
        new RegExp(`nothing changed \\| ${dt} +\\| NO_DATA +\\| +${num} \\| +${num} \\| +${num}`),
      );
      expect(r.out).toMatch(
        new RegExp(`1 row inserted +\\| ${dt} +\\| INCREMENTAL +\\| +${num} \\| +${num} \\| +${num}`),
      );
    }
    expect(r.out).toContain('medians of 31 refreshes after 9 whose median is the last column');
    // Lesson time: both lessons ran refreshes and simulated events.
    expect(r.out).toMatch(
      /Scenario A \(2 DTs, simulator at rate 2\): [\d.]+ ms for [1-9]\d* refreshes and 240 simulated/,
    );
    expect(r.out).toMatch(
      /seven seed pipelines \(1-minute lags, simulator at rate 10\): [\d.]+ ms for [1-9]\d* refreshes and 1200 simulated/,
    );
    // Full ÷ incremental after the RF pair and after the batch, per incremental pipeline.
    const rounds = r.out.split(/after a batch of 100 new orders/);
    expect(rounds).toHaveLength(2);
    for (const round of rounds)
      for (const p of ['order_analytics_incremental', 'customer_ltv_incremental', 'daily_order_base'])
        expect(round).toMatch(
          new RegExp(`${p} +\\| INCREMENTAL +\\| +[1-9]\\d* \\| +${num} \\| +${num} \\| ${num}×`),
        );
    // The incremental pipeline with a CURRENT_DATE - 30 filter times a table that holds rows.
    expect(r.out).toMatch(/order_analytics_incremental holds [1-9]\d* days/);
    // Capture overhead, bare and keyed; the load average with the figures.
    expect(r.out).toMatch(
      /into a bare copy of orders: without capture [\d.]+ ms, with capture [\d.]+ ms \([\d.]+×\)/,
    );
    expect(r.out).toMatch(
      /into a copy with orders' primary key: without capture [\d.]+ ms, with capture [\d.]+ ms/,
    );
    expect(r.out.match(/load average [\d.]+ \(1 min\)/g)?.length).toBeGreaterThanOrEqual(5);
  }, 600_000);

  it('opens DuckDB compressed for TPC-H from SF 0.1, unless --uncompressed (bench refresh)', () => {
    expect(sized('0.01')).toEqual({ compressed: false });
    expect(sized('0.1')).toEqual({ compressed: true });
    expect(sized('1', true)).toEqual({ compressed: false });
    expect(HELP).toMatch(
      /bench refresh --sf SF \[--db DB\] \[--batch N\] \[--minutes M\] \[--uncompressed\]/,
    );
    expect(HELP).toMatch(/--uncompressed DuckDB, bench refresh: keep the tables uncompressed/);
  });

  it('formats errors without a position too', () => {
    expect(formatError(new DtError('DT_ERR_EXISTS', 'x exists', { hint: 'use OR REPLACE' }))).toBe(
      'error DT_ERR_EXISTS: x exists\nhint: use OR REPLACE',
    );
  });
});
