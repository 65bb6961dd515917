"""The Starlette application: GraphQL at /graphql, health probes, sign-in, and the web app at /."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from datetime import timedelta
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from graph import idempotency, migrations
from graph.access import Viewer
from graph.driver import Graph, count_queries
from graph.errors import DatabaseUnavailable, DomainError, Unauthenticated
from hub import audit_export, health, metrics
from hub.api.context import Context
from hub.api.errors import convert_errors
from hub.api.schema import build_schema
from hub.auth import callers, principal
from hub.auth.callers import CallerCache
from hub.auth.sockets import SessionSockets
from hub.auth.tokens import InvalidToken, TokenVerifier, verifier_for
from hub.auth.web import WebSignIn
from hub.config import Settings, get_settings
from hub.limits import Limits, RateLimiter
from hub.live.broker import Broker, LocalBroker, RedisBroker
from hub.live.stream import LiveStream
from hub.logging import configure_logging
from hub.middleware import GraphQLGuard, RequestContext
from hub.runtime import tune_collector
from hub.web import WebApp
from hub.ws_frames import SharedFrameHandler

# Keys in the WebSocket scope's state: the browser session found at the handshake, and the task
# that closes the socket when its sign-in expires.
SESSION_VIEWER = "sadarbe.session_viewer"
SESSION_SOCKET = "sadarbe.session_socket"  # (session id, the socket), to forget it at close
CALLER_REMEMBERED = "sadarbe.caller_remembered"  # the HTTP caller came from the caller cache
EXPIRY_TIMER = "sadarbe.expiry_timer"


def connect(settings: Settings) -> Graph:
    return Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        pool_size=settings.neo4j_pool_size,
        connect_timeout_s=settings.neo4j_connect_timeout_s,
        query_timeout_s=settings.neo4j_query_timeout_s,
    )


class GraphQLApp(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = SharedFrameHandler  # shared results encoded once

    def __init__(self, settings: Settings, verifier: TokenVerifier) -> None:
        # The rate limiter and cost memo live as long as the app.
        self.limits = Limits(
            settings.max_query_cost, RateLimiter(settings.rate_limit_points), settings.max_page_size
        )
        super().__init__(
            build_schema(production=settings.production, limits=self.limits),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
            # The legacy graphql-ws protocol only when asked for (HUB_WS_LEGACY_PROTOCOL).
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
            + ((GRAPHQL_WS_PROTOCOL,) if settings.ws_legacy_protocol else ()),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_s),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.settings = settings
        self.verifier = verifier
        # The last caller looked up per signed-in email (hub/auth/callers.py); every operation's
        # first statement reads the caller again (hub/api/planning.py).
        self.callers = CallerCache()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # HTTP: the viewer was resolved by `Authenticated` below; WebSocket: on_ws_connect sets it.
        state = request.scope.get("state", {})
        viewer = state.get("viewer", Viewer.anonymous())
        graph: Graph = request.app.state.graph
        context = Context(
            graph=graph,
            settings=self.settings,
            viewer=viewer,
            client_ip=request.client.host if request.client else None,
            caller_confirmed=not state.get(CALLER_REMEMBERED, False),
            refresh_viewer=self._refresher(graph, viewer.email, response),
        )
        if isinstance(request, WebSocket):
            context.live = request.app.state.live
            context.websocket = response
        else:
            await bind_idempotency_key(request, context)
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Who the socket is: the token in connection_init (`{"token": "<JWT>"}`), else the session
        cookie when the page is the hub's own origin (checked at the handshake, see
        `Authenticated`). Nobody, or a bad or expired token → 4403. The socket closes with 4403
        when the token or session expires, ending its subscriptions."""
        params = context.connection_params or {}
        state = context.websocket.scope["state"]
        session: principal.Session | None = state.pop(SESSION_VIEWER, None)
        try:
            if session is not None and "token" not in params and "Authorization" not in params:
                viewer, expires = session.viewer, session.until
                state[SESSION_SOCKET] = (session.id, context.websocket)
                context.websocket.app.state.session_sockets.add(session.id, context.websocket)
            else:
                viewer, expires = await principal.viewer_from_connection_init(
                    params, context.graph, self.settings, self.verifier
                )
        except InvalidToken as exc:
            raise ConnectionRejectionError() from exc
        context.viewer, context.token_expires_at = viewer, expires
        state[EXPIRY_TIMER] = asyncio.create_task(close_when_expired(context.websocket, expires))
        return await super().on_ws_connect(context)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return await super().__call__(scope, receive, send)
        live: LiveStream = scope["app"].state.live
        live.connections += 1
        metrics.websocket_opened()
        try:
            await super().__call__(scope, receive, send)
        finally:
            state = scope.get("state", {})
            timer = state.pop(EXPIRY_TIMER, None)
            if timer is not None:
                timer.cancel()
            if SESSION_SOCKET in state:
                scope["app"].state.session_sockets.discard(*state.pop(SESSION_SOCKET))
            live.connections -= 1
            metrics.websocket_closed()

    def _refresher(
        self, graph: Graph, email: str | None, response: Response | WebSocket
    ) -> Callable[[], Awaitable[Viewer]]:
        async def refresh() -> Viewer:
            """The caller as the graph has them now (the cached entry was stale). One who can no
            longer sign in (archived, erased) is answered 401, as at a fresh sign-in."""
            if email is None:
                return Viewer.anonymous()
            self.callers.forget(email)
            try:
                return await principal.viewer_for_claims(graph, self.settings, {"email": email}, self.callers)
            except InvalidToken as exc:
                if isinstance(response, Response):
                    response.status_code = 401
                    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                raise Unauthenticated("invalid or expired token") from exc

        return refresh

    def encode_json(self, data: object) -> str:
        # An issue map at 10,000 people is a megabyte or more: json.dumps takes tens of ms.
        return encode_json(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = convert_errors(result.errors, mask=self.settings.production)
            metrics.count_errors((e.extensions or {}).get("code", "UNKNOWN") for e in result.errors)
        return await super().process_result(request, result)


def encode_json(data: object) -> str:
    """Responses and WebSocket messages as JSON, with orjson: several times faster than the json
    module on a page of results. A str (not bytes), so WebSocket messages stay text frames;
    anything orjson refuses (a key that is not a string, an integer over 64 bits) goes through
    the json module as before."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, separators=(",", ":"))


async def bind_idempotency_key(request: Request, context: Context) -> None:
    """An `Idempotency-Key` header makes this request's writes replay-safe (graph/idempotency.py)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        idempotency.bind(None)
        return
    if not 1 <= len(key) <= 255:
        raise HTTPException(400, "Idempotency-Key must be 1 to 255 characters.")
    fingerprint = hashlib.sha256(await request.body()).hexdigest()
    idempotency.bind(
        idempotency.IdempotencyScope(
            key=key,
            scope=context.actor_id or "anonymous",
            fingerprint=fingerprint,
            ttl_s=context.settings.idempotency_ttl_s,
        )
    )


def unauthenticated(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def graphql_error(error: DomainError) -> JSONResponse:
    """A failure before GraphQL runs, shaped like a GraphQL error (as clients expect on 200)."""
    return JSONResponse(
        {"data": None, "errors": [{"message": str(error), "extensions": {"code": error.code}}]}
    )


async def close_when_expired(websocket: WebSocket, expires_at: float) -> None:
    """Ends the connection (and so every subscription on it) when its token or session expires."""
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    with contextlib.suppress(RuntimeError):  # already closing
        await websocket.close(4403, "token expired")


class Authenticated:
    """Resolves the caller before GraphQL runs: a bad bearer token is a 401 with no execution; a
    WebSocket handshake from another site's page is refused before it is accepted (HTTP 403)."""

    def __init__(self, graphql: GraphQLApp) -> None:
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        if scope["type"] == "http":
            # The round trips of the whole request, the caller's lookup included (development:
            # `extensions.cypherQueries`, hub/api/round_trips.py).
            with nullcontext() if self.graphql.settings.production else count_queries():
                viewer = await self.viewer(scope, send, self.graphql.callers)
                if viewer is None:
                    return
                state["viewer"] = viewer
                state[CALLER_REMEMBERED] = callers.remembered.get()
                await self.graphql(scope, receive, send)
            return
        elif scope["type"] == "websocket":
            websocket = WebSocket(scope, receive, send)
            settings = self.graphql.settings
            if not principal.websocket_origin_allowed(websocket, settings):
                await websocket.close(1008)  # before accept: the handshake is answered 403
                return
            if principal.websocket_may_use_session(websocket, settings):
                try:
                    state[SESSION_VIEWER] = await principal.viewer_from_session(
                        websocket, websocket.app.state.graph, settings
                    )
                except DatabaseUnavailable:
                    await websocket.close(1013)  # try again later (before accept: HTTP 403)
                    return
        await self.graphql(scope, receive, send)

    async def viewer(self, scope: Scope, send: Send, known: CallerCache | None = None) -> Viewer | None:
        """The HTTP caller, or None once a refusal has been sent (a bad token: 401)."""
        request = Request(scope)
        callers.remembered.set(False)
        try:
            viewer: Viewer = await request.app.state.principal(request, callers=known)
        except InvalidToken:
            await unauthenticated("invalid or expired token")(scope, _no_body, send)
            return None
        except DatabaseUnavailable as exc:  # the person could not be looked up: retry later
            await graphql_error(exc)(scope, _no_body, send)
            return None
        return viewer


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings)
    verifier = verifier_for(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = connect(settings)
        app.state.graph = graph
        metrics.NEO4J_POOL.driver = graph.driver
        broker: Broker = RedisBroker(settings.redis_url) if settings.redis_url else LocalBroker()
        live = LiveStream(
            graph,
            broker,
            queue_size=settings.ws_queue_size,
            gap_wait_s=settings.live_gap_wait_s,
            encode=encode_json,
        )
        app.state.live = live

        async def resolve(
            request: HTTPConnection,
            *,
            cookie_needs_csrf_header: bool = True,
            callers: CallerCache | None = None,
        ) -> Viewer:
            return await principal.viewer_from_request(
                request,
                graph,
                settings,
                verifier,
                cookie_needs_csrf_header=cookie_needs_csrf_header,
                callers=callers,
            )

        app.state.principal = resolve
        app.state.session_sockets = SessionSockets()
        try:
            await migrations.migrate(graph)
            await live.start()
            tune_collector()
            yield
        finally:
            await live.close()
            await graph.close()

    graphql = Authenticated(GraphQLApp(settings, verifier))
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    routes: list[BaseRoute] = [
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/healthz/live", health.live),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/metrics", metrics.metrics_endpoint(metrics_token, production=settings.production)),
        Route("/audit/export", audit_export.export),
        *WebSignIn(settings).routes(),
    ]
    if settings.dev_provider:
        from hub.auth.devprovider import DevProvider

        routes += DevProvider(settings).routes()
    routes.append(Mount("/", app=WebApp()))  # the web app; after the API so it never shadows it
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestContext),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["POST"],
                allow_headers=["authorization", "content-type", "idempotency-key", "x-request-id"],
                expose_headers=["x-request-id"],
                max_age=600,
            ),
            Middleware(
                GraphQLGuard,
                max_body_bytes=settings.max_body_bytes,
                allowed_origins=settings.cors_origins,
            ),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key.get_secret_value(),
                session_cookie="sadarbe_session",
                max_age=settings.session_max_age_s,
                same_site="lax",
                https_only=settings.production,
            ),
        ],
        lifespan=lifespan,
    )
