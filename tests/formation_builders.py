"""Hand-built graphs for team-formation tests (ids, not records), made through the graph layer itself."""

from __future__ import annotations

from typing import Any

from graph import formation, institutions, issues, membership, people, skills, teams
from graph.access import Viewer
from graph.driver import Graph, run
from graph.validation import validate

SYSTEM = Viewer.system()


async def institution(graph: Graph, code: str) -> str:
    data = validate(
        institutions.InstitutionInput, {"code": code, "name_lv": code, "name_en": code, "kind": "MINISTRY"}
    )
    return str((await institutions.create(graph, data, None))["id"])


async def skill(graph: Graph, name: str) -> str:
    return str((await skills.create(graph, validate(skills.SkillInput, {"name": name}), None))["id"])


async def person(
    graph: Graph, name: str, institution_id: str, skill_levels: dict[str, int] | None = None
) -> str:
    data = validate(
        people.PersonInput,
        {
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@example.lv",
            "institution_id": institution_id,
            "skills": [{"skill_id": s, "level": level} for s, level in (skill_levels or {}).items()],
        },
    )
    return str((await people.create(graph, data, None))["id"])


async def issue(graph: Graph, title: str, affected: dict[str, str] | None = None) -> str:
    data = validate(
        issues.IssueInput,
        {
            "title": title,
            "affected": [{"institution_id": i, "stake": s} for i, s in (affected or {}).items()],
        },
    )
    return str((await issues.create(graph, data, None))["id"])


async def team(graph: Graph, name: str, issue_id: str, lead_id: str, **extra: Any) -> str:
    data = validate(teams.TeamInput, {"name": name, "issue_id": issue_id, "lead_person_id": lead_id, **extra})
    node, _ = await formation.create_team(graph, data, None, SYSTEM)
    return str(node["id"])


async def member(
    graph: Graph, team_id: str, person_id: str, role: str = "MEMBER", allocation: int = 20
) -> None:
    """A membership put straight into the graph, for tests that are not about joining."""
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


async def set_team(graph: Graph, team_id: str, **props: Any) -> None:
    await graph.write(
        lambda tx: run(tx, "MATCH (t:ProjectTeam {id: $id}) SET t += $props", id=team_id, props=props)
    )


async def manages(graph: Graph, person_id: str, institution_id: str) -> None:
    await graph.write(
        lambda tx: run(
            tx,
            "MATCH (p:Person {id: $p}), (i:Institution {id: $i}) CREATE (p)-[:MANAGES]->(i)",
            p=person_id,
            i=institution_id,
        )
    )


async def counts(graph: Graph) -> tuple[int, int]:
    """(nodes, relationships): equal before and after a refused change means nothing was written."""
    rows = await graph.read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
        "RETURN nodes, rels"
    )
    return rows[0]["nodes"], rows[0]["rels"]


async def membership_of(graph: Graph, team_id: str, person_id: str) -> dict[str, Any] | None:
    rows = await graph.read(
        "MATCH (:Person {id: $p})-[m:MEMBER_OF]->(:ProjectTeam {id: $t}) RETURN m.role AS role, "
        "m.allocation AS allocation",
        p=person_id,
        t=team_id,
    )
    return rows[0] if rows else None


async def verbs_in_scope(graph: Graph, scope_id: str) -> list[str]:
    rows = await graph.read(
        "MATCH (a:Activity)-[:IN_SCOPE]->(:Entity {id: $id}) RETURN a.verb AS verb ORDER BY a.seq",
        id=scope_id,
    )
    return [r["verb"] for r in rows]
