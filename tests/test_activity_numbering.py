"""A write's activity is numbered after its commit, without the write waiting. Writers that commit
at the same time share the numbering: one statement serves every writer that committed before it
started, and none is numbered twice or skipped. Reads of activity wait for the numbering in flight."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from graph import activity
from graph.activity import ActivityEvent
from graph.driver import Graph
from graph.embedded import EmbeddedNeo4j
from tests import planned
from tests.conftest import TEST_PASSWORD
from tests.conftest import recorded as _recorded

COUNTER_LOCK = "MATCH (c:Counter {name: 'activity'}) SET c.value = c.value"


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many numbering statements ran (each takes the counter's lock)."""
    ran: list[int] = []
    real = activity.number_pending

    async def counted(graph: Graph) -> list[ActivityEvent]:
        ran.append(1)
        return await real(graph)

    monkeypatch.setattr(activity, "number_pending", counted)
    return ran


@pytest.fixture
async def counter_locked(graph: Graph) -> AsyncIterator[asyncio.Event]:
    """The counter's lock held by another transaction until the test sets the event."""
    await graph.write(lambda tx: _recorded(tx, "first"))
    await graph.settled()  # its numbering created the counter: seq 1
    release = asyncio.Event()
    locked = asyncio.Event()

    async def hold() -> None:
        async with graph.driver.session(database=graph.database) as session:
            tx = await session.begin_transaction()
            await tx.run(COUNTER_LOCK)
            locked.set()
            await release.wait()
            await tx.rollback()

    holder = asyncio.create_task(hold())
    await locked.wait()
    yield release
    release.set()
    await holder


async def numbering_blocked(graph: Graph) -> None:
    """Wait until Neo4j reports a numbering statement waiting for the counter's lock."""
    while not (
        await graph.read(
            "SHOW TRANSACTIONS YIELD currentQuery, status"
            " WHERE currentQuery CONTAINS ':Unsequenced' AND status STARTS WITH 'Blocked'"
            " RETURN count(*) > 0 AS blocked"
        )
    )[0]["blocked"]:
        await asyncio.sleep(0.02)


def entering(monkeypatch: pytest.MonkeyPatch, graph: Graph) -> asyncio.Event:
    """Set once something starts waiting for `graph`'s numbering in flight (`Graph.settled`)."""
    entered = asyncio.Event()
    real = graph.settled

    async def settled() -> None:
        entered.set()
        await real()

    monkeypatch.setattr(graph, "settled", settled)
    return entered


async def _unnumbered(graph: Graph) -> list[str]:
    rows = await graph.read("MATCH (a:Unsequenced) RETURN a.summary AS summary ORDER BY summary")
    return [r["summary"] for r in rows]


async def test_writers_committing_while_a_numbering_waits_share_the_next_one(
    graph: Graph, counter_locked: asyncio.Event, statements: list[int], announced: list[ActivityEvent]
) -> None:
    statements.clear()
    announced.clear()
    await graph.write(lambda tx: _recorded(tx, "w0"))
    await asyncio.wait_for(numbering_blocked(graph), 30)  # its numbering waits for the lock
    await asyncio.gather(*(graph.write(lambda tx, i=i: _recorded(tx, f"w{i}")) for i in range(1, 10)))

    counter_locked.set()
    await graph.settled()

    # The first writer's statement, stuck behind the lock, numbers all ten once it gets it; the
    # nine who committed meanwhile share one more statement, which finds nothing left.
    assert len(statements) == 2
    rows = await graph.read("MATCH (a:Activity) RETURN a.seq AS seq, a:Unsequenced AS pending ORDER BY seq")
    assert rows == [{"seq": seq, "pending": False} for seq in range(1, 12)]
    assert sorted(e.seq for e in announced) == list(range(2, 12))  # each announced once


async def test_a_write_answers_before_its_activity_is_numbered(
    graph: Graph, counter_locked: asyncio.Event, announced: list[ActivityEvent]
) -> None:
    announced.clear()
    await asyncio.wait_for(graph.write(lambda tx: _recorded(tx, "answered")), timeout=5)

    assert await _unnumbered(graph) == ["answered"]
    assert announced == []
    counter_locked.set()
    await graph.settled()
    assert await _unnumbered(graph) == []
    assert [(e.seq, e.activity["summary"]) for e in announced] == [(2, "answered")]


async def test_a_read_of_activity_waits_for_the_numbering_in_flight(
    graph: Graph, counter_locked: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    await graph.write(lambda tx: _recorded(tx, "mine"))
    await asyncio.wait_for(numbering_blocked(graph), 30)  # "mine" cannot be numbered yet
    entered = entering(monkeypatch, graph)
    page = asyncio.create_task(planned.data(graph, "{ activities(first: 10) { nodes { summary } } }"))
    await asyncio.wait_for(entered.wait(), 30)
    assert not page.done()

    counter_locked.set()
    assert [a["summary"] for a in (await page)["activities"]["nodes"]] == ["mine", "first"]


async def test_closing_a_graph_finishes_its_numbering_in_flight(
    graph: Graph, neo4j: EmbeddedNeo4j, counter_locked: asyncio.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Graph.connect(neo4j.uri, "neo4j", TEST_PASSWORD)  # a second process's, closed here
    await other.write(lambda tx: _recorded(tx, "closing"))
    await asyncio.wait_for(numbering_blocked(graph), 30)
    entered = entering(monkeypatch, other)
    closing = asyncio.create_task(other.close())
    await asyncio.wait_for(entered.wait(), 30)
    assert not closing.done()

    counter_locked.set()
    await closing
    assert await _unnumbered(graph) == []


async def test_a_lone_writer_numbers_its_own_activity_in_one_statement(
    graph: Graph, statements: list[int], announced: list[ActivityEvent]
) -> None:
    await graph.write(lambda tx: _recorded(tx, "alone"))
    await graph.settled()

    assert len(statements) == 1
    assert [(e.seq, e.activity["summary"]) for e in announced] == [(1, "alone")]
