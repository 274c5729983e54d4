#!/usr/bin/env node
/**
 * Builds the JupyterLite site: JupyterLab running entirely in the browser, with our prebuilt labextension
 * and the lessons in notebooks/, into lite/ (or the folder given as the first argument) — plain files any
 * static host can serve. Magic cells run in the page on DuckDB-WASM, so no kernel (no Pyodide) is shipped:
 * the notebooks open with "No Kernel" and only magic cells run.
 *
 *   node scripts/build-lite.mjs [OUTPUT_DIR]     (npm run build:lite builds the extension first)
 *
 * Uses jupyterlite-core from .venv (pinned in requirements.txt). The extension is taken from its build
 * output (extension/dtlab_jupyterlab/labextension), not from .venv, and nothing else in .venv's
 * share/jupyter/labextensions is added (--ignore-sys-prefix). Settings for the site (its name, the core
 * cell executor disabled in favour of ours) are in extension/lite/jupyter-lite.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JUPYTER = process.env.DTLAB_JUPYTER ?? path.join(ROOT, '.venv', 'bin', 'jupyter');
const LABEXTENSION = path.join(ROOT, 'extension', 'dtlab_jupyterlab', 'labextension');
const LITE_DIR = path.join(ROOT, 'extension', 'lite');
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'lite'));

for (const [file, hint] of [
  [JUPYTER, 'run `npm run setup` (it installs requirements.txt, with jupyterlite-core, into .venv)'],
  [path.join(LABEXTENSION, 'package.json'), 'run `npm run build:extension`'],
]) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: ${hint}`);
    process.exit(1);
  }
}

// A clean output: jupyter lite build merges into an existing folder, and a stale extension chunk would stay.
await rm(out, { recursive: true, force: true });
const started = Date.now();
const r = spawnSync(
  JUPYTER,
  [
    'lite',
    'build',
    `--lite-dir=${LITE_DIR}`,
    `--output-dir=${out}`,
    `--contents=${path.join(ROOT, 'notebooks')}`,
    `--LiteBuildConfig.federated_extensions=${LABEXTENSION}`,
    '--ignore-sys-prefix',
    '--no-sourcemaps',
    '--log-level=WARN',
  ],
  // jupyter lite keeps its task database (.jupyterlite.doit.db, gitignored) in the working directory.
  { cwd: LITE_DIR, stdio: 'inherit' },
);
if (r.error || r.status !== 0) {
  console.error(`jupyter lite build failed: ${r.error?.message ?? `exit ${r.status}`}`);
  process.exit(1);
}
console.log(
  `JupyterLite site built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${path.relative(ROOT, out) || out}/`,
);
