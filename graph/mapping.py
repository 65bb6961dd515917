"""The issue map: issues matching a filter with the institutions, teams, directions and
(on request) people around them, as nodes and edges ready to draw.

A map is refused, never silently cut, when it would exceed its node cap: one query counts the
matching subgraph and returns it only when it fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from graph import lucene
from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import DomainError, InvalidInput
from graph.issues import IssueStatus
from graph.model import Asked, Computed, InPython, Narrowing

DEFAULT_MAX_NODES: Final = 5_000
HARD_MAX_NODES: Final = 20_000


class MapNodeKind(StrEnum):
    ISSUE = "ISSUE"
    INSTITUTION = "INSTITUTION"
    TEAM = "TEAM"
    PERSON = "PERSON"
    DIRECTION = "DIRECTION"


class MapEdgeKind(StrEnum):
    AFFECTS = "AFFECTS"
    ADDRESSES = "ADDRESSES"
    MEMBER_OF = "MEMBER_OF"
    DEPENDS_ON = "DEPENDS_ON"
    SUBORDINATE_TO = "SUBORDINATE_TO"
    UNDER_DIRECTION = "UNDER_DIRECTION"
    WORKS_AT = "WORKS_AT"
    SHARES_TEAMS = "SHARES_TEAMS"


class MapTooLarge(DomainError):
    code = "MAP_TOO_LARGE"

    def __init__(self, count: int, cap: int) -> None:
        self.count, self.cap = count, cap
        super().__init__(
            f"the map would have {count} nodes, above the cap of {cap}; narrow the filter "
            f"or raise filter.limit (at most {HARD_MAX_NODES})"
        )


@dataclass(frozen=True)
class MapFilter:
    direction_id: str | None = None
    status: IssueStatus | None = None
    institution_id: str | None = None
    text: str | None = None
    include_people: bool = False
    limit: int = DEFAULT_MAX_NODES


@dataclass
class IssueMap:
    nodes: list[Record] = field(default_factory=list)
    edges: list[Record] = field(default_factory=list)


# The issues of the map; the text goes through the full-text index, as `search` does.
# A direction or institution filter starts from that node: its UNDER_DIRECTION or AFFECTS
# relationships are one typed chain there, while testing each issue walks all of the issue's
# relationships (feeds included). The filters below still apply every condition.
_ISSUES = (
    """
CALL () {
  MATCH (i:HorizontalIssue) WHERE NOT $nothing AND $query IS NULL AND $directionId IS NULL AND $institutionId IS NULL
  RETURN i
  UNION
  MATCH (:PlanDirection {id: $directionId})<-[:UNDER_DIRECTION]-(i:HorizontalIssue) WHERE $query IS NULL
  RETURN i
  UNION
  MATCH (:Institution {id: $institutionId})<-[:AFFECTS]-(i:HorizontalIssue)
  WHERE $query IS NULL AND $directionId IS NULL
  RETURN i
  UNION
  """
    + lucene.matching("query", "i")
    + """
  WITH i WHERE i:HorizontalIssue RETURN i
}
WITH i WHERE NOT $nothing AND i.archivedAt IS NULL
  AND ($status IS NULL OR i.status = $status)
  AND ($directionId IS NULL OR EXISTS { (i)-[:UNDER_DIRECTION]->(:PlanDirection {id: $directionId}) })
  AND ($institutionId IS NULL OR EXISTS { (i)-[:AFFECTS]->(:Institution {id: $institutionId}) })
WITH collect(i) AS issues
"""
)

# Every node and edge comes back as a list of its values, one list per kind, in a fixed order
# (`_NODES`, `_EDGES`), and `_assembled` makes the maps: at 10,000 people a direction's map is
# ~3,300 nodes and ~5,600 edges, and maps built in Cypher cost the server their keys and kinds and
# the driver a dict each, a large part of the cold computation.
_AROUND = (
    """
