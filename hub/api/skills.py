"""Skill type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import people, skills
from graph.driver import Record
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request, to_model
from hub.api.text_limits import NAME, SEARCH, Cursor

if TYPE_CHECKING:
    from hub.api.people import Person


@strawberry.type
class Skill(Node):
    name: str
    created_at: datetime | None
    archived_at: datetime | None

    @strawberry.field(
        description="People with this skill at `minLevel` or above, strongest first (at most `first`); "
        "page through all of them with `people(filter: {skillId})`."
    )
    async def people(
        self, info: GQLInfo, min_level: int = 1, first: int = 20
    ) -> list[Annotated[Person, strawberry.lazy("hub.api.people")]]:
        from hub.api.people import person

        limit = page_request(info, first, None).first
        rows = await info.context.loaders.many(people.with_skill, min_level, limit).load(self.id)
        return [person(r) for r in rows]


@strawberry.input
class SkillInput:
    name: str = NAME.field()


def skill(record: Record) -> Skill:
    return from_record(Skill, record)


@strawberry.type
class SkillQuery:
    @strawberry.field
    async def skill(self, info: GQLInfo, id: strawberry.ID) -> Skill | None:
        record = await info.context.loaders.one(skills.by_ids).load(id)
        return skill(record) if record else None

    @strawberry.field
    async def skills(
        self,
        info: GQLInfo,
        text: Annotated[str | None, SEARCH.argument("Part of the name.")] = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[Skill]:
        page = await skills.list_page(info.context.graph, page_request(info, first, after), text=text)
        return Connection.of(page, skill)


@strawberry.type
class SkillMutation:
    @strawberry.mutation
    async def create_skill(self, info: GQLInfo, input: SkillInput) -> Skill:
        data = to_model(skills.SkillInput, input)
        return skill(await skills.create(info.context.graph, data, info.context.actor_id))

    @strawberry.mutation
    async def rename_skill(self, info: GQLInfo, id: strawberry.ID, input: SkillInput) -> Skill:
        data = to_model(skills.SkillInput, input)
        return skill(await skills.rename(info.context.graph, id, data, info.context.actor_id))

    @strawberry.mutation
    async def archive_skill(self, info: GQLInfo, id: strawberry.ID) -> Skill:
        return skill(await skills.archive(info.context.graph, id, info.context.actor_id))
