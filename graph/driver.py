"""The async Neo4j driver, wrapped so every query is counted, timed out and, in a traced request, traced.

`Graph.read` runs one auto-retried read query; `Graph.write` runs a transaction function
(retried on transient errors) so a change and its Activity commit together, or, for a write
made in one statement, that statement as an auto-commit transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar, cast

import neo4j
import structlog
import tenacity
from neo4j import (
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    NotificationMinimumSeverity,
    Query,
)
from neo4j import exceptions as neo4j_errors
from neo4j.time import Date, DateTime
from opentelemetry import trace

from graph.errors import Conflict, DatabaseUnavailable, UnknownBookmark

T = TypeVar("T")
Record = dict[str, Any]
Tx = AsyncManagedTransaction


@dataclass
class QueryCounter:
    queries: int = 0


log = structlog.get_logger(__name__)

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


def active_counter() -> QueryCounter | None:
    """The counter of the innermost `count_queries` around this code, if any."""
    return _counter.get()


# Tracing (hub/tracing.py): a span per Cypher query made in a traced context (a request), with the
# request's id. Untraced contexts (start-up, after-commit steps, the live stream's own reads) and
# a hub without tracing create no span at all.
REQUEST_ID_ATTRIBUTE = "sadarbe.request_id"  # as the log lines' `request_id`


@dataclass(frozen=True)
class QueryTracing:
    tracer: trace.Tracer
    request_id: str | None


_tracing: contextvars.ContextVar[QueryTracing | None] = contextvars.ContextVar("query_tracing", default=None)
_UNTRACED = nullcontext()


@contextmanager
def traced_queries(tracer: trace.Tracer, request_id: str | None) -> Iterator[None]:
    """Trace each Cypher query made inside this context as a span from `tracer`."""
    token = _tracing.set(QueryTracing(tracer, request_id))
    try:
        yield
    finally:
        _tracing.reset(token)


def _span(cypher: str) -> AbstractContextManager[object]:
    """One query's client span: the parameterised Cypher, never its parameters' values (names,
    e-mails, free text). Exceptions are recorded on it and mark it failed."""
    tracing = _tracing.get()
    if tracing is None:
        return _UNTRACED
    attributes = {"db.system": "neo4j", "db.system.name": "neo4j", "db.query.text": cypher}
    if tracing.request_id is not None:
        attributes[REQUEST_ID_ATTRIBUTE] = tracing.request_id
    return tracing.tracer.start_as_current_span("neo4j", kind=trace.SpanKind.CLIENT, attributes=attributes)


# Work a write transaction leaves for after its commit (graph/activity.py numbers the activities
# it recorded there, outside the transaction); what the steps return goes to `Graph.on_commit`.
# A rolled-back write leaves nothing.
AfterCommit = Callable[["Graph"], Awaitable[list[Any]]]
_after_commit: contextvars.ContextVar[list[AfterCommit] | None] = contextvars.ContextVar(
    "after_commit", default=None
)


def after_commit(step: AfterCommit) -> None:
    """Run `step` once the current write transaction has committed (once, however often asked)."""
    pending = _after_commit.get()
    if pending is not None and step not in pending:
        pending.append(step)


# Read-your-writes across hub processes and Neo4j cluster members: the bookmarks this request's
# sessions start after (the client's last write, sent back to the hub) and, once it writes, those
# of its own write, which the hub hands back to the client (hub/bookmarks.py, docs/scaling.md).
@dataclass
class Causality:
    bookmarks: tuple[str, ...] = ()
    wrote: bool = False


_causality: contextvars.ContextVar[Causality | None] = contextvars.ContextVar("causality", default=None)


@contextmanager
def causally_after(bookmarks: tuple[str, ...]) -> Iterator[Causality]:
    """Make this context's reads and writes wait for `bookmarks`; its writes advance them."""
    causality = Causality(bookmarks)
    token = _causality.set(causality)
    try:
        yield causality
    finally:
        _causality.reset(token)


