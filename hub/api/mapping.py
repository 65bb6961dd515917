"""The issue map (nodes and edges ready to draw), and the node and edge types the network shares."""

from __future__ import annotations

import strawberry

from graph import mapping
from graph.mapping import HARD_MAX_NODES, MapEdgeKind, MapNodeKind

# The shared enums, imported from the modules that register them with Strawberry.
from hub.api.issues import IssueStatus, Priority, Stake
from hub.api.planning import answered_by_planner, roots
from hub.api.teams import Role, Visibility
from hub.api.text_limits import SEARCH

strawberry.enum(MapNodeKind)
strawberry.enum(MapEdgeKind)


@strawberry.type(description="A node to draw; `id` is the entity's global id.")
class MapNode:
    id: strawberry.ID
    kind: MapNodeKind
    label: str
    weight: int = strawberry.field(description="How many edges of this map (or network) touch the node.")
    status: str | None = strawberry.field(description="Issue or team status.")
    priority: Priority | None = strawberry.field(description="Issues only.")
    code: str | None = strawberry.field(description="Institutions only.")
    institution_kind: str | None = strawberry.field(description="Institutions only.")
    visibility: Visibility | None = strawberry.field(description="Teams only.")
    number: int | None = strawberry.field(description="Plan directions only.")


@strawberry.type(description="A directed edge between two nodes of the same map.")
class MapEdge:
    id: strawberry.ID
    source: strawberry.ID
    target: strawberry.ID
    kind: MapEdgeKind
    stake: Stake | None = strawberry.field(description="AFFECTS only.")
    role: Role | None = strawberry.field(description="MEMBER_OF only.")
    allocation: int | None = strawberry.field(description="MEMBER_OF only: percent of working time.")
    weight: int | None = strawberry.field(description="SHARES_TEAMS only: teams the two share.")


@strawberry.type
class IssueMap:
    nodes: list[MapNode]
    edges: list[MapEdge]
    truncated: bool = strawberry.field(
        description="Always false: a map above its cap is refused with MAP_TOO_LARGE, never cut."
    )


@strawberry.input
class IssueMapFilter:
    direction_id: strawberry.ID | None = None
    status: IssueStatus | None = None
    institution_id: strawberry.ID | None = None
    text: str | None = SEARCH.field("Full-text, diacritics optional.", default=None)
    include_people: bool = False
    limit: int = strawberry.field(
        default=mapping.DEFAULT_MAX_NODES,
        description=f"Most nodes the map may have (at most {HARD_MAX_NODES}); above it: MAP_TOO_LARGE.",
    )


@roots(issueMap=mapping.ISSUE_MAP_FIELD)
@strawberry.type
class MappingQuery:
    @strawberry.field(
        description="Issues matching the filter with their institutions, directions, teams and, on "
        "request, team members, as nodes and edges."
    )
    def issue_map(self, filter: IssueMapFilter | None = None) -> IssueMap:
        return answered_by_planner()
