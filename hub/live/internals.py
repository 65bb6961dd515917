"""Every use the live delivery makes of Strawberry's and uvicorn's internals, in one place.

Everything else in the hub uses these libraries through their public APIs. What is here exists for
a speed measured with `benchmarks/subscriptions.py` (the figures: docs/live-activity.md, "Library
internals, and why"), and `tests/test_library_internals.py` fails, naming the attribute or
signature, when a release changes any of it; the dependency pins are therefore the libraries' next
major versions, not the release this was written against.

- **Strawberry's graphql-transport-ws handler** (`LiveHandler`, installed by `LiveView`): the live
  fan-out loop (hub/live/fanout.py) writes each event's `next` frame straight to the socket instead
  of running the operation's own stream (the resolver's generator, graphql-core's mapping,
  Strawberry's stream and extension hooks, the handler's send) per subscriber. For that the
  resolver needs the operation's id and socket (`run_operation`, in the operation's own task) and
  whether the handler still holds the operation (`operations`); the handler's own messages queue
  behind fan-out frames still waiting (`send_message`), so a `complete` never overtakes a `next`.
  `handle_subscribe` is where a `subscribe` payload's `documentId` becomes its registered text
  (hub/api/trusted_documents.py): Strawberry hands the operation only the payload's `query`.
- **Strawberry's default execution context class** (`StrawberryExecutionContext`): the shared
  execution of subscription results (hub/api/shared_results.py) subclasses it, so resolvers keep
  Strawberry's `info`; what it overrides is graphql-core's documented `Executor` API.
- **uvicorn's websockets protocol** (`BoundedCloseWebSocketProtocol`): a fan-out frame is written
  to the transport at once when it takes data (`send_text_now`), as the same wire bytes for every
  socket (`TextFrame`, hub/live/outlet.py), instead of through the ASGI send chain; and a peer that stopped reading is
  cut off (a bounded close, a capped kernel send buffer) instead of holding its connection, its
  subscriptions and its memory until the ping timeout.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from asyncio import BaseTransport
from contextlib import suppress

from strawberry.asgi import GraphQL
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    Message,
    SubscribeMessage,
)
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.protocol import State

from hub import metrics
from hub.api.context import Context
from hub.api.trusted_documents import DocumentRefused
from hub.live.outlet import LIVE_TARGET, SLOW_CONSUMER_CODE, Outlet, Target, TextFrame

log = logging.getLogger("uvicorn.error")

StrawberryExecutionContext = StrawberryGraphQLCoreExecutionContext

# --- Strawberry: the graphql-transport-ws handler -----------------------------------------------


class LiveHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _outlet: Outlet | None = None

    @property
    def outlet(self) -> Outlet:
        if self._outlet is None:
            ws = self.websocket.ws  # type: ignore[attr-defined]
            extensions = ws.scope.get("extensions") or {}
            settings = self.view.settings  # type: ignore[attr-defined]
            self._outlet = Outlet(
                ws.send_text, extensions.get(SEND_TEXT_NOW), settings.ws_queue_size, self._overflow
            )
        return self._outlet

    def _overflow(self, reason: str) -> None:
        metrics.slow_consumer_closed()
        # Fire and forget: the close frame goes out once the socket drains; a peer that stopped
        # reading is cut off instead (BoundedCloseWebSocketProtocol), which frees the rest.
        task = asyncio.ensure_future(self.websocket.close(SLOW_CONSUMER_CODE, reason))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        # Not acknowledged yet, a duplicate id, a payload that is no object: Strawberry's own answer.
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and isinstance(payload, dict)
        ):
            documents = self.view.documents  # type: ignore[attr-defined]
            try:
                query = documents.query_of(payload, api_client=self.context.api_client)
            except DocumentRefused as refused:
                await self.send_message(
                    ErrorMessage(id=message["id"], type="error", payload=[refused.formatted])
                )
                return
            if query is not None:
                payload["query"] = query
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # This runs as the operation's own task: the target is seen by its resolver only.
        LIVE_TARGET.set(
            Target(
                outlet=self.outlet,
                head=('{"id":' + self._encode(operation.id)).encode(),
                alive=lambda: self.operations.get(operation.id) is operation,
                extensions=not self.view.settings.production,  # type: ignore[attr-defined]
            )
        )
        await super().run_operation(operation)

    async def send_message(self, message: Message) -> None:
        outlet = self._outlet
        if outlet is not None and outlet.busy:  # behind the fan-out frames already waiting
            outlet.write(TextFrame(self._encode(message).encode()))
            return
        await super().send_message(message)

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._outlet is not None:
            self._outlet.close()

    def _encode(self, value: object) -> str:
        """As the view encodes its messages (its public `encode_json`)."""
        encoded = self.view.encode_json(value)
        return encoded.decode() if isinstance(encoded, bytes) else encoded


class LiveView(GraphQL[Context, None]):
    """Strawberry's ASGI view serving graphql-transport-ws with `LiveHandler`."""

    graphql_transport_ws_handler_class = LiveHandler


# --- uvicorn: the websockets protocol --------------------------------------------------------------

SEND_TEXT_NOW = (
    "sadarbe.send_text_now"  # scope["extensions"] key: BoundedCloseWebSocketProtocol.send_text_now
)


class BoundedCloseWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn waits for the transport to be writable before every send, the close frame included,
    and closes the transport gracefully, which waits for the write buffer to drain: against a peer
    that stopped reading (a full TCP window) both wait forever, so a slow consumer closed with 1013
    would keep its connection, its subscriptions and its tasks until the ping timeout. Here a close
    frame that cannot be written within `CLOSE_TIMEOUT_S` aborts the transport, and so does a
    connection still open `CLOSE_TIMEOUT_S` after its close frame went out (or after the app
    ended); uvicorn then reports the disconnect to the app, which frees the rest. The kernel's send
    buffer is capped per connection: Linux autotunes it up to 4 MiB, so a client that stops reading
    would hold that much of the hub's memory before the subscription queues notice."""

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
        # The live fan-out loop writes its frames through this, not the ASGI send chain.
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
