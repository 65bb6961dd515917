"""graphql-transport-ws `next` frames for shared results: encoded once, only the id spliced in.

Strawberry's handler builds `{"id", "type": "next", "payload": {"data", "errors"?, "extensions"?}}`
for every subscriber and JSON-encodes the whole message per socket. When the data is a result
shared by several subscriptions (`hub/api/shared_results.py`), its encoding is made once and the
frame is assembled around it: the same bytes the generic path would send (same key order, same
compact separators), at a fraction of the cost. Results with errors, and everything else
(acks, pongs, errors, complete, close codes), take Strawberry's path unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from hub.api.shared_results import SharedData


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
    async def send_message(self, message: Message) -> None:
        frame = next_frame(message, self.view.encode_json_string)
        if frame is None:
            await super().send_message(message)
            return
        try:
            # The text as is: the adapter's send_json would encode the message again.
            await self.websocket.ws.send_text(frame)  # type: ignore[attr-defined]
        except WebSocketDisconnect as exc:  # as Strawberry's adapter does
            raise WebSocketDisconnected from exc
