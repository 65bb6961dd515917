"""OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is configured (README, Tracing).

A request's trace: the server span of the HTTP request or WebSocket (OpenTelemetry's ASGI
instrumentation), Strawberry's operation span with its parsing, validation and resolver spans,
and a span per Cypher query (graph/driver.py); the server and Cypher spans carry the request id
of the request's log lines. Without an endpoint the app has no tracer provider, no exporter and
none of these middlewares or extensions: nothing is created per request.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, Tracer
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from graph.driver import REQUEST_ID_ATTRIBUTE, traced_queries
from hub import __version__
from hub.config import Settings

# Probes and scrapes every few seconds would bury the requests people make.
UNTRACED_PATHS = "/healthz,/readyz,/metrics"


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """The hub's tracer provider, or None when no OTLP endpoint is configured. Spans are exported
    in batches from a background thread: an unreachable collector loses spans (the exporter logs
    it), never delays or fails a request."""
    if settings.otlp_traces_url is None:
        return None
    resource = Resource.create({SERVICE_NAME: settings.otel_service_name, SERVICE_VERSION: __version__})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_traces_url)))
    return provider


def middleware(provider: TracerProvider) -> list[Middleware]:
    """After RequestContext (which binds the request id): the server span, then the Cypher spans."""
    return [
        Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=provider,
            excluded_urls=UNTRACED_PATHS,
            server_request_hook=_tag_request,
            # A span per ASGI message (each WebSocket frame) is noise; the server span keeps the status.
            exclude_spans=["receive", "send"],
        ),
        Middleware(TraceQueries, tracer=provider.get_tracer("graph")),
    ]


def graphql_extension(provider: TracerProvider) -> Callable[[], SchemaExtension]:
    """Strawberry's spans, without the resolvers' argument values (names, e-mails, text a person
    typed). The operation span carries the document as the client sent it; variables are not on it."""
    return lambda: OperationSpans(tracer_provider=provider, arg_filter=_no_arguments)


class OperationSpans(OpenTelemetryExtension):
    """Strawberry's extension, whose operation span ends however the operation ends. Its own hook
    ends the span after its `yield`, which an operation that does not return never reaches: a
    subscription whose client stopped it or closed the socket throws into the hook there, and its
    span was never ended nor exported (tests/test_tracing.py, the WebSocket test)."""

    def on_operation(self) -> Generator[None, None, None]:
        hook = super().on_operation()
        next(hook)  # the span starts
        try:
            yield
        finally:
            next(hook, None)  # the span ends


class TraceQueries:
    """Each Cypher query of a traced request gets a span carrying its request id (graph/driver.py).
    Only under a recording server span: not for the paths left untraced, nor for a request the
    sampler (OTEL_TRACES_SAMPLER) dropped, nor for start-up and the tasks it starts."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not trace.get_current_span().is_recording():
            await self.app(scope, receive, send)
            return
        with traced_queries(self.tracer, _request_id()):
            await self.app(scope, receive, send)


def _request_id() -> str | None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return str(request_id) if request_id is not None else None


def _tag_request(span: Span, scope: dict[str, Any]) -> None:
    if (request_id := _request_id()) is not None:
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


def _no_arguments(arguments: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}
