"""Where cross-cutting work piles up: hotspots, overload, team health, direction coverage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import insights
from graph.insights import TeamProblem
from hub.api.planning import answered_by_planner, maps, roots
from hub.api.teams import Role, TeamStatus  # registered with Strawberry there

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.teams import ProjectTeam

strawberry.enum(TeamProblem)


@maps(insights.HOTSPOT)
@strawberry.type(description="An institution where active issues and active-team seats concentrate.")
class Hotspot:
    institution_id: strawberry.ID
    name: str
    code: str
    active_issues: int = strawberry.field(description="Active issues affecting the institution.")
    active_memberships: int = strawberry.field(
        description="Seats its people hold on active teams (a person on two teams counts twice)."
    )
    score: int = strawberry.field(description="activeIssues × 2 + activeMemberships.")
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None


@maps(insights.OVERLOAD_TEAM)
@strawberry.type
class OverloadTeam:
    team_id: strawberry.ID
    name: str
    role: Role
    allocation: int


@maps(insights.OVERLOADED_PERSON)
@strawberry.type(description="A person stretched across active teams.")
class OverloadedPerson:
    person_id: strawberry.ID
    name: str
    institution_id: strawberry.ID | None
    allocation: int = strawberry.field(description="Sum of allocations on active teams, in percent.")
    team_count: int = strawberry.field(description="Active teams the person sits on.")
    teams: list[OverloadTeam] = strawberry.field(description="Those teams, largest allocation first.")
    person: Annotated[Person, strawberry.lazy("hub.api.people")] | None


@maps(insights.TEAM_HEALTH_ROW)
@strawberry.type(description="A forming or active team with at least one problem.")
class TeamHealth:
    team_id: strawberry.ID
    name: str
    status: TeamStatus
    problems: list[TeamProblem]
    last_activity_at: datetime | None = strawberry.field(
        description="Newest activity in the team's feed, or its creation when there is none."
    )
    unanswered_invitations: int = strawberry.field(description="Invitations pending too long.")
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None


@maps(insights.MATRIX_CELL)
@strawberry.type
class MatrixCell:
    institution_id: strawberry.ID
    code: str
    name: str
    active_issues: int = strawberry.field(description="Active issues under the direction affecting it.")
    active_teams: int = strawberry.field(
        description="Active teams on those issues with a member who works at the institution."
    )


@maps(insights.MATRIX_ROW)
@strawberry.type(description="One plan direction: a cell per ministry, in the same order in every row.")
class MatrixRow:
    direction_id: strawberry.ID
    number: int
    title: str
    cells: list[MatrixCell]


@roots(
    hotspots=insights.HOTSPOTS_FIELD,
    overload=insights.OVERLOAD_FIELD,
    teamHealth=insights.TEAM_HEALTH_FIELD,
    directionMatrix=insights.DIRECTION_MATRIX_FIELD,
)
@strawberry.type
class InsightQuery:
    @strawberry.field(description="Institutions ranked by score = activeIssues × 2 + activeMemberships.")
    def hotspots(self, limit: int = 20) -> list[Hotspot]:
        return answered_by_planner()

    @strawberry.field(
        description="People whose active-team allocations sum above 100 % or who sit on more than "
        "`maxTeams` active teams; highest allocation first."
    )
    def overload(self, max_teams: int = 3) -> list[OverloadedPerson]:
        return answered_by_planner()

    @strawberry.field(
        description="Forming or active teams without a lead, without activity for `inactiveDays`, or "
        "with invitations pending longer than `invitationDays`; most problems first."
    )
    def team_health(self, inactive_days: int = 30, invitation_days: int = 7) -> list[TeamHealth]:
        return answered_by_planner()

    @strawberry.field(
        description="Coverage heatmap: for each plan direction and each ministry (and the State "
        "Chancellery), active issues and the active teams on them with a member from the ministry."
    )
    def direction_matrix(self) -> list[MatrixRow]:
        return answered_by_planner()
