"""Brokers carry committed activity events between hub processes.

`LocalBroker` (the default) hands events straight back to this process. `RedisBroker` publishes
them on one Redis pub/sub channel that every hub process listens to, so a subscriber on one
process hears of writes made on another. Redis pub/sub is fire-and-forget: a message lost while a
connection was down is not redelivered, so after every (re)subscription the hub re-reads what it
missed from Neo4j (`on_connected`), and a gap seen later in the seq order is filled the same way.

The same channel carries notices that are not activity (a browser session signed out): a JSON
object where events are a JSON list. A notice lost with a connection is not replayed; it
concerns sockets open at that moment, and a signed-out session signs no new socket in.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from typing import Any, Protocol

import structlog
from redis import asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graph.activity import ActivityEvent
from hub import redis_client

log = structlog.get_logger(__name__)

Deliver = Callable[[list[ActivityEvent]], None]
Connected = Callable[[], Awaitable[None]]
Notice = dict[str, Any]
Noticed = Callable[[Notice], None]


class Broker(Protocol):
    async def start(self, deliver: Deliver, on_connected: Connected, on_notice: Noticed) -> None: ...
    def publish(self, events: list[ActivityEvent]) -> None: ...
    def announce(self, notice: Notice) -> None: ...
    async def close(self) -> None: ...


class LocalBroker:
    """One process: what this process commits is all there is to hear."""

    async def start(self, deliver: Deliver, on_connected: Connected, on_notice: Noticed) -> None:
        await on_connected()

    def publish(self, events: list[ActivityEvent]) -> None:
        """Nothing to do: the committing process has already delivered its events itself."""

    def announce(self, notice: Notice) -> None:
        """Nothing to do: the announcing process has already acted on it itself."""

    async def close(self) -> None:
        return None


def encode(events: list[ActivityEvent]) -> str:
    return json.dumps(
        [
            {
                "epoch": e.epoch,
                "seq": e.seq,
                "scopeIds": list(e.scope_ids),
                "teamScoped": e.team_scoped,
                "activity": {**e.activity, "at": e.activity["at"].isoformat()},
            }
            for e in events
        ]
    )


def decode(items: list[dict[str, Any]]) -> list[ActivityEvent]:
    return [
        ActivityEvent(
            i["epoch"],
            int(i["seq"]),
            tuple(i["scopeIds"]),
            bool(i["teamScoped"]),
            {**i["activity"], "at": datetime.fromisoformat(i["activity"]["at"])},
        )
        for i in items
    ]


_REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisBroker:
    CHANNEL = "sadarbe:activity"
    MAX_BACKOFF_S = 5.0
    # A publish can fail while the listeners stay connected; a periodic read of what was
    # committed since the last delivered seq bounds how long such an event can be late.
    CATCH_UP_EVERY_S = 5.0

    def __init__(self, url: str, client: aioredis.Redis) -> None:
        # Publishing: the process's command client (hub/redis_client.py), which its owner closes.
        self._client = client
        # Listening: no silent retries, so every lost connection surfaces in `_listen`, which
        # re-subscribes and then replays from Neo4j what was committed meanwhile.
        self._listen_client = redis_client.subscriber(url)
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None

    async def start(self, deliver: Deliver, on_connected: Connected, on_notice: Noticed) -> None:
        self._listener = asyncio.create_task(self._listen(deliver, on_connected, on_notice))
        self._ticker = asyncio.create_task(self._tick(on_connected))

    async def _tick(self, catch_up: Connected) -> None:
        while True:
            await asyncio.sleep(self.CATCH_UP_EVERY_S)
            try:
                await catch_up()
            except Exception:
                log.exception("periodic live catch-up failed")

    async def _listen(self, deliver: Deliver, on_connected: Connected, on_notice: Noticed) -> None:
        backoff = 0.1
        while True:
            pubsub = self._listen_client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.CHANNEL)
                backoff = 0.1
                await on_connected()  # close whatever gap the (re)connection left
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        try:
                            data = json.loads(message["data"])
                            if isinstance(data, dict):
                                on_notice(data)
                            else:
                                deliver(decode(data))
                        except (ValueError, KeyError, TypeError):
                            log.warning("ignored a malformed live event", data=str(message["data"])[:200])
            except _REDIS_ERRORS as exc:
                log.warning("redis broker connection lost; reconnecting", error=str(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.MAX_BACKOFF_S)
            finally:
                with suppress(*_REDIS_ERRORS):
                    await pubsub.aclose()

    def publish(self, events: list[ActivityEvent]) -> None:
        self._send(encode(events))

    def announce(self, notice: Notice) -> None:
        self._send(json.dumps(notice))

    def _send(self, data: str) -> None:
        task = asyncio.create_task(self._publish(data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, data: str) -> None:
        try:
            await self._client.publish(self.CHANNEL, data)
        except _REDIS_ERRORS as exc:
            # Other processes fill the gap from Neo4j when they see the next seq or reconnect.
            log.warning("redis publish failed; other hubs will replay from Neo4j", error=str(exc))

    async def close(self) -> None:
        for background in (self._listener, self._ticker):
            if background:
                background.cancel()
                with suppress(asyncio.CancelledError):
                    await background
        for task in list(self._tasks):
            with suppress(Exception):
                await asyncio.wait_for(task, 1)
        await self._listen_client.aclose()
