#!/usr/bin/env node
/**
 * `npm start`: JupyterLab from .venv on the lesson notebooks, without starting kernels (the magic cells run in
 * the page). As root (a container), JupyterLab refuses to start unless told `--allow-root`; it is added then.
 * Extra arguments go to JupyterLab (`npm start -- --port 8931`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = [
  'lab',
  '--ServerApp.root_dir=notebooks',
  '--LabServerApp.notebook_starts_kernel=False',
  ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
  ...process.argv.slice(2),
];
const lab = spawn(path.join(root, '.venv', 'bin', 'jupyter'), args, { cwd: root, stdio: 'inherit' });
lab.on('error', (e) => {
  console.error(`npm start: could not run .venv/bin/jupyter (${e.message}); run scripts/setup.sh first`);
  process.exit(1);
});
lab.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => lab.kill(s));
