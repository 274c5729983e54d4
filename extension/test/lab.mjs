/**
 * A throwaway JupyterLab for browser tests: the one in .venv, on a free port with a token, a temporary root
 * holding the given notebooks, and temporary config/data/settings/workspace directories (nothing of the
 * user's). Refuses to run a stale extension: the labextension installed in .venv must be the one just built.
 * Shared by e2e.mjs (browser runtime) and kernel.mjs (the DT Lab kernel runtime).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, freePort, need, waitForServer } from '../../scripts/browser.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const JUPYTER = process.env.DTLAB_JUPYTER ?? path.join(ROOT, '.venv', 'bin', 'jupyter');
const LABEXTENSION = path.join(ROOT, 'extension', 'dtlab_jupyterlab', 'labextension');

/** Fails (never skips) when JupyterLab, Chromium or the freshly built and installed extension is missing. */
export async function checkInstalled() {
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
}

/**
 * Starts JupyterLab; `notebooks` maps file names to notebook JSON (objects); `exposeApp`: the page gets the
 * application as `window.jupyterapp` (JupyterLab's `expose_app_in_browser`), for tests that execute commands.
 * Resolves to { base, token, url(name), log(), stop() }.
 */
export async function startLab(notebooks, { exposeApp = false } = {}) {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dtlab-lab-'));
  const rootDir = path.join(tmp, 'root');
  await mkdir(rootDir);
  for (const [name, nb] of Object.entries(notebooks))
    await writeFile(path.join(rootDir, name), JSON.stringify(nb, null, 1));
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
  if (exposeApp) args.push('--LabApp.expose_app_in_browser=True');
  if (process.getuid?.() === 0) args.push('--allow-root'); // CI containers run as root
  const server = spawn(JUPYTER, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  for (const s of [server.stdout, server.stderr]) s.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
    }
    await rm(tmp, { recursive: true, force: true });
  };
  await waitForServer(`${base}/api/status?token=${token}`, 60_000, server).catch(async (e) => {
    await stop();
    throw new Error(`jupyter lab: ${e.message}\n${log}`);
  });
  // A named workspace opens the notebook alone (the default one restores the tabs left open before).
  const url = (name, workspace) =>
    `${base}/lab/${workspace ? `workspaces/${workspace}/` : ''}tree/${name}?token=${token}`;
  return { base, token, url, log: () => log, stop };
}

/** A notebook of notebooks/, parsed. */
export async function lessonNotebook(name) {
  return JSON.parse(await readFile(path.join(ROOT, 'notebooks', name), 'utf8'));
}
