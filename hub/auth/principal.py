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
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from starlette.requests import HTTPConnection

from graph import identity
from graph.access import SignIn, Viewer
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


class NoPerson(InvalidToken):
    """A valid token that signs in no person; its message, safe to show, says why."""


def sign_in_of(claims: dict[str, Any]) -> SignIn:
    """What verified claims say of who signs in. `email_verified` counts only as JSON `true`."""
    email = claims.get("email")
    return SignIn(
        issuer=str(claims.get("iss", "")),
        subject=str(claims.get("sub", "")),
        email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
        email_verified=claims.get("email_verified") is True,
    )


async def viewer_for_claims(
    graph: Graph, settings: Settings, claims: dict[str, Any], callers: CallerCache | None = None
) -> Viewer:
    """The Viewer for a verified token or ID token (see `viewer_for_sign_in`)."""
    sign_in = sign_in_of(claims)
    if not sign_in.issuer or not sign_in.subject:
        raise InvalidToken("the token names no issuer and subject")
    return await viewer_for_sign_in(graph, settings, sign_in, callers)


async def viewer_for_sign_in(
    graph: Graph, settings: Settings, sign_in: SignIn, callers: CallerCache | None = None
) -> Viewer:
    """The Person the sign-in's issuer and subject are bound to (graph/identity.py
    `viewer_for_sign_in`); NoPerson when it signs in nobody. With `callers` (HTTP operations, which
    read the caller again in their own statement, hub/auth/callers.py) a remembered Viewer is
    returned without a query (`callers.remembered` is set), and a looked-up one is remembered
    when its sign-in is bound to a person. One bound to nobody (a bootstrap administrator's) is
    looked up every time: its next lookup may bind it to a person created meanwhile, which the
    statement's read of the caller (the bound person) cannot tell."""
    if callers is not None and (known := callers.get(sign_in)) is not None:
        remembered.set(True)
        return known
    admins = settings.bootstrap_admins
    try:
        viewer = await _lookups(settings).get(
            (graph, sign_in, admins), lambda: identity.viewer_for_sign_in(graph, sign_in, admins)
        )
    except identity.SignInRefused as exc:
        raise NoPerson(exc.message) from exc
    if callers is not None and viewer.person_id is not None:
        callers.put(sign_in, viewer)
    return viewer


_LOOKUPS: WeakKeyDictionary[asyncio.AbstractEventLoop, SingleFlight[Viewer]] = WeakKeyDictionary()


def _lookups(settings: Settings) -> SingleFlight[Viewer]:
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


def by_token(headers: Mapping[str, str]) -> bool:
    """Whether an HTTP request's caller is its bearer token (an API client), not the session
    cookie: a token that is not valid is refused with 401 before anything runs."""
    return bool(headers.get("authorization"))


def bearer_token(authorization: object) -> str:
    """The token of an `Authorization` value `Bearer <token>`; InvalidToken for anything else."""
    scheme, _, token = authorization.partition(" ") if isinstance(authorization, str) else ("", "", "")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("only bearer tokens are accepted")
    return token.strip()


def connection_init_token(payload: dict[str, Any]) -> str | None:
    """The bearer token a WebSocket `connection_init` payload carries, as clients send it:
    `{"token": "<JWT>"}`, or `{"authorization": "Bearer <JWT>"}` with the key in any letter case
    (the npm graphql-ws client's `connectionParams` convention); None when it carries none.
    InvalidToken for another scheme, an empty token, or two entries with different tokens."""
    found = set()
    for key, value in payload.items():
        if key.lower() == "authorization":
            found.add(bearer_token(value))
        elif key == "token":
            if not isinstance(value, str) or not value.strip():
                raise InvalidToken("connection_init carries an empty token")
            found.add(value.strip())
    if len(found) > 1:
        raise InvalidToken("connection_init carries two different tokens")
    return found.pop() if found else None


async def viewer_from_connection_init(
    payload: dict[str, Any] | None, graph: Graph, settings: Settings, verifier: TokenVerifier
) -> tuple[Viewer, float]:
    """For WebSocket `connection_init` (see `connection_init_token`). Raises InvalidToken when
    missing, bad or expired; the caller closes the socket with 4403."""
    token = connection_init_token(payload or {})
    if token is None:
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
    `viewer_for_sign_in` (only for a path that reads the caller again before acting)."""
    if by_token(request.headers):
        token = bearer_token(request.headers["authorization"])
        viewer, _ = await viewer_from_token(token, graph, settings, verifier, callers)
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


SESSION_CLAIMS = ("iss", "sub", "email", "email_verified")  # of the ID token, kept in the session


async def viewer_from_session(
    connection: HTTPConnection, graph: Graph, settings: Settings, callers: CallerCache | None = None
) -> Session | None:
    """The signed-in person of the session cookie, when the session ends, and its id; None when
    there is no live session or its sign-in no longer signs a person in."""
    user = connection.session.get(SESSION_KEY) if "session" in connection.scope else None
    if not isinstance(user, dict):
        return None
    until = user.get("until", 0)
    if not isinstance(until, int | float) or until < time.time():
        return None
    try:
        viewer = await viewer_for_claims(graph, settings, {k: user.get(k) for k in SESSION_CLAIMS}, callers)
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
