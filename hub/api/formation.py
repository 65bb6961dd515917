"""Forming a team: member suggestions with their reasons, institution coverage, overlap warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import formation
from graph.formation import WarningCode
from hub.api.base import described_enum
from hub.api.issues import Stake  # registered as a GraphQL enum there
from hub.api.planning import answered_by_planner, maps, roots

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.skills import Skill
    from hub.api.teams import ProjectTeam

described_enum(
    WarningCode,
    "Why a new team may duplicate work.",
    ISSUE_HAS_ACTIVE_TEAM="Another active team already works on the same issue.",
    MEMBERS_OVERLAP="More than half of the proposed members already sit on another active team.",
)
_TEAM_ID = strawberry.argument(description="The team being formed.")


@maps(formation.SKILL_MATCH)
@strawberry.type(description="A requested skill the candidate has, and at which level (1–5).")
class SkillMatch:
    level: int = strawberry.field(description="The candidate's level in the skill, 1 (basic) to 5 (expert).")
    skill: Annotated[Skill, strawberry.lazy("hub.api.skills")] = strawberry.field(
        description="The requested skill."
    )


@maps(formation.INSTITUTION_GAP)
@strawberry.type(description="An affected institution no member represents yet, which the candidate would.")
class InstitutionGap:
    stake: Stake = strawberry.field(description="The institution's stake in the team's issue.")
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] = strawberry.field(
        description="The unrepresented institution the candidate works at."
    )


@maps(formation.MEMBER_SUGGESTION)
@strawberry.type(description="A person worth inviting, with the reasons behind the score.")
class MemberSuggestion:
    score: int = strawberry.field(
        description="10 × the sum of matched skill levels + institution gap (LEAD 30, INVOLVED 20, "
        "CONSULTED 10) + free capacity / 10, rounded down."
    )
    free_capacity: int = strawberry.field(description="Percent of working time not allocated to open teams.")
    matched_skills: list[SkillMatch] = strawberry.field(
        description="The requested skills the candidate has, strongest first."
    )
    institution_gap: InstitutionGap | None = strawberry.field(
        description="The affected institution the candidate would bring onto the team; null when none."
    )
    person: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(
        description="The candidate."
    )


@maps(formation.INSTITUTION_COVERAGE)
@strawberry.type(description="An institution the team's issue affects, and who represents it on the team.")
class InstitutionCoverage:
    stake: Stake = strawberry.field(description="How the issue affects the institution.")
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] = strawberry.field(
        description="The affected institution."
    )
    representatives: list[Annotated[Person, strawberry.lazy("hub.api.people")]] = strawberry.field(
        description="Members who work at the institution."
    )
    missing: bool = strawberry.field(description="True when no member works at the institution.")


@maps(formation.COVERAGE)
@strawberry.type(description="Which affected institutions are represented on a team, lead stake first.")
class Coverage:
    institutions: list[InstitutionCoverage] = strawberry.field(
        description="Every institution the issue affects, lead stake first, with its representatives."
    )
    lead_institution_missing: bool = strawberry.field(
        description="True when an institution with the LEAD stake has no member on the team."
    )
    missing: list[InstitutionCoverage] = strawberry.field(
        description="The affected institutions nobody on the team represents."
    )


@maps(formation.OVERLAP_WARNING)
@strawberry.type(description="Why a new team may duplicate work; the team was created anyway.")
class OverlapWarning:
    code: WarningCode = strawberry.field(description="What kind of overlap.")
    message: str = strawberry.field(description="The overlap explained for a person, in English.")
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] = strawberry.field(
        description="The other, active team."
    )


@maps(formation.CREATE_TEAM_PAYLOAD)
@strawberry.type(description="The new team, and any overlap with teams already at work.")
class CreateTeamPayload:
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] = strawberry.field(
        description="The team just created."
    )
    warnings: list[OverlapWarning] = strawberry.field(
        description="Active teams it may duplicate (only those the creator may see); empty when none."
    )


@roots(suggestMembers=formation.SUGGEST_MEMBERS, coverage=formation.COVERAGE_OF_TEAM)
@strawberry.type
class FormationQuery:
    @strawberry.field(
        description="People worth inviting to a team, best first, each with its reasons; "
        "empty for a team the viewer may not see."
    )
    def suggest_members(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        skills: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="The skills the team needs (at most 20); none when omitted."),
        ] = None,
        limit: Annotated[int, strawberry.argument(description="How many people at most, 1 to 50.")] = 10,
    ) -> list[MemberSuggestion]:
        return answered_by_planner()

    @strawberry.field(
        description="The affected institutions of a team's issue and who represents each; null "
        "for a team the viewer may not see."
    )
    def coverage(self, team_id: Annotated[strawberry.ID, _TEAM_ID]) -> Coverage | None:
        return answered_by_planner()
