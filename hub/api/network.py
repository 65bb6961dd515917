"""Collaboration between institutions, and introduction paths between people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import network
from graph.network import LinkKind
from hub.api.base import described_enum
from hub.api.mapping import MapEdge, MapNode
from hub.api.planning import answered_by_planner, maps, roots

if TYPE_CHECKING:
    from hub.api.people import Person


described_enum(
    LinkKind,
    "How two neighbours in an introduction chain are linked.",
    SAME_TEAM="Both are members of the same team.",
    SAME_INSTITUTION="Both work at the same institution.",
)


@strawberry.type(
    description="Institutions (nodes) tied by the teams their people share (SHARES_TEAMS edges)."
)
class CollaborationNetwork:
    nodes: list[MapNode] = strawberry.field(description="The institutions with at least one tie.")
    edges: list[MapEdge] = strawberry.field(
        description="SHARES_TEAMS ties; `weight` is how many teams the two institutions share."
    )


@maps(network.STEP)
@strawberry.type(description="One link in an introduction chain: how two people know each other.")
class IntroductionStep:
    kind: LinkKind = strawberry.field(description="Whether the two share a team or an institution.")
    via_id: strawberry.ID = strawberry.field(description="The shared team or institution.")
    via_label: str = strawberry.field(description="The shared team's or institution's name.")
    from_: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(
        name="from", description="The person nearer the start of the chain."
    )
    to: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(
        description="The person nearer the end of the chain."
    )


@maps(network.PATH)
@strawberry.type(description="A chain of colleagues through whom one person can be introduced to another.")
class IntroductionPath:
    hops: int = strawberry.field(description="Steps from the first person to the last.")
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        description="Everyone on the chain in order, both ends included."
    )
    steps: list[IntroductionStep] = strawberry.field(
        description="How each neighbouring pair is linked, in order."
    )


@roots(collaborationNetwork=network.COLLABORATION_NETWORK, introductionPath=network.INTRODUCTION_PATH)
@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="Institutions tied by shared teams (people from both are members), optionally "
        "only teams on issues under one direction; ties below `minWeight` shared teams are left out."
    )
    def collaboration_network(
        self,
        direction_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only teams on issues under this plan direction; all when omitted."
            ),
        ] = None,
        min_weight: Annotated[
            int, strawberry.argument(description="The fewest shared teams (at least 1) that make a tie.")
        ] = 1,
    ) -> CollaborationNetwork:
        return answered_by_planner()

    @strawberry.field(
        description="The shortest chain of people linking two people through shared teams and "
        "shared institutions, or null when there is none within `maxHops` steps."
    )
    def introduction_path(
        self,
        from_person_id: Annotated[
            strawberry.ID, strawberry.argument(description="Who wants the introduction.")
        ],
        to_person_id: Annotated[strawberry.ID, strawberry.argument(description="Whom they want to reach.")],
        max_hops: Annotated[
            int, strawberry.argument(description="The longest chain to look for, 1 to 10 steps.")
        ] = 6,
    ) -> IntroductionPath | None:
        return answered_by_planner()
