"""How a hub process connects to Redis (REDIS_URL), which its processes share: the live fan-out
(hub/live/broker.py) and the rate limit's buckets (hub/limits.py).

One command client per process, made when the app starts and closed when it stops (hub/app.py's
lifespan) and handed to both. Its pool gives each command a connection of its own, so a slow
command holds up no other. A pub/sub subscription holds its connection for as long as it listens,
so it has a client of its own (`subscriber`).
"""

from __future__ import annotations

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

CONNECT_TIMEOUT_S = 2.0


def connect(url: str) -> aioredis.Redis:
    """The client for commands. One that finds its connection lost, or waits for an answer longer
    than the socket timeout, is sent again (with backoff) up to three times; a caller that must
    answer sooner bounds its own wait (hub/limits.py)."""
    return aioredis.Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=CONNECT_TIMEOUT_S,
    )


def subscriber(url: str) -> aioredis.Redis:
    """A client for pub/sub listening: no silent retries, so every lost connection surfaces to the
    listener (which then re-reads what it missed); the health check finds one that died quietly."""
    return aioredis.Redis.from_url(
        url,
        retry=Retry(NoBackoff(), retries=0),
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        health_check_interval=15,
    )
