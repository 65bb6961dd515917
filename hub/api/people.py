"""Person type (with skills and team memberships), its queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import institutions, invitations, people, skills, teams
from graph.driver import Record
from graph.people import PersonOrder
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request, to_model
from hub.api.text_limits import EMAIL, LANGUAGE, NAME, SEARCH, SHORT_TEXT, Cursor

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.invitations import Invitation
    from hub.api.skills import Skill
    from hub.api.teams import Membership

strawberry.enum(PersonOrder)


@strawberry.type(description="A skill a person has, at a level from 1 (basic) to 5 (expert).")
class PersonSkill:
    level: int
    skill_id: strawberry.Private[str]

    @strawberry.field
    async def skill(self, info: GQLInfo) -> Annotated[Skill, strawberry.lazy("hub.api.skills")]:
        from hub.api.skills import Skill

        record = await info.context.loaders.one(skills.by_ids).load(self.skill_id)
        return from_record(Skill, record or {})


@strawberry.type
class Person(Node):
    name: str
    email: str
    title: str | None
    languages: list[str]
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    institution_id: strawberry.Private[str | None]

    @strawberry.field
    async def institution(
        self, info: GQLInfo
    ) -> Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None:
        from hub.api.institutions import Institution

        if self.institution_id is None:
            return None
        record = await info.context.loaders.one(institutions.by_ids).load(self.institution_id)
        return from_record(Institution, record) if record else None

    @strawberry.field(description="Skills, strongest first.")
    async def skills(self, info: GQLInfo) -> list[PersonSkill]:
        rows = await info.context.loaders.many(people.skills_of).load(self.id)
        return [PersonSkill(level=r["level"], skill_id=r["skillId"]) for r in rows]

    @strawberry.field(description="Team memberships, active teams first.")
    async def memberships(
        self, info: GQLInfo
    ) -> list[Annotated[Membership, strawberry.lazy("hub.api.teams")]]:
        from hub.api.teams import Membership

        rows = await info.context.loaders.many(teams.memberships_of, info.context.viewer).load(self.id)
        return [Membership.of(r) for r in rows]

    @strawberry.field(description="Invitations to this person, pending first.")
    async def invitations(
        self, info: GQLInfo
    ) -> list[Annotated[Invitation, strawberry.lazy("hub.api.invitations")]]:
        from hub.api.invitations import invitation

        rows = await info.context.loaders.many(invitations.of_people, info.context.viewer).load(self.id)
        return [invitation(r) for r in rows]


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


def person(record: Record) -> Person:
    return from_record(Person, record)


@strawberry.type
class PersonQuery:
    @strawberry.field
    async def person(self, info: GQLInfo, id: strawberry.ID) -> Person | None:
        record = await info.context.loaders.one(people.by_ids).load(id)
        return person(record) if record else None

    @strawberry.field
    async def people(
        self,
        info: GQLInfo,
        filter: PersonFilter | None = None,
        order_by: PersonOrder = PersonOrder.NAME,
        descending: bool = False,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[Person]:
        f = filter or PersonFilter()
        page = await people.list_page(
            info.context.graph,
            page_request(info, first, after),
            institution_id=f.institution_id,
            skill_id=f.skill_id,
            min_level=f.min_skill_level,
            text=f.text,
            include_archived=f.include_archived,
            order=order_by,
            descending=descending,
        )
        return Connection.of(page, person)


@strawberry.type
class PersonMutation:
    @strawberry.mutation
    async def create_person(self, info: GQLInfo, input: PersonInput) -> Person:
        data = to_model(people.PersonInput, input)
        return person(await people.create(info.context.graph, data, info.context.actor_id))

    @strawberry.mutation
    async def update_person(self, info: GQLInfo, id: strawberry.ID, patch: PersonPatch) -> Person:
        data = to_model(people.PersonPatch, patch)
        return person(await people.update(info.context.graph, id, data, info.context.actor_id))

    @strawberry.mutation(description="Add a skill to a person or change its level.")
    async def set_person_skill(
        self, info: GQLInfo, person_id: strawberry.ID, input: PersonSkillInput
    ) -> Person:
        data = to_model(people.PersonSkillInput, input)
        return person(await people.set_skill(info.context.graph, person_id, data, info.context.actor_id))

    @strawberry.mutation
    async def remove_person_skill(
        self, info: GQLInfo, person_id: strawberry.ID, skill_id: strawberry.ID
    ) -> Person:
        return person(
            await people.remove_skill(info.context.graph, person_id, skill_id, info.context.actor_id)
        )

    @strawberry.mutation
    async def archive_person(self, info: GQLInfo, id: strawberry.ID) -> Person:
        return person(await people.archive(info.context.graph, id, info.context.actor_id))
