"""Who is calling: a bearer token, a session cookie (sign-in through the browser), or nobody.

Bearer tokens are not bound to cookies, so they need no CSRF defence. A session cookie counts for
/graphql only on requests a cross-site page cannot forge: a custom header (`X-Requested-With` or
`GraphQL-Require-Preflight`, which forces a CORS pre-flight) and, when the browser says where the
request comes from (`Origin`, `Sec-Fetch-Site`), the hub's own origin. Otherwise the cookie is
ignored and the request is anonymous.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from starlette.requests import HTTPConnection

from graph import identity
from graph.access import Viewer
from graph.driver import Graph
from hub.auth.callers import CallerCache, remembered
from hub.auth.tokens import InvalidToken, TokenVerifier
from hub.coalesce import SingleFlight
from hub.config import Settings

CSRF_HEADERS = ("x-requested-with", "graphql-require-preflight")
SESSION_KEY = "user"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def cookie_request_allowed(request: HTTPConnection, settings: Settings) -> bool:
    if not any(request.headers.get(h) for h in CSRF_HEADERS):
        return False
    origin = request.headers.get("origin")
    if origin and origin != _origin(settings.effective_public_url):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def viewer_for_claims(
    graph: Graph, settings: Settings, claims: dict[str, Any], callers: CallerCache | None = None
) -> Viewer:
    """The Viewer for a verified token or ID token: matched to a Person by email. With `callers`
    (HTTP operations, which read the caller again in their own statement, hub/auth/callers.py) a
    remembered Viewer is returned without a query (`callers.remembered` is set), and a looked-up
    one is remembered."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise InvalidToken("the token carries no email to match a person")
    email = email.strip().lower()
    if callers is not None and (known := callers.get(email)) is not None:
        remembered.set(True)
        return known
    admin = email in settings.bootstrap_admins
    viewer = await _lookups(settings).get(
        (graph, email, admin), lambda: identity.viewer_for_email(graph, email, bootstrap_admin=admin)
    )
    if viewer is None:
        raise InvalidToken("no hub account for this sign-in")
    if callers is not None:
        callers.put(email, viewer)
    return viewer


_LOOKUPS: WeakKeyDictionary[asyncio.AbstractEventLoop, SingleFlight[Viewer | None]] = WeakKeyDictionary()


def _lookups(settings: Settings) -> SingleFlight[Viewer | None]:
    """Callers signing in as the same person at once share one lookup; at most half the Neo4j
    pool is spent on lookups at a time (hub/coalesce.py). One per event loop (its futures are)."""
    loop = asyncio.get_running_loop()
    if loop not in _LOOKUPS:
        _LOOKUPS[loop] = SingleFlight(max(1, settings.neo4j_pool_size // 2))
    return _LOOKUPS[loop]


async def viewer_from_token(
    token: str, graph: Graph, settings: Settings, verifier: TokenVerifier, callers: CallerCache | None = None
) -> tuple[Viewer, float]:
    """The Viewer and expiry (epoch seconds) of a bearer token; InvalidToken when refused."""
    claims = await verifier.verify(token)
    return await viewer_for_claims(graph, settings, claims, callers), float(claims["exp"])


async def viewer_from_connection_init(
    payload: dict[str, Any] | None, graph: Graph, settings: Settings, verifier: TokenVerifier
) -> tuple[Viewer, float]:
    """For WebSocket `connection_init`: the payload carries `{"token": "<JWT>"}` (an
    `Authorization: "Bearer <JWT>"` entry is accepted too). Raises InvalidToken when missing, bad
    or expired; the caller closes the socket with 4403."""
    payload = payload or {}
    token = payload.get("token")
    if token is None and isinstance(payload.get("Authorization"), str):
        scheme, _, token = payload["Authorization"].partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidToken("only bearer tokens are accepted")
    if not isinstance(token, str) or not token:
        raise InvalidToken("connection_init carries no token")
    return await viewer_from_token(token, graph, settings, verifier)


async def viewer_from_request(
    request: HTTPConnection,
    graph: Graph,
    settings: Settings,
    verifier: TokenVerifier,
    *,
    cookie_needs_csrf_header: bool = True,
    callers: CallerCache | None = None,
) -> Viewer:
    """The caller of an HTTP request; InvalidToken for a bad bearer token. `callers`: see
    `viewer_for_claims` (only for a path that reads the caller again before acting)."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidToken("only bearer tokens are accepted")
        viewer, _ = await viewer_from_token(token.strip(), graph, settings, verifier, callers)
        return viewer
    if not cookie_needs_csrf_header or cookie_request_allowed(request, settings):
        session = await viewer_from_session(request, graph, settings, callers)
        if session is not None:
            return session.viewer
    return Viewer.anonymous()


class Session(NamedTuple):
    viewer: Viewer
    until: float  # epoch seconds
    id: str  # per sign-in, so signing out can close this session's WebSockets


async def viewer_from_session(
    connection: HTTPConnection, graph: Graph, settings: Settings, callers: CallerCache | None = None
) -> Session | None:
    """The signed-in person of the session cookie, when the session ends, and its id; None when
    there is no live session or its person can no longer sign in."""
    user = connection.session.get(SESSION_KEY) if "session" in connection.scope else None
    if not isinstance(user, dict):
        return None
    until = user.get("until", 0)
    if not isinstance(until, int | float) or until < time.time():
        return None
    try:
        viewer = await viewer_for_claims(graph, settings, {"email": user.get("email")}, callers)
    except InvalidToken:
        return None
    return Session(viewer, float(until), str(user.get("sid", "")))


def own_origin(settings: Settings) -> str:
    return _origin(settings.effective_public_url)


def websocket_origin_allowed(connection: HTTPConnection, settings: Settings) -> bool:
    """A WebSocket handshake from a browser page on another site is refused before it is accepted
    (cross-site WebSocket hijacking): browsers always send Origin, which pages cannot forge. The
    hub's own origin (configured, or the Host the browser used) and HUB_CORS_ORIGINS pass;
    clients that send no Origin (scripts) are not browsers and carry their own token."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    host = connection.headers.get("host")
    scheme = "https" if connection.url.scheme in ("wss", "https") else "http"
    return origin in (own_origin(settings), f"{scheme}://{host}") or origin in settings.cors_origins


def websocket_may_use_session(connection: HTTPConnection, settings: Settings) -> bool:
    """The session cookie signs a WebSocket in only when the page is the hub's own origin: a page
    on an allowed CORS origin must send a token like any other client."""
    return connection.headers.get("origin", "").rstrip("/") == own_origin(settings)
