"""The Starlette application: GraphQL at /graphql, health probes, sign-in, and (later) the web app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from graph import migrations
from graph.access import Viewer
from graph.driver import Graph
from hub import audit_export, health
from hub.api.context import Context
from hub.api.errors import convert_errors
from hub.api.schema import build_schema
from hub.auth import principal
from hub.auth.tokens import InvalidToken, TokenVerifier, verifier_for
from hub.auth.web import WebSignIn
from hub.config import Settings, get_settings
from hub.logging import configure_logging


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
    def __init__(self, settings: Settings, verifier: TokenVerifier) -> None:
        super().__init__(
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings
        self.verifier = verifier

    async def get_context(self, request: HTTPConnection, response: object) -> Context:
        # HTTP: the viewer was resolved by `authenticated` below; WebSocket: on_ws_connect sets it.
        viewer = request.scope.get("state", {}).get("viewer", Viewer.anonymous())
        return Context(graph=request.app.state.graph, settings=self.settings, viewer=viewer)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """The token comes in connection_init (`{"token": "<JWT>"}`); missing, bad or expired → 4403."""
        try:
            viewer, expires = await principal.viewer_from_connection_init(
                context.connection_params, context.graph, self.settings, self.verifier
            )
        except InvalidToken as exc:
            raise ConnectionRejectionError() from exc
        context.viewer, context.token_expires_at = viewer, expires
        return None

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = convert_errors(result.errors, mask=self.settings.production)
        return await super().process_result(request, result)


def unauthenticated(message: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class Authenticated:
    """Resolves the caller before GraphQL runs; a bad bearer token is a 401 with no execution."""

    def __init__(self, graphql: GraphQLApp) -> None:
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            try:
                viewer = await request.app.state.principal(request)
            except InvalidToken:
                await unauthenticated("invalid or expired token")(scope, receive, send)
                return
            scope.setdefault("state", {})["viewer"] = viewer
        await self.graphql(scope, receive, send)


async def until_token_expires(context: Context) -> None:
    """Sleeps until the connection's token expires: subscriptions race their stream against this
    and end when it finishes (for the subscriptions module to use)."""
    if context.token_expires_at is not None:
        await asyncio.sleep(max(0.0, context.token_expires_at - time.time()))


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings)
    verifier = verifier_for(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = connect(settings)
        app.state.graph = graph

        async def resolve(request: HTTPConnection, *, cookie_needs_csrf_header: bool = True) -> Viewer:
            return await principal.viewer_from_request(
                request, graph, settings, verifier, cookie_needs_csrf_header=cookie_needs_csrf_header
            )

        app.state.principal = resolve
        try:
            await migrations.migrate(graph)
            yield
        finally:
            await graph.close()

    graphql = Authenticated(GraphQLApp(settings, verifier))
    routes: list[BaseRoute] = [
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/audit/export", audit_export.export),
        *WebSignIn(settings).routes(),
    ]
    if settings.dev_provider:
        from hub.auth.devprovider import DevProvider

        routes += DevProvider(settings).routes()
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key.get_secret_value(),
                session_cookie="sadarbe_session",
                max_age=settings.session_max_age_s,
                same_site="lax",
                https_only=settings.production,
            )
        ],
        lifespan=lifespan,
    )
