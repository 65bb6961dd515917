"""Collaboration between institutions, and introduction paths between people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import network, snapshot
from graph.access import Viewer
from graph.driver import Graph, Record
from graph.network import LinkKind
from hub.api.base import GQLInfo
from hub.api.context import Context
from hub.api.mapping import MapEdge, MapNode, map_edge, map_node

if TYPE_CHECKING:
    from hub.api.people import Person


strawberry.enum(LinkKind, description="How two neighbours in an introduction chain are linked.")


@strawberry.type(
    description="Institutions (nodes) tied by the teams their people share (SHARES_TEAMS edges)."
)
class CollaborationNetwork:
    nodes: list[MapNode]
    edges: list[MapEdge]


@strawberry.type(description="One link in an introduction chain: how two people know each other.")
class IntroductionStep:
    kind: LinkKind
    via_id: strawberry.ID = strawberry.field(description="The shared team or institution.")
    via_label: str
    from_person: strawberry.Private[Person]
    to_person: strawberry.Private[Person]

    @strawberry.field(name="from")
    def from_(self) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        return self.from_person

    @strawberry.field
    def to(self) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        return self.to_person


@strawberry.type
class IntroductionPath:
    hops: int = strawberry.field(description="Steps from the first person to the last.")
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]]
    steps: list[IntroductionStep]


async def fetch_collaboration_network(context: Context, args: dict[str, Any]) -> Record:
    """`collaborationNetwork` as records, from arguments coerced by graphql-core (the projection
    in hub/api/projected.py answers with it)."""
    nodes, edges = await collaboration_network(
        context.graph, context.viewer, args.get("directionId"), args.get("minWeight", 1)
    )
    return {"nodes": nodes, "edges": edges}


async def _network(
    graph: Graph, viewer: Viewer, direction_id: str | None, min_weight: int
) -> tuple[list[Record], list[Record]]:
    return await network.collaboration_network(
        graph, viewer, direction_id=direction_id, min_weight=min_weight
    )


async def collaboration_network(
    graph: Graph, viewer: Viewer, direction_id: str | None, min_weight: int
) -> tuple[list[Record], list[Record]]:
    """The network as map nodes and edges, computed once per committed graph state and viewer
    (graph/snapshot.py): it aggregates over every team."""
    nodes, edges = await snapshot.cached(graph, viewer, _network, direction_id, min_weight)
    return [{**n, "kind": "INSTITUTION"} for n in nodes], [{**e, "kind": "SHARES_TEAMS"} for e in edges]


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="Institutions tied by shared teams (people from both are members), optionally "
        "only teams on issues under one direction; ties below `minWeight` shared teams are left out."
    )
    async def collaboration_network(
        self, info: GQLInfo, direction_id: strawberry.ID | None = None, min_weight: int = 1
    ) -> CollaborationNetwork:
        nodes, edges = await collaboration_network(
            info.context.graph, info.context.viewer, direction_id, min_weight
        )
        return CollaborationNetwork(nodes=[map_node(n) for n in nodes], edges=[map_edge(e) for e in edges])

    @strawberry.field(
        description="The shortest chain of people linking two people through shared teams and "
        "shared institutions, or null when there is none within `maxHops` steps."
    )
    async def introduction_path(
        self, info: GQLInfo, from_person_id: strawberry.ID, to_person_id: strawberry.ID, max_hops: int = 6
    ) -> IntroductionPath | None:
        from hub.api.people import person

        found = await network.introduction_path(
            info.context.graph, info.context.viewer, from_person_id, to_person_id, max_hops
        )
        if found is None:
            return None
        chain = {p["id"]: person(p) for p in found["people"]}
        return IntroductionPath(
            hops=len(found["steps"]),
            people=list(chain.values()),
            steps=[
                IntroductionStep(
                    kind=LinkKind(s["kind"]),
                    via_id=s["viaId"],
                    via_label=s["viaLabel"],
                    from_person=chain[s["fromId"]],
                    to_person=chain[s["toId"]],
                )
                for s in found["steps"]
            ],
        )
