"""Two hub processes sharing Redis: a subscriber on one hears of writes made on the other, in
order, and replay from Neo4j closes the gaps a restarted hub or a dropped Redis leaves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests import live_client as lc
from tests.conftest import Hub, RedisServer
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename, spawned_hub


@pytest.fixture(scope="module")
def replica_pair(hub_env: dict[str, str], redis_server: RedisServer) -> Iterator[tuple[Hub, Hub]]:
    env = {**hub_env, "REDIS_URL": redis_server.url}
    with spawned_hub(env) as a, spawned_hub(env) as b:
        yield a, b


@pytest.fixture
async def replicas(replica_pair: tuple[Hub, Hub], graph: Any) -> AsyncIterator[tuple[Hub, Hub]]:
    """Both hubs over an emptied graph, holding no WebSocket of an earlier test."""
    for hub in replica_pair:
        await lc.idle(hub.base_url)
    yield replica_pair
    await lc.close_all()


async def created(a: Hub, graph: Any, code: str) -> str:
    """An institution made through `a` and numbered before anyone subscribes: a subscription
    started earlier would receive it."""
    id = institution(a, code)
    await lc.numbered(graph, 1)
    return id


async def test_a_subscriber_on_one_hub_receives_mutations_made_on_the_other_in_order(
    replicas: tuple[Hub, Hub], graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(b.base_url, 1)

    for n, hub in enumerate((a, b, a, b)):
        rename(hub, fm, f"name {n}")
    seqs = [item(await lc.next_payload(ws))["activity"]["seq"] for _ in range(4)]

    assert seqs == [2, 3, 4, 5]
    await ws.close()


async def test_a_client_resumes_on_the_other_hub_with_its_cursor_without_gap_or_duplicate(
    replicas: tuple[Hub, Hub], graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(a.ws_url, a.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(a.base_url, 1)
    rename(a, fm, "one")
    cursor = item(await lc.next_payload(ws))["cursor"]
    await ws.close()  # e.g. hub a went away; the client reconnects to b
    rename(a, fm, "two")
    rename(b, fm, "three")

    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm, "after": cursor})
    got = [item(await lc.next_payload(ws)) for _ in range(2)]
    rename(a, fm, "four")
    got.append(item(await lc.next_payload(ws)))

    assert [(g["activity"]["seq"], g["replayed"]) for g in got] == [(3, True), (4, True), (5, False)]
    await ws.close()


async def test_events_committed_while_redis_is_down_arrive_after_it_returns(
    replicas: tuple[Hub, Hub], redis_server: RedisServer, graph: Any
) -> None:
    a, b = replicas
    fm = await created(a, graph, "FM")
    ws = await lc.connect(b.ws_url, b.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": fm})
    await lc.started(b.base_url, 1)

    redis_server.stop()
    rename(a, fm, "while redis is down")  # committed on a; b cannot hear of it yet
    redis_server.start()
    got = item(await lc.next_payload(ws, wait_s=30))  # b re-subscribes and replays from Neo4j

    assert (got["activity"]["seq"], got["replayed"]) == (2, False)
    rename(a, fm, "after")
    assert item(await lc.next_payload(ws, wait_s=30))["activity"]["seq"] == 3
    await ws.close()
