"""Institution type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import institutions
from graph.institutions import InstitutionKind, InstitutionOrder
from graph.validation import validate
from hub.api.base import Connection, Node, PageSize, described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import CODE, NAME, SEARCH, PageCursor

if TYPE_CHECKING:
    from hub.api.issues import Impact
    from hub.api.people import Person

described_enum(
    InstitutionKind,
    "What kind of public body an institution is.",
    MINISTRY="One of the ministries, e.g. the Ministry of Finance; a column of the direction matrix.",
    CENTRE_OF_GOVERNMENT="The centre of government: the State Chancellery.",
    AGENCY="An agency or other body subordinate to a ministry.",
    OTHER="Any other public body (e.g. an independent institution or a municipality).",
)
described_enum(
    InstitutionOrder,
    "How a list of institutions is sorted (ties broken by id).",
    NAME="By Latvian name, alphabetically.",
    CODE="By code, alphabetically.",
    CREATED="By when the institution was added to the register.",
)
_INSTITUTION_ID = strawberry.argument(description="The institution's id.")


def _people_arguments(
    first: Annotated[
        int, strawberry.argument(description="How many people at most: 0 up to the hub's page-size limit.")
    ] = 20,
) -> Any:
    return answered_by_planner()


@maps(institutions.INSTITUTION)
@strawberry.type(
    description="A ministry, agency or other public body in the register; its people can join "
    "teams and horizontal issues can affect it."
)
class Institution(Node):
    code: str = strawberry.field(description="Short unique code, e.g. `VK` for the State Chancellery.")
    name_lv: str = strawberry.field(description="Official name in Latvian.")
    name_en: str = strawberry.field(description="Name in English.")
    kind: InstitutionKind = strawberry.field(description="Ministry, centre of government, agency or other.")
    created_at: datetime | None = strawberry.field(
        description="When the institution was added to the register."
    )
    updated_at: datetime | None = strawberry.field(description="When it last changed; null if it never has.")
    archived_at: datetime | None = strawberry.field(
        description="When it was archived (abolished or merged); null while active."
    )
    parent: Institution | None = strawberry.field(
        description="The institution it is subordinate to (an agency's ministry); null for none."
    )
    subordinates: list[Institution] = strawberry.field(
        description="Institutions directly subordinate to this one."
    )
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        resolver=_people_arguments, description="People working here, by name (at most `first`)."
    )
    issues: list[Annotated[Impact, strawberry.lazy("hub.api.issues")]] = strawberry.field(
        description="Horizontal issues that affect this institution, with its stake."
    )


@strawberry.input(description="A new institution for the register (administrators).")
class InstitutionInput:
    code: str = CODE.field("Short code, unique in the register.")
    name_lv: str = NAME.field("Official name in Latvian.")
    name_en: str = NAME.field("Name in English.")
    kind: InstitutionKind = strawberry.field(description="What kind of public body it is.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The institution it is subordinate to, if any."
    )


@strawberry.input(description="Only the fields given are changed; `parentId: null` removes the parent.")
class InstitutionPatch:
    code: str | None = CODE.field("Short code, unique in the register.", default=strawberry.UNSET)
    name_lv: str | None = NAME.field("Official name in Latvian.", default=strawberry.UNSET)
    name_en: str | None = NAME.field("Name in English.", default=strawberry.UNSET)
    kind: InstitutionKind | None = strawberry.field(
        default=strawberry.UNSET, description="What kind of public body it is."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The institution it is subordinate to; null for none."
    )


@strawberry.input(description="Which institutions to list; every field given narrows the list.")
class InstitutionFilter:
    kind: InstitutionKind | None = strawberry.field(
        default=None, description="Only institutions of this kind."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those directly subordinate to this institution."
    )
    text: str | None = SEARCH.field("Part of the name (in either language) or the code.", default=None)
    include_archived: bool = strawberry.field(
        default=False, description="Also list archived institutions (hidden by default)."
    )


@roots(institution=institutions.INSTITUTION_BY_ID, institutions=institutions.INSTITUTIONS)
@strawberry.type
class InstitutionQuery:
    @strawberry.field(description="One institution, or null when there is none with this id.")
    def institution(self, id: Annotated[strawberry.ID, _INSTITUTION_ID]) -> Institution | None:
        return answered_by_planner()

    @strawberry.field(description="Institutions in the register, a page at a time.")
    def institutions(
        self,
        filter: Annotated[
            InstitutionFilter | None,
            strawberry.argument(description="Which institutions; all active ones when omitted."),
        ] = None,
        order_by: Annotated[
            InstitutionOrder, strawberry.argument(description="The sort key.")
        ] = InstitutionOrder.NAME,
        descending: Annotated[
            bool, strawberry.argument(description="Reverse the order (Z to A, newest first).")
        ] = False,
        first: PageSize = None,
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
    @strawberry.mutation(description="Add an institution to the register (administrators).")
    def create_institution(
        self, input: Annotated[InstitutionInput, strawberry.argument(description="The new institution.")]
    ) -> Institution:
        return answered_by_planner()

    @strawberry.mutation(description="Change an institution's code, names, kind or parent (administrators).")
    def update_institution(
        self,
        id: Annotated[strawberry.ID, _INSTITUTION_ID],
        patch: Annotated[InstitutionPatch, strawberry.argument(description="The fields to change.")],
    ) -> Institution:
        return answered_by_planner()

    @strawberry.mutation(
        description="Archive an abolished or merged institution (administrators): hidden from lists, "
        "history kept."
    )
    def archive_institution(self, id: Annotated[strawberry.ID, _INSTITUTION_ID]) -> Institution:
        return answered_by_planner()
