"""hotspots, overload, teamHealth and directionMatrix: exact answers on the small world
(tests/world.py), failure modes, and restricted teams never counted for non-members."""

from __future__ import annotations

import pytest

from graph import insights, posts
from graph.access import Viewer
from graph.driver import Graph
from graph.errors import InvalidInput
from graph.posts import PostInput
from tests import builders
from tests import handbuilt as build
from tests.conftest import Hub
from tests.world import MEMBER, OUTSIDER, build_world

# --- hotspots ---------------------------------------------------------------------------------


def _scores(rows: list[dict]) -> list[tuple[str, int, int, int]]:
    return [(r["code"], r["activeIssues"], r["activeMemberships"], r["score"]) for r in rows]


async def test_hotspots_rank_institutions_by_active_issues_twice_plus_active_memberships(
    graph: Graph,
) -> None:
    await build_world(graph)
    rows = await insights.hotspots(graph, OUTSIDER)
    assert _scores(rows) == [("FM", 2, 2, 6), ("VID", 1, 2, 4), ("VK", 1, 1, 3), ("VM", 1, 1, 3)]


async def test_hotspots_count_a_restricted_team_only_for_its_members(graph: Graph) -> None:
    await build_world(graph)
    rows = await insights.hotspots(graph, MEMBER)
    assert _scores(rows) == [("FM", 2, 4, 8), ("VID", 1, 2, 4), ("VM", 1, 2, 4), ("VK", 1, 1, 3)]


async def test_hotspots_ignore_resolved_issues_and_closed_teams(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "Done", status="RESOLVED", affects={"inst_a": "LEAD"})
    await build.team(graph, "t", "Closed", "i", status="CLOSED", members=[("p", "LEAD", 50)])
    assert await insights.hotspots(graph, Viewer.system()) == []


async def test_hotspots_limit_keeps_the_top(graph: Graph) -> None:
    await build_world(graph)
    assert [r["code"] for r in await insights.hotspots(graph, OUTSIDER, limit=2)] == ["FM", "VID"]


@pytest.mark.parametrize("limit", [0, 101])
async def test_hotspots_refuse_a_limit_out_of_range(graph: Graph, limit: int) -> None:
    with pytest.raises(InvalidInput) as exc:
        await insights.hotspots(graph, OUTSIDER, limit=limit)
    assert exc.value.message == "limit: must be between 1 and 100"


# --- overload ---------------------------------------------------------------------------------


async def test_overload_lists_people_above_100_percent_with_their_teams(graph: Graph) -> None:
    await build_world(graph)
    rows = await insights.overload(graph, OUTSIDER)
    assert rows == [
        {
            "personId": "juris",
            "name": "Juris Kalniņš",
            "institutionId": "inst_fm",
            "allocation": 110,
            "teamCount": 2,
            "teams": [
                {"teamId": "t_tax", "name": "Datu apmaiņas komanda", "role": "LEAD", "allocation": 60},
                {"teamId": "t_health", "name": "Veselības darba grupa", "role": "MEMBER", "allocation": 50},
            ],
        }
    ]


async def test_overload_lists_people_on_more_than_max_teams(graph: Graph) -> None:
    await build_world(graph)
    rows = await insights.overload(graph, OUTSIDER, max_teams=1)
    assert [(r["personId"], r["allocation"], r["teamCount"]) for r in rows] == [
        ("juris", 110, 2),
        ("ilze", 60, 2),
    ]


async def test_overload_counts_a_restricted_team_only_for_its_members(graph: Graph) -> None:
    await build_world(graph)
    rows = await insights.overload(graph, MEMBER, max_teams=2)
    assert [(r["personId"], r["allocation"], r["teamCount"]) for r in rows] == [("juris", 120, 3)]
    assert [t["teamId"] for t in rows[0]["teams"]] == ["t_tax", "t_health", "t_secret"]


async def test_overload_ignores_forming_and_closed_teams(graph: Graph) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t1", "Forming", "i", status="FORMING", members=[("p", "LEAD", 80)])
    await build.team(graph, "t2", "Closed", "i", status="CLOSED", members=[("p", "LEAD", 80)])
    await build.team(graph, "t3", "Active", "i", members=[("p", "LEAD", 80)])
    assert await insights.overload(graph, Viewer.system()) == []


async def test_overload_refuses_max_teams_below_one(graph: Graph) -> None:
    with pytest.raises(InvalidInput) as exc:
        await insights.overload(graph, OUTSIDER, max_teams=0)
    assert exc.value.message == "maxTeams: must be between 1 and 100"


