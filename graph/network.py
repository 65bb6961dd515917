"""Who works with whom: institution ties through shared teams, and introduction paths between
people through shared teams and shared institutions.

A restricted team the viewer may not see is never a tie and never a link in a path.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, LiteralString

from graph.access import TEAM_VISIBLE, Viewer
from graph.driver import Graph, Record
from graph.errors import InvalidInput, NotFound
from graph.model import Asked, Computed, InPython, Narrowing, Reach, analysis, shape

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
RETURN {edges: edges, nodes: nodes} AS value
"""
)


def finish_network(raw: Record | None) -> Record:
    """The network's nodes (institutions with at least one tie, weighted by their number of ties,
    by name) and edges ({id, source, target, weight = shared teams}, heaviest first) from what
    `_NETWORK` returned."""
    if raw is None:
        return {"nodes": [], "edges": []}
    edges = sorted(raw["edges"], key=lambda e: (-e["weight"], e["source"], e["target"]))
    ties: dict[str, int] = {}
    for e in edges:
        e["id"] = f"SHARES_TEAMS:{e['source']}->{e['target']}"
        e["kind"] = "SHARES_TEAMS"
        for end in (e["source"], e["target"]):
            ties[end] = ties.get(end, 0) + 1
    unique = {n["id"]: {**n, "kind": "INSTITUTION", "weight": ties[n["id"]]} for n in raw["nodes"]}
    nodes = sorted(unique.values(), key=lambda n: (n["label"], n["id"]))
    return {"nodes": nodes, "edges": edges}


def _network_params(asked: Asked) -> Narrowing:
    if asked.args["minWeight"] < 1:
        raise InvalidInput.one("minWeight", "must be at least 1")
    return Narrowing(
        params={"directionId": asked.args.get("directionId"), "minWeight": asked.args["minWeight"]}
    )


NETWORK = InPython(
    "Query.collaborationNetwork",
    "ties are counted per institution pair in Cypher and weighted and sorted in Python, several "
    "times faster than building the maps in Cypher (as for the issue map)",
    finish_network,
)
COLLABORATION_NETWORK = Computed(_NETWORK, NETWORK, _network_params)


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
    found = finish_network(rows[0]["value"] if rows else None)
    return found["nodes"], found["edges"]


# One step from person x to person y: both on a team the viewer may see, or both at an institution.
_STEP: Final[LiteralString] = (
    "((x:Person)-[:MEMBER_OF|WORKS_AT]->(t)<-[:MEMBER_OF|WORKS_AT]-(y:Person)"
    " WHERE y.archivedAt IS NULL AND (t:Institution OR (t.archivedAt IS NULL AND " + TEAM_VISIBLE + ")))"
)
# Quantifier bounds must be literals in Cypher: one per allowed maxHops, never built from input.
_BOUNDS: Final[tuple[LiteralString, ...]] = (
    "{1,1}", "{1,2}", "{1,3}", "{1,4}", "{1,5}", "{1,6}", "{1,7}", "{1,8}", "{1,9}", "{1,10}",
)  # fmt: skip


# The shortest chain from `$fromId` to `$toId` within `$maxHops` steps, as one `row`: {hops,
# people: [ids in order], steps: [{kind, viaId, viaLabel, fromId, toId}]}; no row when there is
# none. Quantifier bounds must be literals: one branch per allowed maxHops, only the asked one runs.
INTRODUCTION: Final[LiteralString] = (
    """
MATCH (a:Person {id: $fromId}), (b:Person {id: $toId})
CALL (a, b) {
"""
    + "\n  UNION\n".join(
        "  UNWIND CASE WHEN $maxHops = " + str(hops) + " THEN [1] ELSE [] END AS asked"
        " MATCH path = SHORTEST 1 (a) " + _STEP + bounds + " (b) RETURN path"
        for hops, bounds in enumerate(_BOUNDS, start=1)
    )
    + """
}
WITH [n IN nodes(path) WHERE n:Person | n.id] AS people, [n IN nodes(path) WHERE NOT n:Person] AS vias
RETURN {hops: size(vias), people: people,
        steps: [i IN range(0, size(vias) - 1) |
                {kind: CASE WHEN vias[i]:Institution THEN 'SAME_INSTITUTION' ELSE 'SAME_TEAM' END,
                 viaId: vias[i].id, viaLabel: coalesce(vias[i].name, vias[i].nameLv),
                 fromId: people[i], toId: people[i + 1]}]} AS row
"""
)

_PATH_FACTS: Final[LiteralString] = (
    "{fromFound: EXISTS { MATCH (:Person {id: $fromId}) }, toFound: EXISTS { MATCH (:Person {id: $toId}) },"
    " fromId: $fromId, toId: $toId}"
)


def _path_params(from_id: str, to_id: str, max_hops: int) -> dict[str, Any]:
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidInput.one("maxHops", f"must be between 1 and {MAX_HOPS}")
    if from_id == to_id:
        raise InvalidInput.one("toPersonId", "must differ from fromPersonId")
    return {"fromId": from_id, "toId": to_id, "maxHops": max_hops}


def _check_path(facts: Mapping[str, Any]) -> None:
    if not facts["fromFound"]:
        raise NotFound("Person", facts["fromId"], "fromPersonId")
    if not facts["toFound"]:
        raise NotFound("Person", facts["toId"], "toPersonId")


# `introductionPath(fromPersonId, toPersonId, maxHops)`: null when there is no chain.
INTRODUCTION_PATH = analysis(
    INTRODUCTION,
    "IntroductionPath",
    many=False,
    args=lambda asked: Narrowing(
        params=_path_params(asked.args["fromPersonId"], asked.args["toPersonId"], asked.args["maxHops"])
    ),
    facts=_PATH_FACTS,
    check=_check_path,
)
PATH = shape(
    "IntroductionPath",
    ("row",),
    {
        "people": Reach(
            "UNWIND range(0, size({row}.people) - 1) AS {at} MATCH ({person}:Person {id: {row}.people[{at}]})",
            "Person",
            "person",
            order="{at}",
        ),
        "steps": Reach("UNWIND {row}.steps AS {step}", "IntroductionStep", "step"),
    },
)
STEP = shape(
    "IntroductionStep",
    ("step",),
    {
        "from": Reach("MATCH ({person}:Person {id: {step}.fromId})", "Person", "person", many=False),
        "to": Reach("MATCH ({person}:Person {id: {step}.toId})", "Person", "person", many=False),
    },
)


async def introduction_path(
    graph: Graph, viewer: Viewer, from_person_id: str, to_person_id: str, max_hops: int = 6
) -> Record | None:
    """The shortest chain of people from one person to another, or None when there is none
    within `max_hops` steps: {hops, people: [ids], steps: [{fromId, toId, kind, viaId, viaLabel}]}."""
    params = _path_params(from_person_id, to_person_id, max_hops)
    rows = await graph.read(
        "RETURN " + _PATH_FACTS + " AS facts, head(COLLECT {" + INTRODUCTION + "}) AS row",
        **params,
        **viewer.params(),
    )
    _check_path(rows[0]["facts"])
    found: Record | None = rows[0]["row"]
    return found
