"""Live activity at the graph level: events announced only after commit, replay from a cursor in
commit order with the viewer's visibility, retention and RESYNC_REQUIRED."""

from datetime import UTC, datetime, timedelta

import pytest

from graph import activity, map_changes
from graph.access import Viewer
from graph.activity import ActivityEvent
from graph.driver import Graph, Tx, run
from graph.errors import InvalidInput, ResyncRequired
from graph.issues import IssuePatch, Stake
from graph.issues import update as update_issue
from graph.teams import Visibility
from tests import builders


async def test_a_committed_write_announces_its_activity_with_scope_ids(
    graph: Graph, announced: list[ActivityEvent]
) -> None:
    fm = await builders.institution(graph, "FM")
    anna = await builders.person(graph, "Anna", fm["id"])
    await graph.settled()

    assert [(e.seq, e.activity["verb"]) for e in announced] == [
        (1, "institution.created"),
        (2, "person.created"),
    ]
    assert set(announced[1].scope_ids) == {anna["id"], fm["id"]}
    assert announced[1].team_scoped is False
    assert announced[0].epoch == announced[1].epoch


async def test_a_rolled_back_write_announces_nothing(graph: Graph, announced: list[ActivityEvent]) -> None:
    async def fails_after_recording(tx: Tx) -> None:
        await run(tx, "CREATE (:Institution:Entity {id: 'inst_' + $hex, code: 'X'})", hex="5" * 32)
        await activity.record(
            tx, verb="institution.created", actor_id=None, target_id="inst_" + "5" * 32, summary="X"
        )
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await graph.write(fails_after_recording)
    await graph.settled()

    assert announced == []


async def test_a_team_activity_is_marked_team_scoped(graph: Graph, announced: list[ActivityEvent]) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    issue = await builders.issue(graph, "Issue")
    await builders.team(graph, "T", issue["id"], lead["id"])
    await graph.settled()

    assert [e.team_scoped for e in announced] == [False, False, False, True]


