"""Production mode, end to end: a real hub process started with HUB_MODE=production against the
test Neo4j. No introspection, no IDE, no suggestions, masked errors, JSON logs with request ids,
/metrics behind a token, and no start at all with development secrets."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from hub.api.errors import convert_errors
from tests.conftest import TEST_DATA_DIR, Hub, free_port, start_hub

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def prod_log() -> Path:
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    return TEST_DATA_DIR / "hub-production.log"


@pytest.fixture(scope="module")
def prod_hub(hub_env: dict[str, str], session_graph: Graph, prod_log: Path) -> Iterator[Hub]:
    port = free_port()
    env = {
        **hub_env,
        "HUB_MODE": "production",
        "HUB_LOG_LEVEL": "info",
        "HUB_SECRET_KEY": "a-production-secret-key-of-forty-chars!!",
        "HUB_MAX_QUERY_COST": "500",
        "HUB_METRICS_TOKEN": METRICS_TOKEN,
        # Production names a real issuer; these tests need no sign-in (its keys are never fetched).
        "HUB_OIDC_ISSUER": "https://idp.example.test/realms/vad",
        "HUB_OIDC_CLIENT_SECRET": "a-production-client-secret",
        "HUB_PUBLIC_URL": "https://sadarbe.example.test",
        # E-mail is on in production: a mail server and sender are required (nothing is sent here,
        # as the test hubs run no timed jobs).
        "HUB_SMTP_HOST": "smtp.example.test",
        "HUB_MAIL_FROM": "Sadarbe <sadarbe@example.test>",
        "PYTHONUNBUFFERED": "1",  # log lines reach the file as they are written
    }
    process = start_hub(env, port, prod_log)
    hub = Hub(f"http://127.0.0.1:{port}", process, env, email=None)
    yield hub
    hub.http.close()
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def prod(prod_hub: Hub, graph: Graph) -> Hub:
    return prod_hub


def test_introspection_of_the_schema_is_refused(prod: Hub) -> None:
    error = prod.post("{ __schema { types { name } } }")["errors"][0]
    assert "introspection has been disabled" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_introspection_of_a_type_is_refused(prod: Hub) -> None:
    assert prod.post('{ __type(name: "Query") { fields { name } } }')["errors"]


def test_typename_still_answers(prod: Hub) -> None:
    assert prod.data("{ __typename }") == {"__typename": "Query"}


def test_graphiql_is_not_served(prod: Hub) -> None:
    response = prod.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()


@pytest.mark.parametrize(
    "query",
    [
        "{ skils { totalCount } }",  # field
        "{ skills(frist: 1) { totalCount } }",  # argument
        "{ skills { nodes { ... on Skil { name } } } }",  # type condition
        "{ people(orderBy: NAM) { totalCount } }",  # enum value
        '{ people(filter: {institutionid: "x"}) { totalCount } }',  # input field
    ],
)
def test_validation_errors_carry_no_suggestions(prod: Hub, query: str) -> None:
    result = prod.post(query)
    assert result["errors"], result
    for error in result["errors"]:
        assert "Did you mean" not in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_development_mode_keeps_suggestions(hub: Hub) -> None:
    assert "Did you mean" in hub.post("{ skils { totalCount } }")["errors"][0]["message"]


def test_cost_budget_comes_from_the_environment(prod: Hub) -> None:
    error = prod.error("{ skills(first: 100) { nodes { name people(first: 20) { name } } } }")
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 1 + 100 * (1 + 1 + 21), "maxCost": 500}


def test_metrics_are_hidden_without_the_token(prod: Hub) -> None:
    assert prod.http.get("/metrics").status_code == 404
    assert prod.http.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 404


def test_metrics_answer_with_the_token(prod: Hub) -> None:
    prod.data("{ __typename }")
    response = prod.http.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert 'hub_graphql_operations_total{outcome="ok",type="query"}' in response.text


def test_logs_are_json_lines_with_the_request_id(prod: Hub, prod_log: Path) -> None:
    prod.http.post("/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "trace-prod-1"})
    access: list[dict[str, Any]] = []
    for _ in range(50):  # the access line is written after the response has gone out
        lines = [json.loads(line) for line in prod_log.read_text().splitlines() if line.startswith("{")]
        access = [e for e in lines if e.get("request_id") == "trace-prod-1"]
        if access:
            break
        time.sleep(0.1)
    assert access and access[-1]["event"] == "request"
    assert access[-1]["status"] == 200 and access[-1]["path"] == "/graphql"


def test_unexpected_errors_are_masked_with_a_code_and_request_id() -> None:
    import structlog

    structlog.contextvars.bind_contextvars(request_id="req-42")
    try:
        leaked = GraphQLError(
            "boom", original_error=RuntimeError("MATCH (n) bolt://neo4j:secret@db:7687 Traceback")
        )
        [masked] = convert_errors([leaked], mask=True)
    finally:
        structlog.contextvars.clear_contextvars()
    assert masked.message == "Unexpected error."
    assert masked.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    assert masked.original_error is None


def test_hub_refuses_to_start_with_development_secrets(hub_env: dict[str, str]) -> None:
    env = {k: v for k, v in hub_env.items() if k not in ("NEO4J_PASSWORD", "HUB_SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(free_port())],
        env={**env, "HUB_MODE": "production", "PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "HUB_SECRET_KEY is the development default" in result.stderr
    assert "NEO4J_PASSWORD is the development default" in result.stderr


def test_healthz_is_unauthenticated_and_cheap(prod: Hub) -> None:
    assert httpx.get(prod.base_url + "/healthz").json() == {"status": "ok"}
