"""The Modernisation Plan's seven directions (read-only reference data)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import directions, issues
from graph.driver import Record
from hub.api.base import GQLInfo, Node, from_record

if TYPE_CHECKING:
    from hub.api.issues import HorizontalIssue


@strawberry.type(description="A direction of the State Administration Modernisation Plan 2023–2027.")
class PlanDirection(Node):
    number: int
    title_lv: str
    title_en: str
    description_lv: str | None

    @strawberry.field(description="Horizontal issues under this direction.")
    async def issues(
        self, info: GQLInfo
    ) -> list[Annotated[HorizontalIssue, strawberry.lazy("hub.api.issues")]]:
        from hub.api.issues import issue

        return [issue(r) for r in await info.context.loaders.many(issues.under_directions).load(self.id)]


def direction(record: Record) -> PlanDirection:
    return from_record(PlanDirection, record)


@strawberry.type
class DirectionQuery:
    @strawberry.field(description="The plan's seven directions, in order.")
    async def plan_directions(self, info: GQLInfo) -> list[PlanDirection]:
        return [direction(r["node"]) for r in await directions.all_directions(info.context.graph)]

    @strawberry.field
    async def plan_direction(self, info: GQLInfo, id: strawberry.ID) -> PlanDirection | None:
        record = await info.context.loaders.one(directions.by_ids).load(id)
        return direction(record) if record else None
