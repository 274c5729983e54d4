/**
 * The lessons other than Scenario A (kernel.test.ts) on the DT Lab kernel, as JupyterLab runs them: each
 * notebook executed cell by cell through nbclient (test/kernel/run_notebook.py) on the kernel's PGlite and on a
 * fresh database of the PostgreSQL server. No cell may fail, every `%dt check` cell must say passed (the
 * reference solutions are in the notebooks). The magics' own run of the lessons, with wrong answers, is
 * lessons.test.ts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgConfig } from '../src/backends/postgres.js';
import { installKernelSpec, KERNEL_NAME } from '../src/kernel/install.js';
import { TEST_PG_URL } from './helpers/backends.js';
import { httpReceiver } from './helpers/receivers.js';

const root = path.resolve(import.meta.dirname, '../..');
const python = path.join(root, '.venv/bin/python');
const driver = path.join(root, 'kernel-lib/test/kernel/run_notebook.py');
const LESSONS = ['scenario-a-exercises', 'scenario-b', 'scenario-c', 'gallery', 'scenario-d'];

interface CellRun {
  source: string;
  ms: number;
  outputs: { type: string; text: string }[];
}

let jupyterPath: string;
beforeAll(() => {
  for (const f of [python, path.join(root, 'kernel-lib/dist/kernel/cli.js')])
    if (!existsSync(f)) throw new Error(`${f} is missing: run the README's setup (bash scripts/setup.sh)`);
  jupyterPath = mkdtempSync(path.join(tmpdir(), 'dtlab-kernelspec-'));
  installKernelSpec(jupyterPath);
});
afterAll(() => rmSync(jupyterPath, { recursive: true, force: true }));

function runNotebook(notebook: string, db: string): Promise<CellRun[]> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [driver, notebook, KERNEL_NAME, '600'],
      {
        cwd: path.dirname(notebook),
        env: { ...process.env, JUPYTER_PATH: path.join(jupyterPath, 'share/jupyter'), DTLAB_KERNEL_DB: db },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 900_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve((JSON.parse(stdout) as { cells: CellRun[] }).cells);
      },
    );
  });
}

async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const name = `dtlab_kernel_lesson_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(pgConfig(TEST_PG_URL));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function checkRun(lesson: string, label: string, cells: CellRun[]): void {
  const seconds = cells.reduce((a, c) => a + c.ms, 0) / 1000;
  console.log(`kernel ${label} ${lesson}: ${cells.length} cells in ${seconds.toFixed(1)} s`);
  for (const c of cells)
    expect(
      c.outputs.filter((o) => o.type === 'error').map((o) => o.text.slice(0, 400)),
      `${lesson}: ${c.source.split('\n')[0]}`,
    ).toEqual([]);
  const checks = cells.filter((c) => c.source.includes('%dt check'));
  expect(checks.length).toBeGreaterThan(0);
  for (const c of checks) expect(c.outputs.map((o) => o.text).join('\n')).toMatch(/exercise \w+: passed/);
}

/**
 * Runs `lesson` on `db`; Scenario C's webhook integration posts to 127.0.0.1:8765 (the port lessons.test.ts
 * also takes, so it is waited for), and its escalation must arrive there.
 */
async function runLesson(lesson: string, db: string): Promise<CellRun[]> {
  const notebook = path.join(root, 'notebooks', `${lesson}.ipynb`);
  if (lesson !== 'scenario-c') return runNotebook(notebook, db);
  const receiver = await httpReceiver(8765, 900_000);
  try {
    const cells = await runNotebook(notebook, db);
    const escalated = () =>
      receiver.requests.some((r) => r.method === 'POST' && r.body.includes('quality_clean_orders'));
    for (let i = 0; i < 100 && !escalated(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(escalated(), 'the webhook receiver got the escalation').toBe(true);
    return cells;
  } finally {
    await receiver.close();
  }
}

describe.each(LESSONS)('DT Lab kernel runs %s', (lesson) => {
  it('on PGlite, the default', { timeout: 1_200_000 }, async () => {
    checkRun(lesson, 'PGlite', await runLesson(lesson, ''));
  });
  it('on a fresh database of the PostgreSQL server', { timeout: 1_200_000 }, async () => {
    await withDatabase(async (url) => checkRun(lesson, 'PostgreSQL', await runLesson(lesson, url)));
  });
});
