#!/usr/bin/env node
/**
 * Builds the prebuilt labextension (dtlab_jupyterlab/labextension) with `jupyter labextension build`, which
 * needs JupyterLab's Python package: the repository's .venv (made by `npm run setup`) if present, else
 * whatever `jupyter` is on PATH. `--dev` makes an unminified development build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const venvJupyter = path.join(here, '..', '.venv', 'bin', 'jupyter');
const jupyter = process.env.DTLAB_JUPYTER ?? (existsSync(venvJupyter) ? venvJupyter : 'jupyter');
const args = [
  'labextension',
  'build',
  ...(process.argv.includes('--dev') ? ['--development', 'True'] : []),
  '.',
];
// JupyterLab runs `jlpm install` in an extension without node_modules; ours are hoisted to the workspace root
// by npm (from the lockfile), so an empty folder tells it they are installed.
mkdirSync(path.join(here, 'node_modules'), { recursive: true });
// The build runs jlpm, which sits next to jupyter.
const env = { ...process.env, PATH: `${path.dirname(jupyter)}${path.delimiter}${process.env.PATH}` };
const r = spawnSync(jupyter, args, { cwd: here, stdio: 'inherit', env });
if (r.error) {
  console.error(
    `cannot run ${jupyter}: ${r.error.message}\nrun \`npm run setup\` first (it makes .venv with JupyterLab)`,
  );
  process.exit(1);
}
process.exit(r.status ?? 1);