async def _advance(session: neo4j.AsyncSession) -> None:
    """After a write committed in `session`: the context's next sessions wait for it too."""
    causality = _causality.get()
    if causality is not None:
        causality.bookmarks = tuple(sorted((await session.last_bookmarks()).raw_values))
        causality.wrote = True


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


# A read that failed in a way worth retrying (a lost connection, a transient error) is tried once
# more after this, as the driver's own retry (first back-off 1 s, retry time connect_timeout / 2).
READ_RETRY_DELAY_S = 1.0

_CONSTRAINT_PROPERTY = re.compile(r"property `(\w+)`")

# Database faults that mean "try later", as opposed to a bug in a query.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    neo4j_errors.ConnectionAcquisitionTimeoutError,
    OSError,
)


# Transactions the server stopped, not refused: over their timeout (a cold or overloaded
# database) or stopped while waiting for a lock (a timeout, or the server shutting down).
_STOPPED_TRANSACTION_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.LockClientStopped",
)


def _timed_out(exc: neo4j_errors.ClientError) -> bool:
    """A transaction the server stopped: "try later", not a bug."""
    return (exc.code or "").startswith(_STOPPED_TRANSACTION_CODES)


@contextmanager
def _faults_as_unavailable() -> Iterator[None]:
    """Database faults, and transactions the server stopped, as DatabaseUnavailable; a bookmark the
    database does not know as UnknownBookmark."""
    try:
        yield
    except UNAVAILABLE_ERRORS as exc:
        raise DatabaseUnavailable() from exc
    except neo4j_errors.ClientError as exc:
        if _timed_out(exc):
            raise DatabaseUnavailable() from exc
        if (exc.code or "").startswith("Neo.ClientError.Transaction.InvalidBookmark"):
            raise UnknownBookmark() from exc
        raise


# How long a write that failed on a transient error (a deadlock) is tried again, as the driver's
# own retry for a transaction (its default max_transaction_retry_time is 30 s, too long for a request).
WRITE_RETRY_S = 5.0


class _OneStatement:
    """What a `write(..., one_statement=True)` work is given for its transaction: its one
    statement runs in the session as an auto-commit transaction; a second one is a defect."""

    def __init__(self, session: neo4j.AsyncSession, timeout_s: float) -> None:
        self.session, self.timeout_s, self.used = session, timeout_s, False

    async def run(self, cypher: LiteralString, parameters: dict[str, Any]) -> neo4j.AsyncResult:
        if self.used:
            raise RuntimeError("a one-statement write ran a second statement")
        self.used = True
        return await self.session.run(Query(cypher, timeout=self.timeout_s), parameters)


