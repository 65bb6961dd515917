"""The npm `graphql-ws` reference client (tests/js, pinned in package-lock.json to the version the
web app ships) against the hub.

`npm ci` runs in tests/js when its node_modules do not hold the locked version (offline-safe when
they do).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from graph.driver import Graph
from tests import builders
from tests import live_client as lc
from tests.conftest import Hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, rename

JS = Path(__file__).parent / "js"
FRONTEND = Path(__file__).parents[1] / "frontend"


def locked_version(package_dir: Path, name: str) -> str:
    lock = json.loads((package_dir / "package-lock.json").read_text())
    version: str = lock["packages"][f"node_modules/{name}"]["version"]
    return version


def installed_version(package_dir: Path, name: str) -> str | None:
    manifest = package_dir / "node_modules" / name / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def js_packages() -> Path:
    """tests/js with every package its package.json pins (`npm ci` when one is missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are required for the tests that run tests/js")
    pinned = json.loads((JS / "package.json").read_text())["dependencies"]
    if any(installed_version(JS, name) != locked_version(JS, name) for name in pinned):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300)
    return JS


@pytest.fixture(scope="session")
def graphql_ws_client() -> Path:
    return js_packages() / "subscribe.mjs"


async def _run(
    script: Path,
    hub: Hub,
    query: str,
    variables: dict[str, Any],
    count: int,
    connection_params: dict[str, str] | None = None,
) -> asyncio.subprocess.Process:
    params = connection_params or {"token": hub.token_for(hub.email or "")}
    return await asyncio.create_subprocess_exec(
        "node",
        str(script),
        hub.ws_url,
        query,
        json.dumps(variables),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "HUB_CONNECTION_PARAMS": json.dumps(params)},
    )


async def _lines(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    return [json.loads(line) for line in stdout.decode().splitlines()]


async def test_the_graphql_ws_client_receives_live_activity_in_order(
    hub: Hub, graphql_ws_client: Path
) -> None:
    fm = institution(hub, "FM")
    process = await _run(graphql_ws_client, hub, INSTITUTION_FEED, {"id": fm}, 2)
    await lc.started(hub.base_url, 1)

    rename(hub, fm, "one")
    rename(hub, fm, "two")
    lines = await _lines(process)

    assert [line["data"]["institutionActivity"]["activity"]["seq"] for line in lines[:2]] == [2, 3]
    assert lines[2] == {"done": True}


async def test_the_graphql_ws_client_gets_resync_required_for_a_foreign_cursor(
    hub: Hub, graphql_ws_client: Path
) -> None:
    fm = institution(hub, "FM")
    process = await _run(graphql_ws_client, hub, INSTITUTION_FEED, {"id": fm, "after": "gone:1"}, 1)

    lines = await _lines(process)

    first = lines[0]
    errors = first["errors"] if "errors" in first else first["error"]
    assert errors[0]["extensions"]["code"] == "RESYNC_REQUIRED"


def test_the_client_under_test_is_the_version_the_web_app_ships() -> None:
    assert locked_version(JS, "graphql-ws") == locked_version(FRONTEND, "graphql-ws")


@pytest.mark.parametrize("key", ["token", "authorization", "Authorization"])
async def test_the_graphql_ws_client_signs_in_with_each_connection_params_convention(
    hub: Hub, graph: Graph, graphql_ws_client: Path, key: str
) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Laura Bērziņa", fm["id"], email="laura@t.lv")
    token = hub.token_for("laura@t.lv")
    params = {key: token if key == "token" else f"Bearer {token}"}

    process = await _run(graphql_ws_client, hub, "{ me { email } }", {}, 1, params)
    lines = await _lines(process)

    assert [lines[0]["data"], lines[1]] == [{"me": {"email": "laura@t.lv"}}, {"done": True}]


@pytest.mark.parametrize(
    "params",
    [
        {"authorization": "Basic bGF1cmE6eA=="},
        {"authorization": "Bearer "},
        {"authorization": "Bearer x.y.z"},
    ],
    ids=["another scheme", "no token", "a bad token"],
)
async def test_the_graphql_ws_client_without_a_valid_bearer_token_is_refused_with_4403(
    hub: Hub, graphql_ws_client: Path, params: dict[str, str]
) -> None:
    process = await _run(graphql_ws_client, hub, "{ me { email } }", {}, 1, params)

    lines = await _lines(process)

    assert lines[0] == {"closed": 4403, "reason": "Forbidden"}
