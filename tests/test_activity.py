"""Activity is written in the same transaction as the change it records, and numbered once it has
committed; only numbered activity is shown."""

import pytest

from graph import activity
from graph.access import Viewer
from graph.driver import Graph, Tx, run
from graph.teams import Visibility
from tests import builders, planned

FEED = "query($id: ID) { activities(scopeId: $id, first: 10) { nodes { verb targetId } } }"


async def _feed(graph: Graph, scope_id: str, viewer: Viewer | None = None) -> list[dict[str, str]]:
    nodes: list[dict[str, str]] = (await planned.data(graph, FEED, {"id": scope_id}, viewer))["activities"][
        "nodes"
    ]
    return nodes


async def test_every_mutation_records_one_activity_with_increasing_seq(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Anna", fm["id"])
    await graph.settled()

    rows = await graph.read("MATCH (a:Activity) RETURN a.verb AS verb, a.seq AS seq ORDER BY a.seq")

    assert [r["verb"] for r in rows] == ["institution.created", "person.created"]
    assert rows[1]["seq"] == rows[0]["seq"] + 1


async def test_a_rolled_back_change_leaves_no_activity(graph: Graph) -> None:
    async def fails_after_recording(tx: Tx) -> None:
        await run(tx, "CREATE (:Institution:Entity {id: 'inst_' + $hex, code: 'X'})", hex="5" * 32)
        await activity.record(
            tx, verb="institution.created", actor_id=None, target_id="inst_" + "5" * 32, summary="X"
        )
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await graph.write(fails_after_recording)

    assert await builders.count(graph) == (0, 0)


async def test_activity_is_in_scope_of_the_person_and_their_institution(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    anna = await builders.person(graph, "Anna", fm["id"])

    feed = await _feed(graph, fm["id"])

    assert [(a["verb"], a["targetId"]) for a in feed] == [
        ("person.created", anna["id"]),
        ("institution.created", fm["id"]),
    ]


async def test_activity_about_a_restricted_team_is_hidden_from_outsiders(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    outsider = await builders.person(graph, "Outsider", fm["id"])
    issue = await builders.issue(graph, "Issue")
    await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)

    seen_by_outsider = await _feed(graph, issue["id"], Viewer(person_id=outsider["id"], signed_in=True))
    seen_by_lead = await _feed(graph, issue["id"], Viewer(person_id=lead["id"], signed_in=True))

    assert [a["verb"] for a in seen_by_outsider] == ["issue.created"]
    assert [a["verb"] for a in seen_by_lead] == ["team.created", "issue.created"]


async def test_an_activity_not_yet_numbered_is_in_no_feed(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.unnumbered_activity(graph, fm["id"], "6" * 32)

    feed = await _feed(graph, fm["id"])

    assert [a["verb"] for a in feed] == ["institution.created"]


async def test_an_activity_not_yet_numbered_is_not_in_the_audit_log(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.unnumbered_activity(graph, fm["id"], "6" * 32)

    log = await planned.data(graph, "{ auditLog(first: 10) { nodes { verb } } }")

    assert [a["verb"] for a in log["auditLog"]["nodes"]] == ["institution.created"]
