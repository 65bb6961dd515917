"""Skill type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import skills
from graph.validation import validate
from hub.api.base import Connection, Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import NAME, SEARCH, PageCursor

if TYPE_CHECKING:
    from hub.api.people import Person


def _people_arguments(min_level: int = 1, first: int = 20) -> Any:
    return answered_by_planner()


@maps(skills.SKILL)
@strawberry.type
class Skill(Node):
    name: str
    created_at: datetime | None
    archived_at: datetime | None
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        resolver=_people_arguments,
        description="People with this skill at `minLevel` or above, strongest first (at most `first`); "
        "page through all of them with `people(filter: {skillId})`.",
    )


@strawberry.input
class SkillInput:
    name: str = NAME.field()


@roots(skill=skills.SKILL_BY_ID, skills=skills.SKILLS)
@strawberry.type
class SkillQuery:
    @strawberry.field
    def skill(self, id: strawberry.ID) -> Skill | None:
        return answered_by_planner()

    @strawberry.field
    def skills(
        self,
        text: Annotated[str | None, SEARCH.argument("Part of the name.")] = None,
        first: int | None = None,
        after: PageCursor = None,
    ) -> Connection[Skill]:
        return answered_by_planner()


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await skills.create(ctx.graph, validate(skills.SkillInput, args["input"]), ctx.actor_id)


async def _rename(ctx: Context, args: Args, _: Returning | None) -> object:
    return await skills.rename(
        ctx.graph, args["id"], validate(skills.SkillInput, args["input"]), ctx.actor_id
    )


async def _archive(ctx: Context, args: Args, _: Returning | None) -> object:
    return await skills.archive(ctx.graph, args["id"], ctx.actor_id)


@writes(createSkill=Write(_create), renameSkill=Write(_rename), archiveSkill=Write(_archive))
@strawberry.type
class SkillMutation:
    @strawberry.mutation
    def create_skill(self, input: SkillInput) -> Skill:
        return answered_by_planner()

    @strawberry.mutation
    def rename_skill(self, id: strawberry.ID, input: SkillInput) -> Skill:
        return answered_by_planner()

    @strawberry.mutation
    def archive_skill(self, id: strawberry.ID) -> Skill:
        return answered_by_planner()
