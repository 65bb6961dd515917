"""uvicorn's WebSocket protocol, made to end a connection whose peer stopped reading.

uvicorn (0.54, websockets sans-I/O) waits for the transport to be writable before every send,
the close frame included, and closes the transport gracefully, which waits for the write buffer
to drain. Against a peer that stopped reading (a full TCP window) both wait forever: a slow
consumer closed with 1013 would keep its connection, its subscriptions and its tasks. Here a
close frame that cannot be written within `CLOSE_TIMEOUT_S` aborts the transport instead, and a
connection still open `CLOSE_TIMEOUT_S` after its close frame went out (or after the app ended)
is aborted too. Aborting makes uvicorn report the disconnect to the app, which frees the rest.

The kernel's send buffer is capped per connection (`SEND_BUFFER_BYTES`): Linux autotunes it up
to 4 MiB, so a client that stops reading would hold that much of the hub's memory before the
subscription queues even notice; capped, a slow consumer is found after about 256 KiB.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from asyncio import BaseTransport
from contextlib import suppress

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.protocol import State

log = logging.getLogger("uvicorn.error")

SEND_TEXT_NOW = (
    "sadarbe.send_text_now"  # scope["extensions"] key: BoundedCloseWebSocketProtocol.send_text_now
)


class TextFrame:
    """One text message (UTF-8) to write to many sockets, with its wire form made once.

    A server's frame is unmasked, and without a negotiated extension it is the same bytes on
    every connection: websockets serialises it here once, instead of once per socket."""

    __slots__ = ("text", "wire")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.wire = Frame(Opcode.TEXT, text).serialize(mask=False)


class BoundedCloseWebSocketProtocol(WebSocketsSansIOProtocol):
    CLOSE_TIMEOUT_S = 5.0
    SEND_BUFFER_BYTES = 128 * 1024  # Linux doubles it for bookkeeping

    def connection_made(self, transport: BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.SEND_BUFFER_BYTES)

    async def send(self, message: ASGISendEvent) -> None:
        closing = message["type"] == "websocket.close" and self.handshake_complete
        if closing and not self.disconnected and not self.writable.is_set():
            try:
                await asyncio.wait_for(self.writable.wait(), self.CLOSE_TIMEOUT_S)
            except TimeoutError:
                self.abort("the close frame could not be written: the peer stopped reading")
                return
        await super().send(message)
        if closing:
            self.abort_if_still_open_in(self.CLOSE_TIMEOUT_S)

    async def run_asgi(self) -> None:
        # The live fan-out loop writes its frames through this, not the ASGI send chain (hub/live/fanout.py).
        extensions: dict[str, object] = self.scope.setdefault("extensions", {})  # type: ignore[assignment]
        extensions[SEND_TEXT_NOW] = self.send_text_now
        await super().run_asgi()

    def send_text_now(self, frame: TextFrame) -> bool:
        """Write one text frame now, as uvicorn's `send` of a `websocket.send` would, when that
        would not wait: the transport takes data and the connection is open. False (nothing
        written) otherwise; the caller then queues it behind the ASGI send, which waits.

        What it saves per frame is the ASGI send chain (Starlette's WebSocket, the middleware's
        wrappers, uvicorn's dispatch on the message type) and, without an extension, the framing:
        the frame's shared wire bytes go to the transport as they are."""
        if (
            self.disconnected
            or self.close_sent
            or not self.handshake_complete
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        conn = self.conn
        if conn.extensions:  # permessage-deflate: each connection compresses with its own context
            try:
                conn.send_text(frame.text)
            except InvalidState:
                return False
            self.transport.write(b"".join(conn.data_to_send()))
        elif conn.state is State.OPEN:
            self.transport.write(frame.wire)
        else:
            return False
        return True

    def abort_if_still_open_in(self, seconds: float) -> None:
        if not self.disconnected:
            self.loop.call_later(seconds, self.abort, "not closed in time: the peer stopped reading")

    def abort(self, why: str) -> None:
        if self.disconnected or self.transport is None:
            return
        log.warning("aborting a WebSocket connection: %s", why)
        # connection_lost follows, which hands the app its websocket.disconnect.
        self.transport.abort()
