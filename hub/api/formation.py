"""Forming a team: member suggestions with their reasons, institution coverage, overlap warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import formation, institutions, people, skills, teams
from graph.driver import Record
from graph.formation import WarningCode
from graph.validation import validate
from hub.api.base import GQLInfo, from_record
from hub.api.issues import Stake  # registered as a GraphQL enum there

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.skills import Skill
    from hub.api.teams import ProjectTeam

strawberry.enum(WarningCode)


async def _institution(info: GQLInfo, id: str) -> Institution:
    from hub.api.institutions import Institution

    return from_record(Institution, await info.context.loaders.one(institutions.by_ids).load(id) or {})


async def _person(info: GQLInfo, id: str) -> Person:
    from hub.api.people import person

    return person(await info.context.loaders.one(people.by_ids).load(id) or {})


async def _team(info: GQLInfo, id: str) -> ProjectTeam:
    from hub.api.teams import team

    return team(await info.context.loaders.one(teams.by_ids, info.context.viewer).load(id) or {})


@strawberry.type(description="A requested skill the candidate has, and at which level (1–5).")
class SkillMatch:
    level: int
    skill_id: strawberry.Private[str]

    @strawberry.field
    async def skill(self, info: GQLInfo) -> Annotated[Skill, strawberry.lazy("hub.api.skills")]:
        from hub.api.skills import Skill

        return from_record(Skill, await info.context.loaders.one(skills.by_ids).load(self.skill_id) or {})


@strawberry.type(description="An affected institution no member represents yet, which the candidate would.")
class InstitutionGap:
    stake: Stake
    institution_id: strawberry.Private[str]

    @strawberry.field
    async def institution(
        self, info: GQLInfo
    ) -> Annotated[Institution, strawberry.lazy("hub.api.institutions")]:
        return await _institution(info, self.institution_id)


@strawberry.type(description="A person worth inviting, with the reasons behind the score.")
class MemberSuggestion:
    score: int = strawberry.field(
        description="10 × the sum of matched skill levels + institution gap (LEAD 30, INVOLVED 20, "
        "CONSULTED 10) + free capacity / 10, rounded down."
    )
    free_capacity: int = strawberry.field(description="Percent of working time not allocated to open teams.")
    matched_skills: list[SkillMatch]
    institution_gap: InstitutionGap | None
    person_id: strawberry.Private[str]

    @strawberry.field
    async def person(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        return await _person(info, self.person_id)


def suggestion(record: Record) -> MemberSuggestion:
    gap = record["gap"]
    return MemberSuggestion(
        score=record["score"],
        free_capacity=record["freeCapacity"],
        matched_skills=[SkillMatch(level=s["level"], skill_id=s["skillId"]) for s in record["skills"]],
        institution_gap=InstitutionGap(stake=gap["stake"], institution_id=gap["institutionId"])
        if gap
        else None,
        person_id=record["personId"],
    )


@strawberry.type(description="An institution the team's issue affects, and who represents it on the team.")
class InstitutionCoverage:
    stake: Stake
    institution_id: strawberry.Private[str]
    representative_ids: strawberry.Private[list[str]]

    @strawberry.field
    async def institution(
        self, info: GQLInfo
    ) -> Annotated[Institution, strawberry.lazy("hub.api.institutions")]:
        return await _institution(info, self.institution_id)

    @strawberry.field(description="Members who work at the institution.")
    async def representatives(
        self, info: GQLInfo
    ) -> list[Annotated[Person, strawberry.lazy("hub.api.people")]]:
        from hub.api.people import person

        records = await info.context.loaders.one(people.by_ids).load_many(self.representative_ids)
        return [person(r or {}) for r in records]

    @strawberry.field(description="True when no member works at the institution.")
    def missing(self) -> bool:
        return not self.representative_ids


@strawberry.type(description="Which affected institutions are represented on a team, lead stake first.")
class Coverage:
    institutions: list[InstitutionCoverage]
    lead_institution_missing: bool = strawberry.field(
        description="True when an institution with the LEAD stake has no member on the team."
    )

    @strawberry.field(description="The affected institutions nobody on the team represents.")
    def missing(self) -> list[InstitutionCoverage]:
        return [c for c in self.institutions if not c.representative_ids]


def coverage(record: Record) -> Coverage:
    return Coverage(
        institutions=[
            InstitutionCoverage(
                stake=c["stake"], institution_id=c["institutionId"], representative_ids=c["representativeIds"]
            )
            for c in record["institutions"]
        ],
        lead_institution_missing=record["leadInstitutionMissing"],
    )


@strawberry.type(description="Why a new team may duplicate work; the team was created anyway.")
class OverlapWarning:
    code: WarningCode
    message: str
    team_id: strawberry.Private[str]

    @strawberry.field(description="The other, active team.")
    async def team(self, info: GQLInfo) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return await _team(info, self.team_id)


@strawberry.type
class CreateTeamPayload:
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]
    warnings: list[OverlapWarning]


@strawberry.type
class FormationQuery:
    @strawberry.field(description="People worth inviting to a team, best first, each with its reasons.")
    async def suggest_members(
        self,
        info: GQLInfo,
        team_id: strawberry.ID,
        skills: list[strawberry.ID] | None = None,
        limit: int = 10,
    ) -> list[MemberSuggestion]:
        data = validate(
            formation.SuggestionInput, {"team_id": team_id, "skills": skills or [], "limit": limit}
        )
        return [suggestion(r) for r in await formation.suggest(info.context.graph, data, info.context.viewer)]

    @strawberry.field(description="The affected institutions of a team's issue and who represents each.")
    async def coverage(self, info: GQLInfo, team_id: strawberry.ID) -> Coverage | None:
        record = await info.context.loaders.one(formation.coverage_of, info.context.viewer).load(team_id)
        return coverage(record) if record else None
