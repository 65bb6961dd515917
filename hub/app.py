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
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from graph import idempotency, migrations
from graph.access import Viewer
from graph.driver import Graph, count_queries
from graph.errors import DatabaseUnavailable, DomainError, Unauthenticated, UnknownBookmark
from hub import audit_export, bookmarks, health, metrics, redis_client, tracing
from hub.api.context import Context
from hub.api.errors import convert_errors
from hub.api.schema import build_schema
from hub.api.shared_results import next_frame
from hub.api.trusted_documents import DocumentRefused, TrustedDocuments
from hub.auth import callers, principal
from hub.auth.callers import CallerCache
from hub.auth.tokens import InvalidToken, TokenVerifier, verifier_for
from hub.auth.web import WebSignIn
from hub.config import Settings, get_settings
from hub.graphql_http import GRAPHQL_RESPONSE_JSON, refusal, response_media_type, status_of
from hub.jobs import registry
from hub.jobs.runner import JobRunner
from hub.limits import Limits, RateLimiter
from hub.live.broker import Broker, LocalBroker, RedisBroker
from hub.live.internals import LiveView
from hub.live.stream import LiveStream
from hub.logging import configure_logging
from hub.middleware import GraphQLGuard, RequestContext
from hub.runtime import tune_collector
from hub.web import WebApp

# Keys in the WebSocket scope's state: the browser session found at the handshake, the socket as
# its live access reviews know it (hub/live/access.py), and the task that closes the socket when
# its sign-in expires.
SESSION_VIEWER = "sadarbe.session_viewer"
LIVE_PEER = "sadarbe.live_peer"
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


