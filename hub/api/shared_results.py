"""One execution of a subscription's selection per event, shared by every subscriber asking the same.

Strawberry (graphql-core) executes a subscription's selection set for every subscriber and every
event; with thousands of subscribers on one feed that is most of the hub's CPU. A subscriber's
result for an event depends only on the event, the operation (document and name), its variables
and the viewer (resolvers below the event read Neo4j through the viewer's visibility, and nothing
else about the connection), so the result is computed once per such key and handed to the others.

Visibility stays exact: whether an event reaches a subscriber at all is decided per subscriber
before its payload is yielded (`hub/api/live.py`), and the key includes the whole `Viewer` (all
that visibility in Cypher reads), so a result is shared only between identical viewers.

Payloads opt in with a `share_key` (the event's identity, e.g. epoch, seq and replayed); queries,
mutations and payloads without one execute as usual.

A shared result's `data` is a `SharedData`: it carries its JSON encoding once made, so a `next`
message around it is encoded by splicing (`next_frame`, which the view's `encode_json` uses): the
data is encoded once for all its subscribers, and only each subscription's id is spliced in.

The executor class is Strawberry's own (hub/live/internals.py: not a public API) extended through
graphql-core's documented `Executor` methods (`build`, `build_per_event_executor`,
`execute_operation`).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from typing import Any

from graphql import ExecutionResult, OperationType

from hub import metrics
from hub.live.internals import StrawberryExecutionContext

SUBSCRIPTION_EXECUTOR: ContextVar[SharedSubscriptionResults | None] = ContextVar(
    "subscription_executor", default=None
)
SHARED_RESULTS = 2048  # recent (event, operation, variables, viewer) results kept for late subscribers
_UNSET: Any = object()


class SharedData(dict[str, Any]):
    """The `data` of a result shared by several subscriptions, with its JSON encoding once made.
    Never mutated after execution: every subscriber reads the same object."""

    __slots__ = ("_json",)

    def encoded(self, encode: Callable[[object], str]) -> str:
        try:
            return self._json
        except AttributeError:
            self._json: str = encode(self)
            return self._json


class _OperationKey:
    """(document, operation name, variables, viewer) of one subscription, hashed once for all its
    events instead of once per event (the Viewer's hash walks all its fields)."""

    __slots__ = ("_hash", "parts")

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts, self._hash = parts, hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _OperationKey) and self._hash == other._hash and self.parts == other.parts


class _Execution:
    """One shared execution and an Event set when it ends. Waiters wait on the Event, not on the
    task: a waiter going away (its subscription cancelled) must not cancel the others' result,
    and an Event costs one future per waiter where `asyncio.shield` costs two and two callbacks."""

    __slots__ = ("done", "task")

    def __init__(self, task: asyncio.Task[ExecutionResult]) -> None:
        self.task, self.done = task, asyncio.Event()
        task.add_done_callback(lambda _: self.done.set())


class SharedSubscriptionResults(StrawberryExecutionContext):
    """The executor class for the schema: shares per-event results between equal subscriptions."""

    _results: OrderedDict[tuple[Any, ...], _Execution] = OrderedDict()
    _operation_key: _OperationKey | None = _UNSET
    _keyed_for: Any = None  # the viewer `_operation_key` holds: a review may give the socket another

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        executor = super().build(*args, **kwargs)
        if isinstance(executor, SharedSubscriptionResults) and executor.operation.operation is (
            OperationType.SUBSCRIPTION
        ):
            # Built in the subscription's own task, just before its resolver runs there: the
            # resolver finds it here to execute live events itself (hub/live/fanout.py).
            SUBSCRIPTION_EXECUTOR.set(executor)
        return executor

    def share_group(self) -> object:
        """The key under which equal subscriptions share a result; a fresh object when this
        operation is not shareable (then it is a group of its own)."""
        key = self._operation()
        return key if key is not None else object()

    def build_per_event_executor(self, payload: Any) -> Any:
        # The per-event executor is a shallow copy of this one: the operation's key, computed once
        # here, travels with it.
        self._operation()
        return super().build_per_event_executor(payload)

    def _operation(self) -> _OperationKey | None:
        """The operation's key, made again only when its connection runs as another viewer."""
        viewer = getattr(self.context_value, "viewer", None)
        if self._operation_key is _UNSET or self._keyed_for is not viewer:
            self._operation_key, self._keyed_for = self._key_of_operation(), viewer
        return self._operation_key

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._share_key()
        if key is None:
            return super().execute_operation(serially)
        execution = self._results.get(key)
        metrics.subscription_result(shared=execution is not None)
        if execution is None:
            execution = _Execution(asyncio.ensure_future(self._execute(serially)))
            self._results[key] = execution
            while len(self._results) > SHARED_RESULTS:
                self._results.popitem(last=False)
        return self._shared(key, execution)

    async def _execute(self, serially: bool | None) -> ExecutionResult:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        if isinstance(result.data, dict):
            result.data = SharedData(result.data)
        return result

    async def _shared(self, key: tuple[Any, ...], execution: _Execution) -> ExecutionResult:
        if not execution.task.done():
            await execution.done.wait()
        try:
            return execution.task.result()
        except Exception:
            with suppress(KeyError):  # not cached: the next subscriber tries again
                if self._results[key] is execution:
                    del self._results[key]
            raise

    def _share_key(self) -> tuple[Any, ...] | None:
        event = getattr(self.root_value, "share_key", None)
        if event is None:
            return None
        operation = self._operation()
        return None if operation is None else (event, operation)

    def _key_of_operation(self) -> _OperationKey | None:
        location = self.operation.loc
        viewer = getattr(self.context_value, "viewer", None)
        if location is None or viewer is None:
            return None
        variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
        operation = self.operation.name.value if self.operation.name else None
        return _OperationKey((location.source.body, operation, variables, viewer))


def next_frame(message: object, encode: Callable[[object], str]) -> str | None:
    """A graphql-transport-ws `next` message as text when its data is shared and it carries no
    errors, else None (encode it as usual).

    `encode` is the view's JSON encoder (compact separators): the text equals `encode(message)`, the
    same bytes in the same key order, with the shared data's encoding reused."""
    if type(message) is not dict or message.get("type") != "next":
        return None
    payload = message["payload"]
    data = payload.get("data")
    if type(data) is not SharedData or "errors" in payload:
        return None
    extensions = payload.get("extensions")
    tail = "}}" if extensions is None else ',"extensions":' + encode(extensions) + "}}"
    return (
        '{"id":' + encode(message["id"]) + ',"type":"next","payload":{"data":' + data.encoded(encode) + tail
    )
