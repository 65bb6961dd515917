"""Where cross-cutting work piles up: hotspots, overload, team health, direction coverage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import insights
from graph.insights import TeamProblem
from hub.api.base import described_enum
from hub.api.planning import answered_by_planner, maps, roots
from hub.api.teams import Role, TeamStatus  # registered with Strawberry there

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.teams import ProjectTeam

described_enum(
    TeamProblem,
    "Something wrong with a forming or active team.",
    NO_LEAD="The team has no lead.",
    INACTIVE="Nothing has happened in the team's feed for `inactiveDays`.",
    UNANSWERED_INVITATIONS="Invitations have been pending for longer than `invitationDays`.",
)


@maps(insights.HOTSPOT)
@strawberry.type(description="An institution where active issues and active-team seats concentrate.")
class Hotspot:
    institution_id: strawberry.ID = strawberry.field(description="The institution's id.")
    name: str = strawberry.field(description="The institution's name in Latvian.")
    code: str = strawberry.field(description="The institution's short code.")
    active_issues: int = strawberry.field(description="Active issues affecting the institution.")
    active_memberships: int = strawberry.field(
        description="Seats its people hold on active teams (a person on two teams counts twice)."
    )
    score: int = strawberry.field(description="activeIssues × 2 + activeMemberships.")
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None = strawberry.field(
        description="The institution itself, for more of its fields."
    )


@maps(insights.OVERLOAD_TEAM)
@strawberry.type(description="One active team an overloaded person sits on.")
class OverloadTeam:
    team_id: strawberry.ID = strawberry.field(description="The team's id.")
    name: str = strawberry.field(description="The team's name.")
    role: Role = strawberry.field(description="The person's role on it.")
    allocation: int = strawberry.field(description="Percent of the person's working time given to it.")


@maps(insights.OVERLOADED_PERSON)
@strawberry.type(description="A person stretched across active teams.")
class OverloadedPerson:
    person_id: strawberry.ID = strawberry.field(description="The person's id.")
    name: str = strawberry.field(description="The person's name.")
    institution_id: strawberry.ID | None = strawberry.field(
        description="Where the person works; null when not recorded."
    )
    allocation: int = strawberry.field(description="Sum of allocations on active teams, in percent.")
    team_count: int = strawberry.field(description="Active teams the person sits on.")
    teams: list[OverloadTeam] = strawberry.field(description="Those teams, largest allocation first.")
    person: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        description="The person themself, for more of their fields."
    )


@maps(insights.TEAM_HEALTH_ROW)
@strawberry.type(description="A forming or active team with at least one problem.")
class TeamHealth:
    team_id: strawberry.ID = strawberry.field(description="The team's id.")
    name: str = strawberry.field(description="The team's name.")
    status: TeamStatus = strawberry.field(description="Forming or active.")
    problems: list[TeamProblem] = strawberry.field(description="Everything wrong with it, at least one.")
    last_activity_at: datetime | None = strawberry.field(
        description="Newest activity in the team's feed, or its creation when there is none."
    )
    unanswered_invitations: int = strawberry.field(description="Invitations pending too long.")
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None = strawberry.field(
        description="The team itself, for more of its fields."
    )


@maps(insights.MATRIX_CELL)
@strawberry.type(description="One ministry's coverage of one plan direction.")
class MatrixCell:
    institution_id: strawberry.ID = strawberry.field(
        description="The ministry's (or State Chancellery's) id."
    )
    code: str = strawberry.field(description="Its short code.")
    name: str = strawberry.field(description="Its name in Latvian.")
    active_issues: int = strawberry.field(description="Active issues under the direction affecting it.")
    active_teams: int = strawberry.field(
        description="Active teams on those issues with a member who works at the institution."
    )


@maps(insights.MATRIX_ROW)
@strawberry.type(description="One plan direction: a cell per ministry, in the same order in every row.")
class MatrixRow:
    direction_id: strawberry.ID = strawberry.field(description="The plan direction's id.")
    number: int = strawberry.field(description="The direction's number in the plan, 1 to 7.")
    title: str = strawberry.field(description="The direction's title in Latvian.")
    cells: list[MatrixCell] = strawberry.field(
        description="One cell per ministry: the State Chancellery first, then by code."
    )


@roots(
    hotspots=insights.HOTSPOTS_FIELD,
    overload=insights.OVERLOAD_FIELD,
    teamHealth=insights.TEAM_HEALTH_FIELD,
    directionMatrix=insights.DIRECTION_MATRIX_FIELD,
)
@strawberry.type
class InsightQuery:
    @strawberry.field(description="Institutions ranked by score = activeIssues × 2 + activeMemberships.")
    def hotspots(
        self, limit: Annotated[int, strawberry.argument(description="How many at most, 1 to 100.")] = 20
    ) -> list[Hotspot]:
        return answered_by_planner()

    @strawberry.field(
        description="People whose active-team allocations sum above 100 % or who sit on more than "
        "`maxTeams` active teams; highest allocation first."
    )
    def overload(
        self,
        max_teams: Annotated[
            int, strawberry.argument(description="More active teams than this (1 to 100) counts as overload.")
        ] = 3,
    ) -> list[OverloadedPerson]:
        return answered_by_planner()

    @strawberry.field(
        description="Forming or active teams without a lead, without activity for `inactiveDays`, or "
        "with invitations pending longer than `invitationDays`; most problems first."
    )
    def team_health(
        self,
        inactive_days: Annotated[
            int,
            strawberry.argument(description="Days without activity (1 to 3650) that make a team INACTIVE."),
        ] = 30,
        invitation_days: Annotated[
            int,
            strawberry.argument(
                description="Days (0 to 3650) after which a pending invitation counts as unanswered."
            ),
        ] = 7,
    ) -> list[TeamHealth]:
        return answered_by_planner()

    @strawberry.field(
        description="Coverage heatmap: for each plan direction and each ministry (and the State "
        "Chancellery), active issues and the active teams on them with a member from the ministry."
    )
    def direction_matrix(self) -> list[MatrixRow]:
        return answered_by_planner()
