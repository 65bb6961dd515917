"""A hub process logging at info, and what it logged while a test ran: for tests that a refusal is
logged as the client's error (at info, without a traceback) and not as the hub's."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.driver import Graph
from tests.conftest import TEST_DATA_DIR, Hub, free_port, start_hub

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HubLog:
    def __init__(self, path: Path, base_url: str) -> None:
        self.path = path
        self.base_url = base_url

    def mark(self) -> int:
        return self.path.stat().st_size

    def since(self, mark: int) -> str:
        """Everything logged from `mark` up to now: a request to /healthz with a fresh id is a
        barrier, its access line comes after whatever the requests before it logged."""
        barrier = os.urandom(8).hex()
        httpx.get(f"{self.base_url}/healthz", headers={"x-request-id": barrier}, timeout=10)
        deadline = time.monotonic() + 10
        while True:
            with self.path.open("rb") as log:
                log.seek(mark)
                text = _ANSI.sub("", log.read().decode(errors="replace"))
            if f"request_id={barrier}" in text or time.monotonic() > deadline:
                return text
            time.sleep(0.05)


class LoggedHub(Hub):
    log: HubLog


def assert_logged_as_refusal(text: str, code: str) -> None:
    """One info line naming the refusal's code; no error line, no traceback."""
    assert re.search(rf"\[info\s*\] request refused .*code={code}", text), text
    assert "Traceback" not in text, text
    assert "[error" not in text, text
    assert "Exception in worker task" not in text, text


@pytest.fixture(scope="module")
def logged_hub_server(hub_env: dict[str, str], session_graph: Graph) -> Iterator[LoggedHub]:
    port = free_port()
    path = TEST_DATA_DIR / f"hub-info-{port}.log"
    env = {**hub_env, "HUB_LOG_LEVEL": "info", "PYTHONUNBUFFERED": "1"}
    hub = LoggedHub(f"http://127.0.0.1:{port}", start_hub(env, port, path), env)
    hub.log = HubLog(path, hub.base_url)
    yield hub
    hub.http.close()
    hub.process.terminate()
    hub.process.wait(timeout=30)


@pytest.fixture
def logged_hub(logged_hub_server: LoggedHub, graph: Graph) -> LoggedHub:
    """A hub logging at info, over an emptied graph."""
    return logged_hub_server
