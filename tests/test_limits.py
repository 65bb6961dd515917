"""Query cost estimates, the token bucket and who pays, on their own; and the per-caller rate
limit end to end on a hub of its own with a small budget."""

import gc
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from graph.driver import Graph
from hub import limits
from hub.api.schema import schema
from hub.limits import CostMemo, RateLimiter, TokenBucket, estimate_cost, rate_limit_key
from tests.conftest import TEST_DATA_DIR, Hub, free_port, start_hub


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return estimate_cost(schema._schema, operation, fragments, variables)


def test_a_scalar_field_costs_one() -> None:
    assert cost("{ __typename }") == 1


def test_a_connection_multiplies_its_selection_by_first() -> None:
    assert cost("{ skills(first: 10) { nodes { name } } }") == 1 + 10 * (1 + 1)


def test_a_connection_without_first_counts_the_default_page() -> None:
    assert cost("{ skills { nodes { name } } }") == 1 + 20 * 2


def test_a_field_default_first_is_used() -> None:
    assert cost('{ skill(id: "s") { people { name } } }') == 1 + (1 + 20 * 1)


def test_plain_list_fields_count_the_default_size() -> None:
    assert cost('{ person(id: "p") { skills { level } } }') == 1 + (1 + 20 * 1)


def test_nested_lists_multiply() -> None:
    assert cost("{ people(first: 10) { nodes { skills { level } } } }") == 1 + 10 * (1 + (1 + 20 * 1))


def test_first_from_a_variable() -> None:
    assert cost("query($n: Int) { skills(first: $n) { totalCount } }", {"n": 7}) == 1 + 7


def test_fragments_and_inline_fragments_are_counted() -> None:
    query = (
        '{ node(id: "x") { ... on Skill { people(first: 3) { ...P } } } } fragment P on Person { name email }'
    )
    assert cost(query) == 1 + (1 + 3 * 2)


PAGE = "query P($id: ID!, $first: Int) { skill(id: $id) { people(first: $first) { name } } }"


def operation_of(query: str) -> OperationDefinitionNode:
    [operation] = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
    return operation


def test_a_remembered_cost_follows_the_first_variable() -> None:
    memo, operation = CostMemo(), operation_of(PAGE)
    estimates = [
        memo.estimate(schema._schema, operation, {}, {"id": "s", "first": first}, 100)
        for first in (10, 50, 10)
    ]
    assert estimates == [1 + (1 + 10), 1 + (1 + 50), 1 + (1 + 10)]


def test_a_cost_asked_for_again_with_other_ids_is_not_estimated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memo, operation = CostMemo(), operation_of(PAGE)
    memo.estimate(schema._schema, operation, {}, {"id": "s1", "first": 10}, 100)
    estimated: list[object] = []
    monkeypatch.setattr(limits, "_Estimator", lambda *args: estimated.append(args))
    assert memo.estimate(schema._schema, operation, {}, {"id": "s2", "first": 10}, 100) == 12
    assert estimated == []


def test_a_document_with_fragments_is_estimated_each_time() -> None:
    document = parse("query { ...F } fragment F on Query { skills(first: 3) { nodes { name } } }")
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    memo = CostMemo()
    assert memo.estimate(schema._schema, operation, fragments, {}, 100) == 1 + 3 * 2
    assert len(memo) == 0


def test_an_operation_let_go_leaves_the_memo() -> None:
    memo = CostMemo()
    memo.estimate(schema._schema, operation_of(PAGE), {}, {"first": 5}, 100)
    gc.collect()
    assert len(memo) == 0


def test_bucket_refills_over_the_period() -> None:
    bucket = TokenBucket(60, period_s=60)
    bucket.updated = 0.0
    assert bucket.take(60, now=0.0) == 0
    assert bucket.take(30, now=0.0) == pytest.approx(30.0)  # 30 points at 1 per second
    assert bucket.take(30, now=30.0) == 0


def test_a_cost_over_the_whole_budget_never_fits() -> None:
    assert TokenBucket(10).take(11, now=0.0) == float("inf")


def test_callers_have_separate_buckets() -> None:
    limiter = RateLimiter(points_per_minute=10)
    assert limiter.charge("ip:a", 10) == 0
    assert limiter.charge("ip:a", 5) > 0
    assert limiter.charge("ip:b", 10) == 0


def test_limiter_forgets_the_least_recent_callers_past_its_size() -> None:
    limiter = RateLimiter(points_per_minute=10, max_keys=2)
    for key in ("a", "b", "c"):
        limiter.charge(key, 10)
    assert limiter.charge("a", 10) == 0  # "a" was dropped, so it starts full again


def test_the_signed_in_person_pays_before_the_address() -> None:
    signed_in = SimpleNamespace(viewer=SimpleNamespace(person_id="pers_1"), client_ip="10.0.0.1")
    anonymous = SimpleNamespace(viewer=SimpleNamespace(person_id=None), client_ip="10.0.0.1")
    assert rate_limit_key(signed_in) == "person:pers_1"
    assert rate_limit_key(anonymous) == "ip:10.0.0.1"


@pytest.fixture(scope="module")
def limited_hub(hub_env: dict[str, str], session_graph: Graph) -> Iterator[Hub]:
    port = free_port()
    env = {**hub_env, "HUB_RATE_LIMIT_POINTS": "100"}
    process = start_hub(env, port, TEST_DATA_DIR / f"hub-rl-{port}.log")
    hub = Hub(f"http://127.0.0.1:{port}", process, env)
    yield hub
    hub.http.close()
    process.terminate()
    process.wait(timeout=30)


QUERY_61 = "{ skills(first: 30) { nodes { name } } }"  # 1 + 30 × 2


def test_requests_over_the_per_minute_points_are_rate_limited(limited_hub: Hub, graph: Graph) -> None:
    assert limited_hub.data(QUERY_61) == {"skills": {"nodes": []}}
    error = limited_hub.error(QUERY_61)
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["cost"] == 61
    assert 0 < error["extensions"]["retryAfterSeconds"] <= 60
    assert error["message"] == "Rate limit of 100 cost points per minute exceeded."
    # The rejected request cost nothing, and the hub still answers probes.
    assert limited_hub.http.get("/healthz").status_code == 200
    assert limited_hub.data("{ __typename }") == {"__typename": "Query"}
