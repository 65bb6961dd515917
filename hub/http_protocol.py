"""uvicorn's HTTP protocol (httptools), sending each response's status line and headers in the
same socket write as its body.

uvicorn writes the head when the app sends `http.response.start` and the body when it sends
`http.response.body`: two system calls, two TCP segments and two wake-ups of the client for
every response. Here the writes made in one turn of the event loop leave as one, at the end of
that turn; a response sent in one go (every GraphQL answer) is one write.

WebSocket connections are untouched: at the upgrade the WebSocket protocol gets the raw
transport, so live events keep their own writes (hub/live/fanout.py writes frames directly).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _OneWritePerTurn:
    """A transport whose writes wait for the end of the event loop's turn, then leave together."""

    def __init__(self, raw: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.raw = raw
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self.raw.is_closing():
                self.raw.write(data)

    def close(self) -> None:
        self.flush()
        self.raw.close()

    def get_write_buffer_size(self) -> int:
        return self.raw.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self.raw, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWritePerTurn(transport, self.loop))  # type: ignore[arg-type]

    def handle_websocket_upgrade(self) -> None:
        if isinstance(self.transport, _OneWritePerTurn):
            self.transport.flush()
            self.transport = self.transport.raw  # the WebSocket protocol writes for itself
        super().handle_websocket_upgrade()