# --- teamHealth -------------------------------------------------------------------------------


async def _one_team(graph: Graph, **team: object) -> None:
    await build.institution(graph, "inst_a", "A")
    await build.person(graph, "p", "P", "inst_a")
    await build.issue(graph, "i", "I")
    await build.team(graph, "t", "Team", "i", **team)  # type: ignore[arg-type]


def _problems(rows: list[dict]) -> dict[str, list[str]]:
    return {r["teamId"]: r["problems"] for r in rows}


async def test_team_health_flags_a_team_without_a_lead(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "MEMBER", 20)])
    assert _problems(await insights.team_health(graph, Viewer.system())) == {"t": ["NO_LEAD"]}


async def test_team_health_flags_a_team_whose_last_activity_is_older_than_inactive_days(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "LEAD", 20)], created_days_ago=90)
    await build.activity(graph, "a1", "t", days_ago=80, seq=1)
    await build.activity(graph, "a2", "t", days_ago=40, seq=2)
    rows = await insights.team_health(graph, Viewer.system(), inactive_days=30)
    assert _problems(rows) == {"t": ["INACTIVE"]}
    assert await insights.team_health(graph, Viewer.system(), inactive_days=50) == []


async def test_team_health_counts_a_team_without_activity_from_its_creation(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "LEAD", 20)], created_days_ago=31)
    assert _problems(await insights.team_health(graph, Viewer.system(), inactive_days=30)) == {
        "t": ["INACTIVE"]
    }
    assert await insights.team_health(graph, Viewer.system(), inactive_days=32) == []


async def test_team_health_flags_invitations_pending_longer_than_invitation_days(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "LEAD", 20)])
    await build.invitation(graph, "inv1", "t", days_ago=10)
    await build.invitation(graph, "inv2", "t", days_ago=9)
    await build.invitation(graph, "inv3", "t", days_ago=2)
    await build.invitation(graph, "inv4", "t", status="ACCEPTED", days_ago=30)
    rows = await insights.team_health(graph, Viewer.system(), invitation_days=7)
    assert [(r["teamId"], r["problems"], r["unansweredInvitations"]) for r in rows] == [
        ("t", ["UNANSWERED_INVITATIONS"], 2)
    ]


async def test_team_health_lists_every_problem_of_a_team_most_troubled_first(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "MEMBER", 20)], created_days_ago=60)
    await build.team(graph, "t2", "Another", "i", members=[("p", "MEMBER", 20)])
    await build.invitation(graph, "inv", "t", days_ago=30)
    rows = await insights.team_health(graph, Viewer.system())
    assert _problems(rows) == {"t": ["NO_LEAD", "INACTIVE", "UNANSWERED_INVITATIONS"], "t2": ["NO_LEAD"]}
    assert [r["teamId"] for r in rows] == ["t", "t2"]


async def test_team_health_leaves_out_healthy_and_closed_teams(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "MEMBER", 20)], status="CLOSED")
    await build.team(graph, "t2", "Healthy", "i", members=[("p", "LEAD", 20)])
    assert await insights.team_health(graph, Viewer.system()) == []


async def test_team_health_shows_a_restricted_team_only_to_its_members(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "MEMBER", 20)], visibility="RESTRICTED")
    await build.person(graph, "other", "Other", "inst_a")
    assert await insights.team_health(graph, Viewer(person_id="other", signed_in=True)) == []
    assert _problems(await insights.team_health(graph, Viewer(person_id="p", signed_in=True))) == {
        "t": ["NO_LEAD"]
    }


async def test_team_health_reports_a_restricted_team_last_activity_only_to_its_members(graph: Graph) -> None:
    await _one_team(graph, members=[("p", "LEAD", 20)], visibility="RESTRICTED", created_days_ago=90)
    await build.person(graph, "other", "Other", "inst_a")
    await build.activity(graph, "a1", "t", days_ago=40, seq=1)
    at = (await graph.read("MATCH (a:Activity {id: 'a1'}) RETURN a.at AS at"))[0]["at"]

    assert await insights.team_health(graph, Viewer(person_id="other", signed_in=True)) == []
    assert await insights.team_health(graph, Viewer(person_id="p", signed_in=True)) == [
        {"teamId": "t", "name": "Team", "status": "ACTIVE", "lastActivityAt": at,
         "unansweredInvitations": 0, "problems": ["INACTIVE"]}
    ]  # fmt: skip


