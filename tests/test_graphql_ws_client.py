"""The npm `graphql-ws` reference client (tests/js, pinned in package-lock.json) against the hub.

`npm ci` runs once per session in tests/js (offline-safe when node_modules is already there).
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

from tests.conftest import Hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, live_stats, rename

JS = Path(__file__).parent / "js"


def js_packages() -> Path:
    """tests/js with every package its package.json pins (`npm ci` when one is missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("Node.js and npm are required for the tests that run tests/js")
    pinned = json.loads((JS / "package.json").read_text())["dependencies"]
    if not all((JS / "node_modules" / name).exists() for name in pinned):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300)
    return JS


@pytest.fixture(scope="session")
def graphql_ws_client() -> Path:
    return js_packages() / "subscribe.mjs"


async def _run(
    script: Path, hub: Hub, query: str, variables: dict[str, Any], count: int
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        "node",
        str(script),
        hub.ws_url,
        query,
        json.dumps(variables),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "HUB_TOKEN": hub.token_for(hub.email or "")},
    )


async def _lines(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    return [json.loads(line) for line in stdout.decode().splitlines()]


async def test_the_graphql_ws_client_receives_live_activity_in_order(
    hub: Hub, graphql_ws_client: Path
) -> None:
    fm = institution(hub, "FM")
    process = await _run(graphql_ws_client, hub, INSTITUTION_FEED, {"id": fm}, 2)
    for _ in range(200):
        if live_stats(hub)["subscriptions"] == 1:
            break
        await asyncio.sleep(0.1)

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
