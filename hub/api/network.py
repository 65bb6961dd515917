"""Collaboration between institutions, and introduction paths between people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import network
from graph.network import LinkKind
from hub.api.mapping import MapEdge, MapNode
from hub.api.planning import answered_by_planner, maps, roots

if TYPE_CHECKING:
    from hub.api.people import Person


strawberry.enum(LinkKind, description="How two neighbours in an introduction chain are linked.")


@strawberry.type(
    description="Institutions (nodes) tied by the teams their people share (SHARES_TEAMS edges)."
)
class CollaborationNetwork:
    nodes: list[MapNode]
    edges: list[MapEdge]


@maps(network.STEP)
@strawberry.type(description="One link in an introduction chain: how two people know each other.")
class IntroductionStep:
    kind: LinkKind
    via_id: strawberry.ID = strawberry.field(description="The shared team or institution.")
    via_label: str
    from_: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(name="from")
    to: Annotated[Person, strawberry.lazy("hub.api.people")]


@maps(network.PATH)
@strawberry.type
class IntroductionPath:
    hops: int = strawberry.field(description="Steps from the first person to the last.")
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]]
    steps: list[IntroductionStep]


@roots(collaborationNetwork=network.COLLABORATION_NETWORK, introductionPath=network.INTRODUCTION_PATH)
@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="Institutions tied by shared teams (people from both are members), optionally "
        "only teams on issues under one direction; ties below `minWeight` shared teams are left out."
    )
    def collaboration_network(
        self, direction_id: strawberry.ID | None = None, min_weight: int = 1
    ) -> CollaborationNetwork:
        return answered_by_planner()

    @strawberry.field(
        description="The shortest chain of people linking two people through shared teams and "
        "shared institutions, or null when there is none within `maxHops` steps."
    )
    def introduction_path(
        self, from_person_id: strawberry.ID, to_person_id: strawberry.ID, max_hops: int = 6
    ) -> IntroductionPath | None:
        return answered_by_planner()
