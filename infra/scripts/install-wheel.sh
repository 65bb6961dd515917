#!/usr/bin/env bash
# Builds the hub's wheel (carrying the built web app, see setup.py) and installs it, without the dev
# extras, into a new virtual environment whose dependencies are exactly uv.lock's (hashes checked).
# infra/Dockerfile runs this; so does tests/test_wheel_install.py, so the test installs as the image does.
#
#   infra/scripts/install-wheel.sh TARGET_VENV [PYTHON]
#
# Needs uv (the UV variable, else `uv` on PATH; infra/uv-requirements.txt pins it) and frontend/dist
# built (`make web`). Reaches only the package registry.
set -euo pipefail
target=$1
python=${2:-python3}
uv=${UV:-uv}
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ ! -f "$root/frontend/dist/index.html" ]; then
  echo "frontend/dist is not built: run make web (or npm ci && npm run build in frontend/)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A clean copy of what the wheel is built from: setuptools keeps a build/ directory in the tree it
# builds, whose leftovers (a module since deleted) would otherwise end up in the wheel.
mkdir -p "$work/src/frontend"
cp -R "$root/pyproject.toml" "$root/setup.py" "$root/README.md" "$root/LICENSE" "$root/uv.lock" \
  "$root/hub" "$root/graph" "$work/src/"
cp -R "$root/frontend/dist" "$work/src/frontend/dist"

"$uv" build --quiet --wheel --out-dir "$work/wheel" "$work/src"
"$uv" export --quiet --project "$work/src" --locked --no-dev --no-emit-project --no-header \
  --format requirements-txt --output-file "$work/requirements.txt"
"$uv" venv --quiet --python "$python" "$target"
"$uv" pip install --quiet --compile-bytecode --python "$target/bin/python" --require-hashes -r "$work/requirements.txt"
"$uv" pip install --quiet --compile-bytecode --python "$target/bin/python" --no-deps "$work"/wheel/sadarbe-*.whl
"$uv" pip check --quiet --python "$target/bin/python"