CALL (issues) {
  UNWIND issues AS i
  MATCH (i)-[a:AFFECTS]->(n:Institution) WHERE n.archivedAt IS NULL
  RETURN collect(DISTINCT n) AS institutions, collect([i.id, n.id, a.stake]) AS affects
}
CALL (issues) {
  UNWIND issues AS i
  MATCH (i)-[:UNDER_DIRECTION]->(d:PlanDirection)
  RETURN collect(DISTINCT d) AS directions, collect([i.id, d.id]) AS under
}
CALL (issues) {
  UNWIND issues AS i
  MATCH (t:ProjectTeam)-[:ADDRESSES]->(i) WHERE t.archivedAt IS NULL AND """
    + TEAM_VISIBLE
    + """
  RETURN collect(t) AS teams, collect([t.id, i.id]) AS addresses
}
CALL (issues) {
  UNWIND issues AS i
  MATCH (i)-[:DEPENDS_ON]->(j:HorizontalIssue) WHERE j IN issues
  RETURN collect([i.id, j.id]) AS depends
}
CALL (institutions) {
  UNWIND institutions AS n
  MATCH (n)-[:SUBORDINATE_TO]->(p:Institution) WHERE p IN institutions
  RETURN collect([n.id, p.id]) AS subordinate
}
CALL (teams, institutions) {
  UNWIND CASE WHEN $includePeople THEN teams ELSE [] END AS t
  MATCH (p:Person)-[m:MEMBER_OF]->(t) WHERE p.archivedAt IS NULL
  WITH collect(DISTINCT p) AS people, collect([p.id, t.id, m.role, m.allocation]) AS members
  // From the institutions' side: one typed chain each, where each person's WORKS_AT would walk
  // all of that person's relationships (skills, teams, feeds).
  CALL (people, institutions) {
    UNWIND institutions AS n
    MATCH (n)<-[:WORKS_AT]-(p:Person) WHERE p IN people
    RETURN collect([p.id, n.id]) AS worksAt
  }
  RETURN people, members, worksAt
}
WITH issues, institutions, directions, teams, people,
     [affects, under, addresses, depends, subordinate, members, worksAt] AS edges,
     size(issues) + size(institutions) + size(directions) + size(teams) + size(people) AS total
WITH total, total <= $limit AS fits, issues, institutions, directions, teams, people, edges
RETURN {total: total, limit: $limit,
  nodes: CASE WHEN fits THEN [
    [i IN issues | [i.id, i.title, i.status, i.priority]],
    [n IN institutions | [n.id, n.nameLv, n.code, n.kind]],
    [d IN directions | [d.id, d.titleLv, d.number]],
    [t IN teams | [t.id, t.name, t.status, t.visibility]],
    [p IN people | [p.id, p.name]]
  ] ELSE [] END,
  edges: CASE WHEN fits THEN edges ELSE [] END} AS value
