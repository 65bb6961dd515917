"""Invitations to join a team: send, accept, decline, withdraw, and the manager's approval."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import invitations
from graph.invitations import InvitationStatus
from graph.validation import validate
from hub.api.base import Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Run, Write, answered_by_planner, maps, projection_of, writes
from hub.api.teams import Role  # registered as a GraphQL enum there
from hub.api.text_limits import LONG_TEXT, SHORT_TEXT

if TYPE_CHECKING:
    from hub.api.people import Person
    from hub.api.teams import ProjectTeam

strawberry.enum(
    InvitationStatus,
    description="PENDING until the invitee answers or it expires (EXPIRED); AWAITING_APPROVAL while "
    "the invitee's institution manager decides on the time; ACCEPTED once the membership started.",
)


@maps(invitations.INVITATION)
@strawberry.type(description="An invitation to join a team with a role and a share of working time.")
class Invitation(Node):
    role: Role
    allocation: int = strawberry.field(description="Percent of the invitee's working time.")
    message: str
    status: InvitationStatus
    reason: str | None = strawberry.field(description="Why it was declined or rejected, if given.")
    expires_at: datetime
    created_at: datetime | None
    responded_at: datetime | None
    team_name: str = strawberry.field(
        description="Shown to the invitee and their managers even when the team itself is restricted."
    )
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None = strawberry.field(
        description="Null for a restricted team the viewer is not a member of."
    )
    person: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(
        description="The invited person."
    )
    invited_by: Annotated[Person, strawberry.lazy("hub.api.people")] | None


Reason = Annotated[str | None, SHORT_TEXT.argument("Why, for the other side to read.")]


@strawberry.input
class InvitationInput:
    team_id: strawberry.ID
    person_id: strawberry.ID
    allocation: int
    role: Role = Role.MEMBER
    message: str = LONG_TEXT.field(default="")
    expires_at: datetime | None = strawberry.field(default=None, description="Default: in 14 days.")


def _reason(args: Args) -> invitations.Reason:
    reason = args.get("reason")
    return validate(invitations.Reason, {} if reason is None else {"reason": reason})


async def _invite(ctx: Context, args: Args, returning: Returning | None) -> object:
    data = validate(invitations.InvitationInput, args["input"])
    return await invitations.invite(
        ctx.graph, data, ctx.actor_id, ctx.viewer, returning=projection_of(returning)
    )


async def _accept(ctx: Context, args: Args, returning: Returning | None) -> object:
    return await invitations.accept(
        ctx.graph, args["invitationId"], ctx.actor_id, ctx.viewer, returning=projection_of(returning)
    )


async def _decline(ctx: Context, args: Args, returning: Returning | None) -> object:
    return await invitations.decline(
        ctx.graph,
        args["invitationId"],
        _reason(args),
        ctx.actor_id,
        ctx.viewer,
        returning=projection_of(returning),
    )


async def _withdraw(ctx: Context, args: Args, returning: Returning | None) -> object:
    return await invitations.withdraw(
        ctx.graph, args["invitationId"], ctx.actor_id, ctx.viewer, returning=projection_of(returning)
    )


async def _approve(ctx: Context, args: Args, returning: Returning | None) -> object:
    return await invitations.approve_allocation(
        ctx.graph, args["invitationId"], ctx.actor_id, ctx.viewer, returning=projection_of(returning)
    )


async def _reject(ctx: Context, args: Args, returning: Returning | None) -> object:
    return await invitations.reject_allocation(
        ctx.graph,
        args["invitationId"],
        _reason(args),
        ctx.actor_id,
        ctx.viewer,
        returning=projection_of(returning),
    )


def _checked(run: Run) -> Write:
    """A one-statement write (graph/checked_writes.py): it returns its result selection itself
    and reads its caller again."""
    return Write(run, projected=True, confirms_caller=True)


@writes(
    inviteMember=_checked(_invite),
    acceptInvitation=_checked(_accept),
    declineInvitation=_checked(_decline),
    withdrawInvitation=_checked(_withdraw),
    approveAllocation=_checked(_approve),
    rejectAllocation=_checked(_reject),
)
@strawberry.type
class InvitationMutation:
    @strawberry.mutation(description="Invite a person to a team; they join only by accepting.")
    def invite_member(self, input: InvitationInput) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(
        description="The invitee accepts: the membership starts, or awaits the manager's approval."
    )
    def accept_invitation(self, invitation_id: strawberry.ID) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation
    def decline_invitation(self, invitation_id: strawberry.ID, reason: Reason = None) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="The lead takes back an invitation not yet accepted.")
    def withdraw_invitation(self, invitation_id: strawberry.ID) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="A manager of the invitee's institution approves the time; they join.")
    def approve_allocation(self, invitation_id: strawberry.ID) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="A manager of the invitee's institution refuses the time.")
    def reject_allocation(self, invitation_id: strawberry.ID, reason: Reason = None) -> Invitation:
        return answered_by_planner()
