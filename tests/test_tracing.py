"""OpenTelemetry traces (hub/tracing.py, graph/driver.py): a GraphQL request over HTTP is one trace
of the server span, Strawberry's operation span and a span per Cypher query carrying the request
id; no spans without configuration; an unreachable collector never fails a request.

The traced hub runs in this process (uvicorn on a real socket, the real app, the test Neo4j) so
its spans land in the SDK's in-memory exporter; the OTLP tests run `hub serve` processes.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette

from graph.driver import Graph
from hub import tracing
from hub.app import create_app
from hub.auth import keys
from hub.config import Settings
from tests import builders
from tests import live_client as lc
from tests.conftest import TEST_ADMIN_EMAIL, TEST_DATA_DIR, free_port, start_hub

INSTITUTION = "query Institution($id: ID!) { institution(id: $id) { code nameEn } }"
FEED = (
    "subscription Feed($id: ID!) { institutionActivity(institutionId: $id) { activity { verb targetId } } }"
)
RENAME = (
    "mutation Rename($id: ID!, $name: String!) { updateInstitution(id: $id, patch: {nameEn: $name}) { id } }"
)
WAIT_S = 30  # for a span or an export to arrive, on a loaded machine


class InProcessHub:
    """The app under uvicorn in a thread of this process, on a real socket, signed in as the
    bootstrap administrator. Start-up tunes this process's garbage collector (hub/runtime.py):
    `stop` puts it back for the tests that follow."""

    def __init__(self, env: dict[str, str], provider: TracerProvider | None) -> None:
        port = free_port()
        self.settings = Settings(**{**env, "HUB_PORT": str(port)})  # type: ignore[arg-type]
        self.app: Starlette = create_app(self.settings, tracer_provider=provider)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.token = keys.access_token(
            self.settings, email=TEST_ADMIN_EMAIL, subject=keys.dev_subject(TEST_ADMIN_EMAIL)
        )
        self.base_url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(
            base_url=self.base_url, timeout=30, headers={"Authorization": f"Bearer {self.token}"}
        )
        self.gc_thresholds = gc.get_threshold()

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process hub did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        gc.unfreeze()
        gc.set_threshold(*self.gc_thresholds)

    def post(self, query: str, variables: dict[str, Any], request_id: str, **headers: str) -> dict[str, Any]:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"x-request-id": request_id, **headers},
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        assert "errors" not in result, result["errors"]
        return result


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture(scope="module")
def traced_hub(hub_env: dict[str, str], exporter: InMemorySpanExporter) -> Iterator[InProcessHub]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # exported as each span ends
    hub = InProcessHub(hub_env, provider)
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def spans(traced_hub: InProcessHub, exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    """The exporter, holding no span of an earlier test."""
    exporter.clear()
    return exporter


def request_id() -> str:
    return f"trace-test-{uuid.uuid4().hex}"


def trace_of(exporter: InMemorySpanExporter, rid: str) -> list[ReadableSpan]:
    """The spans of the request `rid`, once its server span (which ends last) has ended: the
    response reaches the client a moment before the server's ASGI call returns."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        finished = exporter.get_finished_spans()
        servers = [
            s for s in finished if s.kind is SpanKind.SERVER and s.attributes.get("sadarbe.request_id") == rid
        ]
        if servers:
            trace_id = servers[0].context.trace_id
            return [s for s in finished if s.context.trace_id == trace_id]
        time.sleep(0.02)
    raise AssertionError(f"no server span for request {rid}")


