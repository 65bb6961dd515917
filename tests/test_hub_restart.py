"""A hub killed (SIGKILL) or shut down under connected subscribers, while writes keep going through
another hub sharing Redis: the clients reconnect with their last cursor and receive every event
exactly once, in order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets

from tests import live_client as lc
from tests.conftest import TEST_DATA_DIR, Hub, RedisServer, free_port, served_hub, start_hub
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename

WRITES = 40
SUBSCRIBERS = 3


@pytest.fixture
def writer_hub(hub_env: dict[str, str], redis_server: RedisServer) -> Iterator[Hub]:
    with served_hub({**hub_env, "REDIS_URL": redis_server.url}) as hub:
        yield hub


class Follower:
    """A client that follows one institution's feed across disconnects: on any loss of the
    connection it reconnects to the same URL and resubscribes after its last cursor."""

    def __init__(self, url: str, init: dict[str, str], institution_id: str, last_seq: int) -> None:
        self.url, self.init, self.institution_id, self.last_seq = url, init, institution_id, last_seq
        self.received: list[tuple[int, bool]] = []  # (seq, replayed)
        self.close_codes: list[int | None] = []
        self.cursor: str | None = None
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                ws = await lc.connect(self.url, self.init, open_timeout=5)
            except (OSError, TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                await asyncio.sleep(0.2)  # the hub is down or still starting: try again
                continue
            variables = {"id": self.institution_id, "after": self.cursor}
            await lc.subscribe(ws, "1", INSTITUTION_FEED, variables)
            self.subscribed.set()
            try:
                while True:
                    got = item(await lc.next_payload(ws, wait_s=120))
                    self.received.append((got["activity"]["seq"], got["replayed"]))
                    self.cursor = got["cursor"]
                    if got["activity"]["seq"] >= self.last_seq:
                        await ws.close()
                        return
            except websockets.ConnectionClosed as closed:
                self.close_codes.append(closed.rcvd.code if closed.rcvd else None)


def write_in_background(hub: Hub, institution_id: str, first: int, count: int) -> Callable[[], None]:
    """Renames through `hub` in a thread, ~20 a second; returns a join that re-raises failures."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for n in range(first, first + count):
                rename(hub, institution_id, f"name {n}")
        except BaseException as exc:  # reported by join()
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()

    def join() -> None:
        thread.join(timeout=300)
        assert not thread.is_alive(), "the writer did not finish"
        if errors:
            raise errors[0]

    return join


async def follow_through(
    hub: Hub, writer: Hub, graph: Any, fm: str, interrupt: Callable[[], None]
) -> list[Follower]:
    """Subscribers on `hub`; writes through `writer`; `interrupt` the hub a quarter of the way in."""
    last_seq = 1 + WRITES  # the institution is seq 1, each rename one more
    await lc.numbered(graph, 1)  # the institution: before anyone starts after it
    followers = [Follower(hub.ws_url, hub.ws_init(), fm, last_seq) for _ in range(SUBSCRIBERS)]
    tasks = [asyncio.ensure_future(f.run()) for f in followers]
    await asyncio.wait_for(asyncio.gather(*(f.subscribed.wait() for f in followers)), 30)
    await lc.started(hub.base_url, SUBSCRIBERS)

    join = write_in_background(writer, fm, 0, WRITES // 4)
    await asyncio.to_thread(join)
    # Everyone has a cursor before the interruption (one without would restart from the head).
    for _ in range(300):
        if all(len(f.received) >= WRITES // 4 for f in followers):
            break
        await asyncio.sleep(0.1)
    await asyncio.to_thread(interrupt)
    join = write_in_background(writer, fm, WRITES // 4, WRITES - WRITES // 4)
    await asyncio.wait_for(asyncio.gather(*tasks), 240)
    await asyncio.to_thread(join)
    return followers


class Restart:
    """Starts the hub again on its port in a background thread, while writes go on through the
    other hub. `stop` waits for that start before terminating the restarted hub: the followers can
    finish on it before `start_hub` has seen it healthy, and a hub started after the test's
    cleanup would outlive the test."""

    def __init__(self, hub: Hub, env: dict[str, str], port: int) -> None:
        self.hub, self.env, self.port = hub, env, port
        self.restarted: Hub | None = None
        self._thread = threading.Thread(target=self._run)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
        process = start_hub(self.env, self.port, TEST_DATA_DIR / f"hub-{self.port}-restarted.log")
        self.restarted = Hub(self.hub.base_url, process, self.env)

    def stop(self) -> None:
        if self._thread.ident is not None:  # started; start_hub gives up after 60 s
            self._thread.join(timeout=90)
        if self.restarted is not None:
            self.restarted.process.terminate()
            self.restarted.process.wait(timeout=30)


async def test_subscribers_of_a_killed_hub_resume_from_their_cursors_with_every_event_once_in_order(
    hub_env: dict[str, str], redis_server: RedisServer, writer_hub: Hub, graph: Any
) -> None:
    env = {**hub_env, "REDIS_URL": redis_server.url}
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    doomed = Hub(f"http://127.0.0.1:{port}", start_hub(env, port, TEST_DATA_DIR / f"hub-{port}.log"), env)
    restart = Restart(doomed, env, port)
    fm = institution(writer_hub, "FM")

    def kill_and_restart() -> None:
        doomed.process.kill()  # SIGKILL: no close frames, no cleanup
        doomed.process.wait(timeout=30)
        restart.start()

    try:
        followers = await follow_through(doomed, writer_hub, graph, fm, kill_and_restart)
    finally:
        doomed.http.close()
        restart.stop()

    for follower in followers:
        assert [seq for seq, _ in follower.received] == list(range(2, 2 + WRITES))
        assert follower.close_codes == [None]  # killed: the connection just dropped
        assert any(replayed for _, replayed in follower.received)  # the missed ones came by replay


async def test_subscribers_of_a_hub_shut_down_get_1012_and_resume_on_the_restarted_hub_without_gap(
    hub_env: dict[str, str], redis_server: RedisServer, writer_hub: Hub, graph: Any
) -> None:
    env = {**hub_env, "REDIS_URL": redis_server.url}
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    stopping = Hub(f"http://127.0.0.1:{port}", start_hub(env, port, TEST_DATA_DIR / f"hub-{port}.log"), env)
    restart = Restart(stopping, env, port)
    fm = institution(writer_hub, "FM")

    def shut_down_and_restart() -> None:
        stopping.process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        stopping.process.wait(timeout=30)
        restart.start()

    try:
        followers = await follow_through(stopping, writer_hub, graph, fm, shut_down_and_restart)
    finally:
        stopping.http.close()
        restart.stop()

    for follower in followers:
        assert [seq for seq, _ in follower.received] == list(range(2, 2 + WRITES))
        assert follower.close_codes == [1012]
