"""The async Neo4j driver, wrapped so every query is counted and timed out.

`Graph.read` runs one auto-retried read query; `Graph.write` runs a transaction function
(retried on transient errors by the driver) so a change and its Activity commit together.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import (
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    NotificationMinimumSeverity,
    Query,
    RoutingControl,
)
from neo4j import exceptions as neo4j_errors
from neo4j.time import Date, DateTime

from graph.errors import Conflict, DatabaseUnavailable

T = TypeVar("T")
Record = dict[str, Any]
Tx = AsyncManagedTransaction


@dataclass
class QueryCounter:
    queries: int = 0


_counter: contextvars.ContextVar[QueryCounter | None] = contextvars.ContextVar("query_counter", default=None)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    """Count the Cypher round trips made inside this context (one request, one test)."""
    counter = QueryCounter()
    token = _counter.set(counter)
    try:
        yield counter
    finally:
        _counter.reset(token)


def _tick() -> None:
    counter = _counter.get()
    if counter is not None:
        counter.queries += 1


def native(value: Any) -> Any:
    """Neo4j temporal values to Python ones, recursively through lists and maps."""
    if isinstance(value, DateTime):
        return value.to_native()
    if isinstance(value, Date):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    return value


def _records(records: list[neo4j.Record]) -> list[Record]:
    return [native(r.data()) for r in records]


_CONSTRAINT_PROPERTY = re.compile(r"property `(\w+)`")

# Database faults that mean "try later", as opposed to a bug in a query.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.ConnectionAcquisitionTimeoutError,
    OSError,
)


class Graph:
    def __init__(self, driver: AsyncDriver, database: str, query_timeout_s: float) -> None:
        self.driver = driver
        self.database = database
        self.query_timeout_s = query_timeout_s

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        *,
        database: str = "neo4j",
        pool_size: int = 50,
        connect_timeout_s: float = 3.0,
        query_timeout_s: float = 10.0,
    ) -> Graph:
        driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=pool_size,
            connection_timeout=connect_timeout_s,
            connection_acquisition_timeout=connect_timeout_s * 2,
            max_transaction_retry_time=connect_timeout_s * 2,
            # Hints such as "property archivedAt does not exist yet" are noise in production logs.
            notifications_min_severity=NotificationMinimumSeverity.OFF,
        )
        return cls(driver, database, query_timeout_s)

    async def close(self) -> None:
        await self.driver.close()

    async def read(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """One read query, one round trip."""
        _tick()
        try:
            result = await self.driver.execute_query(
                Query(cypher, timeout=self.query_timeout_s),
                params,
                database_=self.database,
                routing_=RoutingControl.READ,
            )
        except UNAVAILABLE_ERRORS as exc:
            raise DatabaseUnavailable() from exc
        return _records(result.records)

    async def write(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `work` in one write transaction; the driver retries it on transient errors."""
        try:
            async with self.driver.session(database=self.database) as session:
                return await session.execute_write(work)
        except neo4j_errors.ConstraintError as exc:
            # A concurrent writer won a uniqueness race that the pre-checks could not see.
            match = _CONSTRAINT_PROPERTY.search(exc.message or "")
            raise Conflict(match.group(1) if match else "input", "is already in use") from exc
        except UNAVAILABLE_ERRORS as exc:
            raise DatabaseUnavailable() from exc

    async def server_info(self) -> Record:
        rows = await self.read(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
        return rows[0]


async def run(tx: Tx, cypher: LiteralString, **params: Any) -> list[Record]:
    """Run one query inside a write transaction and return its rows as plain dicts."""
    _tick()
    result = await tx.run(cypher, params)
    return _records([r async for r in result])
