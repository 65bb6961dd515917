"""Forming a team: member suggestions with their reasons, institution coverage, overlap warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import formation
from graph.formation import WarningCode
from hub.api.issues import Stake  # registered as a GraphQL enum there
from hub.api.planning import answered_by_planner, maps, roots

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.skills import Skill
    from hub.api.teams import ProjectTeam

strawberry.enum(WarningCode)


@maps(formation.SKILL_MATCH)
@strawberry.type(description="A requested skill the candidate has, and at which level (1–5).")
class SkillMatch:
    level: int
    skill: Annotated[Skill, strawberry.lazy("hub.api.skills")]


@maps(formation.INSTITUTION_GAP)
@strawberry.type(description="An affected institution no member represents yet, which the candidate would.")
class InstitutionGap:
    stake: Stake
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")]


@maps(formation.MEMBER_SUGGESTION)
@strawberry.type(description="A person worth inviting, with the reasons behind the score.")
class MemberSuggestion:
    score: int = strawberry.field(
        description="10 × the sum of matched skill levels + institution gap (LEAD 30, INVOLVED 20, "
        "CONSULTED 10) + free capacity / 10, rounded down."
    )
    free_capacity: int = strawberry.field(description="Percent of working time not allocated to open teams.")
    matched_skills: list[SkillMatch]
    institution_gap: InstitutionGap | None
    person: Annotated[Person, strawberry.lazy("hub.api.people")]


@maps(formation.INSTITUTION_COVERAGE)
@strawberry.type(description="An institution the team's issue affects, and who represents it on the team.")
class InstitutionCoverage:
    stake: Stake
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")]
    representatives: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        description="Members who work at the institution."
    )
    missing: bool = strawberry.field(description="True when no member works at the institution.")


@maps(formation.COVERAGE)
@strawberry.type(description="Which affected institutions are represented on a team, lead stake first.")
class Coverage:
    institutions: list[InstitutionCoverage]
    lead_institution_missing: bool = strawberry.field(
        description="True when an institution with the LEAD stake has no member on the team."
    )
    missing: list[InstitutionCoverage] = strawberry.field(
        description="The affected institutions nobody on the team represents."
    )


@maps(formation.OVERLAP_WARNING)
@strawberry.type(description="Why a new team may duplicate work; the team was created anyway.")
class OverlapWarning:
    code: WarningCode
    message: str
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] = strawberry.field(
        description="The other, active team."
    )


@maps(formation.CREATE_TEAM_PAYLOAD)
@strawberry.type
class CreateTeamPayload:
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]
    warnings: list[OverlapWarning]


@roots(suggestMembers=formation.SUGGEST_MEMBERS, coverage=formation.COVERAGE_OF_TEAM)
@strawberry.type
class FormationQuery:
    @strawberry.field(description="People worth inviting to a team, best first, each with its reasons.")
    def suggest_members(
        self, team_id: strawberry.ID, skills: list[strawberry.ID] | None = None, limit: int = 10
    ) -> list[MemberSuggestion]:
        return answered_by_planner()

    @strawberry.field(description="The affected institutions of a team's issue and who represents each.")
    def coverage(self, team_id: strawberry.ID) -> Coverage | None:
        return answered_by_planner()
