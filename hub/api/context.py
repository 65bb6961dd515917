"""Per-request context: the graph, settings and the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graph.access import Viewer
from graph.driver import Graph
from hub.config import Settings


@dataclass
class Context:
    graph: Graph
    settings: Settings
    # Set from the bearer token or session (hub/auth/principal.py); anonymous until then.
    viewer: Viewer = field(default_factory=Viewer.anonymous)
    client_ip: str | None = None  # keys the rate limit for anonymous callers (hub/limits.py)
    # False when the viewer came from the caller cache (hub/auth/callers.py): the operation's
    # first statement reads the caller again and acts only while the graph says the same;
    # `refresh_viewer` looks them up afresh when it does not (hub/api/planning.py).
    caller_confirmed: bool = True
    refresh_viewer: Callable[[], Awaitable[Viewer]] | None = None
    # Signed in with a bearer token (an API client), not a browser session: may send its own
    # documents when HUB_TRUSTED_DOCUMENTS_ONLY holds browsers to the web app's (WebSocket only;
    # over HTTP `principal.by_token` says it, hub/app.py).
    api_client: bool = False
    # WebSocket connections only: the live stream, the socket, the connection_init payload, and
    # when its token expires (epoch seconds; the subscription ends then).
    live: Any = None
    websocket: Any = None
    connection_params: dict[str, Any] | None = None
    token_expires_at: float | None = None

    @property
    def actor_id(self) -> str | None:
        return self.viewer.person_id
