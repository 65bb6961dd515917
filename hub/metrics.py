"""Prometheus metrics (prometheus-client, the reference client) served at /metrics.

HTTP requests and GraphQL operations are counted and timed by type and outcome, errors by
code; `websocket_opened/closed` and `subscription_started/ended` are for the subscriptions code
to call; the Neo4j pool is read from the driver at scrape time.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

HTTP_REQUESTS = Counter("hub_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("hub_http_request_seconds", "HTTP request latency", ["route"])
OPERATIONS = Counter("hub_graphql_operations_total", "GraphQL operations", ["type", "outcome"])
OPERATION_LATENCY = Histogram(
    "hub_graphql_operation_seconds", "GraphQL operation latency", ["type", "outcome"]
)
ERRORS = Counter("hub_graphql_errors_total", "GraphQL errors by code", ["code"])
WEBSOCKETS = Gauge("hub_websocket_connections", "Open GraphQL WebSocket connections")
SUBSCRIPTIONS = Gauge("hub_active_subscriptions", "Active GraphQL subscriptions")
SLOW_CONSUMERS = Counter(
    "hub_slow_consumer_overflows_total", "Subscriptions whose queue overflowed (their connection is closed)"
)

ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})


def route_label(path: str) -> str:
    """Known routes by name; everything else as one label so clients cannot blow up cardinality."""
    return path if path in ROUTES else "other"


def websocket_opened() -> None:
    WEBSOCKETS.inc()


def websocket_closed() -> None:
    WEBSOCKETS.dec()


def subscription_started() -> None:
    SUBSCRIPTIONS.inc()


def subscription_ended() -> None:
    SUBSCRIPTIONS.dec()


SUBSCRIPTION_RESULTS = Counter(
    "hub_subscription_results_total",
    "Subscription event results by source: executed, or shared from an equal subscription's",
    ["source"],
)
# Counted once per subscriber per event: the labelled children looked up once, not per count.
_SHARED_RESULTS = SUBSCRIPTION_RESULTS.labels(source="shared")
_EXECUTED_RESULTS = SUBSCRIPTION_RESULTS.labels(source="executed")


def subscription_result(shared: bool, count: int = 1) -> None:
    (_SHARED_RESULTS if shared else _EXECUTED_RESULTS).inc(count)


FANOUT_FRAMES = Counter(
    "hub_live_fanout_frames_total",
    "Live `next` frames written by the fan-out loop (hub/live/fanout.py), not by a per-subscription stream",
)


def fanout_frames(count: int) -> None:
    FANOUT_FRAMES.inc(count)


def slow_consumer_closed() -> None:
    SLOW_CONSUMERS.inc()


def count_errors(codes: Iterable[str]) -> None:
    for code in codes:
        ERRORS.labels(code=code).inc()


class OperationMetrics(SchemaExtension):
    """Counts and times each GraphQL operation by type (query/mutation/subscription) and outcome."""

    def on_operation(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        ctx = self.execution_context
        try:
            kind = ctx.operation_type.value
        except Exception:  # no parsable operation
            kind = "unknown"
        result = ctx.result
        failed = bool(ctx.pre_execution_errors) or bool(result is not None and result.errors)
        outcome = "error" if failed else "ok"
        OPERATIONS.labels(type=kind, outcome=outcome).inc()
        OPERATION_LATENCY.labels(type=kind, outcome=outcome).observe(time.perf_counter() - start)


class Neo4jPoolCollector(Collector):
    """Connections in use and idle per pool, read from the driver when a scrape asks.

    The driver has no public pool API; this reads its pool's `connections` map and reports
    nothing if a driver version changes that.
    """

    def __init__(self) -> None:
        self.driver: Any = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily("hub_neo4j_pool_in_use", "Neo4j connections in use")
        idle = GaugeMetricFamily("hub_neo4j_pool_idle", "Neo4j connections idle")
        try:
            connections = self.driver._pool.connections if self.driver is not None else {}
            busy = sum(1 for conns in connections.values() for c in conns if c.in_use)
            total = sum(len(conns) for conns in connections.values())
        except Exception:  # private API: report nothing rather than fail the scrape
            return
        in_use.add_metric([], busy)
        idle.add_metric([], total - busy)
        yield in_use
        yield idle


NEO4J_POOL = Neo4jPoolCollector()
REGISTRY.register(NEO4J_POOL)


def metrics_endpoint(token: str | None, *, production: bool) -> Any:
    """/metrics: open in development; in production only with `Authorization: Bearer <token>`."""

    async def metrics(request: Request) -> Response:
        if production:
            given = request.headers.get("authorization", "")
            if token is None or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return Response("Not Found", status_code=404)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics
