"""Query cost analysis and the per-caller rate limit on cost points.

The cost of an operation is estimated from the document before anything runs: every field costs
1, and a list field multiplies the cost of what it selects by its size - `first` when given
(literal or variable), the field's default otherwise, the default page size when it has neither.
Nested lists multiply, so `people(first: 100) { skills { … } }` costs about 100 × 20 × ….

The same cost is charged to the caller's token bucket (HUB_RATE_LIMIT_POINTS per minute). With
REDIS_URL set the buckets live in Redis, shared by every hub process (one atomic script per charge,
awaited on the event loop through the process's Redis client, hub/redis_client.py), so the budget
is per deployment; without it they live in this process.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.error import GraphQLError
from redis import RedisError
from redis import asyncio as aioredis
from strawberry.extensions import SchemaExtension

DEFAULT_LIST_SIZE = 20  # the page size a list field returns when `first` is absent

log = structlog.get_logger(__name__)


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class _Estimator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_page_size = max_page_size
        self.read: set[str] = set()  # the variables the estimate depends on (CostMemo's key)

    def selection_cost(self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        if selections is None or parent is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection_cost(fragment.selection_set, target)
        return total

    def field_cost(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            return 1
        if isinstance(parent, GraphQLUnionType):
            return 1
        definition = parent.fields.get(name)
        if definition is None:
            return 1
        size = self.list_size(node, definition, parent)
        return 1 + size * self.selection_cost(node.selection_set, get_named_type(definition.type))

    def list_size(self, node: FieldNode, definition: Any, parent: GraphQLNamedType) -> int:
        if "first" in definition.args:
            given = self.argument(node, "first")
            if given is not None:
                # A `first` over the cap is refused by the resolver with a clearer error.
                return min(max(given, 0), self.max_page_size)
            default = definition.args["first"].default_value
            return default if isinstance(default, int) else DEFAULT_LIST_SIZE
        # A connection's edges/nodes were already counted by the connection's `first`.
        if _is_list(definition.type) and not parent.name.endswith("Connection"):
            return DEFAULT_LIST_SIZE
        return 1

    def argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                self.read.add(value.name.value)
                return _size(self.variables.get(value.name.value))
        return None


def _size(given: Any) -> int | None:
    """A variable as a list size: an integer, or nothing."""
    return given if isinstance(given, int) and not isinstance(given, bool) else None


def estimate_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
    max_page_size: int = 100,
) -> int:
    """The estimated cost of one operation of an already validated document."""
    return _Estimator(schema, fragments, variables or {}, max_page_size).selection_cost(
        operation.selection_set, _root(schema, operation)
    )


def _root(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLObjectType | None:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]


class CostMemo:
    """Costs already estimated, per parsed operation and the values of the variables its estimate
    reads (only `first`s: the ids of a page do not change its cost). Strawberry's parse cache
    hands out the same operation node for the same document text, so a page asked for again is
    not walked again (the walk was a sizeable part of the hub's own work on a page). Entries go
    when their node does (Strawberry's cache let it go)."""

    KEYS_PER_OPERATION = 64  # distinct `first` combinations remembered per operation

    def __init__(self) -> None:
        # id(operation) → (a weak reference to it, the variables read, costs by their values)
        self._entries: dict[int, tuple[weakref.ref[Any], tuple[str, ...], dict[tuple[Any, ...], int]]] = {}

    def estimate(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any] | None,
        max_page_size: int,
    ) -> int:
        variables = variables or {}
        entry = self._entries.get(id(operation))
        if fragments or entry is None or entry[0]() is not operation:
            estimator = _Estimator(schema, fragments, variables, max_page_size)
            cost = estimator.selection_cost(operation.selection_set, _root(schema, operation))
            if not fragments:  # a document with fragments is estimated each time
                self._remember(operation, tuple(sorted(estimator.read)), variables, cost)
            return cost
        _, names, costs = entry
        key = _key(names, variables)
        known = costs.get(key)
        if known is None:
            known = estimate_cost(schema, operation, fragments, variables, max_page_size)
            if len(costs) < self.KEYS_PER_OPERATION:
                costs[key] = known
        return known

    def _remember(
        self, operation: OperationDefinitionNode, names: tuple[str, ...], variables: dict[str, Any], cost: int
    ) -> None:
        ident = id(operation)
        ref = weakref.ref(operation, lambda _: self._entries.pop(ident, None))
        self._entries[ident] = (ref, names, {_key(names, variables): cost})

    def __len__(self) -> int:
        return len(self._entries)


def _key(names: tuple[str, ...], variables: dict[str, Any]) -> tuple[int | None, ...]:
    """What a remembered cost depends on: the values, as list sizes, of the variables it read."""
    return tuple(_size(variables.get(n)) for n in names)


class TokenBucket:
    """`capacity` points, refilled continuously at `capacity` per `period_s`."""

    def __init__(self, capacity: float, period_s: float = 60.0) -> None:
        self.capacity = capacity
        self.rate = capacity / period_s
        self.tokens = capacity
        self.updated = time.monotonic()

    def take(self, points: float, now: float) -> float:
        """Take `points` and return 0, or take nothing and return the seconds until they fit."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if points <= self.tokens:
            self.tokens -= points
            return 0.0
        if points > self.capacity:
            return float("inf")
        return (points - self.tokens) / self.rate


class LocalBuckets:
    """The buckets in this process; the least recently used are dropped past `max_keys`."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, points: int, capacity: int, period_s: float) -> float:
        with self._lock:
            bucket = self._buckets.pop(key, None) or TokenBucket(capacity, period_s)
            self._buckets[key] = bucket
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return bucket.take(points, time.monotonic())


# TokenBucket.take as one atomic script in Redis, on the Redis server's clock (shared by every
# process). A bucket is a hash {tokens, updated}; it expires once it would have refilled, since a
# missing bucket is a full one, so idle callers cost no memory. Returns the wait as a string (Redis
# turns a Lua number into an integer reply).
_TAKE = """
local capacity, rate, points = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if points > capacity then return 'inf' end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
if points > tokens then return tostring((points - tokens) / rate) end
tokens = tokens - points
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return '0'
"""


class RedisBuckets:
    """The buckets in Redis, shared by every hub process that uses the same Redis. A charge is one
    script awaited on the event loop, so this process's other requests go on while it waits.

    When Redis fails or has not answered within `TIMEOUT_S`, this process's own buckets stand in
    for `FALLBACK_S` (a slow Redis delays the requests of one moment, not every request), and Redis
    is tried again after that. This fails open to the per-process limit rather than closed: refusing
    every request while Redis is away would make a Redis outage an outage of the whole API for
    every person, the harm the limit exists to prevent; each process still holds every caller to
    the budget, so N processes allow N budgets for those seconds, as they would without REDIS_URL."""

    KEY_PREFIX = "sadarbe:rate:"
    TIMEOUT_S = 0.5
    FALLBACK_S = 5.0

    def __init__(self, redis: aioredis.Redis, local: LocalBuckets) -> None:
        self.script = redis.register_script(_TAKE)
        self.local = local
        self._unreachable_until = 0.0

    async def take(self, key: str, points: int, capacity: int, period_s: float) -> float:
        if time.monotonic() >= self._unreachable_until:
            try:
                async with asyncio.timeout(self.TIMEOUT_S):
                    wait = await self.script(
                        keys=[self.KEY_PREFIX + key], args=[capacity, capacity / period_s, points]
                    )
                return float(wait)
            except (RedisError, OSError) as exc:  # OSError: also the TimeoutError of asyncio.timeout
                self._unreachable_until = time.monotonic() + self.FALLBACK_S
                log.warning("rate_limit_redis_unreachable", fallback_s=self.FALLBACK_S, error=repr(exc))
        return self.local.take(key, points, capacity, period_s)


class RateLimiter:
    """One token bucket per caller key, `points_per_minute` points refilled continuously: in this
    process, or in Redis (shared by every hub process) while `share_through` has given it a client."""

    PERIOD_S = 60.0

    def __init__(self, points_per_minute: int, max_keys: int = 100_000) -> None:
        self.points_per_minute = points_per_minute
        self.local = LocalBuckets(max_keys)
        self.shared: RedisBuckets | None = None

    def share_through(self, redis: aioredis.Redis | None) -> None:
        """Keep the buckets in `redis` from now on, or in this process again with None (the app's
        lifespan, which owns the client)."""
        self.shared = RedisBuckets(redis, self.local) if redis is not None else None

    async def charge(self, key: str, points: int) -> float:
        """Charge `points` to `key`: 0 when allowed, else the seconds to wait before retrying."""
        if self.shared is not None:
            return await self.shared.take(key, points, self.points_per_minute, self.PERIOD_S)
        return self.local.take(key, points, self.points_per_minute, self.PERIOD_S)


def retry_after_seconds(wait: float) -> float | None:
    """A wait as `retryAfterSeconds`: rounded up to a tenth, so a retry after it fits; None when
    the cost can never fit."""
    return None if math.isinf(wait) else math.ceil(wait * 10) / 10


def rate_limit_key(context: Any) -> str:
    """Who pays for a request: the signed-in person when known, else the client address.

    The one place that decides it (the identity branch sets `context.viewer.person_id`).
    """
    viewer = getattr(context, "viewer", None)
    person_id = getattr(viewer, "person_id", None)
    if person_id:
        return f"person:{person_id}"
    return f"ip:{getattr(context, 'client_ip', None) or 'unknown'}"


@dataclass(frozen=True)
class Limits:
    max_cost: int
    limiter: RateLimiter
    max_page_size: int
    costs: CostMemo = field(default_factory=CostMemo)


class QueryCost(SchemaExtension):
    """Rejects, after validation and before execution, operations over the cost budget or the
    caller's rate limit. Needs `ValidationCache` (or validation) to have run first in the list."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits

    async def on_validate(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            error = await self._check()
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield

    async def _check(self) -> GraphQLError | None:
        ctx = self.execution_context
        document = ctx.graphql_document
        assert document is not None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        if ctx.operation_name:
            operations = [o for o in operations if o.name and o.name.value == ctx.operation_name]
        if len(operations) != 1:
            return None  # the executor reports the missing or ambiguous operation
        return await charge_cost(
            self.limits, ctx.schema._schema, operations[0], fragments, ctx.variables, ctx.context
        )


async def charge_cost(
    limits: Limits,
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
    context: Any,
) -> GraphQLError | None:
    """The operation's cost checked against the budget and charged to the caller's rate limit:
    None when it may run, else the error to report (nothing is charged for a refused cost)."""
    cost = limits.costs.estimate(schema, operation, fragments, variables, limits.max_page_size)
    if cost > limits.max_cost:
        return GraphQLError(
            f"Query cost {cost} exceeds the maximum of {limits.max_cost}; "
            "ask for fewer items (`first`) or fewer nested lists.",
            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": limits.max_cost},
        )
    wait = await limits.limiter.charge(rate_limit_key(context), cost)
    if wait:
        return GraphQLError(
            f"Rate limit of {limits.limiter.points_per_minute} cost points per minute exceeded.",
            extensions={"code": "RATE_LIMITED", "cost": cost, "retryAfterSeconds": retry_after_seconds(wait)},
        )
    return None
