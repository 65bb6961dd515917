"""Query cost estimates, the token bucket and who pays, on their own; the buckets shared through a
real Redis, and a Redis that fails or does not answer; and the per-caller rate limit end to end on
a hub of its own with a small budget, and on two hub processes sharing one budget through Redis."""

import asyncio
import gc
import math
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from redis.asyncio import Redis

from graph.driver import Graph
from hub import limits, redis_client
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


async def test_callers_have_separate_buckets() -> None:
    limiter = RateLimiter(points_per_minute=10)
    assert await limiter.charge("ip:a", 10) == 0
    assert await limiter.charge("ip:a", 5) > 0
    assert await limiter.charge("ip:b", 10) == 0


async def test_limiter_forgets_the_least_recent_callers_past_its_size() -> None:
    limiter = RateLimiter(points_per_minute=10, max_keys=2)
    for key in ("a", "b", "c"):
        await limiter.charge(key, 10)
    assert await limiter.charge("a", 10) == 0  # "a" was dropped, so it starts full again


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


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """The client a hub process makes at start (hub/redis_client.py), on the test Redis."""
    client = redis_client.connect(redis_server.url)
    yield client
    await client.aclose()


def shared(points_per_minute: int, redis: Redis) -> RateLimiter:
    limiter = RateLimiter(points_per_minute)
    limiter.share_through(redis)
    return limiter


async def test_a_redis_bucket_refuses_what_does_not_fit_and_a_retry_after_the_wait_fits(redis: Redis) -> None:
    limiter = shared(600, redis)  # 10 points a second
    key = caller()
    assert await limiter.charge(key, 600) == 0
    wait = await limiter.charge(key, 30)
    assert 0 < wait <= 3.0  # 30 points at 10 a second, less what refilled since
    await asyncio.sleep(retry_after_seconds(wait) or 0)
    assert await limiter.charge(key, 30) == 0


async def test_a_refused_charge_takes_nothing_from_a_redis_bucket(redis: Redis) -> None:
    limiter = shared(600, redis)
    key = caller()
    assert await limiter.charge(key, 601) == math.inf  # over the whole budget: never fits
    assert await limiter.charge(key, 600) == 0


async def test_callers_have_separate_buckets_in_redis(redis: Redis) -> None:
    limiter = shared(10, redis)
    a, b = caller(), caller()
    assert await limiter.charge(a, 10) == 0
    assert await limiter.charge(a, 5) > 0
    assert await limiter.charge(b, 10) == 0


async def test_limiters_sharing_one_redis_share_the_budget(redis: Redis) -> None:
    first, second = shared(10, redis), shared(10, redis)
    key = caller()
    assert await first.charge(key, 10) == 0
    assert await second.charge(key, 5) > 0


async def test_a_redis_bucket_expires_once_it_would_have_refilled(redis: Redis) -> None:
    limiter = shared(600, redis)
    key = caller()
    await limiter.charge(key, 60)  # refilled 6 s later: the key goes 1 s after that
    ttl_ms = await redis.pttl(RedisBuckets.KEY_PREFIX + key)
    assert 6000 < ttl_ms <= 7000


async def test_a_limiter_no_longer_shared_keeps_its_buckets_in_the_process(redis: Redis) -> None:
    limiter = shared(10, redis)
    limiter.share_through(None)
    key = caller()
    assert await limiter.charge(key, 10) == 0
    assert await redis.exists(RedisBuckets.KEY_PREFIX + key) == 0


async def test_an_unreachable_redis_leaves_the_limit_to_this_process() -> None:
    client = redis_client.connect(f"redis://127.0.0.1:{free_port()}/0")
    limiter = shared(10, client)
    assert await limiter.charge("ip:a", 10) == 0
    assert await limiter.charge("ip:a", 5) > 0
    assert await limiter.charge("ip:b", 10) == 0
    await client.aclose()


class SilentRedis:
    """A server that takes connections and reads what is sent but never answers, as a Redis that
    hangs does; `hang_up` closes its connections and stops taking new ones."""

    def __init__(self) -> None:
        self.heard = 0  # connections that have sent something and wait for an answer
        self._changed = asyncio.Condition()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> "SilentRedis":
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.hang_up()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        if await reader.read(4096):
            async with self._changed:
                self.heard += 1
                self._changed.notify_all()
        while await reader.read(4096):
            pass

    async def heard_from(self, clients: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.heard >= clients)

    async def hang_up(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()
            self._server = None


async def test_charges_waiting_on_a_silent_redis_hold_up_no_other_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Long enough that only the hang-up below ends the wait, however slow this machine is.
    monkeypatch.setattr(RedisBuckets, "TIMEOUT_S", 60.0)
    async with SilentRedis() as silent:
        client = redis_client.connect(silent.url)
        limiter = shared(10, client)
        charges = [asyncio.create_task(limiter.charge(key, 10)) for key in ("ip:a", "ip:b")]
        # The silent server runs on this event loop: it hears both charges' commands while they
        # wait for their answers. A blocking client would hold the loop, and so the server and
        # the other charge, until it gave up.
        await silent.heard_from(2)
        assert not any(charge.done() for charge in charges)
        await silent.hang_up()
        assert await asyncio.gather(*charges) == [0, 0]  # answered by this process's buckets
        assert await limiter.charge("ip:a", 5) > 0  # ... which hold what they were charged
        await client.aclose()


async def test_a_redis_that_never_answers_leaves_the_limit_to_this_process() -> None:
    async with SilentRedis() as silent:
        client = redis_client.connect(silent.url)
        limiter = shared(10, client)
        assert await limiter.charge("ip:a", 10) == 0  # after TIMEOUT_S, from this process's bucket
        assert await limiter.charge("ip:a", 5) > 0
        await client.aclose()


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
