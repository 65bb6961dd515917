"""The hub as an operator installs it: the wheel built and installed without the dev extras into a
clean virtual environment by infra/scripts/install-wheel.sh, the very steps infra/Dockerfile runs
(its dependencies from uv.lock, hashes checked), then served from that environment, outside the
source tree, against the test Neo4j: the web app at / and GraphQL at /graphql."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from hub.api.trusted_documents import MANIFEST_NAME
from tests.conftest import TEST_ADMIN_EMAIL, TEST_DATA_DIR, Hub, free_port, start_hub
from tests.test_subscriptions import institution

SCRIPT = REPO_ROOT / "infra" / "scripts" / "install-wheel.sh"
WEB_DIST = REPO_ROOT / "frontend" / "dist"
# uv, installed by the Makefile from infra/uv-requirements.txt (make test-matrix passes its path in UV).
UV = os.environ.get("UV") or str(Path(sys.executable).parent / "uv")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert (WEB_DIST / "index.html").is_file(), "the web app is not built: make web"
    target = tmp_path_factory.mktemp("installed") / "venv"
    done = subprocess.run(
        ["bash", str(SCRIPT), str(target), sys.executable],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_"))},
            "UV": UV,
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return target


def in_venv(venv: Path, *args: str, cwd: Path) -> str:
    """Runs the venv's Python outside the source tree (cwd), so nothing is imported from it."""
    done = subprocess.run(
        [str(venv / "bin" / "python"), *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_installed_package_carries_the_built_web_app(venv: Path, tmp_path: Path) -> None:
    where = in_venv(venv, "-c", "import hub.web as w; print(w.DIST_DIR); print(w.PACKAGED_DIR)", cwd=tmp_path)
    served, packaged = where.splitlines()
    assert served == packaged
    assert Path(served).is_relative_to(venv)
    assert (Path(served) / "index.html").read_bytes() == (WEB_DIST / "index.html").read_bytes()
    assets = sorted(p.name for p in (WEB_DIST / "assets").iterdir())
    assert sorted(p.name for p in (Path(served) / "assets").iterdir()) == assets
    # The trusted documents the web app sends by id, which the installed hub loads from there.
    manifest = Path(served) / MANIFEST_NAME
    assert manifest.read_bytes() == (WEB_DIST / MANIFEST_NAME).read_bytes()


def test_the_dev_extras_are_not_installed(venv: Path, tmp_path: Path) -> None:
    dev_only = ["pytest", "mypy", "ruff", "hypothesis", "hypothesis_graphql", "playwright", "gql"]
    found = in_venv(
        venv,
        "-c",
        f"import importlib.util as u; print([m for m in {dev_only!r} if u.find_spec(m)])",
        cwd=tmp_path,
    )
    assert found == "[]"


def test_hub_and_python_m_hub_print_the_version_from_pyproject(venv: Path, tmp_path: Path) -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert in_venv(venv, "-m", "hub", "--version", cwd=tmp_path) == f"sadarbe {version}"
    script = subprocess.run(
        [str(venv / "bin" / "hub"), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert script.stdout.strip() == f"sadarbe {version}"


@pytest.fixture(scope="module")
def installed_hub(
    venv: Path, hub_env: dict[str, str], session_graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    """The installed hub, started once the test database is migrated (session_graph), as the
    other hub processes are: on a fresh database its own start would build every index first."""
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    outside = tmp_path_factory.mktemp("outside-the-source-tree")
    process = start_hub(
        hub_env,
        port,
        TEST_DATA_DIR / f"hub-wheel-{port}.log",
        python=str(venv / "bin" / "python"),
        cwd=outside,
    )
    hub = Hub(f"http://127.0.0.1:{port}", process, hub_env)
    yield hub
    hub.http.close()
    process.terminate()
    process.wait(timeout=30)


def test_the_installed_hub_serves_the_web_app(installed_hub: Hub) -> None:
    index = (WEB_DIST / "index.html").read_bytes()
    page = installed_hub.http.get("/")
    assert page.status_code == 200
    assert page.content == index
    assert installed_hub.http.get("/teams/42").content == index  # a deep link gets the app
    asset = next((WEB_DIST / "assets").glob("*.js"))
    served = installed_hub.http.get(f"/assets/{asset.name}")
    assert served.status_code == 200
    assert served.content == asset.read_bytes()
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_the_installed_hub_answers_graphql_from_the_test_neo4j(
    installed_hub: Hub, graph: Graph
) -> None:
    ready = installed_hub.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["neo4j"]["version"].startswith("5.26.")
    created = institution(installed_hub, "FM")
    assert installed_hub.data("query($id: ID!) { node(id: $id) { id } }", {"id": created}) == {
        "node": {"id": created}
    }


def test_the_installed_hub_runs_the_web_apps_documents_by_id(installed_hub: Hub) -> None:
    manifest = json.loads((WEB_DIST / MANIFEST_NAME).read_text())
    (me,) = [i for i, text in manifest.items() if text.startswith("query Me ")]
    answer = installed_hub.http.post("/graphql", json={"documentId": me}).json()
    assert answer["data"]["me"]["email"] == TEST_ADMIN_EMAIL, answer
