"""The hub's graphql-transport-ws handler: shared `next` frames encoded once, and live feeds written
by the fan-out loop.

Strawberry's handler builds `{"id", "type": "next", "payload": {"data", "errors"?, "extensions"?}}`
for every subscriber and JSON-encodes the whole message per socket. When the data is a result
shared by several subscriptions (`hub/api/shared_results.py`), its encoding is made once and the
frame is assembled around it: the same bytes the generic path would send (same key order, same
compact separators), at a fraction of the cost. Results with errors, and everything else
(acks, pongs, errors, complete, close codes), take Strawberry's path unchanged.

Each operation's task also carries a `Target` (`hub/live/fanout.py`): the socket's `Outlet`, the
frame head with the operation's id, and whether the handler still holds the operation, so a live
activity feed can be served by the fan-out loop instead of this operation's own stream. Whenever
fan-out frames are waiting on the outlet, this handler's own messages queue behind them, so a
`complete` or an `error` never overtakes a `next` of the same operation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from hub import metrics
from hub.api.shared_results import SharedData
from hub.live.fanout import LIVE_TARGET, Outlet, Target
from hub.live.stream import SLOW_CONSUMER_CODE
from hub.ws_protocol import SEND_TEXT_NOW, TextFrame


def next_frame(message: Message, encode: Callable[[object], str]) -> str | None:
    """The `next` message as text when its data is shared and it carries no errors, else None.

    `encode` is the view's JSON encoder (compact separators): the frame equals `encode(message)`."""
    if message["type"] != "next":
        return None
    payload = message["payload"]
    data = payload.get("data")
    if type(data) is not SharedData or "errors" in payload:
        return None
    extensions = payload.get("extensions")
    tail = "}}" if extensions is None else ',"extensions":' + encode(extensions) + "}}"
    return (
        '{"id":' + encode(message["id"]) + ',"type":"next","payload":{"data":' + data.encoded(encode) + tail
    )


class SharedFrameHandler(BaseGraphQLTransportWSHandler[Any, Any]):
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
        # reading is cut off instead (hub/ws_protocol.py), which frees the rest.
        task = asyncio.ensure_future(self.websocket.ws.close(code=SLOW_CONSUMER_CODE, reason=reason))  # type: ignore[attr-defined]
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        # This runs as the operation's own task: the target is seen by its resolver only.
        LIVE_TARGET.set(
            Target(
                outlet=self.outlet,
                head=('{"id":' + self.view.encode_json_string(operation.id)).encode(),
                alive=lambda: self.operations.get(operation.id) is operation,
                extensions=not self.view.settings.production,  # type: ignore[attr-defined]
            )
        )
        await super().run_operation(operation)

    async def send_message(self, message: Message) -> None:
        outlet = self._outlet
        if outlet is not None and outlet.busy:  # behind the fan-out frames already waiting
            outlet.write(TextFrame(self.view.encode_json_string(message).encode()))
            return
        frame = next_frame(message, self.view.encode_json_string)
        if frame is None:
            await super().send_message(message)
            return
        try:
            # The text as is: the adapter's send_json would encode the message again.
            await self.websocket.ws.send_text(frame)  # type: ignore[attr-defined]
        except WebSocketDisconnect as exc:  # as Strawberry's adapter does
            raise WebSocketDisconnected from exc

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._outlet is not None:
            self._outlet.close()
