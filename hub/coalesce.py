"""Concurrent callers asking the same read share one (single flight), and few reads run at once.

A burst of connections (thousands of clients reconnecting after a deploy, all signing in with a
handful of accounts) would otherwise make one Neo4j read per connection at the same moment,
exhaust the driver's pool and refuse connections with DATABASE_UNAVAILABLE. Bounding the reads
running at once keeps the rest of the pool for queries: the others wait here, in order, instead of
timing out on the driver's pool.

A caller shares only a read that starts after it asked: one that joins a read already running
waits for the next, which starts when that one ends and serves everyone who asked meanwhile. So a
change committed before a caller asked is never hidden from it: a sign-in just after an account was
archived is refused, and a live socket checked again after a revocation (hub/live/access.py) sees
it. A burst still costs one read per key at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self, limit: int) -> None:
        self._limit = asyncio.Semaphore(limit)
        self._next: dict[Hashable, asyncio.Future[T]] = {}  # per key: the read not started yet
        self._running: dict[Hashable, asyncio.Task[None]] = {}  # per key: the read in flight
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        future = self._next.get(key)
        if future is None:
            future = self._next[key] = asyncio.get_running_loop().create_future()
            # Retrieved even when every caller went away before it ended.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            task = asyncio.ensure_future(self._read(key, future, read, self._running.get(key)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # shield: one caller going away (its socket closed) must not cancel the others' read
        return await asyncio.shield(future)

    async def _read(
        self,
        key: Hashable,
        future: asyncio.Future[T],
        read: Callable[[], Awaitable[T]],
        after: asyncio.Task[None] | None,
    ) -> None:
        if after is not None:  # one read of a key at a time: this one starts when that one ends
            await asyncio.wait({after})
        async with self._limit:
            del self._next[key]  # it starts now: later callers wait for the next one
            task = asyncio.current_task()
            assert task is not None
            self._running[key] = task
            try:
                future.set_result(await read())
            except Exception as exc:
                future.set_exception(exc)
            finally:
                if self._running.get(key) is task:
                    del self._running[key]
