"""Who works with whom: institution ties through shared teams, and introduction paths between
people through shared teams and shared institutions.

A restricted team the viewer may not see is never a tie and never a link in a path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, LiteralString

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import InvalidInput, NotFound

MAX_HOPS: Final = 10


class LinkKind(StrEnum):
    SAME_TEAM = "SAME_TEAM"
    SAME_INSTITUTION = "SAME_INSTITUTION"


# Two institutions share a team when people from both are its members; weight = shared teams.
# Members' institutions come from the institutions' side (WORKS_AT from an institution is one
# typed chain; from a person it walks all of that person's relationships: skills, feeds ...) and
# are joined to the teams' members by person (a hash join). Pairs and counts are on ids only;
# the institutions at the ends are looked up once at the end.
_NETWORK = (
    """
MATCH (t:ProjectTeam)
WHERE t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
  AND ($directionId IS NULL OR EXISTS {
        (t)-[:ADDRESSES]->(:HorizontalIssue)-[:UNDER_DIRECTION]->(:PlanDirection {id: $directionId}) })
MATCH (t)<-[:MEMBER_OF]-(p)-[:WORKS_AT]->(n:Institution)
USING JOIN ON p
WITH t, collect(DISTINCT n.id) AS institutions
UNWIND institutions AS a
UNWIND [b IN institutions WHERE a < b] AS b
WITH a, b, count(*) AS weight WHERE weight >= $minWeight
WITH collect({source: a, target: b, weight: weight}) AS edges, collect(DISTINCT a) + collect(DISTINCT b) AS ends
CALL (ends) {
  UNWIND ends AS id
  WITH DISTINCT id
  MATCH (n:Institution {id: id})
  RETURN collect({id: n.id, label: n.nameLv, code: n.code, institutionKind: n.kind}) AS nodes
}
RETURN edges, nodes
"""
)


async def collaboration_network(
    graph: Graph, viewer: Viewer, *, direction_id: str | None = None, min_weight: int = 1
) -> tuple[list[Record], list[Record]]:
    """(institutions with at least one tie, weighted by their number of ties;
    ties {id, source, target, weight = shared teams}). One round trip."""
    if min_weight < 1:
        raise InvalidInput.one("minWeight", "must be at least 1")
    rows = await graph.read_values(
        _NETWORK, directionId=direction_id, minWeight=min_weight, **viewer.params()
    )
    if not rows:
        return [], []
    edges = sorted(rows[0]["edges"], key=lambda e: (-e["weight"], e["source"], e["target"]))
    ties: dict[str, int] = {}
    for e in edges:
        e["id"] = f"SHARES_TEAMS:{e['source']}->{e['target']}"
        for end in (e["source"], e["target"]):
            ties[end] = ties.get(end, 0) + 1
    unique = {n["id"]: {**n, "weight": ties[n["id"]]} for n in rows[0]["nodes"]}
    nodes = sorted(unique.values(), key=lambda n: (n["label"], n["id"]))
    return nodes, edges


# One step from person x to person y: both on a team the viewer may see, or both at an institution.
_STEP: Final[LiteralString] = (
    "((x:Person)-[:MEMBER_OF|WORKS_AT]->(t)<-[:MEMBER_OF|WORKS_AT]-(y:Person)"
    " WHERE y.archivedAt IS NULL AND (t:Institution OR (t.archivedAt IS NULL AND " + TEAM_VISIBLE + ")))"
)
# Quantifier bounds must be literals in Cypher: one per allowed maxHops, never built from input.
_BOUNDS: Final[tuple[LiteralString, ...]] = (
    "{1,1}", "{1,2}", "{1,3}", "{1,4}", "{1,5}", "{1,6}", "{1,7}", "{1,8}", "{1,9}", "{1,10}",
)  # fmt: skip


def _path_query(max_hops: int) -> LiteralString:
    return (
        """
OPTIONAL MATCH (a:Person {id: $fromId})
OPTIONAL MATCH (b:Person {id: $toId})
OPTIONAL CALL (a, b) {
  MATCH p = SHORTEST 1 (a) """
        + _STEP
        + _BOUNDS[max_hops - 1]
        + """ (b)
  RETURN [n IN nodes(p) WHERE n:Person |
            n {.id, .name, .email, .title, .languages, .createdAt, .updatedAt, .archivedAt,
               institutionId: head([(n)-[:WORKS_AT]->(i) | i.id])}] AS people,
         [n IN nodes(p) WHERE NOT n:Person |
            {kind: CASE WHEN n:Institution THEN 'SAME_INSTITUTION' ELSE 'SAME_TEAM' END,
             viaId: n.id, viaLabel: coalesce(n.name, n.nameLv)}] AS links
}
RETURN a IS NOT NULL AS fromFound, b IS NOT NULL AS toFound, people, links
"""
    )


async def introduction_path(
    graph: Graph, viewer: Viewer, from_person_id: str, to_person_id: str, max_hops: int = 6
) -> Record | None:
    """The shortest chain of people from one person to another, or None when there is none
    within `max_hops` steps: {people: [...], steps: [{fromId, toId, kind, viaId, viaLabel}]}."""
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidInput.one("maxHops", f"must be between 1 and {MAX_HOPS}")
    if from_person_id == to_person_id:
        raise InvalidInput.one("toPersonId", "must differ from fromPersonId")
    rows = await graph.read(
        _path_query(max_hops), fromId=from_person_id, toId=to_person_id, **viewer.params()
    )
    row = rows[0]
    if not row["fromFound"]:
        raise NotFound("Person", from_person_id, "fromPersonId")
    if not row["toFound"]:
        raise NotFound("Person", to_person_id, "toPersonId")
    if row["people"] is None:
        return None
    people, links = row["people"], row["links"]
    steps = [{**link, "fromId": people[i]["id"], "toId": people[i + 1]["id"]} for i, link in enumerate(links)]
    return {"people": people, "steps": steps}
