"""Stopping `hub serve` stops what it started: SIGTERM and SIGINT under load (requests in flight,
open WebSockets), during start-up, and even SIGKILL leave no embedded Neo4j behind.

Each test runs `hub serve` as a real process with its own embedded Neo4j on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.embedded import EmbeddedNeo4j
from tests import live_client as lc
from tests.conftest import REPO_ROOT, TEST_ADMIN_EMAIL, TEST_PASSWORD, Hub, free_port, own_neo4j

START_TIMEOUT_S = 300  # an embedded Neo4j on a loaded 2-core machine
STOP_TIMEOUT_S = 90  # uvicorn's graceful shutdown (5 s) and Neo4j's clean stop


class Served:
    """`hub serve` with its embedded Neo4j, started as an operator would."""

    def __init__(self, name: str) -> None:
        self.neo4j: EmbeddedNeo4j = own_neo4j(f"{name}/neo4j")  # where `hub serve` puts it
        self.port = free_port()
        self.log = self.neo4j.data_dir.parent / "hub.log"
        self.env = {
            "HUB_MODE": "development",
            "HUB_DATA_DIR": str(self.neo4j.data_dir.parent),
            "HUB_NEO4J_BOLT_PORT": str(self.neo4j.port),
            "HUB_NEO4J_HEAP": "512m",
            "HUB_NEO4J_PAGECACHE": "64m",
            "NEO4J_PASSWORD": TEST_PASSWORD,
            "HUB_ADMIN_EMAILS": TEST_ADMIN_EMAIL,
            "HUB_LOG_LEVEL": "warning",
            # A short-lived server: the JIT's first tier only, about half the start-up CPU (infra/neo4j).
            "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1",
        }
        self.neo4j.data_dir.parent.mkdir(parents=True, exist_ok=True)
        environ = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"}  # the embedded one
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(self.port)],
                env={**environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_serving(self) -> Hub:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return Hub(self.base_url, self.process, self.env)
            time.sleep(0.3)
        raise AssertionError(f"hub serve did not start: {self.log.read_text()}")

    def wait_for_launcher_process(self) -> int:
        """The launcher's pid, as soon as `hub serve` has started it (before it is ready)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if launchers := [pid for pid in children(self.process.pid) if "java" in command(pid)]:
                return launchers[0]
            time.sleep(0.05)
        raise AssertionError(f"hub serve started no launcher: {self.log.read_text()}")

    def exit_code(self) -> int:
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"hub serve did not exit: {self.log.read_text()}") from None

    def cleanup(self) -> None:
        """After a failure too: no process of this test outlives it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]:
            if str(self.neo4j.data_dir) in command(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    server = Served(f"serve-{re.sub(r'[^a-zA-Z0-9]+', '-', request.node.name)[5:60]}-{free_port()}")
    yield server
    server.cleanup()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # Fields after the command name (which may hold spaces): state, then the parent pid.
                if int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running (a zombie left for its parent to reap has stopped)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def assert_neo4j_gone(launcher: int, neo4j: EmbeddedNeo4j, within_s: float = 0) -> None:
    deadline = time.monotonic() + within_s
    while alive(launcher) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(launcher), f"launcher {launcher} still runs: {command(launcher)}"
    assert not port_open(neo4j.port), "the Neo4j Bolt port still accepts connections"
    assert not neo4j.pid_file.exists(), "launcher.pid left behind: Neo4j did not stop cleanly"


class Load:
    """Clients that keep `hub serve` busy: readers and writers over HTTP, back to back, and
    WebSockets with a live subscription each."""

    def __init__(self, hub: Hub, clients: int = 6, sockets: int = 4) -> None:
        self.hub = hub
        self.clients = clients
        self.sockets = sockets
        self.in_flight = 0
        self.answered = 0
        self.close_codes: list[int | None] = []
        self.stopping = False
        self.tasks: list[asyncio.Task[None]] = []
        self.subscribed = 0

    async def start(self) -> None:
        token = self.hub.token_for(TEST_ADMIN_EMAIL)
        headers = {"Authorization": f"Bearer {token}"}
        self.tasks = [asyncio.create_task(self._client(n, headers)) for n in range(self.clients)]
        self.tasks += [asyncio.create_task(self._socket(token)) for _ in range(self.sockets)]
        deadline = time.monotonic() + 60
        while (
            self.answered < 3 * self.clients or self.subscribed < self.sockets
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert self.subscribed == self.sockets and self.answered >= 3 * self.clients

    async def _client(self, n: int, headers: dict[str, str]) -> None:
        write = "mutation($n: String!) { createSkill(input: {name: $n}) { id } }"
        read = "{ people(first: 50) { nodes { id name } } skills(first: 50) { nodes { id } } }"
        async with httpx.AsyncClient(base_url=self.hub.base_url, headers=headers, timeout=30) as client:
            i = 0
            while not self.stopping:
                i += 1
                body = (
                    {"query": write, "variables": {"n": f"Skill {n}-{i}"}} if i % 3 == 0 else {"query": read}
                )
                self.in_flight += 1
                try:
                    await client.post("/graphql", json=body)
                    self.answered += 1
                except httpx.TransportError:
                    return  # the hub is gone
                finally:
                    self.in_flight -= 1

    async def _socket(self, token: str) -> None:
        async with await lc.connect(self.hub.ws_url, {"token": token}) as ws:
            await lc.subscribe(ws, "1", "subscription { issueMapChanges { cursor } }")
            self.subscribed += 1
            code, _ = await lc.close_code(ws, wait_s=STOP_TIMEOUT_S)
            self.close_codes.append(code)

    async def stop(self) -> None:
        self.stopping = True
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), STOP_TIMEOUT_S)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_under_load_stops_the_hub_and_its_embedded_neo4j(served: Served, signum: int) -> None:
    hub = served.wait_until_serving()
    launcher = served.neo4j.running_pid()
    assert launcher is not None and alive(launcher)
    load = Load(hub)
    await load.start()
    assert load.in_flight > 0

    served.process.send_signal(signum)
    code = await asyncio.to_thread(served.exit_code)
    await load.stop()

    assert code == 128 + signum, served.log.read_text()
    assert_neo4j_gone(launcher, served.neo4j)  # gone by the time the hub has exited
    assert not port_open(served.port)
    assert load.close_codes == [1012] * load.sockets  # "service restart": clients reconnect elsewhere


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_neo4j_starts_stops_its_launcher(served: Served, signum: int) -> None:
    launcher = served.wait_for_launcher_process()

    served.process.send_signal(signum)

    assert served.exit_code() == 128 + signum, served.log.read_text()
    assert_neo4j_gone(launcher, served.neo4j)


def test_a_killed_hub_leaves_no_neo4j_running(served: Served) -> None:
    served.wait_until_serving()
    launcher = served.neo4j.running_pid()
    assert launcher is not None

    served.process.kill()  # SIGKILL: the hub runs no cleanup at all
    served.process.wait(timeout=30)

    assert_neo4j_gone(launcher, served.neo4j, within_s=STOP_TIMEOUT_S)  # it notices its owner is gone
