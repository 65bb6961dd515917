"""Person type (with skills and team memberships), its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import people
from graph.people import PersonOrder
from graph.validation import validate
from hub.api.base import Connection, Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import EMAIL, LANGUAGE, NAME, SEARCH, SHORT_TEXT, PageCursor

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.invitations import Invitation
    from hub.api.skills import Skill
    from hub.api.teams import Membership

strawberry.enum(PersonOrder)


@maps(people.PERSON_SKILL)
@strawberry.type(description="A skill a person has, at a level from 1 (basic) to 5 (expert).")
class PersonSkill:
    level: int
    skill: Annotated[Skill, strawberry.lazy("hub.api.skills")]


@maps(people.PERSON)
@strawberry.type
class Person(Node):
    name: str
    email: str
    title: str | None
    languages: list[str]
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None
    skills: list[PersonSkill] = strawberry.field(description="Skills, strongest first.")
    memberships: list[Annotated[Membership, strawberry.lazy("hub.api.teams")]] = strawberry.field(
        description="Team memberships, active teams first."
    )
    invitations: list[Annotated[Invitation, strawberry.lazy("hub.api.invitations")]] = strawberry.field(
        description="Invitations to this person, pending first."
    )


@strawberry.input
class PersonSkillInput:
    skill_id: strawberry.ID
    level: int


@strawberry.input
class PersonInput:
    name: str = NAME.field()
    email: str = EMAIL.field()
    institution_id: strawberry.ID
    title: str | None = SHORT_TEXT.field("The job title.", default=None)
    languages: list[str] = LANGUAGE.field("ISO 639-1 codes.", default_factory=lambda: ["lv"])
    skills: list[PersonSkillInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed; `title: null` clears the title.")
class PersonPatch:
    name: str | None = NAME.field(default=strawberry.UNSET)
    email: str | None = EMAIL.field(
        "Administrators only: a contact address, not the key to the person's sign-in.",
        default=strawberry.UNSET,
    )
    title: str | None = SHORT_TEXT.field("The job title.", default=strawberry.UNSET)
    languages: list[str] | None = LANGUAGE.field("ISO 639-1 codes.", default=strawberry.UNSET)
    institution_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Administrators only (and the HR register's import)."
    )


@strawberry.input
class PersonFilter:
    institution_id: strawberry.ID | None = None
    skill_id: strawberry.ID | None = None
    min_skill_level: int = 1
    text: str | None = SEARCH.field("Part of the name, the e-mail or the job title.", default=None)
    include_archived: bool = False


@roots(person=people.PERSON_BY_ID, people=people.PEOPLE)
@strawberry.type
class PersonQuery:
    @strawberry.field
    def person(self, id: strawberry.ID) -> Person | None:
        return answered_by_planner()

    @strawberry.field
    def people(
        self,
        filter: PersonFilter | None = None,
        order_by: PersonOrder = PersonOrder.NAME,
        descending: bool = False,
        first: int | None = None,
        after: PageCursor = None,
    ) -> Connection[Person]:
        return answered_by_planner()


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await people.create(ctx.graph, validate(people.PersonInput, args["input"]), ctx.actor_id)


async def _update(ctx: Context, args: Args, _: Returning | None) -> object:
    return await people.update(
        ctx.graph, args["id"], validate(people.PersonPatch, args["patch"]), ctx.actor_id
    )


async def _set_skill(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(people.PersonSkillInput, args["input"])
    return await people.set_skill(ctx.graph, args["personId"], data, ctx.actor_id)


async def _remove_skill(ctx: Context, args: Args, _: Returning | None) -> object:
    return await people.remove_skill(ctx.graph, args["personId"], args["skillId"], ctx.actor_id)


async def _archive(ctx: Context, args: Args, _: Returning | None) -> object:
    return await people.archive(ctx.graph, args["id"], ctx.actor_id)


@writes(
    createPerson=Write(_create),
    updatePerson=Write(_update),
    setPersonSkill=Write(_set_skill),
    removePersonSkill=Write(_remove_skill),
    archivePerson=Write(_archive),
)
@strawberry.type
class PersonMutation:
    @strawberry.mutation
    def create_person(self, input: PersonInput) -> Person:
        return answered_by_planner()

    @strawberry.mutation
    def update_person(self, id: strawberry.ID, patch: PersonPatch) -> Person:
        return answered_by_planner()

    @strawberry.mutation(description="Add a skill to a person or change its level.")
    def set_person_skill(self, person_id: strawberry.ID, input: PersonSkillInput) -> Person:
        return answered_by_planner()

    @strawberry.mutation
    def remove_person_skill(self, person_id: strawberry.ID, skill_id: strawberry.ID) -> Person:
        return answered_by_planner()

    @strawberry.mutation
    def archive_person(self, id: strawberry.ID) -> Person:
        return answered_by_planner()