"""
)


def _checked(f: MapFilter) -> MapFilter:
    if not 1 <= f.limit <= HARD_MAX_NODES:
        raise InvalidInput.one("filter.limit", f"must be between 1 and {HARD_MAX_NODES}")
    if f.text is not None and len(f.text) > lucene.MAX_TEXT:
        raise InvalidInput.one("filter.text", f"must be at most {lucene.MAX_TEXT} characters")
    return f


def _assembled(nodes: list[list[list[Any]]], edges: list[list[list[Any]]]) -> IssueMap:
    """The records of `_AROUND`'s lists: every edge with its stable id, every node with its
    weight (the edges touching it in this map). Written out kind by kind: a generic loop over
    field names took 4x as long on a 9,000-record map. Kinds are plain strings, as the
    planner projects them as they are."""
    affects, under, addresses, depends, subordinate, members, works_at = edges
    degree: dict[str, int] = {}
    count = degree.get
    out: list[Record] = []
    add = out.append
    kind: str = MapEdgeKind.AFFECTS.value
    for source, target, stake in affects:
        add(
            {
                "id": f"{kind}:{source}->{target}",
                "kind": kind,
                "source": source,
                "target": target,
                "stake": stake,
            }
        )
        degree[source] = count(source, 0) + 1
        degree[target] = count(target, 0) + 1
    for kind, rows in (
        (MapEdgeKind.UNDER_DIRECTION.value, under),
        (MapEdgeKind.ADDRESSES.value, addresses),
        (MapEdgeKind.DEPENDS_ON.value, depends),
        (MapEdgeKind.SUBORDINATE_TO.value, subordinate),
    ):
        for source, target in rows:
            add({"id": f"{kind}:{source}->{target}", "kind": kind, "source": source, "target": target})
            degree[source] = count(source, 0) + 1
            degree[target] = count(target, 0) + 1
    kind = MapEdgeKind.MEMBER_OF.value
    for source, target, role, allocation in members:
        add(
            {
                "id": f"{kind}:{source}->{target}",
                "kind": kind,
                "source": source,
                "target": target,
                "role": role,
                "allocation": allocation,
            }
        )
        degree[source] = count(source, 0) + 1
        degree[target] = count(target, 0) + 1
    kind = MapEdgeKind.WORKS_AT.value
    for source, target in works_at:
        add({"id": f"{kind}:{source}->{target}", "kind": kind, "source": source, "target": target})
        degree[source] = count(source, 0) + 1
        degree[target] = count(target, 0) + 1

    issues, institutions, directions, teams, people = nodes
    issue, institution = MapNodeKind.ISSUE.value, MapNodeKind.INSTITUTION.value
    direction, team, person = MapNodeKind.DIRECTION.value, MapNodeKind.TEAM.value, MapNodeKind.PERSON.value
    return IssueMap(
        nodes=[
            *(
                {
                    "id": id,
                    "kind": issue,
                    "label": label,
                    "status": status,
                    "priority": priority,
                    "weight": count(id, 0),
                }
                for id, label, status, priority in issues
            ),
            *(
                {
                    "id": id,
                    "kind": institution,
                    "label": label,
                    "code": code,
                    "institutionKind": institution_kind,
                    "weight": count(id, 0),
                }
                for id, label, code, institution_kind in institutions
            ),
            *(
                {"id": id, "kind": direction, "label": label, "number": number, "weight": count(id, 0)}
                for id, label, number in directions
            ),
            *(
                {
                    "id": id,
                    "kind": team,
                    "label": label,
                    "status": status,
                    "visibility": visibility,
                    "weight": count(id, 0),
                }
                for id, label, status, visibility in teams
            ),
            *({"id": id, "kind": person, "label": label, "weight": count(id, 0)} for id, label in people),
        ],
        edges=out,
    )


def _params(f: MapFilter) -> dict[str, Any]:
    f = _checked(f)
    query = lucene.type_ahead_query(f.text) if f.text else None
    return {
        "nothing": bool(f.text) and query is None,  # text with no searchable word matches no issue
        "query": query,
        "status": f.status.value if f.status else None,
        "directionId": f.direction_id,
        "institutionId": f.institution_id,
        "includePeople": f.include_people,
        "limit": f.limit,
    }


def finish_map(raw: Record) -> Record:
    """The map from `MAP`'s value: MapTooLarge when it would exceed its cap."""
    if raw["total"] > raw["limit"]:
        raise MapTooLarge(raw["total"], raw["limit"])
    if not raw["nodes"]:
        return {"nodes": [], "edges": [], "truncated": False}
    assembled = _assembled(raw["nodes"], raw["edges"])
    return {"nodes": assembled.nodes, "edges": assembled.edges, "truncated": False}


# The map's query: its value is {total, limit, nodes, edges} as `_assembled` reads them.
MAP: Final = _ISSUES + _AROUND


def _map_params(asked: Asked) -> Narrowing:
    f = asked.args.get("filter") or {}
    return Narrowing(
        params=_params(
            MapFilter(
                direction_id=f.get("directionId"),
                status=IssueStatus(f["status"]) if f.get("status") is not None else None,
                institution_id=f.get("institutionId"),
                text=f.get("text"),
                include_people=f.get("includePeople", False),
                limit=f.get("limit", DEFAULT_MAX_NODES),
            )
        )
    )


ISSUE_MAP = InPython(
    "Query.issueMap",
    "a direction's map at 10,000 people is ~3,300 nodes and ~5,600 edges: their weights and edge "
    "ids are assembled in Python from lists of values, several times faster than as Cypher maps; "
    "a map above its cap is refused (MAP_TOO_LARGE)",
    finish_map,
)
ISSUE_MAP_FIELD = Computed(MAP, ISSUE_MAP, _map_params)


async def issue_map(graph: Graph, f: MapFilter, viewer: Viewer) -> IssueMap:
    """The map for `f`, or MapTooLarge naming the node count and the cap. One round trip."""
    # Only strings and numbers come back: the rows as decoded, without the conversion walk.
    row = (await graph.read_values(MAP, **_params(f), **viewer.params()))[0]
    found = finish_map(row["value"])
    return IssueMap(found["nodes"], found["edges"])
