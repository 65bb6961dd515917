"""Hand-built graphs with readable ids ("juris", "t_tax"), by direct parameterised Cypher: for read-side
specifications that need exact shapes (backdated activity, pending invitations) the write API cannot make."""

from __future__ import annotations

from typing import Any, LiteralString

from graph.driver import Graph, run


async def cypher(graph: Graph, query: LiteralString, **params: Any) -> None:
    await graph.write(lambda tx: run(tx, query, **params))


async def direction(graph: Graph, id: str, number: int, title: str = "") -> None:
    await cypher(
        graph,
        "CREATE (:PlanDirection:Entity {id: $id, number: $number, titleLv: $title, titleEn: $title})",
        id=id,
        number=number,
        title=title or f"Direction {number}",
    )


async def institution(
    graph: Graph,
    id: str,
    name: str,
    *,
    kind: str = "MINISTRY",
    code: str | None = None,
    parent: str | None = None,
) -> None:
    await cypher(
        graph,
        """
        CREATE (n:Institution:Entity {id: $id, nameLv: $name, nameEn: $name, code: $code, kind: $kind,
                                      createdAt: datetime()})
        WITH n OPTIONAL MATCH (p:Institution {id: $parent})
        FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (n)-[:SUBORDINATE_TO]->(p))
        """,
        id=id,
        name=name,
        code=code or id.upper(),
        kind=kind,
        parent=parent,
    )


async def person(graph: Graph, id: str, name: str, institution_id: str, *, title: str | None = None) -> None:
    await cypher(
        graph,
        """
        MATCH (i:Institution {id: $institutionId})
        CREATE (p:Person:Entity {id: $id, name: $name, email: $id + '@example.lv', title: $title,
                                 languages: ['lv'], createdAt: datetime()})-[:WORKS_AT]->(i)
        """,
        id=id,
        name=name,
        institutionId=institution_id,
        title=title,
    )


async def issue(
    graph: Graph,
    id: str,
    title: str,
    *,
    status: str = "ACTIVE",
    direction_id: str | None = None,
    affects: dict[str, str] | None = None,
    depends_on: list[str] | None = None,
    description: str = "",
) -> None:
    await cypher(
        graph,
        """
        CREATE (n:HorizontalIssue:Entity {id: $id, title: $title, description: $description, status: $status,
                                          priority: 'MEDIUM', createdAt: datetime(), updatedAt: datetime()})
        WITH n
        CALL (n) { MATCH (d:PlanDirection {id: $directionId}) CREATE (n)-[:UNDER_DIRECTION]->(d) }
        CALL (n) { UNWIND $affects AS a MATCH (i:Institution {id: a[0]}) CREATE (n)-[:AFFECTS {stake: a[1]}]->(i) }
        CALL (n) { UNWIND $dependsOn AS d MATCH (j:HorizontalIssue {id: d}) CREATE (n)-[:DEPENDS_ON]->(j) }
        """,
        id=id,
        title=title,
        description=description,
        status=status,
        directionId=direction_id,
        affects=[[k, v] for k, v in (affects or {}).items()],
        dependsOn=depends_on or [],
    )


async def team(
    graph: Graph,
    id: str,
    name: str,
    issue_id: str,
    *,
    status: str = "ACTIVE",
    visibility: str = "PUBLIC",
    members: list[tuple[str, str, int]] | None = None,
    created_days_ago: int = 0,
) -> None:
    """`members`: (person id, role, allocation)."""
    await cypher(
        graph,
        """
        MATCH (i:HorizontalIssue {id: $issueId})
        CREATE (t:ProjectTeam:Entity {id: $id, name: $name, mandate: '', status: $status, visibility: $visibility,
                createdAt: datetime() - duration({days: $ago}), updatedAt: datetime()})-[:ADDRESSES]->(i)
        WITH t
        CALL (t) {
          UNWIND $members AS m MATCH (p:Person {id: m[0]})
          CREATE (p)-[:MEMBER_OF {role: m[1], allocation: toInteger(m[2]), since: date()}]->(t)
        }
        """,
        id=id,
        name=name,
        issueId=issue_id,
        status=status,
        visibility=visibility,
        members=[list(m) for m in members or []],
        ago=created_days_ago,
    )


async def activity(graph: Graph, id: str, scope_id: str, *, days_ago: int, seq: int) -> None:
    await cypher(
        graph,
        """
        MATCH (s:Entity {id: $scopeId})
        CREATE (a:Activity:Entity {id: $id, seq: $seq, at: datetime() - duration({days: $ago}), verb: 'test',
                                   targetId: $scopeId, summary: 'test'})-[:IN_SCOPE]->(s)
        """,
        id=id,
        scopeId=scope_id,
        ago=days_ago,
        seq=seq,
    )


async def invitation(
    graph: Graph, id: str, team_id: str, *, status: str = "PENDING", days_ago: int = 0
) -> None:
    """An invitation in the shape graph/invitations.py writes: (:Invitation)-[:TO_JOIN]->(team)."""
    await cypher(
        graph,
        """
        MATCH (t:ProjectTeam {id: $teamId})
        CREATE (:Invitation {id: $id, status: $status, createdAt: datetime() - duration({days: $ago})})
               -[:TO_JOIN]->(t)
        """,
        id=id,
        teamId=team_id,
        status=status,
        ago=days_ago,
    )