class GraphQLApp(LiveView):  # Strawberry's ASGI view, with the live handler (hub/live/internals.py)
    def __init__(
        self, settings: Settings, verifier: TokenVerifier, tracer_provider: TracerProvider | None = None
    ) -> None:
        # The rate limiter and cost memo live as long as the app.
        self.limits = Limits(
            settings.max_query_cost,
            RateLimiter(settings.rate_limit_points),  # shared through Redis by the lifespan
            settings.max_page_size,
        )
        super().__init__(
            build_schema(
                production=settings.production,
                limits=self.limits,
                tracing=tracing.graphql_extension(tracer_provider) if tracer_provider else None,
            ),
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
        # Loaded once, at start: a manifest the hub cannot use stops it here (ManifestError).
        self.documents = TrustedDocuments.load(settings)
        # The last caller looked up per sign-in (hub/auth/callers.py); every operation's
        # first statement reads the caller again (hub/api/planning.py).
        self.callers = CallerCache()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # HTTP: the viewer was resolved by `Authenticated` below; WebSocket: on_ws_connect sets it.
        state = request.scope.get("state", {})
        context = Context(
            graph=request.app.state.graph,
            settings=self.settings,
            viewer=state.get("viewer", Viewer.anonymous()),
            client_ip=request.client.host if request.client else None,
            caller_confirmed=not state.get(CALLER_REMEMBERED, False),
        )
        context.refresh_viewer = self._refresher(context, response)
        if isinstance(request, WebSocket):
            context.live = request.app.state.live
            context.websocket = response
        else:
            await bind_idempotency_key(request, context)
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Who the socket is: the token in connection_init (`{"token": "<JWT>"}` or
        `{"authorization": "Bearer <JWT>"}`), else the session cookie when the page is the hub's
        own origin (checked at the handshake, see `Authenticated`). Nobody, or a bad or expired
        token → 4403. The socket closes with 4403 when the token or session expires, ending its
        subscriptions, and is signed in again with the same token or session whenever its person
        may have lost access (hub/live/access.py)."""
        params = context.connection_params or {}
        websocket, graph, settings = context.websocket, context.graph, self.settings
        state = websocket.scope["state"]
        session: principal.Session | None = state.pop(SESSION_VIEWER, None)
        session_id: str | None = None

        async def again() -> Viewer:
            if session_id is None:
                viewer, _ = await principal.viewer_from_connection_init(
                    params, graph, settings, self.verifier
                )
                return viewer
            found = await principal.viewer_from_session(websocket, graph, settings)
            if found is None:
                raise InvalidToken("no hub account for this sign-in")
            return found.viewer

        try:
            if session is not None and principal.connection_init_token(params) is None:
                viewer, expires, session_id = session.viewer, session.until, session.id
            else:
                viewer, expires = await principal.viewer_from_connection_init(
                    params, graph, settings, self.verifier
                )
        except InvalidToken as exc:
            raise ConnectionRejectionError() from exc
        context.viewer, context.token_expires_at = viewer, expires
        context.api_client = session_id is None  # signed in by a token, not the browser's session
        state[LIVE_PEER] = context.live.access.join(context, websocket, session_id, again)
        state[EXPIRY_TIMER] = asyncio.create_task(close_when_expired(websocket, expires))
        return await super().on_ws_connect(context)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return await self.answer_http(scope, receive, send)
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
            if (peer := state.pop(LIVE_PEER, None)) is not None:
                live.access.leave(peer)
            live.connections -= 1
            metrics.websocket_closed()

    async def answer_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As Strawberry's ASGI view answers, but a refused request (an HTTPException from Strawberry
        or from the hooks below) is a GraphQL error with a code, not a line of plain text."""
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as refused:
            allow = {"Allow": "POST"} if refused.status_code == 405 else None
            accept = request.headers.get("accept")
            response = refusal(refused.status_code, refused.reason, accept=accept, headers=allow)
        except DocumentRefused as refused:
            accept = request.headers.get("accept")
            response = refusal(refused.status, str(refused), accept=accept, code=refused.code)
        await response(scope, receive, send)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        """One operation from a POST's JSON object. GraphQLGuard has let through only a JSON POST of
        bounded size; GET is refused here unless it asks for the IDE (queries over GET are a CSRF
        vector); batches, a body that is not UTF-8 JSON and members of the wrong type are 400s. A
        `documentId` is replaced by its registered text (hub/api/trusted_documents.py)."""
        if request.method != "POST":
            raise HTTPException(405, "GraphQL is served over POST only.")
        try:
            data = self.decode_json(await request.get_body())
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "The request body is not valid UTF-8.") from exc
        except (ValueError, RecursionError) as exc:
            raise HTTPException(400, "The request body is not valid JSON.") from exc
        if isinstance(data, list):
            raise HTTPException(400, "Batching is not enabled: send one operation per request.")
        if not isinstance(data, dict):
            raise HTTPException(400, "The request body must be a JSON object with a `query`.")
        for member, kind, article in _MEMBERS:
            if data.get(member) is not None and not isinstance(data[member], kind):
                raise HTTPException(400, f"`{member}` must be {article} or null.")
        api_client = principal.by_token(request.headers)
        return GraphQLRequestData(
            query=self.documents.query_of(data, api_client=api_client),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """In the media type the client accepts, with the status GraphQL over HTTP gives it."""
        media_type = sub_response.media_type or "application/json"
        status = 200 if isinstance(response_data, list) else status_of(media_type, response_data)
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or status,
            media_type=media_type,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        response.background = sub_response.background
        return response

    def _refresher(self, context: Context, response: Response | WebSocket) -> Callable[[], Awaitable[Viewer]]:
        async def refresh() -> Viewer:
            """The caller's sign-in as the graph has it now (the cached entry was stale). One who
            can no longer sign in (archived, erased, the sign-in released) is answered 401, as at a
            fresh sign-in."""
            sign_in = context.viewer.sign_in
            if sign_in is None:
                return Viewer.anonymous()
            self.callers.forget(sign_in)
            try:
                return await principal.viewer_for_sign_in(context.graph, self.settings, sign_in, self.callers)
            except InvalidToken as exc:
                if isinstance(response, Response):
                    response.status_code = 401
                    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                message = str(exc) if isinstance(exc, principal.NoPerson) else "invalid or expired token"
                raise Unauthenticated(message) from exc

        return refresh

    def encode_json(self, data: object) -> str:
        # An issue map at 10,000 people is a megabyte or more: json.dumps takes tens of ms. A live
        # `next` of a shared result reuses the result's encoding (hub/api/shared_results.py).
        return next_frame(data, encode_json) or encode_json(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = convert_errors(result.errors, mask=self.settings.production)
            metrics.count_errors((e.extensions or {}).get("code", "UNKNOWN") for e in result.errors)
        response = await super().process_result(request, result)
        # A request error (it never reached execution: no error has a path) has no `data` for a
        # client that accepts graphql-response+json; a legacy client keeps its `"data": null`.
        if (
            result.data is None
            and result.errors
            and all(e.path is None for e in result.errors)
            and response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON
        ):
            response.pop("data", None)
        return response


# The members of a request body and the JSON type each has when given (GraphQL over HTTP).
_MEMBERS = (
    ("query", str, "a string"),
    ("documentId", str, "a string"),
    ("variables", dict, "an object"),
    ("operationName", str, "a string"),
    ("extensions", dict, "an object"),
)


def encode_json(data: object) -> str:
    """Responses and WebSocket messages as JSON, with orjson, which encodes a page of results in a
    fraction of the json module's time. A str (not bytes), so WebSocket messages stay text frames;
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


def unauthenticated(message: str, accept: str | None) -> Response:
    return refusal(
        401,
        message,
        accept=accept,
        code="UNAUTHENTICATED",
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
        except principal.NoPerson as exc:  # a valid token: it may know why
            await unauthenticated(str(exc), request.headers.get("accept"))(scope, _no_body, send)
            return None
        except InvalidToken:
            await unauthenticated("invalid or expired token", request.headers.get("accept"))(
                scope, _no_body, send
            )
            return None
        except (DatabaseUnavailable, UnknownBookmark) as exc:  # the person could not be looked up
            await graphql_error(exc)(scope, _no_body, send)
            return None
        return viewer


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The hub. `tracer_provider`: where its spans go (tests: an in-memory exporter); by default
    the OTLP exporter the settings configure, or none. The app shuts it down when it stops."""
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings)
    verifier = verifier_for(settings)
    tracer_provider = tracer_provider or tracing.tracer_provider(settings)
    view = GraphQLApp(settings, verifier, tracer_provider)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = connect(settings)
        app.state.graph = graph
        metrics.NEO4J_POOL.driver = graph.driver
        # The process's one Redis client (REDIS_URL): the live fan-out and the shared rate limit.
        redis: Redis | None = None
        broker: Broker = LocalBroker()
        if settings.redis_url:
            redis = redis_client.connect(settings.redis_url)
            broker = RedisBroker(settings.redis_url, redis)
        view.limits.limiter.share_through(redis)
        live = LiveStream(
            graph,
            broker,
            queue_size=settings.ws_queue_size,
            gap_wait_s=settings.live_gap_wait_s,
            encode=encode_json,
            check_limit=max(1, settings.neo4j_pool_size // 2),
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
        runner: asyncio.Task[None] | None = None
        try:
            await migrations.migrate(graph)
            await live.start()
            if settings.jobs_runner:  # timed jobs: one runner across replicas holds the lease
                runner = asyncio.create_task(
                    JobRunner(graph, settings, registry.jobs(settings)).run_forever()
                )
            tune_collector()
            yield
        finally:
            if runner is not None:
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
            view.limits.limiter.share_through(None)
            await live.close()
            if redis is not None:
                await redis.aclose()
            await graph.close()
            if tracer_provider is not None:  # exports what is left, off the event loop
                await asyncio.to_thread(tracer_provider.shutdown)

    graphql = Authenticated(view)
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    routes: list[BaseRoute] = [
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/healthz/live", health.live),
        Route("/graphql", graphql),  # any method: the view refuses all but POST (and the IDE's GET)
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
            *(tracing.middleware(tracer_provider) if tracer_provider else []),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["POST"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    "idempotency-key",
                    "x-request-id",
                    bookmarks.HEADER,
                ],
                expose_headers=["x-request-id", bookmarks.HEADER],
                max_age=600,
            ),
            Middleware(
                GraphQLGuard,
                max_body_bytes=settings.max_body_bytes,
                allowed_origins=settings.cors_origins,
            ),
            Middleware(bookmarks.Bookmarks, secret=settings.secret_key.get_secret_value()),
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
