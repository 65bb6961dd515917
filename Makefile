# Two commands do all the set-up on a fresh machine:
#   make run   - venv, project, Neo4j launcher, web app (npm ci + build); serves the hub on http://127.0.0.1:8000
#   make test  - the same set-up, then lint, types and the whole test suite (own ports and data)
# and one more, slow, outside make test:
#   make test-matrix - the whole suite again on Python 3.12 and 3.13 (pyenv), each in its own venv

VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# uv reads the lock (uv.lock); it is itself pinned by hash in infra/uv-requirements.txt.
UV      := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
JAR     := infra/neo4j/target/sadarbe-neo4j-launcher.jar
JAVA_SRC := $(shell find infra/neo4j/src -type f) infra/neo4j/pom.xml

# The web app (frontend/): npm ci when the lock file changes, a build when its sources or the
# schema change; the stamps make both no-ops when nothing changed.
WEB_DEPS  := frontend/node_modules/.installed
WEB_BUILD := frontend/dist/.built
WEB_SRC   := $(shell find frontend/src frontend/public -type f -not -path 'frontend/src/gql/*') \
             frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/codegen.ts schema.graphql

.PHONY: run test test-matrix setup system-deps lint schema clean web

# make run's hub sends its e-mail to a local mail sink, written to .data/mail/*.eml (README).
HUB_MAIL_SINK ?= true

run: setup
	HUB_MAIL_SINK=$(HUB_MAIL_SINK) $(BIN)/hub serve

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check hub graph tests
	$(BIN)/mypy
	$(BIN)/hub schema --check
	$(BIN)/pytest

# Each version in .venv-<version> from the same lock, with its own test Neo4j port.
test-matrix: system-deps $(STAMP) $(JAR) web
	UV=$(abspath $(UV)) PYTEST_ARGS="$(PYTEST_ARGS)" bash infra/scripts/test-matrix.sh 3.12 3.13

setup: system-deps $(STAMP) $(JAR) web

web: $(WEB_BUILD)

$(WEB_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SRC)
	cd frontend && npm run build
	touch $@

system-deps:
	@bash infra/scripts/system-deps.sh

# The project (editable) and the dev extra, exactly as uv.lock pins them (--locked: a lock that no
# longer matches pyproject.toml is an error, not silently re-resolved; CONTRIBUTING says how to update it).
$(STAMP): pyproject.toml uv.lock infra/uv-requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r infra/uv-requirements.txt
	$(UV) sync --quiet --locked --inexact --extra dev
	touch $(STAMP)

$(JAR): $(JAVA_SRC)
	mvn -q -B -f infra/neo4j/pom.xml -DskipTests package

schema: $(STAMP)
	$(BIN)/hub schema

clean:
	rm -rf $(VENV) .venv-3.* infra/neo4j/target .data frontend/node_modules frontend/dist
