"""Concurrent callers asking the same read share one (single flight), and few reads run at once.

A burst of connections (thousands of clients reconnecting after a deploy, all signing in with a
handful of accounts) would otherwise make one Neo4j read per connection at the same moment,
exhaust the driver's pool and refuse connections with DATABASE_UNAVAILABLE. Sharing the read of an
equal key costs no freshness beyond the one read in flight, and bounding the reads running at
once keeps the rest of the pool for queries: the others wait here, in order, instead of timing
out on the driver's pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self, limit: int) -> None:
        self._limit = asyncio.Semaphore(limit)
        self._in_flight: dict[Hashable, asyncio.Future[T]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        future = self._in_flight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._read(key, read))
            self._in_flight[key] = future
        # shield: one caller going away (its socket closed) must not cancel the others' read
        return await asyncio.shield(future)

    async def _read(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        try:
            async with self._limit:
                return await read()
        finally:
            del self._in_flight[key]
