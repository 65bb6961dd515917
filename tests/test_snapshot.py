"""The snapshot cache (graph/snapshot.py): an aggregate is computed once per committed graph
state and viewer, any write through the domain makes it recompute, a restricted team never
reaches a non-member through it, and a graph without an activity counter is never cached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graph import insights, lifecycle, network
from graph.access import Viewer
from graph.driver import Graph, Record, run
from graph.issues import IssueStatus, Stake
from graph.lifecycle import StatusChange
from graph.snapshot import SnapshotCache
from graph.teams import TeamStatus, Visibility
from tests import builders
from tests import handbuilt as build
from tests.world import MEMBER, OUTSIDER, build_world


class Counted:
    """A compute function that counts its calls (the cache's misses, seen from outside)."""

    def __init__(self, compute: Any) -> None:
        self.compute, self.calls = compute, 0
        self.__module__, self.__qualname__ = compute.__module__, compute.__qualname__

    async def __call__(self, graph: Graph, viewer: Viewer, *args: Any) -> Any:
        self.calls += 1
        return await self.compute(graph, viewer, *args)


def _grid(rows: list[Record]) -> list[tuple[int, list[tuple[str, int, int]]]]:
    return [
        (r["number"], [(c["code"], c["activeIssues"], c["activeTeams"]) for c in r["cells"]]) for r in rows
    ]


async def _recorded_world(graph: Graph) -> dict[str, str]:
    """Two ministries, an active issue under a direction and a public team, all written through
    the domain functions, so every change records an Activity and moves the counter."""
    await graph.write(
        lambda tx: run(
            tx, "CREATE (:PlanDirection:Entity {id: 'dir_' + $hex, number: 1, titleLv: 'D'})", hex="d" * 32
        )
    )
    fm = await builders.institution(graph, "FM")
    vm = await builders.institution(graph, "VM")
    lead = await builders.person(graph, "Juris", fm["id"])
    zane = await builders.person(graph, "Zane", vm["id"])
    issue = await builders.issue(
        graph,
        "Data",
        {fm["id"]: Stake.LEAD, vm["id"]: Stake.INVOLVED},
        direction_id="dir_" + "d" * 32,
        status=IssueStatus.ACTIVE,
    )
    return {"fm": fm["id"], "vm": vm["id"], "lead": lead["id"], "zane": zane["id"], "issue": issue["id"]}


async def _active_team(
    graph: Graph, name: str, issue_id: str, lead_id: str, visibility: Visibility = Visibility.PUBLIC
) -> Record:
    team = await builders.team(graph, name, issue_id, lead_id, visibility=visibility)
    lead = Viewer(person_id=lead_id, signed_in=True)
    return await lifecycle.set_status(
        graph, team["id"], StatusChange(status=TeamStatus.ACTIVE), lead_id, lead
    )


async def test_an_aggregate_is_computed_once_while_nothing_is_written(graph: Graph) -> None:
    await _recorded_world(graph)
    cache, matrix = SnapshotCache(), Counted(insights.direction_matrix)

    first = await cache.get(graph, Viewer.system(), matrix)
    second = await cache.get(graph, Viewer.system(), matrix)

    assert second == first == await insights.direction_matrix(graph, Viewer.system())
    assert matrix.calls == 1
    assert (cache.hits, cache.misses) == (1, 1)


async def test_a_write_through_the_domain_makes_the_aggregate_recompute(graph: Graph) -> None:
    ids = await _recorded_world(graph)
    cache, matrix = SnapshotCache(), Counted(insights.direction_matrix)
    before = await cache.get(graph, Viewer.system(), matrix)

    await _active_team(graph, "Data team", ids["issue"], ids["lead"])
    after = await cache.get(graph, Viewer.system(), matrix)

    assert _grid(before) == [(1, [("FM", 1, 0), ("VM", 1, 0)])]
    assert _grid(after) == [(1, [("FM", 1, 1), ("VM", 1, 0)])]
    assert matrix.calls == 2


async def test_a_restricted_team_cached_for_its_member_never_reaches_a_non_member(graph: Graph) -> None:
    ids = await _recorded_world(graph)
    await _active_team(graph, "Secret", ids["issue"], ids["zane"], Visibility.RESTRICTED)
    member = Viewer(person_id=ids["zane"], signed_in=True)
    outsider = Viewer(person_id=ids["lead"], signed_in=True)
    cache = SnapshotCache()

    as_member = await cache.get(graph, member, insights.direction_matrix)
    as_outsider = await cache.get(graph, outsider, insights.direction_matrix)
    as_anonymous = await cache.get(graph, Viewer.anonymous(), insights.direction_matrix)

    assert _grid(as_member) == [(1, [("FM", 1, 0), ("VM", 1, 1)])]
    assert _grid(as_outsider) == [(1, [("FM", 1, 0), ("VM", 1, 0)])]
    assert _grid(as_anonymous) == [(1, [("FM", 1, 0), ("VM", 1, 0)])]
    assert cache.misses == 3


async def test_arguments_are_part_of_the_key(graph: Graph) -> None:
    await build_world(graph)
    await builders.institution(graph, "NEW")  # records an Activity: the graph now has a counter
    cache = SnapshotCache()

    async def ties(graph: Graph, viewer: Viewer, min_weight: int) -> list[Record]:
        return (await network.collaboration_network(graph, viewer, min_weight=min_weight))[1]

    one = await cache.get(graph, MEMBER, ties, 1)
    two = await cache.get(graph, MEMBER, ties, 2)

    assert len(one) == 5
    assert sorted((e["source"], e["target"], e["weight"]) for e in two) == [
        ("inst_fm", "inst_vid", 2),
        ("inst_fm", "inst_vm", 2),
    ]
    assert cache.misses == 2


async def test_a_graph_without_an_activity_counter_is_never_cached(graph: Graph) -> None:
    await build_world(graph)  # hand-built: no Activity was recorded, so nothing names its state
    cache, matrix = SnapshotCache(), Counted(insights.direction_matrix)

    await cache.get(graph, OUTSIDER, matrix)
    await cache.get(graph, OUTSIDER, matrix)

    assert matrix.calls == 2
    assert (cache.hits, cache.misses) == (0, 0)


async def test_a_wiped_and_rebuilt_graph_does_not_meet_the_old_entries(graph: Graph) -> None:
    ids = await _recorded_world(graph)
    cache = SnapshotCache()
    await cache.get(graph, Viewer.system(), insights.direction_matrix)
    await graph.write(lambda tx: run(tx, "MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n"))

    await _recorded_world(graph)  # the same number of activities again, under a new epoch
    rebuilt = await cache.get(graph, Viewer.system(), insights.direction_matrix)

    assert ids["fm"] not in {c["institutionId"] for c in rebuilt[0]["cells"]}
    assert cache.misses == 2


async def test_entries_beyond_the_bound_drop_the_least_recently_used(graph: Graph) -> None:
    await _recorded_world(graph)
    cache = SnapshotCache(max_entries=2)
    viewers = [Viewer(person_id=f"p{i}", signed_in=True) for i in range(3)]

    for viewer in viewers:
        await cache.get(graph, viewer, insights.direction_matrix)
    await cache.get(graph, viewers[2], insights.direction_matrix)
    await cache.get(graph, viewers[0], insights.direction_matrix)

    assert (cache.hits, cache.misses) == (1, 4)


async def test_team_health_from_cached_facts_turns_a_team_inactive_as_time_passes(graph: Graph) -> None:
    ids = await _recorded_world(graph)
    await _active_team(graph, "Quiet team", ids["issue"], ids["lead"])
    cache, facts = SnapshotCache(), Counted(insights.team_facts)

    async def cached(graph: Graph, viewer: Viewer) -> list[Record]:
        return await cache.get(graph, viewer, facts)

    today = await insights.team_health(graph, Viewer.system(), 30, facts=cached)
    later = await insights.team_health(
        graph, Viewer.system(), 30, facts=cached, now=datetime.now(UTC) + timedelta(days=31)
    )

    assert today == []
    assert [(r["name"], r["problems"]) for r in later] == [("Quiet team", ["INACTIVE"])]
    assert facts.calls == 1


async def test_team_facts_name_pending_invitations_for_the_thresholds(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t", "Team", "i", members=[("p", "LEAD", 20)])
    await build.invitation(graph, "inv1", "t", days_ago=10)
    await build.invitation(graph, "inv2", "t", status="DECLINED", days_ago=10)

    [facts] = await insights.team_facts(graph, Viewer.system())

    assert (facts["teamId"], facts["hasLead"], len(facts["pendingSince"])) == ("t", True, 1)
