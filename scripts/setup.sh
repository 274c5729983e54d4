#!/usr/bin/env bash
# Sets up everything DT Lab needs on a fresh clone, idempotently:
#   - npm packages from the lockfile (npm ci)
#   - a Python venv in .venv with requirements.txt (JupyterLab and the extension's build tools, pinned)
#   - kernel-lib and the JupyterLab extension built, and the extension pip-installed into .venv
#   - the "DT Lab (TypeScript)" Jupyter kernel's kernelspec written into .venv (kernel runtime)
#   - the lesson notebooks built from content/
# Then `npm start` opens JupyterLab on notebooks/. Needs Node 20.19+, npm and Python 3.9+ with venv.
#
#   bash scripts/setup.sh [--skip-npm-ci]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--skip-npm-ci" ]]; then
  npm ci --no-audit --no-fund
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

npm run build:extension
npm run install:extension
# The kernel runtime: the "DT Lab (TypeScript)" kernel (tslab + the magics on PGlite/PostgreSQL) in .venv.
node kernel-lib/bin/dtlab-kernel.js install --prefix .venv
node scripts/build-notebooks.mjs
echo "setup done: npm start opens JupyterLab on notebooks/"
