"""Where cross-cutting work piles up: hotspots, overload, team health, direction coverage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import insights, institutions, people, snapshot, teams
from graph.access import Viewer
from graph.driver import Graph, Record
from graph.insights import TeamProblem
from hub.api.base import GQLInfo, from_record
from hub.api.context import Context
from hub.api.teams import Role, TeamStatus  # registered with Strawberry there

if TYPE_CHECKING:
    from hub.api.institutions import Institution
    from hub.api.people import Person
    from hub.api.teams import ProjectTeam

strawberry.enum(TeamProblem)


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

    @strawberry.field
    async def institution(
        self, info: GQLInfo
    ) -> Annotated[Institution, strawberry.lazy("hub.api.institutions")] | None:
        from hub.api.institutions import Institution

        record = await info.context.loaders.one(institutions.by_ids).load(self.institution_id)
        return from_record(Institution, record) if record else None


@strawberry.type
class OverloadTeam:
    team_id: strawberry.ID
    name: str
    role: Role
    allocation: int


@strawberry.type(description="A person stretched across active teams.")
class OverloadedPerson:
    person_id: strawberry.ID
    name: str
    institution_id: strawberry.ID | None
    allocation: int = strawberry.field(description="Sum of allocations on active teams, in percent.")
    team_count: int = strawberry.field(description="Active teams the person sits on.")
    teams: list[OverloadTeam] = strawberry.field(description="Those teams, largest allocation first.")

    @strawberry.field
    async def person(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        record = await info.context.loaders.one(people.by_ids).load(self.person_id)
        return person(record) if record else None


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

    @strawberry.field
    async def team(self, info: GQLInfo) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None:
        from hub.api.teams import team

        record = await info.context.loaders.one(teams.by_ids, info.context.viewer).load(self.team_id)
        return team(record) if record else None


@strawberry.type
class MatrixCell:
    institution_id: strawberry.ID
    code: str
    name: str
    active_issues: int = strawberry.field(description="Active issues under the direction affecting it.")
    active_teams: int = strawberry.field(
        description="Active teams on those issues with a member who works at the institution."
    )


@strawberry.type(description="One plan direction: a cell per ministry, in the same order in every row.")
class MatrixRow:
    direction_id: strawberry.ID
    number: int
    title: str
    cells: list[MatrixCell]


async def fetch_team_health(context: Context, args: dict[str, Any]) -> list[Record]:
    """`teamHealth` as records (the projection in hub/api/projected.py answers with them)."""
    return await insights.team_health(
        context.graph,
        context.viewer,
        args.get("inactiveDays", 30),
        args.get("invitationDays", 7),
        facts=_cached_team_facts,
    )


async def fetch_direction_matrix(context: Context, args: dict[str, Any]) -> list[Record]:
    """`directionMatrix` as records; it aggregates over every team and issue, so it is computed
    once per committed graph state and viewer (graph/snapshot.py)."""
    return await snapshot.cached(context.graph, context.viewer, insights.direction_matrix)


async def _cached_team_facts(graph: Graph, viewer: Viewer) -> list[Record]:
    """Every open team's facts, once per committed graph state and viewer (graph/snapshot.py);
    the day thresholds are applied to them per request."""
    return await snapshot.cached(graph, viewer, insights.team_facts)


@strawberry.type
class InsightQuery:
    @strawberry.field(description="Institutions ranked by score = activeIssues × 2 + activeMemberships.")
    async def hotspots(self, info: GQLInfo, limit: int = 20) -> list[Hotspot]:
        rows = await insights.hotspots(info.context.graph, info.context.viewer, limit)
        return [from_record(Hotspot, r) for r in rows]

    @strawberry.field(
        description="People whose active-team allocations sum above 100 % or who sit on more than "
        "`maxTeams` active teams; highest allocation first."
    )
    async def overload(self, info: GQLInfo, max_teams: int = 3) -> list[OverloadedPerson]:
        rows = await insights.overload(info.context.graph, info.context.viewer, max_teams)
        return [
            from_record(OverloadedPerson, {**r, "teams": [from_record(OverloadTeam, t) for t in r["teams"]]})
            for r in rows
        ]

    @strawberry.field(
        description="Forming or active teams without a lead, without activity for `inactiveDays`, or "
        "with invitations pending longer than `invitationDays`; most problems first."
    )
    async def team_health(
        self, info: GQLInfo, inactive_days: int = 30, invitation_days: int = 7
    ) -> list[TeamHealth]:
        rows = await fetch_team_health(
            info.context, {"inactiveDays": inactive_days, "invitationDays": invitation_days}
        )
        return [from_record(TeamHealth, r) for r in rows]

    @strawberry.field(
        description="Coverage heatmap: for each plan direction and each ministry (and the State "
        "Chancellery), active issues and the active teams on them with a member from the ministry."
    )
    async def direction_matrix(self, info: GQLInfo) -> list[MatrixRow]:
        rows = await fetch_direction_matrix(info.context, {})
        return [
            from_record(MatrixRow, {**r, "cells": [from_record(MatrixCell, c) for c in r["cells"]]})
            for r in rows
        ]