def named(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def cypher(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in spans if s.attributes.get("db.system") == "neo4j"]


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan:
    assert span.parent is not None, span.name
    (parent,) = [s for s in spans if s.context.span_id == span.parent.span_id]
    return parent


async def institution_request(
    hub: InProcessHub, exporter: InMemorySpanExporter, graph: Graph, rid: str, **headers: str
) -> tuple[str, list[ReadableSpan]]:
    """A new institution's id, and the spans of request `rid`, which asked for it by that id."""
    fm = await builders.institution(graph, "FM")
    hub.post(INSTITUTION, {"id": fm["id"]}, rid, **headers)
    return fm["id"], trace_of(exporter, rid)


def server_span(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (server,) = [s for s in spans if s.kind is SpanKind.SERVER and s.name == name]
    return server


async def test_a_graphql_request_is_one_trace_under_its_server_span(
    traced_hub: InProcessHub, spans: InMemorySpanExporter, graph: Graph
) -> None:
    _, request = await institution_request(traced_hub, spans, graph, request_id())

    server = server_span(request, "POST /graphql")
    (operation,) = named(request, "GraphQL Query: Institution")
    assert server.parent is None
    assert parent_of(operation, request) is server
    assert operation.attributes["query"] == INSTITUTION


async def test_each_cypher_query_is_a_span_with_the_request_id(
    traced_hub: InProcessHub, spans: InMemorySpanExporter, graph: Graph
) -> None:
    rid = request_id()
    _, request = await institution_request(traced_hub, spans, graph, rid)

    queries = cypher(request)
    server = server_span(request, "POST /graphql")
    # The sign-in lookup and the operation's one planned read (graph/planner.py), each under the
    # request's span: Strawberry's extension does not make its operation span the current one.
    lookup, planned = queries
    assert [parent_of(q, request) for q in queries] == [server, server]
    assert {lookup.kind, planned.kind} == {SpanKind.CLIENT}
    assert "$callerSubject" in str(lookup.attributes["db.query.text"])
    assert "(v1:Institution {id: $s0_id})" in str(planned.attributes["db.query.text"])
    assert {q.attributes["sadarbe.request_id"] for q in queries} == {rid}
    assert {q.attributes["db.system.name"] for q in queries} == {"neo4j"}


async def test_spans_carry_no_parameter_values(
    traced_hub: InProcessHub, spans: InMemorySpanExporter, graph: Graph
) -> None:
    fm_id, request = await institution_request(traced_hub, spans, graph, request_id())

    # The id went to the resolver as its argument and to the resolver's Cypher as $id; the
    # caller's e-mail is a parameter of the sign-in's lookup whenever that runs.
    values = [str(v) for s in request for v in s.attributes.values()]
    assert any("$id" in v for v in values)
    assert [v for v in values if fm_id in v or TEST_ADMIN_EMAIL in v] == []


async def test_a_callers_traceparent_continues_its_trace(
    traced_hub: InProcessHub, spans: InMemorySpanExporter, graph: Graph
) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    traceparent = f"00-{trace_id}-{parent_id}-01"
    _, request = await institution_request(traced_hub, spans, graph, request_id(), traceparent=traceparent)

    server = server_span(request, "POST /graphql")
    assert server.context.trace_id == int(trace_id, 16)
    assert server.parent is not None and server.parent.span_id == int(parent_id, 16)


async def test_a_websocket_is_one_trace_and_its_subscription_still_delivers(
    traced_hub: InProcessHub, spans: InMemorySpanExporter, graph: Graph
) -> None:
    fm = await builders.institution(graph, "FM")
    rid = request_id()
    ws = await lc.connect(
        traced_hub.base_url.replace("http://", "ws://") + "/graphql",
        {"token": traced_hub.token},
        additional_headers={"x-request-id": rid},
    )
    await lc.subscribe(ws, "1", FEED, {"id": fm["id"]})
    await lc.started(traced_hub.base_url, 1)
    traced_hub.post(RENAME, {"id": fm["id"], "name": "Ministry of Finance"}, request_id())
    assert (await lc.next_payload(ws))["data"] == {
        "institutionActivity": {"activity": {"verb": "institution.updated", "targetId": fm["id"]}}
    }
    await lc.close_all()  # the server span ends with the socket

    socket = trace_of(spans, rid)
    server = server_span(socket, "HTTP /graphql")
    # The subscription's operation span ended when the socket closed, under the socket's span.
    (operation,) = named(socket, "GraphQL Query: Feed")
    assert parent_of(operation, socket) is server
    assert cypher(socket)
    assert {q.attributes["sadarbe.request_id"] for q in cypher(socket)} == {rid}


def test_health_probes_are_not_traced(traced_hub: InProcessHub, spans: InMemorySpanExporter) -> None:
    probe, page = request_id(), request_id()
    assert traced_hub.http.get("/readyz", headers={"x-request-id": probe}).status_code == 200
    # A traced request after it: once its spans have arrived, the probe's would have too.
    assert traced_hub.http.get("/", headers={"x-request-id": page}).status_code == 200
    trace_of(spans, page)
    finished = list(spans.get_finished_spans())
    assert [s.name for s in finished] == ["GET /"]  # neither the probe nor its Cypher query


def test_no_otlp_endpoint_means_no_tracer_provider(hub_env: dict[str, str]) -> None:
    assert tracing.tracer_provider(Settings(**hub_env)) is None  # type: ignore[arg-type]


# Anything that fell back on OpenTelemetry's global provider would land here. The global can be
# set once per process: this exporter stays the one it feeds.
FALLBACK = InMemorySpanExporter()


async def test_an_untraced_hub_makes_no_spans(hub_env: dict[str, str], graph: Graph) -> None:
    fallback = TracerProvider()
    fallback.add_span_processor(SimpleSpanProcessor(FALLBACK))
    trace.set_tracer_provider(fallback)
    FALLBACK.clear()
    fm = await builders.institution(graph, "FM")
    hub = InProcessHub(hub_env, provider=None)
    hub.start()
    try:
        result = hub.post(INSTITUTION, {"id": fm["id"]}, request_id())
    finally:
        hub.stop()
    assert result["data"] == {"institution": {"code": "FM", "nameEn": "FM institution"}}
    assert FALLBACK.get_finished_spans() == ()


class Collector:
    """An OTLP/HTTP trace receiver: the export requests POSTed to /v1/traces."""

    def __init__(self) -> None:
        self.received: list[ExportTraceServiceRequest] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces":
                    received.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def trace_with(self, rid: str) -> set[tuple[str, str]]:
        """(service name, span name) of each span received in the trace of request `rid`."""
        spans = [
            ({a.key: a.value.string_value for a in resource_spans.resource.attributes}, span)
            for request in list(self.received)
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]
        traces = {
            span.trace_id
            for _, span in spans
            if any(a.key == "sadarbe.request_id" and a.value.string_value == rid for a in span.attributes)
        }
        return {(resource["service.name"], span.name) for resource, span in spans if span.trace_id in traces}


@pytest.fixture
def collector() -> Iterator[Collector]:
    collector = Collector()
    yield collector
    collector.server.shutdown()
    collector.server.server_close()


# The batch processor's delay (the SDK reads it) short, so spans leave during the test.
EXPORT_SOON = {"OTEL_BSP_SCHEDULE_DELAY": "50"}


def hub_process(env: dict[str, str], name: str) -> tuple[Any, str, Path]:
    port = free_port()
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    log = TEST_DATA_DIR / f"hub-{name}-{port}.log"
    return start_hub(env, port, log), f"http://127.0.0.1:{port}", log


def test_a_configured_collector_receives_the_spans_over_otlp(
    hub_env: dict[str, str], collector: Collector
) -> None:
    env = {**hub_env, **EXPORT_SOON, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url}
    process, url, _ = hub_process(env, "otlp")
    try:
        rid = request_id()
        response = httpx.post(
            f"{url}/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": rid}, timeout=30
        )
        assert response.json()["data"] == {"__typename": "Query"}
        # The server span ends last: once it has arrived, so has the rest of the trace.
        deadline = time.monotonic() + WAIT_S
        while ("sadarbe-hub", "POST /graphql") not in collector.trace_with(
            rid
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert collector.trace_with(rid) == {
            ("sadarbe-hub", "POST /graphql"),
            ("sadarbe-hub", "GraphQL Query"),
            ("sadarbe-hub", "GraphQL Parsing"),
            ("sadarbe-hub", "GraphQL Validation"),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_an_unreachable_collector_never_fails_a_request(hub_env: dict[str, str]) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {**hub_env, **EXPORT_SOON, "OTEL_EXPORTER_OTLP_ENDPOINT": closed, "OTEL_EXPORTER_OTLP_TIMEOUT": "1"}
    process, url, log = hub_process(env, "no-collector")
    try:
        first = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=30)
        # Wait until the exporter has failed to send that request's spans, then ask again.
        deadline = time.monotonic() + WAIT_S
        while "Failed to export spans batch" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Failed to export spans batch" in log.read_text()
        second = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=30)
        assert (first.status_code, first.json()["data"]) == (200, {"__typename": "Query"})
        assert (second.status_code, second.json()["data"]) == (200, {"__typename": "Query"})
    finally:
        process.terminate()
        process.wait(timeout=30)
