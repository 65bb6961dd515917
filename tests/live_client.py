"""A minimal graphql-transport-ws client over `websockets`, to drive the protocol message by
message (close codes included); the `gql` and npm `graphql-ws` clients are tested separately."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

PROTOCOL = "graphql-transport-ws"


async def connect(url: str, payload: dict[str, Any] | None = None, **kw: Any) -> ClientConnection:
    ws = await websockets.connect(url, subprotocols=[PROTOCOL], **kw)  # type: ignore[list-item]
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
