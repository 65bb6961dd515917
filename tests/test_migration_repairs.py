"""Migration 4's data repairs on small hand-built broken graphs (graph/repairs.py states the rules).

The shared test database already has the constraints; the broken memberships and invitations
here carry no keys (as data written before migration 4), which the constraints do not see."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from graph import repairs
from graph.driver import Graph
from tests import handbuilt as h


async def membership(
    graph: Graph, person: str, team: str, role: str, allocation: int, since: date | None
) -> None:
    """A MEMBER_OF as data from before migration 4 has it: no keys."""
    await h.cypher(
        graph,
        "MATCH (p:Person {id: $person}), (t:ProjectTeam {id: $team})"
        " CREATE (p)-[:MEMBER_OF {role: $role, allocation: $allocation, since: $since}]->(t)",
        person=person,
        team=team,
        role=role,
        allocation=allocation,
        since=since,
    )


async def invitation(graph: Graph, id: str, team: str, person: str, status: str, sent_days_ago: int) -> None:
    """An invitation sent `sent_days_ago` days ago, valid for 14 days, without a key."""
    sent = datetime.now(UTC) - timedelta(days=sent_days_ago)
    await h.cypher(
        graph,
        "MATCH (t:ProjectTeam {id: $team}), (p:Person {id: $person})"
        " CREATE (v:Invitation:Entity {id: $id, status: $status, role: 'MEMBER', allocation: 10,"
        " createdAt: $sent, updatedAt: $sent, expiresAt: $sent + duration({days: 14})})"
        " CREATE (v)-[:TO_JOIN]->(t), (v)-[:INVITES]->(p)",
        id=id,
        team=team,
        person=person,
        status=status,
        sent=sent,
    )


@pytest.fixture
async def world(graph: Graph) -> Graph:
    """An institution, an issue, people, and teams t1-t3 on the issue without members."""
    await h.institution(graph, "vm", "VM")
    await h.issue(graph, "i1", "Open data")
    for id, name in (("anna", "Anna"), ("juris", "Juris"), ("liga", "Līga"), ("peteris", "Pēteris")):
        await h.person(graph, id, name, "vm")
    for id in ("t1", "t2", "t3"):
        await h.team(graph, id, f"Team {id[1]}", "i1")
    return graph


async def repair(graph: Graph, step: repairs.Repair) -> int:
    changed: int = await graph.write(step.run)
    return changed


def step(name: str) -> repairs.Repair:
    return next(r for r in repairs.REPAIRS if r.name.startswith(name))


async def memberships(graph: Graph) -> list[tuple[str, str, str, int, Any]]:
    rows = await graph.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(t:ProjectTeam) RETURN p.id AS p, t.id AS t, m.role AS role,"
        " m.allocation AS allocation, m.since AS since ORDER BY t, p, role"
    )
    return [(r["p"], r["t"], r["role"], r["allocation"], r["since"]) for r in rows]


async def activities(graph: Graph, verb: str) -> list[dict[str, Any]]:
    await graph.settled()
    rows = await graph.read(
        "MATCH (a:Activity {verb: $verb}) RETURN a.targetId AS target, a.actorId AS actor, a.summary AS summary,"
        " a.before AS before, a.after AS after,"
        " [(a)-[:IN_SCOPE]->(s) | s.id] AS scope ORDER BY target, summary",
        verb=verb,
    )
    return [
        {
            **r,
            "scope": sorted(r["scope"]),
            "before": json.loads(r["before"]) if r["before"] else None,
            "after": json.loads(r["after"]) if r["after"] else None,
        }
        for r in rows
    ]


# --- 1. One membership per person and team --------------------------------------------------


async def test_duplicate_memberships_merge_into_one_with_the_earliest_since_highest_role_and_allocation(
    world: Graph,
) -> None:
    await membership(world, "anna", "t1", "EXPERT", 20, date(2025, 3, 1))
    await membership(world, "anna", "t1", "MEMBER", 10, date(2025, 1, 15))
    await membership(world, "anna", "t1", "OBSERVER", 40, None)
    await membership(world, "juris", "t1", "LEAD", 30, date(2025, 1, 1))

    assert await repair(world, step("memberships")) == 1

    assert await memberships(world) == [
        ("anna", "t1", "MEMBER", 40, date(2025, 1, 15)),
        ("juris", "t1", "LEAD", 30, date(2025, 1, 1)),
    ]
    assert await activities(world, "team.memberships_merged") == [
        {
            "target": "t1",
            "actor": None,
            "summary": "Team 1: 3 memberships of Anna merged into one (data repair)",
            "scope": ["anna", "i1", "t1"],
            "before": {
                "personId": "anna",
                "memberships": [
                    {"role": "MEMBER", "allocation": 10, "since": "2025-01-15"},
                    {"role": "EXPERT", "allocation": 20, "since": "2025-03-01"},
                    {"role": "OBSERVER", "allocation": 40, "since": None},
                ],
            },
            "after": {"personId": "anna", "role": "MEMBER", "allocation": 40, "since": "2025-01-15"},
        }
    ]


async def test_a_duplicate_lead_membership_merges_into_the_lead(world: Graph) -> None:
    await membership(world, "anna", "t1", "MEMBER", 20, date(2025, 1, 1))
    await membership(world, "anna", "t1", "LEAD", 30, date(2025, 2, 1))

    await repair(world, step("memberships"))

    assert await memberships(world) == [("anna", "t1", "LEAD", 30, date(2025, 1, 1))]


async def test_memberships_without_duplicates_are_left_alone(world: Graph) -> None:
    await membership(world, "anna", "t1", "LEAD", 30, date(2025, 1, 1))
    await membership(world, "anna", "t2", "MEMBER", 20, date(2025, 1, 1))

    assert await repair(world, step("memberships")) == 0

    assert len(await memberships(world)) == 2
    assert await activities(world, "team.memberships_merged") == []


# --- 2. Exactly one lead per team ------------------------------------------------------------


async def test_of_several_leads_the_one_leading_longest_stays_and_the_others_become_members(
    world: Graph,
) -> None:
    await membership(world, "anna", "t1", "LEAD", 30, date(2025, 2, 1))
    await membership(world, "juris", "t1", "LEAD", 20, date(2025, 1, 1))
    await membership(world, "liga", "t1", "LEAD", 20, None)
    await membership(world, "peteris", "t1", "EXPERT", 10, date(2024, 1, 1))

    assert await repair(world, step("leads")) == 3  # t1; t2 and t3 have no members: reported

    assert await memberships(world) == [
        ("anna", "t1", "MEMBER", 30, date(2025, 2, 1)),
        ("juris", "t1", "LEAD", 20, date(2025, 1, 1)),
        ("liga", "t1", "MEMBER", 20, None),
        ("peteris", "t1", "EXPERT", 10, date(2024, 1, 1)),
    ]
    assert await activities(world, "team.lead_repaired") == [
        {
            "target": "t1",
            "actor": None,
            "summary": "Team 1: 3 leads; Juris leads on, Anna, Līga now members (data repair)",
            "scope": ["anna", "i1", "juris", "liga", "t1"],
            "before": {"leadIds": ["anna", "juris", "liga"]},
            "after": {"leadIds": ["juris"]},
        }
    ]


async def test_a_team_without_a_lead_gets_its_longest_standing_member_then_the_higher_allocation(
    world: Graph,
) -> None:
    await membership(world, "anna", "t1", "MEMBER", 20, date(2025, 3, 1))
    await membership(world, "juris", "t1", "EXPERT", 10, date(2025, 1, 1))
    await membership(world, "liga", "t1", "MEMBER", 30, date(2025, 1, 1))

    assert await repair(world, step("leads")) == 3  # t1; t2 and t3 have no members: reported

    assert await memberships(world) == [
        ("anna", "t1", "MEMBER", 20, date(2025, 3, 1)),
        ("juris", "t1", "EXPERT", 10, date(2025, 1, 1)),
        ("liga", "t1", "LEAD", 30, date(2025, 1, 1)),
    ]
    [repaired] = await activities(world, "team.lead_repaired")
    assert (
        repaired["summary"]
        == "Team 1: no lead; Līga, its longest-standing member, now leads it (data repair)"
    )
    assert (repaired["before"], repaired["after"]) == ({"leadIds": []}, {"leadIds": ["liga"]})


async def test_a_team_without_members_is_reported_in_its_issues_feed(world: Graph) -> None:
    await membership(world, "anna", "t1", "LEAD", 20, date(2025, 1, 1))
    await membership(world, "juris", "t2", "LEAD", 20, date(2025, 1, 1))

    assert await repair(world, step("leads")) == 1  # t3

    assert await activities(world, "team.lead_missing") == [
        {
            "target": "t3",
            "actor": None,
            "summary": "Team 3: no members and so no lead; appoint one (found by a data repair)",
            "scope": ["i1", "t3"],
            "before": None,
            "after": None,
        }
    ]
    assert await activities(world, "team.lead_repaired") == []


# --- 3. Allocation over full time: reported, not cut -----------------------------------------


async def test_a_person_over_full_time_is_reported_to_the_leads_of_their_open_teams_and_not_cut(
    world: Graph,
) -> None:
    await h.cypher(world, "MATCH (t:ProjectTeam {id: 't3'}) SET t.status = 'CLOSED'")
    await membership(world, "anna", "t1", "MEMBER", 60, date(2025, 1, 1))
    await membership(world, "anna", "t2", "EXPERT", 50, date(2025, 1, 1))
    await membership(world, "anna", "t3", "MEMBER", 30, date(2025, 1, 1))  # closed: not counted
    await membership(world, "juris", "t1", "LEAD", 40, date(2025, 1, 1))
    await membership(world, "liga", "t2", "LEAD", 60, date(2025, 1, 1))  # exactly full time
    await membership(world, "liga", "t3", "MEMBER", 50, date(2025, 1, 1))
    await membership(world, "peteris", "t3", "LEAD", 20, date(2025, 1, 1))
    before = await memberships(world)

    assert await repair(world, step("allocations")) == 1

    assert await memberships(world) == before
    assert await activities(world, "person.over_allocated") == [
        {
            "target": "anna",
            "actor": None,
            "summary": "Anna: 110% on open teams, over full time (100%); nothing was cut: the leads of "
            "their teams agree who lowers an allocation (data repair)",
            "scope": ["anna", "juris", "liga"],
            "before": None,
            "after": {"personId": "anna", "allocated": 110, "fullTime": 100},
        }
    ]


# --- 4. One open invitation per person and team ----------------------------------------------


async def test_of_several_open_invitations_the_earliest_stays_and_the_later_are_withdrawn(
    world: Graph,
) -> None:
    await invitation(world, "v_first", "t1", "anna", "PENDING", sent_days_ago=3)
    await invitation(world, "v_second", "t1", "anna", "AWAITING_APPROVAL", sent_days_ago=2)
    await invitation(world, "v_third", "t1", "anna", "PENDING", sent_days_ago=1)
    await invitation(world, "v_expired", "t1", "anna", "PENDING", sent_days_ago=20)
    await invitation(world, "v_declined", "t1", "anna", "DECLINED", sent_days_ago=1)
    await invitation(world, "v_other_team", "t2", "anna", "PENDING", sent_days_ago=1)

    assert await repair(world, step("invitations")) == 2

    rows = await world.read(
        "MATCH (v:Invitation) RETURN v.id AS id, v.status AS status, v.reason AS reason ORDER BY id"
    )
    assert [(r["id"], r["status"], r["reason"]) for r in rows] == [
        ("v_declined", "DECLINED", None),
        ("v_expired", "PENDING", None),
        ("v_first", "PENDING", None),
        ("v_other_team", "PENDING", None),
        ("v_second", "WITHDRAWN", "a duplicate of v_first (data repair)"),
        ("v_third", "WITHDRAWN", "a duplicate of v_first (data repair)"),
    ]
    withdrawn = await activities(world, "invitation.withdrawn")
    assert [(a["target"], a["scope"], a["summary"]) for a in withdrawn] == [
        (id, ["anna", "i1", "t1", id], "Invitation withdrawn: a duplicate of v_first (data repair)")
        for id in ("v_second", "v_third")
    ]


# --- Keys, after the repairs -----------------------------------------------------------------


async def test_the_backfill_keys_every_membership_the_lead_and_only_open_invitations(world: Graph) -> None:
    await membership(world, "anna", "t1", "LEAD", 30, date(2025, 1, 1))
    await membership(world, "juris", "t1", "MEMBER", 30, date(2025, 1, 1))
    await invitation(world, "v_open", "t1", "liga", "PENDING", sent_days_ago=1)
    await invitation(world, "v_awaiting", "t2", "liga", "AWAITING_APPROVAL", sent_days_ago=1)
    await invitation(world, "v_expired", "t3", "liga", "PENDING", sent_days_ago=20)
    await invitation(world, "v_accepted", "t3", "peteris", "ACCEPTED", sent_days_ago=1)

    for statement in repairs.BACKFILL_KEYS:
        await world.write_once(statement)

    rows = await world.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->() RETURN p.id AS p, m.memberKey AS member, m.leadKey AS lead ORDER BY p"
    )
    assert [(r["p"], r["member"], r["lead"]) for r in rows] == [
        ("anna", "anna|t1", "t1"),
        ("juris", "juris|t1", None),
    ]
    rows = await world.read(
        "MATCH (v:Invitation)-[r:INVITES]->() RETURN v.id AS v, r.openKey AS key ORDER BY v"
    )
    assert [(r["v"], r["key"]) for r in rows] == [
        ("v_accepted", None),
        ("v_awaiting", "liga|t2"),
        ("v_expired", None),
        ("v_open", "liga|t1"),
    ]
