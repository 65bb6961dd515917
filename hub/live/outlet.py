"""Where a socket's live frames go: one `Outlet` per WebSocket, in order, and the frame each event is
written as (`TextFrame`, its wire bytes made once for every socket).

The fan-out loop (hub/live/fanout.py) writes through the outlet; the graphql-transport-ws handler
(hub/live/internals.py) makes one per socket and tells each operation's resolver where it writes
(`LIVE_TARGET`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from websockets.frames import Frame, Opcode

SLOW_CONSUMER_CODE = 1013  # "try again later": clients reconnect and resume from their cursor


class TextFrame:
    """One text message (UTF-8) to write to many sockets, with its wire form made once.

    A server's frame is unmasked, and without a negotiated extension it is the same bytes on
    every connection: websockets serialises it here once, instead of once per socket."""

    __slots__ = ("text", "wire")

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.wire = Frame(Opcode.TEXT, text).serialize(mask=False)


class Outlet:
    """One WebSocket's frames from the fan-out loop, in order. Written at once while the transport
    takes them (`write_now`: the server's direct write, hub/live/internals.py); otherwise queued,
    up to `limit` frames, and written through the ASGI send (which waits for the transport) by one
    writer task."""

    __slots__ = ("_backlog", "_send", "_write_now", "_writer", "closed", "limit", "on_overflow")

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        write_now: Callable[[TextFrame], bool] | None,
        limit: int,
        on_overflow: Callable[[str], None],
    ) -> None:
        self._send, self._write_now = send, write_now
        self.limit, self.on_overflow = limit, on_overflow
        self._backlog: deque[TextFrame] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False

    def write(self, frame: TextFrame) -> None:
        if self.closed:
            return
        if self._writer is None and self._write_now is not None and self._write_now(frame):
            return
        if len(self._backlog) >= self.limit:
            self.closed = True
            self._backlog.clear()
            self.on_overflow(f"slow consumer: more than {self.limit} events waiting")
            return
        self._backlog.append(frame)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._backlog and not self.closed:
                await self._send(self._backlog[0].text.decode())
                self._backlog.popleft()
        except Exception:  # disconnected or closing: the handler's teardown frees the rest
            self.closed = True
        finally:
            self._writer = None

    @property
    def busy(self) -> bool:
        """Frames are waiting: anything else for this socket must queue behind them."""
        return self._writer is not None

    def close(self) -> None:
        self.closed = True
        self._backlog.clear()
        if self._writer is not None:
            self._writer.cancel()


@dataclass(frozen=True, slots=True)
class Target:
    """Where the operation being run writes: set by the WebSocket handler (hub/live/internals.py) in
    each operation's task, read by the subscription resolver when it goes live."""

    outlet: Outlet
    head: bytes  # the frame up to its id: `{"id":"<operation id>"`, UTF-8
    alive: Callable[[], bool]  # the handler still holds the operation (not completed, no error)
    extensions: bool  # development mode: each `next` reports `extensions.cypherQueries`


LIVE_TARGET: ContextVar[Target | None] = ContextVar("live_target", default=None)