async def test_a_post_makes_an_inactive_team_active_again(graph: Graph) -> None:
    fm = await builders.institution(graph, "FM")
    lead = await builders.person(graph, "Lead", fm["id"])
    issue = await builders.issue(graph, "Issue")
    team = await builders.team(graph, "Team", issue["id"], lead["id"])
    await build.cypher(
        graph,
        "MATCH (t:ProjectTeam {id: $id}) SET t.createdAt = datetime() - duration({days: 45}) "
        "WITH t MATCH (a:Activity)-[:IN_SCOPE]->(t) SET a.at = t.createdAt",
        id=team["id"],
    )
    assert _problems(await insights.team_health(graph, Viewer.system())) == {team["id"]: ["INACTIVE"]}

    await posts.create(graph, PostInput(team_id=team["id"], body="Back at it"), lead["id"], Viewer.system())

    assert await insights.team_health(graph, Viewer.system()) == []


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ((0, 7), "inactiveDays: must be between 1 and 3650"),
        ((30, -1), "invitationDays: must be between 0 and 3650"),
    ],
)
async def test_team_health_refuses_days_out_of_range(
    graph: Graph, days: tuple[int, int], message: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        await insights.team_health(graph, OUTSIDER, *days)
    assert exc.value.message == message


# --- directionMatrix --------------------------------------------------------------------------


def _grid(rows: list[dict]) -> list[tuple[int, list[tuple[str, int, int]]]]:
    return [
        (r["number"], [(c["code"], c["activeIssues"], c["activeTeams"]) for c in r["cells"]]) for r in rows
    ]


async def test_direction_matrix_is_a_complete_grid_of_directions_by_ministries(graph: Graph) -> None:
    await build_world(graph)
    assert _grid(await insights.direction_matrix(graph, OUTSIDER)) == [
        (1, [("VK", 1, 1), ("FM", 1, 1), ("VM", 0, 0)]),
        (2, [("VK", 0, 0), ("FM", 1, 1), ("VM", 1, 1)]),
    ]


async def test_direction_matrix_counts_a_restricted_team_only_for_its_members(graph: Graph) -> None:
    await build_world(graph)
    assert _grid(await insights.direction_matrix(graph, MEMBER)) == [
        (1, [("VK", 1, 1), ("FM", 1, 1), ("VM", 0, 0)]),
        (2, [("VK", 0, 0), ("FM", 1, 2), ("VM", 1, 2)]),
    ]


async def test_direction_matrix_has_zero_rows_when_nothing_is_active(graph: Graph) -> None:
    await build.direction(graph, "d1", 1)
    await build.institution(graph, "inst_fm", "Finanšu ministrija", code="FM")
    await build.institution(graph, "inst_vid", "VID", kind="AGENCY", code="VID")
    assert _grid(await insights.direction_matrix(graph, OUTSIDER)) == [(1, [("FM", 0, 0)])]


# --- end to end -------------------------------------------------------------------------------


async def test_insights_over_http(hub: Hub, graph: Graph) -> None:
    await build_world(graph)
    data = hub.data(
        """{
          hotspots(limit: 1) { code activeIssues activeMemberships score institution { nameLv } }
          overload { personId allocation teamCount teams { teamId role allocation } person { name } }
          teamHealth { teamId }
          directionMatrix { number cells { code activeIssues activeTeams } }
        }"""
    )
    assert data["hotspots"] == [
        {
            "code": "FM",
            "activeIssues": 2,
            "activeMemberships": 4,
            "score": 8,
            "institution": {"nameLv": "Finanšu ministrija"},
        }
    ]
    assert data["overload"] == [
        {
            "personId": "juris",
            "allocation": 120,
            "teamCount": 3,
            "teams": [
                {"teamId": "t_tax", "role": "LEAD", "allocation": 60},
                {"teamId": "t_health", "role": "MEMBER", "allocation": 50},
                {"teamId": "t_secret", "role": "MEMBER", "allocation": 10},
            ],
            "person": {"name": "Juris Kalniņš"},
        }
    ]
    assert data["teamHealth"] == []
    assert data["directionMatrix"][1] == {
        "number": 2,
        "cells": [
            {"code": "VK", "activeIssues": 0, "activeTeams": 0},
            {"code": "FM", "activeIssues": 1, "activeTeams": 2},
            {"code": "VM", "activeIssues": 1, "activeTeams": 2},
        ],
    }


async def test_insights_over_http_name_the_bad_argument(hub: Hub) -> None:
    error = hub.error("{ overload(maxTeams: 0) { personId } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "maxTeams"
