"""Skill type, its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import skills
from graph.validation import validate
from hub.api.base import Connection, Node, PageSize
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import NAME, SEARCH, PageCursor

if TYPE_CHECKING:
    from hub.api.people import Person


_SKILL_ID = strawberry.argument(description="The skill's id.")


def _people_arguments(
    min_level: Annotated[int, strawberry.argument(description="The lowest level to include, 1 to 5.")] = 1,
    first: Annotated[
        int, strawberry.argument(description="How many people at most: 0 up to the hub's page-size limit.")
    ] = 20,
) -> Any:
    return answered_by_planner()


@maps(skills.SKILL)
@strawberry.type(
    description="A skill in the shared vocabulary (e.g. public procurement, data protection law) that "
    "people list on their profiles and leads search by."
)
class Skill(Node):
    name: str = strawberry.field(description="The skill's name, unique in the vocabulary.")
    created_at: datetime | None = strawberry.field(description="When the skill was added to the vocabulary.")
    archived_at: datetime | None = strawberry.field(
        description="When it was archived (no longer offered); null while in use."
    )
    people: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        resolver=_people_arguments,
        description="People with this skill at `minLevel` or above, strongest first (at most `first`); "
        "page through all of them with `people(filter: {skillId})`.",
    )


@strawberry.input(description="A skill's name, for a new skill or a new name.")
class SkillInput:
    name: str = NAME.field("The name, unique in the vocabulary.")


@roots(skill=skills.SKILL_BY_ID, skills=skills.SKILLS)
@strawberry.type
class SkillQuery:
    @strawberry.field(description="One skill, or null when there is none with this id.")
    def skill(self, id: Annotated[strawberry.ID, _SKILL_ID]) -> Skill | None:
        return answered_by_planner()

    @strawberry.field(description="The skill vocabulary by name, a page at a time; archived skills left out.")
    def skills(
        self,
        text: Annotated[str | None, SEARCH.argument("Part of the name.")] = None,
        first: PageSize = None,
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
    @strawberry.mutation(
        description="Add a skill to the vocabulary (administrators and centre-of-government staff)."
    )
    def create_skill(
        self, input: Annotated[SkillInput, strawberry.argument(description="The new skill.")]
    ) -> Skill:
        return answered_by_planner()

    @strawberry.mutation(description="Give a skill a new name; people keep it (administrators).")
    def rename_skill(
        self,
        id: Annotated[strawberry.ID, _SKILL_ID],
        input: Annotated[SkillInput, strawberry.argument(description="The new name.")],
    ) -> Skill:
        return answered_by_planner()

    @strawberry.mutation(
        description="Withdraw a skill from the vocabulary (administrators): left out of `skills`, kept on record."
    )
    def archive_skill(self, id: Annotated[strawberry.ID, _SKILL_ID]) -> Skill:
        return answered_by_planner()
