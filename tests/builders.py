"""Small hand-built graphs for tests, made through the graph layer's own functions."""

from __future__ import annotations

from typing import Any

from graph import institutions, issues, membership, people, skills, teams
from graph.driver import Graph, Record, run
from graph.institutions import InstitutionInput, InstitutionKind
from graph.issues import ImpactInput, IssueInput, Stake
from graph.people import PersonInput
from graph.skills import SkillInput
from graph.teams import TeamInput


async def institution(graph: Graph, code: str, parent_id: str | None = None, **kw: Any) -> Record:
    data = InstitutionInput(
        code=code,
        name_lv=kw.pop("name_lv", f"{code} iestāde"),
        name_en=kw.pop("name_en", f"{code} institution"),
        kind=kw.pop("kind", InstitutionKind.MINISTRY),
        parent_id=parent_id,
    )
    return await institutions.create(graph, data, None)


async def person(graph: Graph, name: str, institution_id: str, **kw: Any) -> Record:
    email = kw.pop("email", name.lower().replace(" ", ".") + "@example.gov.lv")
    return await people.create(
        graph, PersonInput(name=name, email=email, institution_id=institution_id, **kw), None
    )


async def skill(graph: Graph, name: str) -> Record:
    return await skills.create(graph, SkillInput(name=name), None)


async def issue(graph: Graph, title: str, affected: dict[str, Stake] | None = None, **kw: Any) -> Record:
    impacts = [ImpactInput(institution_id=i, stake=s) for i, s in (affected or {}).items()]
    return await issues.create(graph, IssueInput(title=title, affected=impacts, **kw), None)


async def team(graph: Graph, name: str, issue_id: str, lead_id: str, **kw: Any) -> Record:
    return await teams.create(
        graph, TeamInput(name=name, issue_id=issue_id, lead_person_id=lead_id, **kw), None
    )


async def add_member(
    graph: Graph, team_id: str, person_id: str, role: str = "MEMBER", allocation: int = 10
) -> None:
    """A membership made directly, for read-side tests that do not exercise invitations."""
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (p:Person {id: $p}), (t:ProjectTeam {id: $t}) "
            "CREATE (p)-[:MEMBER_OF {role: $role, allocation: $allocation, since: date(), "
            + membership.keys("p", "t", "$role")
            + "}]->(t)",
            p=person_id,
            t=team_id,
            role=role,
            allocation=allocation,
        )
    )


async def count(graph: Graph) -> tuple[int, int]:
    """(nodes, relationships) of the data: a refused write changes neither. Not counted: the schema
    marker, and sign-in bindings, which signing in makes (a refused caller's first request binds)."""
    await graph.settled()  # the last write's numbering may still create the counter
    rows = await graph.read(
        "CALL () { MATCH (n) WHERE NOT n:SchemaVersion AND NOT n:SignInIdentity RETURN count(n) AS nodes } "
        "CALL () { MATCH ()-[r]->() WHERE NOT r:IDENTIFIES RETURN count(r) AS rels } "
        "RETURN nodes, rels"
    )
    return rows[0]["nodes"], rows[0]["rels"]


async def unnumbered_activity(graph: Graph, institution_id: str, hex_id: str) -> None:
    """An activity about the institution as a write leaves it between its commit and the numbering
    (graph/activity.py), with id `act_<hex_id>`."""
    # The writes before it numbered first: a numbering still in flight numbers whatever is pending
    # when it runs, this one included.
    await graph.settled()
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (i:Institution {id: $id}) CREATE (:Activity:Entity:Unsequenced {id: 'act_' + $hex,"
            " at: datetime(), verb: 'institution.updated', targetId: $id, summary: 'X'})-[:IN_SCOPE]->(i)",
            id=institution_id,
            hex=hex_id,
        )
    )
