"""Test harness: a real Neo4j (the embedded launcher) on its own port and data directory, a clean
graph per test, and a real hub process over real sockets for end-to-end tests.

Ports and paths never collide with `make run` (7687, .data/): override with SADARBE_TEST_BOLT_PORT.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph import migrations
from graph.driver import Graph, run
from graph.embedded import REPO_ROOT, EmbeddedNeo4j

TEST_BOLT_PORT = int(os.environ.get("SADARBE_TEST_BOLT_PORT", "7688"))
TEST_DATA_DIR = REPO_ROOT / ".data" / f"test-{TEST_BOLT_PORT}"
TEST_PASSWORD = "sadarbe-test-password"
# Generous: a shared CI machine can be slow; tests of timeouts set their own.
TEST_QUERY_TIMEOUT_S = float(os.environ.get("SADARBE_TEST_QUERY_TIMEOUT", "120"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j() -> Iterator[EmbeddedNeo4j]:
    """One real Neo4j for the whole run, on a fresh data directory."""
    server = EmbeddedNeo4j(
        data_dir=TEST_DATA_DIR / "neo4j",
        port=TEST_BOLT_PORT,
        password=TEST_PASSWORD,
        heap="1g",
        pagecache="256m",
    )
    server.stop()  # a launcher left behind by an interrupted run
    shutil.rmtree(server.data_dir, ignore_errors=True)
    process = server.start()
    yield server
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture(scope="session")
def hub_env(neo4j: EmbeddedNeo4j) -> dict[str, str]:
    """Environment for hub processes and in-process settings that use the test database."""
    return {
        "NEO4J_URI": neo4j.uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": TEST_PASSWORD,
        "HUB_DATA_DIR": str(TEST_DATA_DIR),
        "HUB_MODE": "development",
        "HUB_LOG_LEVEL": "warning",
        "NEO4J_QUERY_TIMEOUT": str(TEST_QUERY_TIMEOUT_S),
    }


@pytest.fixture(scope="session")
async def session_graph(neo4j: EmbeddedNeo4j) -> AsyncIterator[Graph]:
    graph = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD, query_timeout_s=TEST_QUERY_TIMEOUT_S)
    await migrations.migrate(graph)
    yield graph
    await graph.close()


async def wipe(graph: Graph) -> None:
    """Delete all data but keep the schema (constraints, indexes, applied migrations)."""
    await graph.write(lambda tx: run(tx, "MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n"))


@pytest.fixture
async def graph(session_graph: Graph) -> Graph:
    """The real graph, emptied before the test."""
    await wipe(session_graph)
    return session_graph


class Hub:
    """A running hub process and a real HTTP client for it."""

    def __init__(self, base_url: str, process: subprocess.Popen[bytes]) -> None:
        self.base_url = base_url
        self.process = process
        self.http = httpx.Client(base_url=base_url, timeout=30)

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/graphql"

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a query that must succeed."""
        result = self.post(query, variables)
        assert "errors" not in result, result["errors"]
        data: dict[str, Any] = result["data"]
        return data

    def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single error of a query that must fail."""
        result = self.post(query, variables)
        assert result.get("errors"), result
        assert len(result["errors"]) == 1, result["errors"]
        error: dict[str, Any] = result["errors"][0]
        return error


def start_hub(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hub exited: {log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"hub did not start: {log_path.read_text()}")


@pytest.fixture(scope="session")
def hub_server(hub_env: dict[str, str], session_graph: Graph) -> Iterator[Hub]:
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    process = start_hub(hub_env, port, TEST_DATA_DIR / f"hub-{port}.log")
    hub = Hub(f"http://127.0.0.1:{port}", process)
    yield hub
    hub.http.close()
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
async def hub(hub_server: Hub, graph: Graph) -> Hub:
    """The running hub over an emptied graph."""
    return hub_server
