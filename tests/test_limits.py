"""Query cost estimates, the token bucket and who pays, on their own; the buckets shared through a
real Redis; and the per-caller rate limit end to end on a hub of its own with a small budget, and
on two hub processes sharing one budget through Redis."""

import gc
import math
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from graph.driver import Graph
from hub import limits
from hub.api.schema import schema
from hub.limits import (
    CostMemo,
    RateLimiter,
    RedisBuckets,
    TokenBucket,
    estimate_cost,
    rate_limit_key,
    retry_after_seconds,
)
from tests.conftest import TEST_DATA_DIR, Hub, RedisServer, free_port, start_hub


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


def test_retry_after_is_rounded_up_to_a_tenth_so_a_retry_then_fits() -> None:
    assert [retry_after_seconds(w) for w in (0.01, 0.1, 13.21, 2.0)] == [0.1, 0.1, 13.3, 2.0]
    assert retry_after_seconds(math.inf) is None


# --- buckets in Redis (REDIS_URL) -------------------------------------------------------------


def caller() -> str:
    return f"ip:{uuid.uuid4().hex}"


def test_a_redis_bucket_refuses_what_does_not_fit_and_a_retry_after_the_wait_fits(
    redis_server: RedisServer,
) -> None:
    limiter = RateLimiter(points_per_minute=600, redis_url=redis_server.url)  # 10 points a second
    assert isinstance(limiter.buckets, RedisBuckets)
    key = caller()
    assert limiter.charge(key, 600) == 0
    wait = limiter.charge(key, 30)
    assert 0 < wait <= 3.0  # 30 points at 10 a second, less what refilled since
    time.sleep(retry_after_seconds(wait) or 0)
    assert limiter.charge(key, 30) == 0


def test_a_refused_charge_takes_nothing_from_a_redis_bucket(redis_server: RedisServer) -> None:
    limiter = RateLimiter(points_per_minute=600, redis_url=redis_server.url)
    key = caller()
    assert limiter.charge(key, 601) == math.inf  # over the whole budget: never fits
    assert limiter.charge(key, 600) == 0


def test_callers_have_separate_buckets_in_redis(redis_server: RedisServer) -> None:
    limiter = RateLimiter(points_per_minute=10, redis_url=redis_server.url)
    a, b = caller(), caller()
    assert limiter.charge(a, 10) == 0
    assert limiter.charge(a, 5) > 0
    assert limiter.charge(b, 10) == 0


def test_a_redis_bucket_expires_once_it_would_have_refilled(redis_server: RedisServer) -> None:
    limiter = RateLimiter(points_per_minute=600, redis_url=redis_server.url)
    key = caller()
    limiter.charge(key, 60)  # refilled 6 s later: the key goes 1 s after that
    assert isinstance(limiter.buckets, RedisBuckets)
    ttl_ms = limiter.buckets.redis.pttl(RedisBuckets.KEY_PREFIX + key)
    assert 6000 < ttl_ms <= 7000


def test_an_unreachable_redis_leaves_the_limit_to_this_process() -> None:
    limiter = RateLimiter(points_per_minute=10, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert limiter.charge("ip:a", 10) == 0
    assert limiter.charge("ip:a", 5) > 0
    assert limiter.charge("ip:b", 10) == 0


# --- end to end -------------------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def limited_replicas(
    hub_env: dict[str, str], session_graph: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Hub, Hub]]:
    """Two hub processes with a 100-point budget and a Redis of their own."""
    redis = RedisServer(tmp_path_factory.mktemp("redis-rate"))
    redis.start()
    env = {**hub_env, "HUB_RATE_LIMIT_POINTS": "100", "REDIS_URL": redis.url}
    hubs = []
    try:
        for _ in range(2):
            port = free_port()
            process = start_hub(env, port, TEST_DATA_DIR / f"hub-rl-redis-{port}.log")
            hubs.append(Hub(f"http://127.0.0.1:{port}", process, env))
        yield hubs[0], hubs[1]
    finally:
        for hub in hubs:
            hub.http.close()
            hub.process.terminate()
            hub.process.wait(timeout=30)
        redis.stop()


def test_two_hub_processes_share_one_budget_through_redis(
    limited_replicas: tuple[Hub, Hub], graph: Graph
) -> None:
    a, b = limited_replicas
    assert a.data(QUERY_91) == {"skills": {"nodes": []}}
    # b has charged this caller nothing itself: with a budget per process it would answer.
    error = b.error(QUERY_91)
    assert error["extensions"]["code"] == "RATE_LIMITED"
    # 91 points with 9 left, refilled at 100 a minute: at most 49.2 s (less what refilled since).
    assert 0 < error["extensions"]["retryAfterSeconds"] <= 49.2
    assert a.error(QUERY_91)["extensions"]["code"] == "RATE_LIMITED"


QUERY_91 = "{ skills(first: 45) { nodes { name } } }"  # 1 + 45 × 2: leaves 9 of 100 points
