"""A minimal graphql-transport-ws client over `websockets`, to drive the protocol message by
message (close codes included); the `gql` and npm `graphql-ws` clients are tested separately.

A subscription's frames can only be expected for writes made after it started: `started` waits
for the hub to report it (`/healthz/live`), never for a fixed time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from graph import activity
from graph.driver import Graph

PROTOCOL = "graphql-transport-ws"
# Every connection a test opens, closed after it (`close_all`) even when the test failed midway,
# so the next test starts on a hub with no subscription left over.
_OPENED: list[ClientConnection] = []


async def connect(url: str, payload: dict[str, Any] | None = None, **kw: Any) -> ClientConnection:
    ws = await websockets.connect(url, subprotocols=[PROTOCOL], **kw)  # type: ignore[list-item]
    _OPENED.append(ws)
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    ack = await receive(ws)
    assert ack["type"] == "connection_ack", ack
    return ws


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection, wait_s: float = 20) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), wait_s))
    return message


async def subscribe(
    ws: ClientConnection, id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    await send(ws, {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})


async def next_payload(ws: ClientConnection, wait_s: float = 20) -> dict[str, Any]:
    """The payload of the next `next` message (skipping pings)."""
    while True:
        message = await receive(ws, wait_s)
        if message["type"] == "ping":
            await send(ws, {"type": "pong"})
            continue
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        return payload


async def close_code(ws: ClientConnection, wait_s: float = 20) -> tuple[int | None, str]:
    """Read until the server closes; the close code and reason."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), wait_s)
    except websockets.ConnectionClosed as closed:
        rcvd = closed.rcvd
        return (rcvd.code, rcvd.reason) if rcvd else (None, "")


async def close_all() -> None:
    while _OPENED:
        await _OPENED.pop().close()


async def live_stats(base_url: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        stats: dict[str, int] = (await http.get("/healthz/live")).json()
        return stats


async def until(base_url: str, what: str, predicate: Any, within_s: float = 60) -> dict[str, int]:
    """Poll the hub's `/healthz/live` until `predicate(stats)` holds; fail naming `what` if it
    does not within `within_s`."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        stats = await live_stats(base_url)
        if predicate(stats):
            return stats
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: still {stats} after {within_s} s")
        await asyncio.sleep(0.02)


async def started(base_url: str, count: int) -> None:
    """Wait until exactly `count` subscriptions on the hub have read their starting point: a write
    made after this reaches every one of them. Tests begin on an idle hub (`idle`), so the count
    is theirs."""
    await until(base_url, f"{count} started subscriptions", lambda s: s["started"] == count)


async def idle(base_url: str) -> None:
    """Wait until the hub holds no connection and no subscription (those of an earlier test end
    a moment after their sockets close)."""
    await until(base_url, "an idle hub", lambda s: (s["connections"], s["subscriptions"]) == (0, 0))


async def numbered(graph: Graph, seq: int, within_s: float = 60) -> None:
    """Wait until activity up to `seq` is committed and numbered in Neo4j, wherever it was
    written: a subscription that starts after this does not receive it."""
    deadline = asyncio.get_running_loop().time() + within_s
    while (await activity.head(graph)).seq < seq:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"seq {seq} not numbered after {within_s} s")
        await asyncio.sleep(0.02)
