"""Property-based fuzzing over real HTTP: queries and mutations generated from schema.graphql by
hypothesis-graphql (valid ones, and invalid ones in NEGATIVE mode) against a running hub over the
real Neo4j. No case may produce an HTTP 5xx or an INTERNAL_SERVER_ERROR.

About 2 700 cases by default; set SADARBE_FUZZ_EXAMPLES to scale every group (README: slow run).
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from hypothesis_graphql import nodes as gql_nodes

from graph.driver import Graph
from graph.embedded import REPO_ROOT
from tests.conftest import TEST_DATA_DIR, Hub, free_port, start_hub

SCHEMA = (REPO_ROOT / "schema.graphql").read_text()
SCALE = float(os.environ.get("SADARBE_FUZZ_EXAMPLES", "1"))

SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Date": st.dates().map(lambda d: gql_nodes.String(d.isoformat())),
    "DateTime": st.datetimes().map(lambda d: gql_nodes.String(d.isoformat())),
    "JSON": st.text(max_size=20).map(gql_nodes.String),
}

FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=True,  # the same cases on every run: a failure reproduces
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def fuzz_hub(hub_env: dict[str, str], session_graph: Graph) -> Iterator[Hub]:
    """A hub of its own with an unlimited rate budget, so fuzzing starves no other test."""
    port = free_port()
    env = {**hub_env, "HUB_RATE_LIMIT_POINTS": str(10**12)}
    log: Path = TEST_DATA_DIR / f"hub-fuzz-{port}.log"
    process = start_hub(env, port, log)
    hub = Hub(f"http://127.0.0.1:{port}", process, env)
    yield hub
    hub.http.close()
    process.terminate()
    process.wait(timeout=30)


def check(hub: Hub, query: str, *, invalid: bool = False) -> None:
    try:
        response = hub.http.post("/graphql", json={"query": query})
    except httpx.TransportError as exc:  # the server died or hung
        raise AssertionError(f"transport error for {query!r}: {exc}") from exc
    assert response.status_code < 500, (query, response.text)
    if response.status_code != 200:
        return  # refused by a guard (e.g. 400 for a document strawberry cannot parse)
    result = response.json()
    codes = [e.get("extensions", {}).get("code") for e in result.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, (query, result)
    if invalid:
        assert result.get("errors"), (query, result)


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


@settings(FUZZ, max_examples=examples(1200))
@given(query=queries(SCHEMA, custom_scalars=SCALARS))
def test_generated_queries_never_fail_internally(fuzz_hub: Hub, query: str) -> None:
    check(fuzz_hub, query)


@settings(FUZZ, max_examples=examples(1050))
@given(query=mutations(SCHEMA, custom_scalars=SCALARS))
def test_generated_mutations_never_fail_internally(fuzz_hub: Hub, query: str) -> None:
    check(fuzz_hub, query)


@settings(FUZZ, max_examples=examples(450))
@given(query=queries(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
def test_invalid_queries_always_answer_with_errors(fuzz_hub: Hub, query: str) -> None:
    check(fuzz_hub, query, invalid=True)
