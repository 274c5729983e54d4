#!/usr/bin/env node
/**
 * End to end, in a real JupyterLab and Debian's Chromium: opens notebooks/scenario-a.ipynb, runs all cells,
 * and checks that every cell finished without an error, that the DAG widget shows both dynamic tables, that
 * the lag chart has points and that the history widgets show INCREMENTAL and FULL refreshes. Prints the cold start (page open → DuckDB
 * ready → TPC-H SF 0.01 loaded → first DT created) and each magic cell's execution time; saves screenshots
 * to /tmp/dtlab-e2e-*.png. Exits non-zero on any failure, including when it cannot run (no JupyterLab in
 * .venv, no /usr/bin/chromium, no built labextension): it never skips.
 *
 * Needs the Python requirements in .venv (`npm run setup`) and the labextension built and pip-installed into
 * it (`npm run test:e2e` does both first); a stale installed copy is refused, not tested.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, freePort, launchChromium, need, waitForServer } from '../../scripts/browser.mjs';
import {
  checkLive,
  checkScenarioA,
  dumpFailure,
  openAndRunAll,
  reportTimings,
  watchPage,
} from './notebook.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JUPYTER = process.env.DTLAB_JUPYTER ?? path.join(ROOT, '.venv', 'bin', 'jupyter');
const LABEXTENSION = path.join(ROOT, 'extension', 'dtlab_jupyterlab', 'labextension');
const NOTEBOOK = 'scenario-a.ipynb';

/** Starts JupyterLab on a free port, a temporary root holding the notebook, our labextension, a token. */
async function startLab(tmp) {
  const rootDir = path.join(tmp, 'root');
  await mkdir(rootDir);
  await copyFile(path.join(ROOT, 'notebooks', NOTEBOOK), path.join(rootDir, NOTEBOOK));
  const port = await freePort();
  const token = Math.random().toString(36).slice(2);
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: path.join(tmp, 'data'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
    JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
  };
  const args = ['lab', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', `--ServerApp.root_dir=${rootDir}`];
  args.push(
    `--IdentityProvider.token=${token}`,
    '--LabApp.news_url=',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
  );
  if (process.getuid?.() === 0) args.push('--allow-root'); // CI containers run as root
  const server = spawn(JUPYTER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  for (const s of [server.stdout, server.stderr]) s.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  await waitForServer(`${base}/api/status?token=${token}`, 60_000, server).catch((e) => {
    throw new Error(`jupyter lab: ${e.message}\n${log}`);
  });
  return { server, base, token, log: () => log };
}

async function main() {
  need(JUPYTER, 'run `npm run setup` (it installs requirements.txt into .venv)');
  need(CHROMIUM, 'run `bash scripts/install-browser.sh`');
  need(path.join(LABEXTENSION, 'package.json'), 'run `npm run build:extension`');
  const built = JSON.parse(await readFile(path.join(LABEXTENSION, 'package.json'), 'utf8'));
  const installedFile = path.join(
    path.dirname(path.dirname(JUPYTER)),
    'share/jupyter/labextensions/@dtlab/jupyterlab/package.json',
  );
  need(installedFile, 'run `npm run install:extension`');
  const installed = JSON.parse(await readFile(installedFile, 'utf8'));
  if (installed.jupyterlab._build.load !== built.jupyterlab._build.load)
    throw new Error(
      'the labextension installed in .venv is not the one built: run `npm run install:extension`',
    );
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dtlab-e2e-'));
  let lab;
  let browser;
  const failures = [];
  let pageForFailure;
  try {
    lab = await startLab(tmp);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside = watchPage(page, lab.base);
    pageForFailure = page;
    const { cells, clickedAt } = await openAndRunAll(
      page,
      `${lab.base}/lab/tree/${NOTEBOOK}?token=${lab.token}`,
    );
    for (const c of cells)
      if (c.errors.length) failures.push(`cell ${c.prompt} ${c.source}: ${c.errors.join(' ')}`);
    failures.push(...(await checkScenarioA(page, 'dtlab-e2e')));
    failures.push(...(await checkLive(page, 'dtlab-e2e')));
    await page.screenshot({ path: '/tmp/dtlab-e2e-notebook.png', fullPage: true });
    if (outside.length) failures.push(`requests left the server: ${outside.slice(0, 5).join(', ')}`);
    await reportTimings(page, clickedAt);
  } catch (e) {
    await dumpFailure(pageForFailure, '/tmp/dtlab-e2e-failure.png');
    throw e;
  } finally {
    await browser?.close();
    if (lab) {
      lab.server.kill('SIGTERM');
      await new Promise((r) => (lab.server.exitCode !== null ? r() : lab.server.once('exit', r)));
    }
    await rm(tmp, { recursive: true, force: true });
  }
  if (failures.length) throw new Error(failures.join('\n'));
  console.log(
    'e2e: scenario A ran without errors; the DAG shows both DTs and follows the clock; the lag chart has points; the history shows INCREMENTAL and FULL; the comparison says same contents',
  );
}

main().catch((e) => {
  console.error(`e2e failed: ${e.stack ?? e}`);
  process.exit(1);
});
