/**
 * The DT Lab (TypeScript) kernel, run the way Jupyter runs it: its kernelspec is installed into a temporary
 * Jupyter path, and nbclient (from .venv, the project's pinned Python side) starts it and executes notebooks
 * cell by cell (test/kernel/run_notebook.py). Scenario A runs against the kernel's default PGlite and against
 * a fresh database on the PostgreSQL server; a generated notebook checks the failure paths and that TypeScript
 * cells share the magics' session. Needs `npm run build` (the kernelspec starts kernel-lib/bin/dtlab-kernel.js
 * on dist/) and the README's setup (.venv).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgConfig } from '../src/backends/postgres.js';
import { MIME } from '../src/display/bundle.js';
import type { DagModel } from '../src/display/graph.js';
import { installKernelSpec, KERNEL_NAME } from '../src/kernel/install.js';
import type { RefreshRecord } from '../src/types.js';
import { TEST_PG_URL } from './helpers/backends.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const python = path.join(root, '.venv/bin/python');
const driver = path.join(root, 'kernel-lib/test/kernel/run_notebook.py');
const scenarioA = path.join(root, 'notebooks/scenario-a.ipynb');

interface Output {
  type: 'display_data' | 'stream' | 'error' | 'execute_result';
  mimes: string[];
  data: Record<string, unknown>;
  text: string;
  ename?: string;
  evalue?: string;
}
interface CellRun {
  index: number;
  source: string;
  ms: number;
  execution_count: number | null;
  outputs: Output[];
}
interface NotebookRun {
  kernel_ready_s: number;
  first_result_s: number;
  cells: CellRun[];
  updates: Record<string, number>;
}

let jupyterPath: string;

beforeAll(() => {
  for (const f of [python, path.join(root, 'kernel-lib/dist/kernel/cli.js')])
    if (!existsSync(f)) throw new Error(`${f} is missing: run the README's setup (bash scripts/setup.sh)`);
  jupyterPath = mkdtempSync(path.join(tmpdir(), 'dtlab-kernelspec-'));
  installKernelSpec(jupyterPath);
});
afterAll(() => rmSync(jupyterPath, { recursive: true, force: true }));

function runNotebook(notebook: string, env: Record<string, string> = {}): Promise<NotebookRun> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [driver, notebook, KERNEL_NAME, '240'],
      {
        cwd: path.dirname(notebook),
        env: { ...process.env, JUPYTER_PATH: path.join(jupyterPath, 'share/jupyter'), ...env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as NotebookRun);
      },
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function report(label: string, run: NotebookRun): void {
  const magic = run.cells.filter((c) => !c.source.startsWith('%dt load tpch')).map((c) => c.ms);
  console.log(
    `kernel ${label}: ready ${run.kernel_ready_s.toFixed(2)} s, first result ${run.first_result_s.toFixed(2)} s; ` +
      `cells ${run.cells.map((c) => `${c.source.split('\n')[0]} ${Math.round(c.ms)} ms`).join('; ')}; ` +
      `median magic cell (without the TPC-H load) ${median(magic).toFixed(1)} ms`,
  );
}

function bundles<T>(run: NotebookRun, mime: string): T[] {
  return run.cells.flatMap((c) => c.outputs.flatMap((o) => (o.data[mime] ? [o.data[mime] as T] : [])));
}

/** Every cell of Scenario A ran, without error, and its outputs are the widgets' MIME bundles. */
function checkScenarioA(run: NotebookRun): void {
  const code = run.cells;
  const notebook = JSON.parse(readFileSync(scenarioA, 'utf8')) as { cells: { cell_type: string }[] };
  expect(code.length).toBe(notebook.cells.filter((c) => c.cell_type === 'code').length);
  expect(code.length).toBeGreaterThan(5);
  for (const c of code) {
    expect(c.outputs.filter((o) => o.type === 'error').map((o) => o.text)).toEqual([]);
    expect(c.outputs.length).toBeGreaterThan(0);
    expect(c.execution_count).toBe(code.indexOf(c) + 1);
    // Every bundle carries the text/plain fallback.
    for (const o of c.outputs) if (o.type === 'display_data') expect(o.mimes).toContain('text/plain');
  }
  const dags = bundles<DagModel>(run, MIME.dag);
  expect(dags).toHaveLength(1);
  const dtNodes = dags[0]?.nodes.filter((n) => n.kind === 'DYNAMIC TABLE').map((n) => n.id);
  expect(dtNodes?.sort()).toEqual(['daily_revenue_full', 'daily_revenue_inc', 'order_analytics_incremental']);
  expect(dags[0]?.edges).toContainEqual({ from: 'orders', to: 'daily_revenue_inc' });

  const history = bundles<{ records: RefreshRecord[] }>(run, MIME.history).flatMap((h) => h.records);
  const actions = new Set(history.map((r) => r.refreshAction));
  expect(actions).toContain('INCREMENTAL');
  expect(actions).toContain('FULL');

  const lag = bundles<{ points: unknown[] }>(run, MIME.lag);
  expect(lag).toHaveLength(1);
  expect(lag[0]?.points.length).toBeGreaterThan(10);

  // Two comparisons (after the hour, after the orders doubled): same contents, and incremental did less
  // work and cost less, in figures and in words.
  const compare = bundles<{ equal: boolean; words: string[] }>(run, MIME.compare);
  expect(compare).toHaveLength(2);
  for (const c of compare) {
    expect(c.equal).toBe(true);
    expect(c.words.join(' ')).toContain('daily_revenue_inc did less work');
    expect(c.words.join(' ')).toContain('daily_revenue_inc cost less');
  }
  expect(bundles(run, MIME.table).length).toBeGreaterThanOrEqual(3);

  // Live DAG: the graph cell's display was updated (update_display_data) by the refreshes of later cells,
  // so the output nbclient kept shows each DT at the data timestamp of its last refresh (the manual ones in
  // the `%dt simulate stop` cell), not the one it had when it was drawn, an hour of lesson time earlier.
  expect(Object.values(run.updates).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  const stopCell = code.find((c) => c.source.startsWith('%dt simulate stop'));
  const manual = (stopCell?.outputs ?? []).flatMap((o) =>
    o.data[MIME.history] ? (o.data[MIME.history] as { records: RefreshRecord[] }).records : [],
  );
  expect(manual.map((r) => r.name).sort()).toEqual(['daily_revenue_full', 'daily_revenue_inc']);
  for (const r of manual) {
    const node = dags[0]?.nodes.find((n) => n.id === r.name);
    expect(r.dataTimestamp).not.toBeNull();
    expect(node?.dataTimestamp).toBe(r.dataTimestamp);
  }
  // Live history: the last `%dt history daily_revenue_full`, shown before the manual refresh, has it on top now.
  const fullHistory = code.findLast((c) => c.source.trim().startsWith('%dt history daily_revenue_full'));
  const shown = fullHistory?.outputs[0]?.data[MIME.history] as { records: RefreshRecord[] } | undefined;
  const manualFull = manual.find((r) => r.name === 'daily_revenue_full');
  expect(shown?.records[0]?.refreshId).toBe(manualFull?.refreshId);
  expect(shown?.records[0]?.refreshTrigger).toBe('MANUAL');
}

describe('DT Lab kernel (tslab) runs Scenario A', () => {
  it('on PGlite, the default', { timeout: 300_000 }, async () => {
    const run = await runNotebook(scenarioA, { DTLAB_KERNEL_DB: '' });
    report('PGlite', run);
    checkScenarioA(run);
  });

  it('on a fresh database of the PostgreSQL server', { timeout: 300_000 }, async () => {
    const name = `dtlab_kernel_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client(pgConfig(TEST_PG_URL));
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(TEST_PG_URL);
      url.pathname = `/${name}`;
      const run = await runNotebook(scenarioA, { DTLAB_KERNEL_DB: url.toString() });
      report('PostgreSQL', run);
      checkScenarioA(run);
      // The kernel really worked in that database: the DTs are there, and equal to their query.
      const db = new pg.Client(pgConfig(url.toString()));
      await db.connect();
      try {
        const { rows } = await db.query(
          `SELECT (SELECT count(*) FROM daily_revenue_inc) AS inc, (SELECT count(DISTINCT o_orderdate) FROM orders) AS dates`,
        );
        expect(Number(rows[0].inc)).toBeGreaterThan(2000);
        expect(Number(rows[0].inc)).toBe(Number(rows[0].dates));
      } finally {
        await db.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});

describe('DT Lab kernel failure paths and TypeScript cells', () => {
  const cells = [
    '%dt show',
    "%%dynamic_tabel t_dt TARGET_LAG = '1 minute'\nSELECT 1 AS x",
    '%%sql\nCREATE TABLE t (a INT);\nINSERT INTO t VALUES (1), (2), (3);\nSELECT * FROM\n  no_such_table',
    '%dt lag --bogus',
    '%dt connect postgres://dtlab@127.0.0.1:1/nowhere',
    '%%sql\nSELECT count(*) AS n FROM t',
    [
      'const [result] = await dt.connected!.engine.execute("SELECT sum(a) AS s FROM t");',
      'console.log("sum from TypeScript:", result.rows[0][0], dtlab.isDtError(new dtlab.DtError("DT_ERR_USAGE", "x")));',
    ].join('\n'),
    'const wrong: number = "not a number";',
    '%dt clock',
  ];
  let run: NotebookRun;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dtlab-kernel-nb-'));
    const notebook = path.join(dir, 'failures.ipynb');
    writeFileSync(
      notebook,
      JSON.stringify({
        cells: cells.map((source, i) => ({
          cell_type: 'code',
          id: `failure-${i}`,
          metadata: {},
          source,
          outputs: [],
          execution_count: null,
        })),
        metadata: {
          kernelspec: { name: KERNEL_NAME, display_name: 'DT Lab (TypeScript)', language: 'typescript' },
        },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    try {
      run = await runNotebook(notebook, { DTLAB_KERNEL_DB: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    report('failure paths', run);
  }, 300_000);

  const cell = (i: number) => run.cells[i] as CellRun;
  const errorOf = (i: number) => cell(i).outputs.find((o) => o.type === 'error');

  it('a magic typo is a Jupyter error with line and column, and the session keeps working', () => {
    expect(cell(0).outputs[0]?.text).toMatch(/No dynamic tables|\+/);
    const typo = errorOf(1);
    expect(typo?.ename).toMatch(/^DT_ERR_/);
    expect(typo?.text).toMatch(/line 1, column \d+/);
    expect(typo?.text).toContain('dynamic_table');
    const usage = errorOf(3);
    expect(usage?.ename).toMatch(/^DT_ERR_/);
    expect(usage?.text).toContain('--bogus');
    // A later cell on the same session sees the table the failing %%sql cell created before its error.
    expect(cell(5).outputs.filter((o) => o.type === 'error')).toEqual([]);
    expect(cell(5).outputs[0]?.mimes).toContain(MIME.table);
    expect(cell(5).outputs[0]?.text).toMatch(/\b3\b/);
  });

  it('an SQL error points at its line and column in the cell', () => {
    const e = errorOf(2);
    expect(e?.ename).toMatch(/^DT_ERR_/);
    expect(e?.text).toMatch(/line 5, column \d+/);
    expect(e?.text).toContain('no_such_table');
  });

  it('%dt connect to an unreachable server is a clear error and keeps the current database', () => {
    const e = errorOf(4);
    expect(e?.ename).toBe('DT_ERR_BACKEND');
    expect(e?.evalue).toContain('cannot open postgres://dtlab@127.0.0.1:1/nowhere');
    expect(e?.evalue).toMatch(/ECONNREFUSED|connect/);
    expect(cell(8).outputs.filter((o) => o.type === 'error')).toEqual([]);
  });

  it('TypeScript cells see the magics session (dt) and the kernel-lib API (dtlab)', () => {
    const out = cell(6).outputs;
    expect(out.filter((o) => o.type === 'error')).toEqual([]);
    expect(out.map((o) => o.text).join('')).toContain('sum from TypeScript: 6 true');
  });

  it('a TypeScript type error fails its cell with the diagnostic', () => {
    const out = cell(7).outputs;
    expect(out.map((o) => o.text).join('')).toMatch(
      /1:\d+ - Type 'string' is not assignable to type 'number'/,
    );
    expect(out.some((o) => o.type === 'error')).toBe(false); // tslab reports it on stderr; the reply says error
    expect(cell(8).execution_count).toBe(9);
  });
});

interface Exchange {
  code: string;
  outputs: { type: string; text: string; ename?: string; evalue?: string }[];
  reply: { status: string; ename?: string; evalue?: string };
}

describe('DT Lab kernel: Kernel → Interrupt stops a long %dt clock', () => {
  it('shows progress, stops on SIGINT with what it did, every DT whole', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dtlab-kernel-int-'));
    const spec = path.join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        setup: [
          '%dt load tpch --sf 0.01',
          "%%dynamic_table by_status TARGET_LAG = '1 minute'\nSELECT o_orderstatus, COUNT(*) AS n, SUM(o_totalprice) AS revenue FROM orders GROUP BY o_orderstatus",
          "%%dynamic_table total TARGET_LAG = '2 minutes'\nSELECT SUM(n) AS n FROM by_status",
          '%dt simulate orders --rate 1',
        ],
        long: '%dt clock +12h',
        after: [
          '%dt clock',
          '%dt refresh by_status',
          '%dt refresh total',
          '%dt verify by_status',
          '%dt verify total',
        ],
      }),
    );
    const out = await new Promise<{
      setup: Exchange[];
      long: Exchange & { progress: string | null; s: number };
      after: Exchange[];
    }>((resolve, reject) =>
      execFile(
        python,
        [path.join(root, 'kernel-lib/test/kernel/interrupt.py'), KERNEL_NAME, spec],
        {
          cwd: dir,
          env: { ...process.env, JUPYTER_PATH: path.join(jupyterPath, 'share/jupyter'), DTLAB_KERNEL_DB: '' },
          maxBuffer: 64 * 1024 * 1024,
          timeout: 560_000, // the driver shuts its kernel down when killed (SIGTERM)
        },
        (error, stdout, stderr) => {
          rmSync(dir, { recursive: true, force: true });
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve(JSON.parse(stdout));
        },
      ),
    );
    for (const s of out.setup) expect(s.reply.status, `${s.code}: ${JSON.stringify(s.outputs)}`).toBe('ok');
    const { long } = out;
    // The progress line the kernel showed (and updated) before the interrupt.
    expect(long.progress).toMatch(
      /^running \d+ s · lesson clock 1998-08-\d\d \d\d:\d\d:\d\d UTC \(.+ of 12h\) · \d+ of about 2160 refreshes/,
    );
    const error = long.outputs.find((o) => o.type === 'error');
    expect(error?.ename).toBe('KeyboardInterrupt');
    const m =
      /^interrupted after (\d+) of about 2160 refreshes; clock at (\S+ \S+) UTC \((.+) of \+12h\)/.exec(
        error?.evalue ?? '',
      );
    expect(m, error?.evalue).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(2160);
    // The progress went (clear_output) before the error came.
    const types = long.outputs.map((o) => o.type);
    expect(types.lastIndexOf('clear_output')).toBeLessThan(types.indexOf('error'));
    expect(types.lastIndexOf('clear_output')).toBeGreaterThan(-1);
    expect(long.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    console.log(`kernel interrupt: ${error?.evalue} (the cell ran ${long.s.toFixed(1)} s)`);
    // The clock is where the message says; the DTs are whole: refreshed by hand, they equal their queries.
    const texts = out.after.map((a) => a.outputs.map((o) => o.text).join('\n'));
    for (const a of out.after) expect(a.reply.status, a.code).toBe('ok');
    expect(texts[0]).toContain(`clock ${m?.[2]} UTC, paused`);
    expect(texts[3]).toBe('by_status equals its query: verified');
    expect(texts[4]).toBe('total equals its query: verified');
  });
});
