#!/usr/bin/env bash
# Runs the Binder build (binder/postBuild) the way repo2docker would, without Docker: a fresh clone of this
# repository's HEAD and a fresh venv in a temporary folder, the venv first on PATH, then postBuild; then checks
# what Binder would open: the extension installed, the DT Lab kernelspec, every lesson notebook, and
# Scenario B run headless on the DT Lab kernel (nbconvert). Needs network access for pip and npm, Node 20.19+
# and Python 3.9+ on PATH (Binder takes them from binder/environment.yml). Takes minutes.
#
#   bash scripts/binder-build.sh [WORKDIR]      (default: a new folder under /tmp, removed on success)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/dtlab-binder.XXXXXX)}
echo "binder build in $WORK"
git clone --quiet --no-local "$ROOT" "$WORK/repo"
python3 -m venv "$WORK/env"
export PATH="$WORK/env/bin:$PATH"
cd "$WORK/repo"
started=$(date +%s)
bash binder/postBuild
echo "postBuild took $(($(date +%s) - started)) s"

jupyter labextension list 2>&1 | grep -q 'dtlab' || { echo 'the DT Lab extension is not installed'; exit 1; }
jupyter kernelspec list | grep -q 'dtlab-ts' || { echo 'the dtlab-ts kernelspec is missing'; exit 1; }
for md in content/*.md; do
  name=$(basename "$md" .md)
  [[ "$name" == README ]] && continue
  [[ -f "notebooks/$name.ipynb" ]] || { echo "notebooks/$name.ipynb was not built"; exit 1; }
done
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=dtlab-ts \
  --ExecutePreprocessor.timeout=600 notebooks/scenario-b.ipynb --output "$WORK/scenario-b.out.ipynb"
echo "binder build OK in $(($(date +%s) - started)) s"
[[ $# -eq 0 ]] && rm -rf "$WORK"
exit 0
