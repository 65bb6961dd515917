"""A team's life: status changes, the lead hand-over, leaving, membership terms, upcoming deadlines."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import lifecycle
from graph.validation import validate
from hub.api.base import described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.teams import Role, TeamStatus  # registered as GraphQL enums there
from hub.api.text_limits import OUTCOME

if TYPE_CHECKING:
    from hub.api.teams import ProjectTeam


class DueKind(StrEnum):
    MANDATE_END = "MANDATE_END"
    REPORT = "REPORT"


described_enum(
    DueKind,
    "What falls due: the mandate ends, or a report is due.",
    MANDATE_END="The team's mandate ends (its `endDate`).",
    REPORT="One of the team's `reportingDeadlines`.",
)
_TEAM_ID = strawberry.argument(description="The team's id.")


@maps(lifecycle.DUE_ITEM)
@strawberry.type(description="A team's nearest mandate end or reporting deadline.")
class DueItem:
    kind: DueKind = strawberry.field(description="Mandate end or report.")
    due_date: date = strawberry.field(description="The day it falls due.")
    days_left: int = strawberry.field(description="Whole days from today until `dueDate`; 0 when due today.")
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] = strawberry.field(
        description="The team it concerns."
    )


@roots(dueSoon=lifecycle.DUE_SOON)
@strawberry.type
class LifecycleQuery:
    @strawberry.field(
        description="Open teams whose mandate ends or a report is due within `days` days, soonest first."
    )
    def due_soon(
        self,
        days: Annotated[int, strawberry.argument(description="How far ahead to look, 0 to 3650 days.")] = 30,
    ) -> list[DueItem]:
        return answered_by_planner()


async def _set_status(ctx: Context, args: Args, _: Returning | None) -> object:
    change = validate(lifecycle.StatusChange, {"status": args["status"], "outcome": args.get("outcome")})
    return await lifecycle.set_status(ctx.graph, args["teamId"], change, ctx.actor_id, ctx.viewer)


async def _hand_over(ctx: Context, args: Args, _: Returning | None) -> object:
    return await lifecycle.hand_over_lead(
        ctx.graph, args["teamId"], args["toPersonId"], ctx.actor_id, ctx.viewer
    )


async def _leave(ctx: Context, args: Args, _: Returning | None) -> object:
    return await lifecycle.leave(ctx.graph, args["teamId"], args["personId"], ctx.actor_id, ctx.viewer)


async def _remove(ctx: Context, args: Args, _: Returning | None) -> object:
    return await lifecycle.remove_member(
        ctx.graph, args["teamId"], args["personId"], ctx.actor_id, ctx.viewer
    )


async def _update_membership(ctx: Context, args: Args, _: Returning | None) -> object:
    patch = validate(
        lifecycle.MembershipPatch, {"role": args.get("role"), "allocation": args.get("allocation")}
    )
    return await lifecycle.update_membership(
        ctx.graph, args["teamId"], args["personId"], patch, ctx.actor_id, ctx.viewer
    )


@writes(
    setTeamStatus=Write(_set_status),
    handOverLead=Write(_hand_over),
    leaveTeam=Write(_leave),
    removeMember=Write(_remove),
    updateMembership=Write(_update_membership),
)
@strawberry.type
class LifecycleMutation:
    @strawberry.mutation(
        description="FORMING → ACTIVE, or ACTIVE → CLOSED with an outcome; no other change is allowed "
        "(the team's lead, or an administrator)."
    )
    def set_team_status(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        status: Annotated[TeamStatus, strawberry.argument(description="The next status: ACTIVE or CLOSED.")],
        outcome: Annotated[str | None, OUTCOME.argument("What the team delivered (closing it).")] = None,
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return answered_by_planner()

    @strawberry.mutation(
        description="Make a member the lead; the old lead stays on as a MEMBER (the team's lead, or an "
        "administrator)."
    )
    def hand_over_lead(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        to_person_id: Annotated[strawberry.ID, strawberry.argument(description="The member to become lead.")],
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return answered_by_planner()

    @strawberry.mutation(description="Leave a team yourself (the lead hands over first).")
    def leave_team(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        person_id: Annotated[strawberry.ID, strawberry.argument(description="Yourself: the member leaving.")],
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return answered_by_planner()

    @strawberry.mutation(description="The lead (or an administrator) takes a member off the team.")
    def remove_member(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        person_id: Annotated[strawberry.ID, strawberry.argument(description="The member to remove.")],
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return answered_by_planner()

    @strawberry.mutation(
        description="Change a member's role or allocation; the lead changes only by hand-over (the "
        "team's lead, or an administrator)."
    )
    def update_membership(
        self,
        team_id: Annotated[strawberry.ID, _TEAM_ID],
        person_id: Annotated[strawberry.ID, strawberry.argument(description="The member to change.")],
        role: Annotated[
            Role | None, strawberry.argument(description="The new role (not LEAD); unchanged when omitted.")
        ] = None,
        allocation: Annotated[
            int | None,
            strawberry.argument(
                description="The new percent of working time, 0 to 100; unchanged when omitted."
            ),
        ] = None,
    ) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]:
        return answered_by_planner()
