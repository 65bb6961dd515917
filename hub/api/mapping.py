"""The issue map (nodes and edges ready to draw), and the node and edge types the network shares."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph import mapping
from graph.mapping import HARD_MAX_NODES, MapEdgeKind, MapNodeKind

# The shared enums, imported from the modules that register them with Strawberry.
from hub.api.base import described_enum
from hub.api.issues import IssueStatus, Priority, Stake
from hub.api.planning import answered_by_planner, roots
from hub.api.teams import Role, Visibility
from hub.api.text_limits import SEARCH

described_enum(
    MapNodeKind,
    "What a map node stands for.",
    ISSUE="A horizontal issue.",
    INSTITUTION="An institution one of the drawn issues affects.",
    TEAM="A project team (only teams the viewer may see).",
    PERSON="A team member (only with `includePeople`).",
    DIRECTION="A Modernisation Plan direction.",
)
described_enum(
    MapEdgeKind,
    "What a map edge stands for; `source` → `target` as written.",
    AFFECTS="Issue → institution it affects (with `stake`).",
    ADDRESSES="Team → issue it works on.",
    MEMBER_OF="Person → team (with `role` and `allocation`).",
    DEPENDS_ON="Issue → issue it depends on.",
    SUBORDINATE_TO="Institution → institution it is subordinate to.",
    UNDER_DIRECTION="Issue → plan direction it falls under.",
    WORKS_AT="Person → institution they work at.",
    SHARES_TEAMS="Institution ↔ institution whose people share teams (with `weight`).",
)


@strawberry.type(description="A node to draw; `id` is the entity's global id.")
class MapNode:
    id: strawberry.ID = strawberry.field(description="The entity's global id; usable with `node(id)`.")
    kind: MapNodeKind = strawberry.field(description="Issue, institution, team, person or direction.")
    label: str = strawberry.field(
        description="Text to draw: an issue's title, or the name of the team, person, institution or direction."
    )
    weight: int = strawberry.field(description="How many edges of this map (or network) touch the node.")
    status: str | None = strawberry.field(description="Issue or team status.")
    priority: Priority | None = strawberry.field(description="Issues only.")
    code: str | None = strawberry.field(description="Institutions only.")
    institution_kind: str | None = strawberry.field(description="Institutions only.")
    visibility: Visibility | None = strawberry.field(description="Teams only.")
    number: int | None = strawberry.field(description="Plan directions only.")


@strawberry.type(description="A directed edge between two nodes of the same map.")
class MapEdge:
    id: strawberry.ID = strawberry.field(description="Stable within the map: `KIND:source->target`.")
    source: strawberry.ID = strawberry.field(description="The id of the node the edge starts at.")
    target: strawberry.ID = strawberry.field(description="The id of the node the edge points to.")
    kind: MapEdgeKind = strawberry.field(description="What the edge stands for.")
    stake: Stake | None = strawberry.field(description="AFFECTS only.")
    role: Role | None = strawberry.field(description="MEMBER_OF only.")
    allocation: int | None = strawberry.field(description="MEMBER_OF only: percent of working time.")
    weight: int | None = strawberry.field(description="SHARES_TEAMS only: teams the two share.")


@strawberry.type(description="An issue map ready to draw: nodes, and edges between them.")
class IssueMap:
    nodes: list[MapNode] = strawberry.field(description="Every node of the map, each once.")
    edges: list[MapEdge] = strawberry.field(description="Every edge; both ends are among `nodes`.")
    truncated: bool = strawberry.field(
        description="Always false: a map above its cap is refused with MAP_TOO_LARGE, never cut."
    )


@strawberry.input(description="Which issues the map shows (every field given narrows it), and its size.")
class IssueMapFilter:
    direction_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues under this plan direction."
    )
    status: IssueStatus | None = strawberry.field(default=None, description="Only issues with this status.")
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues affecting this institution."
    )
    text: str | None = SEARCH.field("Full-text, diacritics optional.", default=None)
    include_people: bool = strawberry.field(
        default=False,
        description="Also draw the teams' members (PERSON nodes, MEMBER_OF and WORKS_AT edges).",
    )
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
    def issue_map(
        self,
        filter: Annotated[
            IssueMapFilter | None,
            strawberry.argument(description="Which issues; every current one when omitted."),
        ] = None,
    ) -> IssueMap:
        return answered_by_planner()
