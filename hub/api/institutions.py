"""Institution type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import institutions
from graph.institutions import InstitutionKind, InstitutionOrder
from graph.validation import validate
from hub.api.base import Connection, Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import CODE, NAME, SEARCH, PageCursor

if TYPE_CHECKING:
    from hub.api.issues import Impact
    from hub.api.people import Person

strawberry.enum(InstitutionKind)
strawberry.enum(InstitutionOrder)


def _people_arguments(first: int = 20) -> Any:
    return answered_by_planner()


@maps(institutions.INSTITUTION)
@strawberry.type
class Institution(Node):
    code: str
    name_lv: str
    name_en: str
    kind: InstitutionKind
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    parent: Institution | None
    subordinates: list[Institution] = strawberry.field(
        description="Institutions directly subordinate to this one."
    )
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        resolver=_people_arguments, description="People working here, by name (at most `first`)."
    )
    issues: list[Annotated[Impact, strawberry.lazy("hub.api.issues")]] = strawberry.field(
        description="Horizontal issues that affect this institution, with its stake."
    )


@strawberry.input
class InstitutionInput:
    code: str = CODE.field()
    name_lv: str = NAME.field()
    name_en: str = NAME.field()
    kind: InstitutionKind
    parent_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given are changed; `parentId: null` removes the parent.")
class InstitutionPatch:
    code: str | None = CODE.field(default=strawberry.UNSET)
    name_lv: str | None = NAME.field(default=strawberry.UNSET)
    name_en: str | None = NAME.field(default=strawberry.UNSET)
    kind: InstitutionKind | None = strawberry.UNSET
    parent_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class InstitutionFilter:
    kind: InstitutionKind | None = None
    parent_id: strawberry.ID | None = None
    text: str | None = SEARCH.field("Part of the name (in either language) or the code.", default=None)
    include_archived: bool = False


@roots(institution=institutions.INSTITUTION_BY_ID, institutions=institutions.INSTITUTIONS)
@strawberry.type
class InstitutionQuery:
    @strawberry.field
    def institution(self, id: strawberry.ID) -> Institution | None:
        return answered_by_planner()

    @strawberry.field
    def institutions(
        self,
        filter: InstitutionFilter | None = None,
        order_by: InstitutionOrder = InstitutionOrder.NAME,
        descending: bool = False,
        first: int | None = None,
        after: PageCursor = None,
    ) -> Connection[Institution]:
        return answered_by_planner()


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await institutions.create(
        ctx.graph, validate(institutions.InstitutionInput, args["input"]), ctx.actor_id
    )


async def _update(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(institutions.InstitutionPatch, args["patch"])
    return await institutions.update(ctx.graph, args["id"], data, ctx.actor_id)


async def _archive(ctx: Context, args: Args, _: Returning | None) -> object:
    return await institutions.archive(ctx.graph, args["id"], ctx.actor_id)


@writes(
    createInstitution=Write(_create), updateInstitution=Write(_update), archiveInstitution=Write(_archive)
)
@strawberry.type
class InstitutionMutation:
    @strawberry.mutation
    def create_institution(self, input: InstitutionInput) -> Institution:
        return answered_by_planner()

    @strawberry.mutation
    def update_institution(self, id: strawberry.ID, patch: InstitutionPatch) -> Institution:
        return answered_by_planner()

    @strawberry.mutation
    def archive_institution(self, id: strawberry.ID) -> Institution:
        return answered_by_planner()
