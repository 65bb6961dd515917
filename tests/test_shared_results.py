"""The shared execution of subscription results (hub/api/shared_results.py), in process: a tiny
schema with the hub's executor, so the timing of a waiter going away can be controlled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry

from graph.access import Viewer
from hub.api.shared_results import SharedData, SharedSubscriptionResults

executions: list[int] = []
release = asyncio.Event()


@strawberry.type
class Event:
    seq: int
    share_key: strawberry.Private[tuple[str, int, bool] | None] = None

    @strawberry.field
    async def slow(self) -> int:
        executions.append(self.seq)
        await release.wait()
        return self.seq * 10


@dataclass
class Feed:
    queues: list[asyncio.Queue[Event]] = field(default_factory=list)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, info: strawberry.Info) -> AsyncGenerator[Event, None]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        info.context["feed"].queues.append(queue)
        while True:
            yield await queue.get()


schema = strawberry.Schema(
    query=Query, subscription=Subscription, execution_context_class=SharedSubscriptionResults
)
DOCUMENT = "subscription { events { seq slow } }"


class Context(dict[str, Any]):
    @property
    def viewer(self) -> Viewer:
        return Viewer.anonymous()


async def subscriber(feed: Feed) -> Any:
    stream = await schema.subscribe(DOCUMENT, context_value=Context(feed=feed))
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    return stream


async def test_a_subscriber_going_away_mid_execution_does_not_cancel_the_others_result() -> None:
    executions.clear()
    release.clear()
    feed = Feed()
    first, second = await subscriber(feed), await subscriber(feed)
    leaving = asyncio.ensure_future(first.__anext__())
    staying = asyncio.ensure_future(second.__anext__())
    while len(feed.queues) < 2:
        await asyncio.sleep(0.01)
    for queue in feed.queues:
        queue.put_nowait(Event(seq=1, share_key=("e", 1, False)))
    while not executions:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # both wait on the one execution now

    leaving.cancel()
    release.set()
    result = await asyncio.wait_for(staying, 5)

    assert result.errors is None
    assert result.data == {"events": {"seq": 1, "slow": 10}}
    assert isinstance(result.data, SharedData)
    assert executions == [1]  # one execution for both
    assert leaving.cancelled()