class Graph:
    def __init__(self, driver: AsyncDriver, database: str, query_timeout_s: float) -> None:
        self.driver = driver
        self.database = database
        self.query_timeout_s = query_timeout_s
        # Called with the announcements of each committed write (the hub publishes them live).
        self.on_commit: Callable[[list[Any]], None] | None = None
        # The after-commit steps still running: `write` answers without them, `settled` waits.
        self._following: set[asyncio.Task[None]] = set()

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
            # Retries stop once this has passed since the first failure: with the driver's 1 s
            # first back-off, an unreachable Neo4j costs a request one retry, not several (fail fast).
            max_transaction_retry_time=connect_timeout_s / 2,
            # Hints such as "property archivedAt does not exist yet" are noise in production logs.
            notifications_min_severity=NotificationMinimumSeverity.OFF,
        )
        return cls(driver, database, query_timeout_s)

    async def close(self) -> None:
        await self.settled()
        await self.driver.close()

    async def settled(self) -> None:
        """Wait for the after-commit steps of the writes committed so far in this process (the
        numbering of their activity), so that a read of activity after it shows them."""
        if self._following:
            await asyncio.wait(set(self._following))

    async def read(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """One read query, one round trip.

        An auto-commit transaction: RUN and PULL go out in one write and the answer comes back in
        one read. A managed transaction (`execute_query`) adds a COMMIT exchange, a second write
        and wake-up per query, a large share of the hub's CPU on a page under load (on loopback
        the kernel delivers the bytes inside the sender's `send`). A read has nothing to commit.
        A retryable failure (a lost connection, a transient error) is tried once more after
        `READ_RETRY_DELAY_S`, as the driver's retry would within its retry time.
        """
        return _records(await self._read(cypher, params))

    async def read_values(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """`read` for a query returning only maps, lists and scalars (no nodes, no temporal
        values): the rows as the driver decoded them, without `read`'s conversion walk, which on
        a map of thousands of nodes and edges costs several times the query itself."""
        return [dict(r.items()) for r in await self._read(cypher, params)]

    async def _read(self, cypher: LiteralString, params: dict[str, Any]) -> list[neo4j.Record]:
        _tick()
        query = Query(cypher, timeout=self.query_timeout_s)
        with _faults_as_unavailable():
            try:
                return await self._read_once(query, params)
            except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
                if not exc.is_retryable():
                    raise
            await asyncio.sleep(READ_RETRY_DELAY_S)
            return await self._read_once(query, params)

    def _session(self, access_mode: str) -> neo4j.AsyncSession:
        """A session routed by `access_mode` (on a cluster: reads to any member, writes to the
        leader) that starts after this context's bookmarks."""
        causality = _causality.get()
        bookmarks = (
            neo4j.Bookmarks.from_raw_values(causality.bookmarks)
            if causality is not None and causality.bookmarks
            else None
        )
        return self.driver.session(
            database=self.database, default_access_mode=access_mode, bookmarks=bookmarks
        )

    async def _read_once(self, query: Query, params: dict[str, Any]) -> list[neo4j.Record]:
        with _span(query.text):
            async with self._session(neo4j.READ_ACCESS) as session:
                result = await session.run(query, params)
                return [record async for record in result]

    async def write(self, work: Callable[[Tx], Awaitable[T]], *, one_statement: bool = False) -> T:
        """Run `work` in one write transaction (retried on transient errors); start the steps it
        left for after the commit (`after_commit`) and answer without waiting for them.

        `one_statement`: `work` makes a single statement (the writes that check their rules in
        it), which then runs as an auto-commit transaction: one round trip instead of BEGIN,
        RUN and COMMIT, and less of this process's CPU per write. Under an idempotency
        key it is a transaction all the same, as the key is claimed in it."""
        from graph.idempotency import guarded  # imports this module

        steps: list[AfterCommit] = []
        # Under an idempotency key: replay the first outcome, or record this one in the same tx.
        keyed = guarded(work)

        async def attempt(tx: Tx) -> T:
            steps.clear()  # a retried attempt leaves only what it asked for itself
            return await keyed(tx)

        token = _after_commit.set(steps)
        try:
            try:
                result = await self._commit(attempt, auto_commit=one_statement and keyed is work)
            except neo4j_errors.ConstraintError:
                # A concurrent writer committed what a uniqueness constraint guards (a membership,
                # a team's lead, an open invitation, an email) after this write read its rules.
                # Tried once more, the write reads it, and its rules refuse with their own error.
                result = await self._commit(attempt, auto_commit=one_statement and keyed is work)
        except neo4j_errors.ConstraintError as exc:
            # Twice: a write whose rules do not read what the constraint guards.
            match = _CONSTRAINT_PROPERTY.search(exc.message or "")
            raise Conflict(match.group(1) if match else "input", "is already in use") from exc
        finally:
            _after_commit.reset(token)
        # After the commit, without this write waiting; a replayed idempotent request ran no work
        # and has no steps.
        if steps:
            self._follow(steps)
        return result

    async def _commit(self, attempt: Callable[[Tx], Awaitable[T]], *, auto_commit: bool) -> T:
        with _faults_as_unavailable():
            async with self._session(neo4j.WRITE_ACCESS) as session:
                if auto_commit:
                    result = await self._auto_commit(session, attempt)
                else:
                    # The query timeout bounds the whole transaction too, so no write waits without end.
                    unit = neo4j.unit_of_work(timeout=self.query_timeout_s)(attempt)
                    # The driver retries a transient error only within its retry time (half the
                    # connect timeout, to fail fast when Neo4j is away); a deadlock between writers
                    # that crowd one team is tried again for as long as a one-statement write's.
                    result = await _retried(lambda: session.execute_write(unit), _deadlocked)
                await _advance(session)
                return result

    def _follow(self, steps: list[AfterCommit]) -> None:
        """Run a committed write's after-commit steps as a task of their own. Waiting for them
        (numbering its activity: a second statement, queued on the counter's lock under load)
        cost each write a second round trip and commit before its answer. They run in a fresh
        context: they are not part of the request that committed (its query count, its logs)."""
        task = asyncio.create_task(self._after(steps), context=contextvars.Context())
        self._following.add(task)
        task.add_done_callback(self._followed)

    async def _after(self, steps: list[AfterCommit]) -> None:
        for step in steps:
            items = await step(self)
            if items and self.on_commit is not None:
                self.on_commit(items)

    def _followed(self, task: asyncio.Task[None]) -> None:
        self._following.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("after_commit_failed", exc_info=exc)

    async def _auto_commit(self, session: neo4j.AsyncSession, attempt: Callable[[Tx], Awaitable[T]]) -> T:
        """`attempt` with its one statement as an auto-commit transaction, tried again after a
        transient error (a deadlock), which rolled it back, as the driver retries a transaction."""

        def once() -> Awaitable[T]:
            # Not a transaction: it runs one statement, which Neo4j commits at its end.
            return attempt(cast(Tx, _OneStatement(session, self.query_timeout_s)))

        return await _retried(once, lambda exc: isinstance(exc, neo4j_errors.TransientError))

    async def write_once(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """One auto-commit write query: RUN and PULL in one round trip, committed by the server at
        the end of the PULL, so the locks it takes are held for its execution only, never across
        a round trip to this process. Not retried: for idempotent work whose caller recovers, so
        a failure worth retrying is DatabaseUnavailable."""
        _tick()
        with _span(cypher), _faults_as_unavailable():
            try:
                async with self._session(neo4j.WRITE_ACCESS) as session:
                    result = await session.run(Query(cypher, timeout=self.query_timeout_s), params)
                    records = _records([record async for record in result])
                    await _advance(session)
                    return records
            except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
                if exc.is_retryable():
                    raise DatabaseUnavailable() from exc
                raise

    async def server_info(self) -> Record:
        rows = await self.read(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name, versions[0] AS version, edition"
        )
        return rows[0]


def _deadlocked(exc: BaseException) -> bool:
    return (
        isinstance(exc, neo4j_errors.TransientError)
        and exc.code == "Neo.TransientError.Transaction.DeadlockDetected"
    )


async def _retried(once: Callable[[], Awaitable[T]], retryable: Callable[[BaseException], bool]) -> T:
    """`once()`, tried again while it fails with a `retryable` error (rolled back) for up to
    WRITE_RETRY_S. The first try runs bare: tenacity's state for a call (a few dozen objects in
    reference cycles, left to the garbage collector) is built only once a try has failed."""
    try:
        return await once()
    except Exception as exc:
        if not retryable(exc):
            raise
    async for retry in tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(retryable),
        stop=tenacity.stop_after_delay(WRITE_RETRY_S),
        wait=tenacity.wait_exponential_jitter(multiplier=0.01, max=1.0, jitter=0.01),
        reraise=True,
    ):
        with retry:
            return await once()
    raise AssertionError("unreachable: the last attempt's error is raised")


async def run(tx: Tx, cypher: LiteralString, **params: Any) -> list[Record]:
    """Run one query inside a write transaction and return its rows as plain dicts."""
    _tick()
    with _span(cypher):
        result = await tx.run(cypher, params)
        return _records([r async for r in result])
