"""A feed's history carries its `liveCursor`: a subscription started after it replays whatever was
committed after the history was read (numbered then or later), so nothing falls between the two."""

from __future__ import annotations

from typing import Any

from graph import activity
from graph.driver import Graph
from tests import builders, planned
from tests import live_client as lc
from tests.conftest import Hub
from tests.handbuilt import cypher
from tests.test_subscriptions import INSTITUTION_FEED, institution, item, rename

PAGE = "query($id: ID, $first: Int) { activities(scopeId: $id, first: $first) { liveCursor nodes { seq } } }"


async def _activities(graph: Graph, scope: str, *seqs: int | None) -> None:
    """Activities in `scope`'s feed with these seqs (None: committed, not yet numbered)."""
    for i, seq in enumerate(seqs):
        await cypher(
            graph,
            "MATCH (s:Entity {id: $scope}) CREATE (a:Activity:Entity {id: $id, seq: $seq, at: datetime(),"
            " verb: 'x.done', targetId: $scope, summary: 'X'})-[:IN_SCOPE]->(s)"
            " FOREACH (_ IN CASE WHEN $seq IS NULL THEN [1] ELSE [] END | SET a:Unsequenced)",
            scope=scope,
            id=f"act_{scope}_{i}",
            seq=seq,
        )


async def _small_world(graph: Graph) -> None:
    """Feed `busy` has seqs 3 and 5 and one activity not numbered yet, `other` has 7, `quiet`
    none; the counter is at 7, and activities up to seq 2 were pruned."""
    await cypher(graph, "CREATE (:Counter {name: 'activity', epoch: 'e1', value: 7, prunedThrough: 2})")
    await cypher(graph, "UNWIND ['busy', 'other', 'quiet'] AS id CREATE (:Institution:Entity {id: id})")
    await _activities(graph, "busy", 3, 5, None)
    await _activities(graph, "other", 7)


async def _page(graph: Graph, scope: str, first: int = 10) -> dict[str, Any]:
    page: dict[str, Any] = (await planned.data(graph, PAGE, {"id": scope, "first": first}))["activities"]
    return page


async def test_the_live_cursor_of_a_page_is_its_newest_activity(graph: Graph) -> None:
    await _small_world(graph)

    assert await _page(graph, "busy") == {"liveCursor": "e1:5", "nodes": [{"seq": 5}, {"seq": 3}]}


async def test_the_live_cursor_of_a_shorter_page_is_still_its_newest_activity(graph: Graph) -> None:
    await _small_world(graph)

    assert (await _page(graph, "busy", first=1))["liveCursor"] == "e1:5"


async def test_the_live_cursor_of_an_empty_feed_is_the_oldest_position_kept(graph: Graph) -> None:
    await _small_world(graph)

    assert await _page(graph, "quiet") == {"liveCursor": "e1:2", "nodes": []}


async def test_the_live_cursor_of_an_empty_feed_before_any_pruning_is_seq_0(graph: Graph) -> None:
    await cypher(graph, "CREATE (:Counter {name: 'activity', epoch: 'e1', value: 0})")
    await cypher(graph, "CREATE (:Institution:Entity {id: 'quiet'})")

    assert (await _page(graph, "quiet"))["liveCursor"] == "e1:0"


async def test_there_is_no_live_cursor_before_any_activity_history_exists(graph: Graph) -> None:
    await cypher(graph, "CREATE (:Institution:Entity {id: 'quiet'})")

    assert (await _page(graph, "quiet"))["liveCursor"] is None


async def test_the_audit_logs_live_cursor_is_its_newest_activity(graph: Graph) -> None:
    await _small_world(graph)

    log = await planned.data(graph, "{ auditLog(first: 10) { liveCursor } }")

    assert log == {"auditLog": {"liveCursor": "e1:7"}}


async def test_the_live_cursor_is_read_in_the_same_statement_as_the_page(graph: Graph) -> None:
    await _small_world(graph)

    _, errors, round_trips = await planned.execute(graph, PAGE, {"id": "busy", "first": 10})

    assert (errors, round_trips) == ([], 1)


# --- Through the real stack: the history over HTTP, the feed over a WebSocket ------------------

HISTORY = "query($id: ID) { activities(scopeId: $id, first: 20) { liveCursor nodes { seq } } }"


def history(hub: Hub, scope: str) -> dict[str, Any]:
    page: dict[str, Any] = hub.data(HISTORY, {"id": scope})["activities"]
    return page


async def _subscribe_after(hub: Hub, scope: str, after: str) -> Any:
    ws = await lc.connect(hub.ws_url, hub.ws_init())
    await lc.subscribe(ws, "1", INSTITUTION_FEED, {"id": scope, "after": after})
    return ws


async def test_an_activity_committed_between_the_history_and_the_subscription_is_replayed(hub: Hub) -> None:
    fm = institution(hub, "FM")
    page = history(hub, fm)
    rename(hub, fm, "between")  # after the history was read, before the feed started

    ws = await _subscribe_after(hub, fm, page["liveCursor"])
    replayed = item(await lc.next_payload(ws))
    rename(hub, fm, "live")  # the next event is live: the replay held exactly one
    live = item(await lc.next_payload(ws))

    assert page["nodes"] == [{"seq": 1}]
    assert (replayed["activity"]["seq"], replayed["activity"]["verb"], replayed["replayed"]) == (
        2,
        "institution.updated",
        True,
    )
    assert (live["activity"]["seq"], live["replayed"]) == (3, False)
    await ws.close()


async def test_an_activity_committed_after_an_empty_history_was_read_is_replayed(
    hub: Hub, graph: Graph
) -> None:
    institution(hub, "FM")  # another feed's activity: the history stays empty
    await cypher(
        graph,
        "CREATE (:Institution:Entity {id: 'inst_quiet', code: 'QQ', nameLv: 'Q', nameEn: 'Q', kind: 'AGENCY'})",
    )
    page = history(hub, "inst_quiet")
    rename(hub, "inst_quiet", "between")

    ws = await _subscribe_after(hub, "inst_quiet", page["liveCursor"])
    replayed = item(await lc.next_payload(ws))
    rename(hub, "inst_quiet", "live")
    live = item(await lc.next_payload(ws))

    assert page["nodes"] == []
    assert (replayed["activity"]["seq"], replayed["activity"]["targetId"], replayed["replayed"]) == (
        2,
        "inst_quiet",
        True,
    )
    assert (live["activity"]["seq"], live["replayed"]) == (3, False)
    await ws.close()


async def test_an_activity_not_yet_numbered_when_the_history_was_read_is_replayed(
    hub: Hub, graph: Graph
) -> None:
    fm = institution(hub, "FM")
    # Committed by another process that has not numbered it yet.
    await builders.unnumbered_activity(graph, fm, "7" * 32)
    page = history(hub, fm)
    await activity.number_pending(graph)

    ws = await _subscribe_after(hub, fm, page["liveCursor"])
    got = item(await lc.next_payload(ws))

    assert page["nodes"] == [{"seq": 1}]
    assert (got["activity"]["seq"], got["replayed"]) == (2, True)
    await ws.close()
