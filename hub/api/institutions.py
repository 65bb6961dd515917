"""Institution type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import institutions, issues, people
from graph.driver import Record
from graph.institutions import InstitutionKind, InstitutionOrder
from hub.api.base import Connection, GQLInfo, Node, from_record, from_records, page_request, to_model
from hub.api.text_limits import CODE, NAME, SEARCH, Cursor

if TYPE_CHECKING:
    from hub.api.issues import Impact
    from hub.api.people import Person

strawberry.enum(InstitutionKind)
strawberry.enum(InstitutionOrder)


@strawberry.type
class Institution(Node):
    code: str
    name_lv: str
    name_en: str
    kind: InstitutionKind
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    parent_id: strawberry.Private[str | None]

    @strawberry.field
    async def parent(self, info: GQLInfo) -> Institution | None:
        if self.parent_id is None:
            return None
        record = await info.context.loaders.one(institutions.by_ids).load(self.parent_id)
        return from_record(Institution, record) if record else None

    @strawberry.field(description="Institutions directly subordinate to this one.")
    async def subordinates(self, info: GQLInfo) -> list[Institution]:
        return from_records(
            Institution, await info.context.loaders.many(institutions.subordinates_of).load(self.id)
        )

    @strawberry.field(description="People working here, by name (at most `first`).")
    async def people(
        self, info: GQLInfo, first: int = 20
    ) -> list[Annotated[Person, strawberry.lazy("hub.api.people")]]:
        from hub.api.people import Person

        limit = page_request(info, first, None).first
        return from_records(Person, await info.context.loaders.many(people.working_at, limit).load(self.id))

    @strawberry.field(description="Horizontal issues that affect this institution, with its stake.")
    async def issues(self, info: GQLInfo) -> list[Annotated[Impact, strawberry.lazy("hub.api.issues")]]:
        from hub.api.issues import Impact

        rows = await info.context.loaders.many(issues.impacts_on).load(self.id)
        return [Impact(institution_id=self.id, issue_id=r["issueId"], stake=r["stake"]) for r in rows]


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


def _institution(record: Record) -> Institution:
    return from_record(Institution, record)


@strawberry.type
class InstitutionQuery:
    @strawberry.field
    async def institution(self, info: GQLInfo, id: strawberry.ID) -> Institution | None:
        record = await info.context.loaders.one(institutions.by_ids).load(id)
        return _institution(record) if record else None

    @strawberry.field
    async def institutions(
        self,
        info: GQLInfo,
        filter: InstitutionFilter | None = None,
        order_by: InstitutionOrder = InstitutionOrder.NAME,
        descending: bool = False,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[Institution]:
        f = filter or InstitutionFilter()
        page = await institutions.list_page(
            info.context.graph,
            page_request(info, first, after),
            kind=f.kind,
            parent_id=f.parent_id,
            text=f.text,
            include_archived=f.include_archived,
            order=order_by,
            descending=descending,
        )
        return Connection.of(page, _institution)


@strawberry.type
class InstitutionMutation:
    @strawberry.mutation
    async def create_institution(self, info: GQLInfo, input: InstitutionInput) -> Institution:
        data = to_model(institutions.InstitutionInput, input)
        return _institution(await institutions.create(info.context.graph, data, info.context.actor_id))

    @strawberry.mutation
    async def update_institution(
        self, info: GQLInfo, id: strawberry.ID, patch: InstitutionPatch
    ) -> Institution:
        data = to_model(institutions.InstitutionPatch, patch)
        return _institution(await institutions.update(info.context.graph, id, data, info.context.actor_id))

    @strawberry.mutation
    async def archive_institution(self, info: GQLInfo, id: strawberry.ID) -> Institution:
        return _institution(await institutions.archive(info.context.graph, id, info.context.actor_id))
