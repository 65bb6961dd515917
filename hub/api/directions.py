"""The Modernisation Plan's seven directions (read-only reference data)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import directions
from hub.api.base import Node
from hub.api.planning import answered_by_planner, maps, roots

if TYPE_CHECKING:
    from hub.api.issues import HorizontalIssue


@maps(directions.DIRECTION)
@strawberry.type(description="A direction of the State Administration Modernisation Plan 2023–2027.")
class PlanDirection(Node):
    number: int = strawberry.field(description="The direction's number in the plan, 1 to 7.")
    title_lv: str = strawberry.field(description="The direction's title in Latvian, as in the plan.")
    title_en: str = strawberry.field(description="The direction's title in English.")
    description_lv: str | None = strawberry.field(
        description="What the plan says the direction covers, in Latvian; null when not loaded."
    )
    issues: list[Annotated[HorizontalIssue, strawberry.lazy("hub.api.issues")]] = strawberry.field(
        description="Horizontal issues under this direction."
    )


@roots(planDirections=directions.DIRECTIONS, planDirection=directions.DIRECTION_BY_ID)
@strawberry.type
class DirectionQuery:
    @strawberry.field(description="The plan's seven directions, in order.")
    def plan_directions(self) -> list[PlanDirection]:
        return answered_by_planner()

    @strawberry.field(description="One plan direction, or null when there is none with this id.")
    def plan_direction(
        self, id: Annotated[strawberry.ID, strawberry.argument(description="The direction's id.")]
    ) -> PlanDirection | None:
        return answered_by_planner()
