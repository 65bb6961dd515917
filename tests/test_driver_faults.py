"""Transactions the server stops (timeouts, lock waits) are "try again later", never internal errors;
a write whose activity cannot be numbered after its commit has still happened; a one-statement
write rolled back on a transient error (a deadlock) runs again."""

import time
from collections.abc import AsyncIterator, Awaitable

import pytest
from neo4j.exceptions import Neo4jError

from graph.activity import ActivityEvent
from graph.driver import Graph, Tx, run
from graph.embedded import EmbeddedNeo4j
from graph.errors import Conflict, DatabaseUnavailable
from tests.conftest import TEST_PASSWORD
from tests.conftest import recorded as _recorded


@pytest.fixture
async def impatient(neo4j: EmbeddedNeo4j) -> AsyncIterator[Graph]:
    """A second connection that gives up on any query after one second."""
    graph = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD, query_timeout_s=1.0)
    yield graph
    await graph.close()


async def _while_locked(graph: Graph, cypher: str, then: Awaitable[None]) -> None:
    """Await `then` while another transaction holds the write lock `cypher` takes."""
    holder = graph.driver.session(database=graph.database)
    tx = await holder.begin_transaction()
    try:
        await tx.run(cypher)
        await then
    finally:
        await tx.rollback()
        await holder.close()


async def _numbering_fails(impatient: Graph, summary: str) -> None:
    """A write by `impatient` whose numbering gives up on the counter's lock after a second."""
    await impatient.write(lambda t: _recorded(t, summary))  # answers: the write committed
    await impatient.settled()  # the numbering stopped waiting


async def test_a_write_stopped_while_waiting_for_a_lock_is_database_unavailable(
    graph: Graph, impatient: Graph
) -> None:
    await graph.write(lambda tx: run(tx, "CREATE (:Entity {id: 'locked', v: 0})"))

    async def blocked() -> None:
        with pytest.raises(DatabaseUnavailable):
            await impatient.write(lambda t: run(t, "MATCH (n:Entity {id: 'locked'}) SET n.v = 2"))

    await _while_locked(graph, "MATCH (n:Entity {id: 'locked'}) SET n.v = 1", blocked())

    assert (await graph.read("MATCH (n:Entity {id: 'locked'}) RETURN n.v AS v"))[0]["v"] == 0


async def test_a_write_whose_activity_cannot_be_numbered_has_still_committed(
    graph: Graph, impatient: Graph
) -> None:
    await graph.write(lambda tx: _recorded(tx, "first"))
    await graph.settled()  # its numbering created the counter

    await _while_locked(
        graph,
        "MATCH (c:Counter {name: 'activity'}) SET c.value = c.value",
        _numbering_fails(impatient, "second"),
    )

    rows = await graph.read(
        "MATCH (a:Activity) RETURN a.summary AS summary, a.seq AS seq, a:Unsequenced AS pending ORDER BY a.at"
    )
    assert rows == [
        {"summary": "first", "seq": 1, "pending": False},
        {"summary": "second", "seq": None, "pending": True},
    ]


async def test_activity_left_unnumbered_is_numbered_by_the_next_write_oldest_first(
    graph: Graph, impatient: Graph, announced: list[ActivityEvent]
) -> None:
    await graph.write(lambda tx: _recorded(tx, "first"))
    await graph.settled()
    await _while_locked(
        graph,
        "MATCH (c:Counter {name: 'activity'}) SET c.value = c.value",
        _numbering_fails(impatient, "left behind"),
    )
    announced.clear()  # what the first write announced

    await graph.write(lambda tx: _recorded(tx, "next"))
    await graph.settled()

    rows = await graph.read("MATCH (a:Activity) RETURN a.summary AS summary, a.seq AS seq ORDER BY a.seq")
    assert rows == [
        {"summary": "first", "seq": 1},
        {"summary": "left behind", "seq": 2},
        {"summary": "next", "seq": 3},
    ]
    assert [(e.seq, e.activity["summary"]) for e in announced] == [(2, "left behind"), (3, "next")]


def _deadlock() -> Neo4jError:
    return Neo4jError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
    )


async def test_a_one_statement_write_rolled_back_on_a_transient_error_runs_again(graph: Graph) -> None:
    attempts: list[int] = []

    async def work(tx: Tx) -> str:
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:
            raise _deadlock()  # as Neo4j answers a statement it rolled back
        rows = await run(tx, "CREATE (n:Entity {id: 'retried'}) RETURN n.id AS id")
        return str(rows[0]["id"])

    assert await graph.write(work, one_statement=True) == "retried"
    assert attempts == [1, 2]
    assert (await graph.read("MATCH (n:Entity {id: 'retried'}) RETURN count(n) AS n"))[0]["n"] == 1


async def test_a_transaction_deadlocked_past_the_drivers_retry_time_runs_again(graph: Graph) -> None:
    """The driver retries a transaction only within half the connect timeout (failing fast when
    Neo4j is away); a deadlock between writers crowding one team is tried again for as long as a
    one-statement write's (WRITE_RETRY_S)."""
    started: list[float] = []

    async def work(tx: Tx) -> str:
        started.append(time.monotonic())
        if started[-1] - started[0] < 4:  # the driver's own retries (after about 1 and 3 s) end first
            raise _deadlock()
        rows = await run(tx, "CREATE (n:Entity {id: 'retried'}) RETURN n.id AS id")
        return str(rows[0]["id"])

    assert await graph.write(work) == "retried"
    assert (await graph.read("MATCH (n:Entity {id: 'retried'}) RETURN count(n) AS n"))[0]["n"] == 1


async def test_a_one_statement_write_refused_by_a_rule_is_not_run_again(graph: Graph) -> None:
    attempts: list[int] = []

    async def work(tx: Tx) -> None:
        attempts.append(1)
        raise Conflict("teamId", "the team is closed")

    with pytest.raises(Conflict):
        await graph.write(work, one_statement=True)
    assert attempts == [1]


async def test_a_one_statement_write_may_not_run_a_second_statement(graph: Graph) -> None:
    async def work(tx: Tx) -> None:
        await run(tx, "RETURN 1 AS one")
        await run(tx, "RETURN 2 AS two")

    with pytest.raises(RuntimeError, match="second statement"):
        await graph.write(work, one_statement=True)
