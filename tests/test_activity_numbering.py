"""Writers that commit at the same time share the numbering of their activity: one statement
serves every writer that committed before it started, and none is numbered twice or skipped."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from graph import activity
from graph.activity import ActivityEvent
from graph.driver import Graph
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
    await graph.write(lambda tx: _recorded(tx, "first"))  # creates the counter, seq 1
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


async def _until_committed(graph: Graph, pending: int) -> None:
    """Until `pending` activities have committed unnumbered, and their writers reached the numbering."""
    for _ in range(250):
        rows = await graph.read("MATCH (a:Unsequenced) RETURN count(a) AS n")
        if rows[0]["n"] == pending:
            await asyncio.sleep(0.3)  # from its commit to the numbering a writer only closes its session
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{pending} writes did not commit")


async def test_writers_committing_while_a_numbering_waits_share_the_next_one(
    graph: Graph, counter_locked: asyncio.Event, statements: list[int], announced: list[ActivityEvent]
) -> None:
    statements.clear()
    announced.clear()
    writers = asyncio.gather(*(graph.write(lambda tx, i=i: _recorded(tx, f"w{i}")) for i in range(10)))
    await _until_committed(graph, 10)

    counter_locked.set()
    await writers

    # The first writer's statement, stuck behind the lock, numbers all ten once it gets it; the
    # nine who committed meanwhile share one more statement, which finds nothing left.
    assert len(statements) == 2
    rows = await graph.read("MATCH (a:Activity) RETURN a.seq AS seq, a:Unsequenced AS pending ORDER BY seq")
    assert rows == [{"seq": seq, "pending": False} for seq in range(1, 12)]
    assert sorted(e.seq for e in announced) == list(range(2, 12))  # each announced once


async def test_a_writer_cancelled_while_its_numbering_waits_leaves_it_to_run(
    graph: Graph, counter_locked: asyncio.Event
) -> None:
    first = asyncio.create_task(graph.write(lambda tx: _recorded(tx, "cancelled")))
    await _until_committed(graph, 1)
    second = asyncio.create_task(graph.write(lambda tx: _recorded(tx, "waits")))
    await _until_committed(graph, 2)

    first.cancel()
    counter_locked.set()
    await second

    rows = await graph.read("MATCH (a:Activity) RETURN a.summary AS summary, a.seq AS seq ORDER BY seq")
    assert rows == [
        {"summary": "first", "seq": 1},
        {"summary": "cancelled", "seq": 2},
        {"summary": "waits", "seq": 3},
    ]
    assert first.cancelled()


async def test_a_lone_writer_numbers_its_own_activity_in_one_statement(
    graph: Graph, statements: list[int], announced: list[ActivityEvent]
) -> None:
    await graph.write(lambda tx: _recorded(tx, "alone"))

    assert len(statements) == 1
    assert [(e.seq, e.activity["summary"]) for e in announced] == [(1, "alone")]