async def test_replay_returns_a_scopes_activities_after_the_cursor_in_commit_order(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    vm = await builders.institution(graph, "VM")
    await builders.person(graph, "Anna", fm["id"])
    await builders.person(graph, "Vilis", vm["id"])
    await builders.person(graph, "Baiba", fm["id"])

    events = await activity.replay(graph, Viewer.system(), after_seq=1, scope_id=fm["id"])

    assert [(e.seq, e.activity["summary"]) for e in events] == [
        (3, "Anna added"),
        (5, "Baiba added"),
    ]


async def test_replay_hides_a_restricted_teams_activity_from_outsiders(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    outsider = await builders.person(graph, "Outsider", fm["id"])
    issue = await builders.issue(graph, "Issue")
    await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)

    as_outsider = await activity.replay(
        graph, Viewer(outsider["id"], True), after_seq=0, scope_id=issue["id"]
    )
    as_lead = await activity.replay(graph, Viewer(lead["id"], True), after_seq=0, scope_id=issue["id"])

    assert [e.activity["verb"] for e in as_outsider] == ["issue.created"]
    assert [e.activity["verb"] for e in as_lead] == ["issue.created", "team.created"]


async def test_visible_seqs_applies_the_team_rule(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    outsider = await builders.person(graph, "Outsider", fm["id"])
    issue = await builders.issue(graph, "Issue")
    await builders.team(graph, "Secret", issue["id"], lead["id"], visibility=Visibility.RESTRICTED)

    assert await activity.visible_seqs(graph, [4, 5], Viewer(outsider["id"], True)) == {4}
    assert await activity.visible_seqs(graph, [4, 5], Viewer(lead["id"], True)) == {4, 5}


async def test_between_fills_a_gap_with_every_activity_in_it(graph: Graph) -> None:
    for code in ("A", "B", "C", "D"):
        await builders.institution(graph, code)

    events = await activity.between(graph, 1, 4)

    assert [e.seq for e in events] == [2, 3]


async def test_a_cursor_round_trips_through_check_cursor(graph: Graph) -> None:
    await builders.institution(graph, "FM")
    head = await activity.head(graph)
    assert head.epoch is not None

    assert await activity.check_cursor(graph, activity.encode_cursor(head.epoch, 1)) == 1


async def test_a_malformed_cursor_is_bad_input_naming_after(graph: Graph) -> None:
    with pytest.raises(InvalidInput) as caught:
        await activity.check_cursor(graph, "not-a-cursor")

    assert caught.value.problems[0].field == "after"


async def test_a_cursor_from_another_history_requires_a_resync(graph: Graph) -> None:
    await builders.institution(graph, "FM")

    with pytest.raises(ResyncRequired, match="another activity history"):
        await activity.check_cursor(graph, "some-other-epoch:1")


async def test_a_cursor_ahead_of_the_history_requires_a_resync(graph: Graph) -> None:
    await builders.institution(graph, "FM")
    head = await activity.head(graph)
    assert head.epoch is not None

    with pytest.raises(ResyncRequired, match="ahead"):
        await activity.check_cursor(graph, activity.encode_cursor(head.epoch, 2))


async def test_pruning_removes_old_activities_and_a_cursor_before_them_requires_a_resync(
    graph: Graph,
) -> None:
    for code in ("A", "B", "C"):
        await builders.institution(graph, code)
    await graph.write(
        lambda tx: run(tx, "MATCH (a:Activity) WHERE a.seq <= 2 SET a.at = datetime() - duration('P400D')")
    )
    head = await activity.head(graph)
    assert head.epoch is not None

    pruned = await activity.prune(graph, datetime.now(UTC) - timedelta(days=365))

    assert pruned == 2
    assert (await activity.head(graph)).pruned_through == 2
    assert await activity.check_cursor(graph, activity.encode_cursor(head.epoch, 2)) == 2
    with pytest.raises(ResyncRequired, match="no longer kept"):
        await activity.check_cursor(graph, activity.encode_cursor(head.epoch, 1))


async def test_map_changes_follow_an_issue_into_and_out_of_a_status_filter(
    graph: Graph, announced: list[ActivityEvent]
) -> None:
    fm = await builders.institution(graph, "FM")
    issue = await builders.issue(graph, "Roads", {fm["id"]: Stake.LEAD})
    await update_issue(graph, issue["id"], IssuePatch(status="ACTIVE"), None)
    await update_issue(graph, issue["id"], IssuePatch(status="RESOLVED"), None)
    await graph.settled()
    f = map_changes.MapFilter(statuses=frozenset({"ACTIVE"}))
    in_map: set[str] = set()

    changes = [
        [(c.op.value, c.kind, c.node_id or c.target_id) for c in map_changes.derive(e.activity, f, in_map)]
        for e in announced
    ]

    assert changes == [
        [],
        [],
        [("ADDED", "HorizontalIssue", issue["id"]), ("ADDED", "AFFECTS", fm["id"])],
        [("REMOVED", "AFFECTS", fm["id"]), ("REMOVED", "HorizontalIssue", issue["id"])],
    ]
    assert in_map == set()


async def test_map_changes_report_an_added_impact_as_an_edge(
    graph: Graph, announced: list[ActivityEvent]
) -> None:
    from graph.issues import ImpactInput, set_impact

    fm = await builders.institution(graph, "FM")
    vm = await builders.institution(graph, "VM")
    issue = await builders.issue(graph, "Roads", {fm["id"]: Stake.LEAD})
    await set_impact(graph, issue["id"], ImpactInput(institution_id=vm["id"], stake=Stake.CONSULTED), None)
    in_map = {issue["id"]}
    await graph.settled()

    changes = map_changes.derive(announced[-1].activity, map_changes.MapFilter(), in_map)

    assert [(c.op.value, c.kind, c.source_id, c.target_id, c.label) for c in changes] == [
        ("ADDED", "AFFECTS", issue["id"], vm["id"], "CONSULTED")
    ]
