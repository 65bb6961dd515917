"""The issue map (nodes and edges ready to draw), and the node and edge types the network shares."""

from __future__ import annotations

from typing import Any

import strawberry

from graph import mapping, snapshot
from graph.access import Viewer
from graph.driver import Graph, Record
from graph.mapping import HARD_MAX_NODES, MapEdgeKind, MapFilter, MapNodeKind
from hub.api.base import GQLInfo, from_record
from hub.api.context import Context

# The shared enums, imported from the modules that register them with Strawberry.
from hub.api.issues import IssueStatus, Priority, Stake
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


def map_node(record: Record) -> MapNode:
    return from_record(MapNode, record)


def map_edge(record: Record) -> MapEdge:
    return from_record(MapEdge, record)


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


def map_filter(
    *,
    direction_id: str | None = None,
    status: IssueStatus | str | None = None,
    institution_id: str | None = None,
    text: str | None = None,
    include_people: bool = False,
    limit: int = mapping.DEFAULT_MAX_NODES,
) -> MapFilter:
    return MapFilter(
        direction_id=direction_id,
        status=IssueStatus(status) if status is not None else None,
        institution_id=institution_id,
        text=text,
        include_people=include_people,
        limit=limit,
    )


async def issue_map(graph: Graph, viewer: Viewer, f: MapFilter) -> mapping.IssueMap:
    """The map, computed once per committed graph state, filter and viewer (graph/snapshot.py):
    at 10,000 people one is thousands of nodes and edges, and the same filters recur."""
    return await snapshot.cached(graph, viewer, _issue_map, f)


async def _issue_map(graph: Graph, viewer: Viewer, f: MapFilter) -> mapping.IssueMap:
    return await mapping.issue_map(graph, f, viewer)


async def fetch_issue_map(context: Context, args: dict[str, Any]) -> Record:
    """`issueMap` as records, from arguments coerced by graphql-core (GraphQL names; the
    projection in hub/api/projected.py answers with it)."""
    f = args.get("filter") or {}
    result = await issue_map(
        context.graph,
        context.viewer,
        map_filter(
            direction_id=f.get("directionId"),
            status=f.get("status"),
            institution_id=f.get("institutionId"),
            text=f.get("text"),
            include_people=f.get("includePeople", False),
            limit=f.get("limit", mapping.DEFAULT_MAX_NODES),
        ),
    )
    return {"nodes": result.nodes, "edges": result.edges, "truncated": False}


@strawberry.type
class MappingQuery:
    @strawberry.field(
        description="Issues matching the filter with their institutions, directions, teams and, on "
        "request, team members, as nodes and edges."
    )
    async def issue_map(self, info: GQLInfo, filter: IssueMapFilter | None = None) -> IssueMap:
        f = filter or IssueMapFilter()
        result = await issue_map(
            info.context.graph,
            info.context.viewer,
            map_filter(
                direction_id=f.direction_id,
                status=f.status,
                institution_id=f.institution_id,
                text=f.text,
                include_people=f.include_people,
                limit=f.limit,
            ),
        )
        return IssueMap(
            nodes=[map_node(n) for n in result.nodes],
            edges=[map_edge(e) for e in result.edges],
            truncated=False,
        )
