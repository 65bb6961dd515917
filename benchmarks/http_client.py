"""The load generator's HTTP client: one keep-alive HTTP/1.1 connection per closed-loop client,
requests encoded once per input, responses parsed by httptools (the C parser uvicorn uses).

The generator shares the machine with the servers it measures, so every CPU-millisecond it
spends is taken from them. aiohttp spent a sizeable share of what the hub itself spent per
request; this client spends a fraction of that (its CPU is in each report, docs/benchmarks.md),
which leaves the cores to the contenders, all of them alike.
"""

from __future__ import annotations

import asyncio
from typing import cast
from urllib.parse import urlsplit

import httptools
import orjson


class HttpError(Exception):
    pass


class Connection(asyncio.Protocol):
    """One request at a time on one socket, as a closed-loop client sends them."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.chunks: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass of it

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"unreadable response: {exc}"))

    def on_body(self, body: bytes) -> None:  # httptools' callback
        self.chunks.append(body)

    def on_message_complete(self) -> None:  # httptools' callback
        body, self.chunks = b"".join(self.chunks), []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result((self.parser.get_status_code(), body))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(HttpError(f"connection closed: {exc}"))

    def _fail(self, error: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    @property
    def closed(self) -> bool:
        return self.transport is None or self.transport.is_closing()

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """The status and body of the response to one encoded request."""
        if self.transport is None or self.closed:
            raise HttpError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


class Client:
    """POSTs JSON to one URL over connections of its own; `session()` is one closed-loop client's."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path, self.netloc = parts.path or "/", parts.netloc
        self.headers = {"Content-Type": "application/json", **headers}

    def encode(self, payload: object, headers: dict[str, str] | None = None) -> bytes:
        """One whole request: `headers` add to or replace the client's."""
        body = orjson.dumps(payload)
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.netloc}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (self.headers | (headers or {})).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def session(self) -> Session:
        return Session(self)


class Session:
    """One client's connection, opened on first use and again after a failure."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.connection: Connection | None = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.connection is None or self.connection.closed:
            loop = asyncio.get_running_loop()
            _, self.connection = await loop.create_connection(Connection, self.client.host, self.client.port)
        return await self.connection.send(request)
