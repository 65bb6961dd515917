"""Test harness: a real Neo4j (the embedded launcher) on its own port and data directory, a clean
graph per test, and a real hub process over real sockets for end-to-end tests.

Ports and paths never collide with `make run` (7687, .data/): override with SADARBE_TEST_BOLT_PORT.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from graph import activity, migrations
from graph.activity import ActivityEvent
from graph.driver import Graph, Tx, run
from graph.embedded import REPO_ROOT, EmbeddedNeo4j
from hub.auth import keys
from hub.config import Settings
from tests import live_client

if TYPE_CHECKING:
    from tests.mail_server import MailServer

TEST_BOLT_PORT = int(os.environ.get("SADARBE_TEST_BOLT_PORT", "7688"))
TEST_DATA_DIR = REPO_ROOT / ".data" / f"test-{TEST_BOLT_PORT}"
TEST_PASSWORD = "sadarbe-test-password"
# A bootstrap administrator (HUB_ADMIN_EMAILS): the default test client signs in as this account,
# which needs no Person in the (emptied) graph. Per-role clients: `hub.as_user(email)`.
TEST_ADMIN_EMAIL = "root@sadarbe.test"
# Generous: a shared CI machine can be slow; tests of timeouts set their own.
TEST_QUERY_TIMEOUT_S = float(os.environ.get("SADARBE_TEST_QUERY_TIMEOUT", "120"))


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for bind(0) can be
# taken as the source port of some outgoing connection before the server started on it binds.
_LISTEN_PORTS = range(20000, 32000)


def free_port() -> int:
    """A port nothing listens on now, outside the range outgoing connections draw from."""
    for port in random.sample(_LISTEN_PORTS, 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-31999")


def own_neo4j(name: str) -> EmbeddedNeo4j:
    """A small Neo4j for one test module (not started), on a free port, its data directory
    emptied: for tests that kill it or need a database no other test has touched."""
    server = EmbeddedNeo4j(
        data_dir=TEST_DATA_DIR / name,
        port=free_port(),
        password=TEST_PASSWORD,
        heap="512m",
        pagecache="64m",
    )
    server.stop()
    shutil.rmtree(server.data_dir, ignore_errors=True)
    return server


@pytest.fixture(scope="session", autouse=True)
def no_stores_left_behind() -> Iterator[None]:
    """After the run, delete the Neo4j stores the tests made (the shared one and each test's own),
    keeping their logs: repeated runs must not fill the disk."""
    yield
    for databases in TEST_DATA_DIR.glob("**/data/databases"):
        shutil.rmtree(databases.parent, ignore_errors=True)


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
        "HUB_ADMIN_EMAILS": TEST_ADMIN_EMAIL,
        "NEO4J_QUERY_TIMEOUT": str(TEST_QUERY_TIMEOUT_S),
        # No timed jobs in the shared test hubs (they would write to the graph tests count);
        # the job and notification tests start hubs with their own runner.
        "HUB_JOBS_RUNNER": "false",
    }


@pytest.fixture(scope="session")
async def session_graph(neo4j: EmbeddedNeo4j) -> AsyncIterator[Graph]:
    graph = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD, query_timeout_s=TEST_QUERY_TIMEOUT_S)
    await migrations.migrate(graph)
    yield graph
    await graph.close()


async def wipe(graph: Graph) -> None:
    """Delete all data but keep the schema (constraints, indexes, applied migrations)."""
    await graph.settled()  # the last test's numbering in flight would race the delete
    await graph.write(lambda tx: run(tx, "MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n"))


@pytest.fixture
async def graph(session_graph: Graph) -> Graph:
    """The real graph, emptied before the test."""
    await wipe(session_graph)
    return session_graph


class Hub:
    """A running hub process and a real HTTP client for it, signed in with a bearer token (by
    default as the bootstrap administrator)."""

    def __init__(
        self,
        base_url: str,
        process: subprocess.Popen[bytes],
        env: dict[str, str],
        email: str | None = TEST_ADMIN_EMAIL,
    ) -> None:
        self.base_url = base_url
        self.process = process
        self.env = env
        # The hub's own settings (its port names the dev provider's issuer), to sign its tokens.
        port = base_url.rsplit(":", 1)[1]
        self.settings = Settings(**{**env, "HUB_PORT": port})  # type: ignore[arg-type]
        self.email = email
        headers = {"Authorization": f"Bearer {self.token_for(email)}"} if email else {}
        self.http = httpx.Client(base_url=base_url, timeout=30, headers=headers)

    def token_for(
        self, email: str, subject: str | None = None, ttl_s: int = 3600, email_verified: bool = True
    ) -> str:
        """An access token from the hub's development identity provider: its issuer, a stable
        opaque subject for the account (by default one per e-mail, as for an account with no
        Person; `hub token` and the sign-in page give a Person's account its id), the e-mail, and
        whether the provider verified it."""
        return keys.access_token(
            self.settings,
            email=email,
            subject=subject or keys.dev_subject(email),
            ttl_s=ttl_s,
            email_verified=email_verified,
        )

    def as_user(self, email: str | None) -> Hub:
        """A client for the same hub signed in as `email` (None: anonymous)."""
        return Hub(self.base_url, self.process, self.env, email)

    def ws_init(self, email: str | None = None) -> dict[str, str]:
        """A connection_init payload signing a WebSocket in as `email` (default: this client's)."""
        who = email or self.email
        assert who is not None, "an anonymous client has no token"
        return {"token": self.token_for(who)}

    def stop(self) -> None:
        """Close the client and stop the process (if the test has not already)."""
        self.http.close()
        self.process.terminate()  # a no-op once the process has exited
        self.process.wait(timeout=30)

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


def start_hub(
    env: dict[str, str], port: int, log_path: Path, python: str = sys.executable, cwd: Path = REPO_ROOT
) -> subprocess.Popen[bytes]:
    """`hub serve` on `port` (by default this interpreter's, from the source tree), once healthy."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [python, "-m", "hub", "serve", "--no-seed", "--port", str(port)],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
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


@contextmanager
def served_hub(env: dict[str, str], name: str = "hub") -> Iterator[Hub]:
    """A hub process with `env` on a free port (its log: TEST_DATA_DIR/<name>-<port>.log)."""
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    process = start_hub(env, port, TEST_DATA_DIR / f"{name}-{port}.log")
    hub = Hub(f"http://127.0.0.1:{port}", process, env)
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="session")
def hub_server(hub_env: dict[str, str], session_graph: Graph) -> Iterator[Hub]:
    with served_hub(hub_env) as hub:
        yield hub


@pytest.fixture
async def hub(hub_server: Hub, graph: Graph) -> AsyncIterator[Hub]:
    """The running hub over an emptied graph, holding no WebSocket of an earlier test."""
    await live_client.idle(hub_server.base_url)
    yield hub_server
    await live_client.close_all()


class RedisServer:
    """Debian's redis-server on a free port, without persistence, for multi-hub tests."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian package redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail() -> Iterator[MailServer]:
    """A real SMTP server on a free port (tests/mail_server.py), for the e-mail tests."""
    from tests.mail_server import MailServer

    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def announced(graph: Graph) -> Iterator[list[ActivityEvent]]:
    """What the graph announces after each commit (the hub's live stream hears the same)."""
    heard: list[ActivityEvent] = []
    graph.on_commit = heard.extend
    yield heard
    graph.on_commit = None


async def recorded(tx: Tx, summary: str) -> None:
    """One Activity about entity "x", in `tx`."""
    await activity.record(tx, verb="t", actor_id=None, target_id="x", summary=summary)
