"""The uniqueness constraints behind the rules that races broke (migration 4), and what a write
that loses a race to one of them answers: its rule's own error, never an internal one."""

from __future__ import annotations

from typing import LiteralString

import pytest

from graph import invitations, lifecycle
from graph.driver import Graph, Tx, run
from graph.errors import Conflict
from graph.validation import validate
from tests import formation_builders as b
from tests.formation_builders import SYSTEM


@pytest.fixture
async def g(graph: Graph) -> dict[str, str]:
    vm = await b.institution(graph, "VM")
    ids = {"issue": await b.issue(graph, "Open data", {vm: "LEAD"})}
    ids["lead"] = await b.person(graph, "Lead", vm)
    ids["anna"] = await b.person(graph, "Anna", vm)
    ids["team"] = await b.team(graph, "Open data team", ids["issue"], ids["lead"])
    return ids


async def test_memberships_created_through_the_rules_carry_their_keys(
    graph: Graph, g: dict[str, str]
) -> None:
    data = {"team_id": g["team"], "person_id": g["anna"], "allocation": 10}
    sent = await invitations.invite(graph, validate(invitations.InvitationInput, data), None, SYSTEM)
    open_key = await graph.read(
        "MATCH (:Invitation {id: $id})-[r:INVITES]->() RETURN r.openKey AS key", id=sent["id"]
    )
    await invitations.accept(graph, sent["id"], None, SYSTEM)

    rows = await graph.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(:ProjectTeam {id: $team}) RETURN p.id AS person, m.memberKey AS key,"
        " m.leadKey AS lead ORDER BY key",
        team=g["team"],
    )
    closed_key = await graph.read(
        "MATCH (:Invitation {id: $id})-[r:INVITES]->() RETURN r.openKey AS key", id=sent["id"]
    )
    assert {r["person"]: (r["key"], r["lead"]) for r in rows} == {
        g["lead"]: (f"{g['lead']}|{g['team']}", g["team"]),
        g["anna"]: (f"{g['anna']}|{g['team']}", None),
    }
    assert (open_key[0]["key"], closed_key[0]["key"]) == (f"{g['anna']}|{g['team']}", None)


async def test_a_hand_over_moves_the_lead_key(graph: Graph, g: dict[str, str]) -> None:
    await b.member(graph, g["team"], g["anna"])

    await lifecycle.hand_over_lead(graph, g["team"], g["anna"], None, SYSTEM)

    rows = await graph.read(
        "MATCH (p:Person)-[m:MEMBER_OF]->(:ProjectTeam {id: $team}) WHERE m.leadKey IS NOT NULL RETURN p.id AS p",
        team=g["team"],
    )
    assert [r["p"] for r in rows] == [g["anna"]]


# A membership made with its keys, as the writes make it (graph/membership.py keys).
_MEMBERSHIP: LiteralString = (
    "MATCH (p:Person {id: $person}), (t:ProjectTeam {id: $team})"
    " CREATE (p)-[:MEMBER_OF {role: $role, allocation: 10, memberKey: p.id + '|' + t.id,"
    " leadKey: CASE $role WHEN 'LEAD' THEN t.id END}]->(t)"
)


@pytest.mark.parametrize(
    ("who", "role", "key"),
    [("lead", "EXPERT", "memberKey"), ("anna", "LEAD", "leadKey")],
    ids=["a second membership of the lead", "a second lead"],
)
async def test_the_graph_refuses_a_second_membership_and_a_second_lead(
    graph: Graph, g: dict[str, str], who: str, role: str, key: str
) -> None:
    with pytest.raises(Conflict) as refused:
        await graph.write(lambda tx: run(tx, _MEMBERSHIP, person=g[who], team=g["team"], role=role))
    assert refused.value.message == f"{key}: is already in use"


async def test_the_graph_refuses_a_second_open_invitation(graph: Graph, g: dict[str, str]) -> None:
    data = {"team_id": g["team"], "person_id": g["anna"], "allocation": 10}
    await invitations.invite(graph, validate(invitations.InvitationInput, data), None, SYSTEM)

    with pytest.raises(Conflict) as refused:
        await graph.write(
            lambda tx: run(
                tx,
                "MATCH (p:Person {id: $person}), (t:ProjectTeam {id: $team})"
                " CREATE (:Invitation)-[:INVITES {openKey: p.id + '|' + t.id}]->(p)",
                person=g["anna"],
                team=g["team"],
            )
        )
    assert refused.value.message == "openKey: is already in use"


async def test_a_write_that_loses_a_race_to_a_key_is_tried_again_and_refused_by_its_rule(
    graph: Graph, g: dict[str, str]
) -> None:
    """The write reads that Anna is not on the team; before it writes, a concurrent writer
    commits her membership. Its own write then breaks memberKey; tried again, it reads the
    membership and its rule refuses, with the rule's error."""
    attempts: list[int] = []

    async def join(tx: Tx) -> None:
        attempts.append(len(attempts) + 1)
        rows = await run(
            tx,
            "RETURN EXISTS { (:Person {id: $person})-[:MEMBER_OF]->(:ProjectTeam {id: $team}) } AS member",
            person=g["anna"],
            team=g["team"],
        )
        if rows[0]["member"]:
            raise Conflict("personId", "Anna is already a member of this team")
        if len(attempts) == 1:  # the concurrent writer, between this write's read and its write
            await graph.write_once(_MEMBERSHIP, person=g["anna"], team=g["team"], role="MEMBER")
        await run(tx, _MEMBERSHIP, person=g["anna"], team=g["team"], role="MEMBER")

    with pytest.raises(Conflict) as refused:
        await graph.write(join)

    assert refused.value.message == "personId: Anna is already a member of this team"
    assert attempts == [1, 2]
    assert (await b.membership_of(graph, g["team"], g["anna"])) == {"role": "MEMBER", "allocation": 10}
