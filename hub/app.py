"""The Starlette application: GraphQL at /graphql, health probes, and (later) the web app."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from graph import idempotency, migrations
from graph.driver import Graph
from hub import health, metrics
from hub.api.context import Context
from hub.api.errors import convert_errors
from hub.api.schema import build_schema
from hub.config import Settings, get_settings
from hub.limits import Limits, RateLimiter
from hub.logging import configure_logging
from hub.middleware import GraphQLGuard, RequestContext


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
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(
                production=settings.production,
                limits=Limits(
                    settings.max_query_cost,
                    RateLimiter(settings.rate_limit_points),
                    settings.max_page_size,
                ),
            ),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        context = Context(
            graph=request.app.state.graph,
            settings=self.settings,
            client_ip=request.client.host if request.client else None,
        )
        await bind_idempotency_key(request, context)
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = convert_errors(result.errors, mask=self.settings.production)
            metrics.count_errors((e.extensions or {}).get("code", "UNKNOWN") for e in result.errors)
        return await super().process_result(request, result)


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


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = connect(settings)
        app.state.graph = graph
        metrics.NEO4J_POOL.driver = graph.driver
        try:
            await migrations.migrate(graph)
            yield
        finally:
            await graph.close()

    graphql = GraphQLApp(settings)
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    return Starlette(
        routes=[
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/metrics", metrics.metrics_endpoint(metrics_token, production=settings.production)),
        ],
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
        ],
        lifespan=lifespan,
    )
