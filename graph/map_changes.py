"""Issue-map deltas derived from activities: which nodes and edges of a drawn map were added,
changed or removed, so a client can update the map in place.

Issue activities carry the issue's values before and after (status, direction, affected
institutions, dependencies), so edge changes are differences of those lists. A filtered map
tracks which issues are in it: an issue whose status leaves the filter is REMOVED from that map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graph.driver import Graph, Record


class Op(StrEnum):
    ADDED = "ADDED"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"


@dataclass(frozen=True)
class MapFilter:
    direction_id: str | None = None
    statuses: frozenset[str] = frozenset()
    institution_id: str | None = None

    def admits(self, issue: Record | None) -> bool:
        if issue is None or issue.get("archivedAt"):
            return False
        if self.statuses and issue.get("status") not in self.statuses:
            return False
        if self.direction_id and issue.get("directionId") != self.direction_id:
            return False
        affected = {a["institutionId"] for a in issue.get("affected") or []}
        return not self.institution_id or self.institution_id in affected


@dataclass(frozen=True)
class MapChange:
    op: Op
    kind: str  # node: HorizontalIssue, ProjectTeam, Institution; edge: AFFECTS, DEPENDS_ON, ADDRESSES, UNDER_DIRECTION
    node_id: str | None = None
    source_id: str | None = None
    target_id: str | None = None
    label: str | None = None


def _values(text: str | None) -> Record | None:
    return json.loads(text) if text else None


def _edges(issue: Record | None) -> dict[tuple[str, str], str | None]:
    """(kind, target) → edge label, for the issue's outgoing map edges."""
    if issue is None:
        return {}
    edges: dict[tuple[str, str], str | None] = {
        ("AFFECTS", a["institutionId"]): a["stake"] for a in issue.get("affected") or []
    }
    edges.update({("DEPENDS_ON", d): None for d in issue.get("dependsOnIds") or []})
    if issue.get("directionId"):
        edges[("UNDER_DIRECTION", issue["directionId"])] = None
    return edges


_NODE_FIELDS = ("title", "status", "priority", "name", "nameLv", "code", "visibility", "archivedAt")


def _issue_changes(
    issue_id: str, before: Record | None, after: Record | None, f: MapFilter
) -> list[MapChange]:
    was, now = f.admits(before), f.admits(after)
    if not was and not now:
        return []
    label = (after or before or {}).get("title")
    old, new = _edges(before) if was else {}, _edges(after) if now else {}
    changes: list[MapChange] = []
    if now and not was:
        changes.append(MapChange(Op.ADDED, "HorizontalIssue", node_id=issue_id, label=label))
    elif now and any((before or {}).get(k) != (after or {}).get(k) for k in _NODE_FIELDS):
        changes.append(MapChange(Op.CHANGED, "HorizontalIssue", node_id=issue_id, label=label))
    for key in sorted(old.keys() | new.keys()):
        kind, target = key
        if key not in new:
            op = Op.REMOVED
        elif key not in old:
            op = Op.ADDED
        elif old[key] != new[key]:
            op = Op.CHANGED
        else:
            continue
        changes.append(
            MapChange(op, kind, source_id=issue_id, target_id=target, label=new.get(key, old.get(key)))
        )
    if was and not now:
        changes.append(MapChange(Op.REMOVED, "HorizontalIssue", node_id=issue_id, label=label))
    return changes


def derive(activity: Record, f: MapFilter, issues_in_map: set[str]) -> list[MapChange]:
    """The map deltas one activity causes for a map drawn with filter `f`; keeps `issues_in_map`
    (the issues currently on that map) up to date."""
    verb: str = activity["verb"]
    target: str = activity["targetId"]
    before, after = _values(activity.get("before")), _values(activity.get("after"))
    if verb.startswith("issue."):
        changes = _issue_changes(target, before, after, f)
        if f.admits(after):
            issues_in_map.add(target)
        else:
            issues_in_map.discard(target)
        return changes
    if verb.startswith("team."):
        team = after or before or {}
        if team.get("issueId") not in issues_in_map:
            return []
        removed = verb == "team.archived"
        if verb == "team.created":
            return [
                MapChange(Op.ADDED, "ProjectTeam", node_id=target, label=team.get("name")),
                MapChange(Op.ADDED, "ADDRESSES", source_id=target, target_id=team["issueId"]),
            ]
        op = Op.REMOVED if removed else Op.CHANGED
        return [MapChange(op, "ProjectTeam", node_id=target, label=team.get("name"))]
    if verb.startswith("institution.") and verb != "institution.created":
        if f.institution_id and f.institution_id != target:
            return []
        op = Op.REMOVED if verb == "institution.archived" else Op.CHANGED
        return [MapChange(op, "Institution", node_id=target, label=(after or before or {}).get("code"))]
    return []


async def issues_matching(graph: Graph, f: MapFilter) -> set[str]:
    """The ids of the issues a map drawn with `f` shows now."""
    rows = await graph.read(
        """
        MATCH (n:HorizontalIssue) WHERE n.archivedAt IS NULL
          AND (size($statuses) = 0 OR n.status IN $statuses)
          AND ($directionId IS NULL OR EXISTS { (n)-[:UNDER_DIRECTION]->(:PlanDirection {id: $directionId}) })
          AND ($institutionId IS NULL OR EXISTS { (n)-[:AFFECTS]->(:Institution {id: $institutionId}) })
        RETURN collect(n.id) AS ids
        """,
        statuses=sorted(f.statuses),
        directionId=f.direction_id,
        institutionId=f.institution_id,
    )
    ids: Any = rows[0]["ids"]
    return set(ids)
