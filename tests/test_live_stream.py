"""The per-process live stream: strict seq order, gaps filled from Neo4j, duplicates dropped,
a bounded queue per subscriber, a resync when the activity history is reset."""

from __future__ import annotations

import asyncio
import json

import pytest

from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.driver import Graph, count_queries
from graph.errors import ResyncRequired
from hub.live.broker import LocalBroker, decode, encode
from hub.live.stream import ALL, LiveStream, SlowConsumer
from tests import builders
from tests.conftest import wipe


async def _events(graph: Graph, codes: tuple[str, ...]) -> list[ActivityEvent]:
    heard: list[ActivityEvent] = []
    graph.on_commit = heard.extend
    try:
        for code in codes:
            await builders.institution(graph, code)
        await graph.settled()
    finally:
        graph.on_commit = None
    return heard


async def test_an_event_that_overtakes_a_missing_one_waits_and_the_gap_is_read_from_neo4j(
    graph: Graph,
) -> None:
    events = await _events(graph, ("A", "B", "C"))
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)
    stream.epoch, stream.last = events[0].epoch, 0
    closed: list[str] = []

    async with stream.subscribe(ALL, Viewer.system(), closed.append) as sub:
        stream.ingest([events[0], events[2]])  # seq 2 never arrives through the broker
        got = [(await asyncio.wait_for(sub.next(), 10)).seq for _ in range(3)]

    assert got == [1, 2, 3]
    assert closed == []


async def test_a_duplicate_event_is_delivered_once(graph: Graph) -> None:
    events = await _events(graph, ("A", "B", "C"))
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)
    stream.epoch, stream.last = events[0].epoch, 0

    async with stream.subscribe(ALL, Viewer.system(), lambda _: None) as sub:
        stream.ingest([events[0]])
        stream.ingest([events[0], events[1]])
        stream.ingest([events[1]])
        stream.ingest([events[2]])  # after the duplicates: they would come before it
        got = [(await asyncio.wait_for(sub.next(), 10)).seq for _ in range(3)]

    assert got == [1, 2, 3]


async def test_a_full_queue_fails_the_subscription_and_asks_to_close_the_connection(graph: Graph) -> None:
    events = await _events(graph, ("A", "B", "C"))
    stream = LiveStream(graph, LocalBroker(), queue_size=2, gap_wait_s=0.05)
    stream.epoch, stream.last = events[0].epoch, 0
    closed: list[str] = []

    async with stream.subscribe(ALL, Viewer.system(), closed.append) as sub:
        stream.ingest(events)
        with pytest.raises(SlowConsumer):
            await sub.next()

    assert closed == ["slow consumer: more than 2 events waiting"]
    assert stream.subscriptions == 0


async def test_a_reset_history_asks_its_subscribers_to_resync(graph: Graph) -> None:
    old = await _events(graph, ("A",))
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)
    stream.epoch, stream.last = old[0].epoch, 1

    async with stream.subscribe(ALL, Viewer.system(), lambda _: None) as sub:
        stream.bind(sub, old[0].epoch)
        await wipe(graph)  # the counter goes: the next activity starts a new history
        stream.ingest(await _events(graph, ("B",)))
        with pytest.raises(ResyncRequired, match="history was reset"):
            await asyncio.wait_for(sub.next(), 10)


async def test_a_subscriber_starting_on_a_history_this_process_has_not_heard_of_follows_it(
    graph: Graph,
) -> None:
    old = await _events(graph, ("A",))
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)
    stream.epoch, stream.last = old[0].epoch, 1
    await wipe(graph)
    first = await _events(graph, ("B",))  # its announcement has not reached this process

    async with stream.subscribe(ALL, Viewer.system(), lambda _: None) as sub:
        head = await stream.committed_head()
        stream.bind(sub, head.epoch)
        stream.ingest(first + await _events(graph, ("C",)))
        got = [await asyncio.wait_for(sub.next(), 10) for _ in range(2)]

    assert head.epoch == first[0].epoch != old[0].epoch
    assert [(e.epoch, e.seq) for e in got] == [(head.epoch, 1), (head.epoch, 2)]


async def test_events_survive_the_redis_encoding(graph: Graph) -> None:
    events = await _events(graph, ("A",))

    assert decode(json.loads(encode(events))) == events


async def test_concurrent_subscribers_share_one_read_of_the_committed_head(graph: Graph) -> None:
    await builders.institution(graph, "FM")
    await builders.institution(graph, "TM")
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)

    with count_queries() as counter:
        heads = [h.seq for h in await asyncio.gather(*(stream.committed_head() for _ in range(50)))]

    assert (heads, counter.queries) == ([2] * 50, 1)


async def test_a_subscriber_arriving_while_the_head_is_being_read_waits_for_a_read_that_starts_after_it(
    graph: Graph,
) -> None:
    await builders.institution(graph, "FM")
    stream = LiveStream(graph, LocalBroker(), queue_size=10, gap_wait_s=0.05)

    with count_queries() as counter:
        first = asyncio.ensure_future(stream.committed_head())
        await asyncio.sleep(0)  # the first read has started
        await asyncio.sleep(0)
        later = [asyncio.ensure_future(stream.committed_head()) for _ in range(5)]
        heads = [h.seq for h in await asyncio.gather(first, *later)]

    # One read for the first caller, and one more, started after it, shared by the five later ones.
    assert (heads, counter.queries) == ([1] * 6, 2)
