#!/usr/bin/env bash
# The whole test suite on other Python versions: for each VERSION given (e.g. 3.12 3.13), a venv
# .venv-VERSION from the same uv.lock as `make test`'s, then the schema drift check and pytest on a
# test Neo4j port of its own (SADARBE_TEST_BOLT_PORT + 100 × position). Interpreters come from pyenv
# ($PYENV_ROOT/versions/VERSION.*), else pythonVERSION on PATH. Prints one summary line per version.
# Run by `make test-matrix` (which installs uv and builds what the tests need first); PYTEST_ARGS
# (e.g. `make test-matrix PYTEST_ARGS=tests/test_limits.py`) narrows pytest to part of the suite.
set -uo pipefail
cd "$(dirname "$0")/../.."
uv=${UV:-uv}
base_port=${SADARBE_TEST_BOLT_PORT:-7688}
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
summary=()
status=0
n=0
for version in "$@"; do
  n=$((n + 1))
  python=$(ls -d "$pyenv_root"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V | tail -1)
  python=${python:-$(command -v "python$version" || true)}
  if [ -z "$python" ]; then
    summary+=("Python $version: no interpreter found (pyenv install $version)")
    status=1
    continue
  fi
  venv=.venv-$version
  port=$((base_port + 100 * n))
  echo "== Python $version ($python), $venv, test Neo4j on port $port"
  log=$(mktemp)
  if UV_PROJECT_ENVIRONMENT=$venv "$uv" sync --quiet --locked --extra dev --python "$python" \
    && "$venv/bin/hub" schema --check \
    && SADARBE_TEST_BOLT_PORT=$port "$venv/bin/pytest" -q -p no:cacheprovider ${PYTEST_ARGS:-} 2>&1 | tee "$log"; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  summary+=("Python $("$venv/bin/python" -V 2>&1 | cut -d' ' -f2): $result: $(grep -E '(passed|failed|error).* in [0-9.]+s' "$log" | tail -1 | tr -d '=' | xargs)")
  rm -f "$log"
done
echo
echo "test-matrix summary"
printf '  %s\n' "${summary[@]}"
exit $status
