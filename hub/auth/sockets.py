"""The WebSockets each browser session holds open, so signing out closes them at once instead of
leaving live feeds running until the session would have expired. Per process: on other replicas
a signed-out session's sockets end at the session's expiry."""

from __future__ import annotations

import contextlib

from starlette.websockets import WebSocket


class SessionSockets:
    def __init__(self) -> None:
        self._by_session: dict[str, set[WebSocket]] = {}

    def add(self, session_id: str, websocket: WebSocket) -> None:
        self._by_session.setdefault(session_id, set()).add(websocket)

    def discard(self, session_id: str, websocket: WebSocket) -> None:
        sockets = self._by_session.get(session_id)
        if sockets is not None:
            sockets.discard(websocket)
            if not sockets:
                del self._by_session[session_id]

    async def close(self, session_id: str) -> None:
        for websocket in self._by_session.pop(session_id, set()):
            with contextlib.suppress(RuntimeError):  # already closing
                await websocket.close(4403, "signed out")
