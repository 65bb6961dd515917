"""Idempotency keys: a retried mutation returns the first outcome and never writes twice.

The hub puts the request's key in a context variable (`idempotent`); `Graph.write` then runs each
transaction through `guarded`, which, in the SAME transaction as the change, claims an
`(:IdempotencyKey {id})` node (unique constraint: a concurrent duplicate waits on its lock and
then sees the committed outcome) and stores the transaction's result. So the key exists exactly
when the change committed. A request with several mutation fields numbers its writes (`#1`,
`#2`, …). Keys are scoped to the caller and expire after a TTL; expired ones are purged a few
at a time by later keyed writes.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.driver import Tx, run
from graph.errors import DomainError

T = TypeVar("T")

PURGE_BATCH = 100


class KeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used for a different request.")


@dataclass
class IdempotencyScope:
    key: str
    scope: str  # the caller: a person id or "anonymous"
    fingerprint: str  # a hash of the request, so a key cannot be replayed for another request
    ttl_s: int
    writes: int = field(default=0)

    def next_id(self) -> str:
        self.writes += 1
        return f"{self.scope}\x1f{self.key}#{self.writes}"


_current: contextvars.ContextVar[IdempotencyScope | None] = contextvars.ContextVar(
    "idempotency", default=None
)


@contextmanager
def idempotent(scope: IdempotencyScope) -> Iterator[IdempotencyScope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current() -> IdempotencyScope | None:
    return _current.get()


def bind(scope: IdempotencyScope | None) -> None:
    """Set the key for the rest of the current task (the hub calls this per request)."""
    _current.set(scope)


def guarded(work: Callable[[Tx], Awaitable[T]]) -> Callable[[Tx], Awaitable[T]]:
    """`work` wrapped to record its result under the current key, or replay a recorded one."""
    scope = _current.get()
    if scope is None:
        return work
    key_id = scope.next_id()

    async def once(tx: Tx) -> T:
        rows = await run(
            tx,
            "MERGE (k:IdempotencyKey {id: $id}) "
            "ON CREATE SET k.fresh = true "
            "ON MATCH SET k.fresh = k.expiresAt < datetime() "
            "RETURN k.fresh AS fresh, k.response AS response, k.fingerprint AS fingerprint",
            id=key_id,
        )
        row = rows[0]
        if not row["fresh"]:
            if row["fingerprint"] != scope.fingerprint:
                raise KeyReused()
            replayed: T = loads(row["response"])
            return replayed
        result = await work(tx)
        await run(
            tx,
            "MATCH (k:IdempotencyKey {id: $id}) REMOVE k.fresh "
            "SET k.response = $response, k.fingerprint = $fingerprint, k.createdAt = datetime(), "
            "k.expiresAt = datetime() + duration({seconds: $ttl})",
            id=key_id,
            response=dumps(result),
            fingerprint=scope.fingerprint,
            ttl=scope.ttl_s,
        )
        await run(
            tx,
            "MATCH (k:IdempotencyKey) WHERE k.expiresAt < datetime() WITH k LIMIT $batch DELETE k",
            batch=PURGE_BATCH,
        )
        return result

    return once


# Transaction results are records of plain values plus datetimes and dates (see driver.native).
def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__} as an idempotent result")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$datetime" in obj:
            return dt.datetime.fromisoformat(obj["$datetime"])
        if "$date" in obj:
            return dt.date.fromisoformat(obj["$date"])
    return obj


def dumps(value: Any) -> str:
    return json.dumps(value, default=_encode)


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode)
