"""Person type (with skills and team memberships), its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import people
from graph.people import PersonOrder
from graph.validation import validate
from hub.api.base import Connection, Node, PageSize, described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import EMAIL, LANGUAGE, NAME, SEARCH, SHORT_TEXT, PageCursor

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.invitations import Invitation
    from hub.api.notifications import NotificationSettings
    from hub.api.skills import Skill
    from hub.api.teams import Membership

described_enum(
    PersonOrder,
    "How a list of people is sorted (ties broken by id).",
    NAME="By name, alphabetically.",
    EMAIL="By e-mail address, alphabetically.",
    CREATED="By when the person was added to the register.",
)


@maps(people.PERSON_SKILL)
@strawberry.type(description="A skill a person has, at a level from 1 (basic) to 5 (expert).")
class PersonSkill:
    level: int = strawberry.field(
        description="1 (basic) to 5 (expert), as the person or an administrator set it."
    )
    skill: Annotated[Skill, strawberry.lazy("hub.api.skills")] = strawberry.field(
        description="The skill from the shared vocabulary."
    )


@maps(people.PERSON)
@strawberry.type(
    description="A civil servant in the register: where they work, what they can do and which teams "
    "they are on. Seen by every signed-in civil servant."
)
class Person(Node):
    name: str = strawberry.field(description="Full name as shown to colleagues; a pseudonym once erased.")
    email: str = strawberry.field(
        description="Work e-mail, the contact address (unique in the register); used for @mentions."
    )
    title: str | None = strawberry.field(description="Job title at the institution; null when not given.")
    languages: list[str] = strawberry.field(
        description="Languages the person works in, as ISO 639-1 codes (e.g. `lv`, `en`)."
    )
    created_at: datetime | None = strawberry.field(description="When the person was added to the register.")
    updated_at: datetime | None = strawberry.field(
        description="When the profile last changed; null if it never has."
    )
    archived_at: datetime | None = strawberry.field(
        description="When the person was archived (left the service); null while active."
    )
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None = strawberry.field(
        description="The institution the person works at (their employer in the HR register)."
    )
    skills: list[PersonSkill] = strawberry.field(description="Skills, strongest first.")
    memberships: list[Annotated[Membership, strawberry.lazy("hub.api.teams")]] = strawberry.field(
        description="Team memberships, active teams first."
    )
    invitations: list[Annotated[Invitation, strawberry.lazy("hub.api.invitations")]] = strawberry.field(
        description="Invitations to this person, pending first."
    )
    notification_settings: (
        Annotated[NotificationSettings, strawberry.lazy("hub.api.notifications")] | None
    ) = strawberry.field(
        description="The person's e-mail notification settings: null for anyone but themself."
    )


@strawberry.input(description="A skill to give a person, at a level.")
class PersonSkillInput:
    skill_id: strawberry.ID = strawberry.field(description="The skill, from the shared vocabulary.")
    level: int = strawberry.field(description="1 (basic) to 5 (expert).")


@strawberry.input(description="A new person for the register (administrators).")
class PersonInput:
    name: str = NAME.field("Full name.")
    email: str = EMAIL.field("Work e-mail; must not belong to another person.")
    institution_id: strawberry.ID = strawberry.field(description="The institution the person works at.")
    title: str | None = SHORT_TEXT.field("The job title.", default=None)
    languages: list[str] = LANGUAGE.field("ISO 639-1 codes.", default_factory=lambda: ["lv"])
    skills: list[PersonSkillInput] = strawberry.field(
        default_factory=list, description="Skills to start with, each with its level."
    )


_PERSON_ID = strawberry.argument(description="The person's id.")


@strawberry.input(description="Only the fields given are changed; `title: null` clears the title.")
class PersonPatch:
    name: str | None = NAME.field("Full name.", default=strawberry.UNSET)
    email: str | None = EMAIL.field(
        "Administrators only: a contact address, not the key to the person's sign-in.",
        default=strawberry.UNSET,
    )
    title: str | None = SHORT_TEXT.field("The job title.", default=strawberry.UNSET)
    languages: list[str] | None = LANGUAGE.field("ISO 639-1 codes.", default=strawberry.UNSET)
    institution_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Administrators only (and the HR register's import)."
    )


@strawberry.input(description="Which people to list; every field given narrows the list.")
class PersonFilter:
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only people working at this institution."
    )
    skill_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only people with this skill."
    )
    min_skill_level: int = strawberry.field(
        default=1, description="With `skillId`: only at this level (1–5) or above."
    )
    text: str | None = SEARCH.field("Part of the name, the e-mail or the job title.", default=None)
    include_archived: bool = strawberry.field(
        default=False, description="Also list archived people (hidden by default)."
    )


@roots(person=people.PERSON_BY_ID, people=people.PEOPLE)
@strawberry.type
class PersonQuery:
    @strawberry.field(description="One person, or null when there is none with this id.")
    def person(self, id: Annotated[strawberry.ID, _PERSON_ID]) -> Person | None:
        return answered_by_planner()

    @strawberry.field(description="People in the register, a page at a time.")
    def people(
        self,
        filter: Annotated[
            PersonFilter | None,
            strawberry.argument(description="Which people; all active ones when omitted."),
        ] = None,
        order_by: Annotated[PersonOrder, strawberry.argument(description="The sort key.")] = PersonOrder.NAME,
        descending: Annotated[
            bool, strawberry.argument(description="Reverse the order (Z to A, newest first).")
        ] = False,
        first: PageSize = None,
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
    @strawberry.mutation(description="Add a person to the register (administrators).")
    def create_person(
        self, input: Annotated[PersonInput, strawberry.argument(description="The new person.")]
    ) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Change a person's profile: administrators any field, the person themself their "
        "own name, title and languages."
    )
    def update_person(
        self,
        id: Annotated[strawberry.ID, _PERSON_ID],
        patch: Annotated[PersonPatch, strawberry.argument(description="The fields to change.")],
    ) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Add a skill to a person or change its level (administrators, or the person themself)."
    )
    def set_person_skill(
        self,
        person_id: Annotated[strawberry.ID, _PERSON_ID],
        input: Annotated[PersonSkillInput, strawberry.argument(description="The skill and its level.")],
    ) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Take a skill off a person's profile (administrators, or the person themself)."
    )
    def remove_person_skill(
        self,
        person_id: Annotated[strawberry.ID, _PERSON_ID],
        skill_id: Annotated[strawberry.ID, strawberry.argument(description="The skill to remove.")],
    ) -> Person:
        return answered_by_planner()

    @strawberry.mutation(
        description="Archive a person who left the service (administrators): hidden from lists, history kept."
    )
    def archive_person(self, id: Annotated[strawberry.ID, _PERSON_ID]) -> Person:
        return answered_by_planner()
