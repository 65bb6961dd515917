"""The Starlette application: GraphQL at /graphql, health probes, and the web app at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from graph import migrations
from graph.driver import Graph
from hub import health
from hub.api.context import Context
from hub.api.errors import convert_errors
from hub.api.schema import build_schema
from hub.config import Settings, get_settings
from hub.logging import configure_logging
from hub.web import WebApp


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
            build_schema(production=settings.production),
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return Context(graph=request.app.state.graph, settings=self.settings)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = convert_errors(result.errors, mask=self.settings.production)
        return await super().process_result(request, result)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = connect(settings)
        app.state.graph = graph
        try:
            await migrations.migrate(graph)
            yield
        finally:
            await graph.close()

    graphql = GraphQLApp(settings)
    return Starlette(
        routes=[
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Mount("/", app=WebApp()),  # the web app; after the API so it never shadows it
        ],
        lifespan=lifespan,
    )
