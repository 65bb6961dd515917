"""Activity is written in the same transaction as the change it records, in commit order."""

from datetime import UTC, datetime

import pytest

from graph import activity, posts
from graph.access import Viewer
from graph.driver import Graph, Tx, run
from graph.pagination import PageRequest
from graph.posts import PostInput
from graph.teams import Visibility
from tests import builders


async def test_every_mutation_records_one_activity_with_increasing_seq(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    await builders.person(graph, "Anna", fm["id"])

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

    feed = await activity.list_page(graph, PageRequest(first=10, skip=0), Viewer.system(), scope_id=fm["id"])

    assert [(a["verb"], a["targetId"]) for a in feed.rows] == [
        ("person.created", anna["id"]),
        ("institution.created", fm["id"]),
    ]


async def test_activity_about_a_restricted_team_is_hidden_from_outsiders(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    outsider = await builders.person(graph, "Outsider", fm["id"])
    issue = await builders.issue(graph, "Issue")
    await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)
    page = PageRequest(first=10, skip=0)

    seen_by_outsider = await activity.list_page(
        graph, page, Viewer(person_id=outsider["id"], signed_in=True), scope_id=issue["id"]
    )
    seen_by_lead = await activity.list_page(
        graph, page, Viewer(person_id=lead["id"], signed_in=True), scope_id=issue["id"]
    )

    assert [a["verb"] for a in seen_by_outsider.rows] == ["issue.created"]
    assert [a["verb"] for a in seen_by_lead.rows] == ["team.created", "issue.created"]


# --- A team's lastActivityAt (teamHealth reads it instead of scanning the feed) ---------------


async def _last_activity(graph: Graph, team_id: str) -> object:
    rows = await graph.read("MATCH (t:ProjectTeam {id: $id}) RETURN t.lastActivityAt AS at", id=team_id)
    return rows[0]["at"]


async def _newest_in_feed(graph: Graph, scope_id: str, verb: str) -> object:
    rows = await graph.read(
        "MATCH (a:Activity {verb: $verb})-[:IN_SCOPE]->(:Entity {id: $id}) RETURN a.at AS at",
        id=scope_id,
        verb=verb,
    )
    [row] = rows
    return row["at"]


async def _post_team(graph: Graph) -> tuple[dict, dict, dict]:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    issue = await builders.issue(graph, "Issue")
    team = await builders.team(graph, "Team", issue["id"], lead["id"])
    return lead, issue, team


async def test_creating_a_team_sets_its_last_activity_to_the_creation_activity(graph: Graph) -> None:
    _, _, team = await _post_team(graph)

    assert await _last_activity(graph, team["id"]) == await _newest_in_feed(graph, team["id"], "team.created")


async def test_a_post_moves_its_team_last_activity_to_the_post_activity(graph: Graph) -> None:
    lead, _, team = await _post_team(graph)
    created = await _last_activity(graph, team["id"])

    await posts.create(graph, PostInput(team_id=team["id"], body="Hello"), lead["id"], Viewer.system())

    posted = await _newest_in_feed(graph, team["id"], "post.created")
    assert await _last_activity(graph, team["id"]) == posted
    assert posted > created  # type: ignore[operator]


async def test_a_team_last_activity_never_moves_back_to_an_older_activity(graph: Graph) -> None:
    # A writer whose transaction started earlier (an older `at`) may commit after a newer one.
    lead, _, team = await _post_team(graph)
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (t:ProjectTeam {id: $id}) SET t.lastActivityAt = datetime('2999-01-01T00:00:00Z')",
            id=team["id"],
        )
    )

    await posts.create(graph, PostInput(team_id=team["id"], body="Hello"), lead["id"], Viewer.system())

    assert await _last_activity(graph, team["id"]) == datetime(2999, 1, 1, tzinfo=UTC)


async def test_only_team_scopes_keep_a_last_activity(graph: Graph) -> None:
    lead, _, team = await _post_team(graph)
    await posts.create(graph, PostInput(team_id=team["id"], body="Hello"), lead["id"], Viewer.system())

    rows = await graph.read("MATCH (n:Entity) WHERE n.lastActivityAt IS NOT NULL RETURN collect(n.id) AS ids")

    assert rows[0]["ids"] == [team["id"]]
