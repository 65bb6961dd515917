"""A team's life: status changes, the lead hand-over, leaving, membership terms, upcoming deadlines."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import lifecycle, teams
from graph.driver import Record
from graph.validation import validate
from hub.api.base import GQLInfo
from hub.api.teams import Role, TeamStatus  # registered as GraphQL enums there
from hub.api.text_limits import OUTCOME

if TYPE_CHECKING:
    from hub.api.teams import ProjectTeam


class DueKind(StrEnum):
    MANDATE_END = "MANDATE_END"
    REPORT = "REPORT"


strawberry.enum(DueKind, description="What falls due: the mandate ends, or a report is due.")


def _team(record: Record) -> ProjectTeam:
    from hub.api.teams import team

    return team(record)


@strawberry.type(description="A team's nearest mandate end or reporting deadline.")
class DueItem:
    kind: DueKind
    due_date: date
    days_left: int
    team_id: strawberry.Private[str]

    @strawberry.field
    async def team(self, info: GQLInfo) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return _team(
            await info.context.loaders.one(teams.by_ids, info.context.viewer).load(self.team_id) or {}
        )


@strawberry.type
class LifecycleQuery:
    @strawberry.field(
        description="Open teams whose mandate ends or a report is due within `days` days, soonest first."
    )
    async def due_soon(self, info: GQLInfo, days: int = 30) -> list[DueItem]:
        data = validate(lifecycle.DueWindow, {"days": days})
        rows = await lifecycle.due_soon(info.context.graph, data.days, info.context.viewer)
        return [
            DueItem(kind=r["kind"], due_date=r["dueDate"], days_left=r["daysLeft"], team_id=r["teamId"])
            for r in rows
        ]


@strawberry.type
class LifecycleMutation:
    @strawberry.mutation(
        description="FORMING → ACTIVE, or ACTIVE → CLOSED with an outcome; no other change is allowed."
    )
    async def set_team_status(
        self,
        info: GQLInfo,
        team_id: strawberry.ID,
        status: TeamStatus,
        outcome: Annotated[str | None, OUTCOME.argument("What the team delivered (closing it).")] = None,
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        ctx = info.context
        change = validate(lifecycle.StatusChange, {"status": status, "outcome": outcome})
        return _team(await lifecycle.set_status(ctx.graph, team_id, change, ctx.actor_id, ctx.viewer))

    @strawberry.mutation(description="Make a member the lead; the old lead stays on as a MEMBER.")
    async def hand_over_lead(
        self, info: GQLInfo, team_id: strawberry.ID, to_person_id: strawberry.ID
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        ctx = info.context
        return _team(
            await lifecycle.hand_over_lead(ctx.graph, team_id, to_person_id, ctx.actor_id, ctx.viewer)
        )

    @strawberry.mutation(description="Leave a team (the lead hands over first).")
    async def leave_team(
        self, info: GQLInfo, team_id: strawberry.ID, person_id: strawberry.ID
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        ctx = info.context
        return _team(await lifecycle.leave(ctx.graph, team_id, person_id, ctx.actor_id, ctx.viewer))

    @strawberry.mutation(description="The lead takes a member off the team.")
    async def remove_member(
        self, info: GQLInfo, team_id: strawberry.ID, person_id: strawberry.ID
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        ctx = info.context
        return _team(await lifecycle.remove_member(ctx.graph, team_id, person_id, ctx.actor_id, ctx.viewer))

    @strawberry.mutation(
        description="Change a member's role or allocation; the lead changes only by hand-over."
    )
    async def update_membership(
        self,
        info: GQLInfo,
        team_id: strawberry.ID,
        person_id: strawberry.ID,
        role: Role | None = None,
        allocation: int | None = None,
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        ctx = info.context
        patch = validate(lifecycle.MembershipPatch, {"role": role, "allocation": allocation})
        return _team(
            await lifecycle.update_membership(ctx.graph, team_id, person_id, patch, ctx.actor_id, ctx.viewer)
        )
