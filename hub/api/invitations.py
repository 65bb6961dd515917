"""Invitations to join a team: send, accept, decline, withdraw, and the manager's approval."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import invitations
from graph.invitations import InvitationStatus
from graph.validation import validate
from hub.api.base import Node, described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Run, Write, answered_by_planner, maps, projection_of, writes
from hub.api.teams import Role  # registered as a GraphQL enum there
from hub.api.text_limits import LONG_TEXT, SHORT_TEXT

if TYPE_CHECKING:
    from hub.api.people import Person
    from hub.api.teams import ProjectTeam

described_enum(
    InvitationStatus,
    "PENDING until the invitee answers or it expires (EXPIRED); AWAITING_APPROVAL while "
    "the invitee's institution manager decides on the time; ACCEPTED once the membership started.",
    PENDING="Sent; waiting for the invitee to accept or decline.",
    AWAITING_APPROVAL="Accepted by the invitee; a manager of their institution decides on the time.",
    ACCEPTED="The invitee joined: the membership started with the invited role and allocation.",
    DECLINED="The invitee said no.",
    WITHDRAWN="The lead took the invitation back before it was accepted.",
    REJECTED="A manager of the invitee's institution refused the time.",
    EXPIRED="Not answered before `expiresAt`; it can no longer be accepted (the lead may invite again).",
)
_INVITATION_ID = strawberry.argument(description="The invitation's id.")


@maps(invitations.INVITATION)
@strawberry.type(description="An invitation to join a team with a role and a share of working time.")
class Invitation(Node):
    role: Role = strawberry.field(description="The role the invitee would have on the team.")
    allocation: int = strawberry.field(description="Percent of the invitee's working time.")
    message: str = strawberry.field(description="The lead's note to the invitee; empty when none.")
    status: InvitationStatus = strawberry.field(description="Where the invitation stands.")
    reason: str | None = strawberry.field(description="Why it was declined or rejected, if given.")
    expires_at: datetime = strawberry.field(
        description="After this moment a pending invitation reads as EXPIRED and cannot be accepted."
    )
    created_at: datetime | None = strawberry.field(description="When the invitation was sent.")
    responded_at: datetime | None = strawberry.field(
        description="When it was first answered or withdrawn; null while pending."
    )
    team_name: str = strawberry.field(
        description="Shown to the invitee and their managers even when the team itself is restricted."
    )
    team: Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None = strawberry.field(
        description="Null for a restricted team the viewer is not a member of."
    )
    person: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(
        description="The invited person."
    )
    invited_by: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        description="Who sent it; null when sent by an administrator account without a person."
    )


Reason = Annotated[str | None, SHORT_TEXT.argument("Why, for the other side to read.")]


@strawberry.input(description="An invitation to send (the team's lead, or an administrator).")
class InvitationInput:
    team_id: strawberry.ID = strawberry.field(description="The team to join.")
    person_id: strawberry.ID = strawberry.field(description="The person to invite.")
    allocation: int = strawberry.field(
        description="Percent of the invitee's working time asked for, 0 to 100 (100 is full time)."
    )
    role: Role = strawberry.field(default=Role.MEMBER, description="The role offered; not LEAD.")
    message: str = LONG_TEXT.field("A note to the invitee.", default="")
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
    @strawberry.mutation(
        description="Invite a person to a team; they join only by accepting (the team's lead, or an "
        "administrator)."
    )
    def invite_member(
        self, input: Annotated[InvitationInput, strawberry.argument(description="Whom, to which team, how.")]
    ) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(
        description="The invitee accepts: the membership starts, or awaits the manager's approval."
    )
    def accept_invitation(self, invitation_id: Annotated[strawberry.ID, _INVITATION_ID]) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="The invitee says no, optionally saying why.")
    def decline_invitation(
        self, invitation_id: Annotated[strawberry.ID, _INVITATION_ID], reason: Reason = None
    ) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(
        description="The lead (or an administrator) takes back an invitation not yet accepted."
    )
    def withdraw_invitation(self, invitation_id: Annotated[strawberry.ID, _INVITATION_ID]) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="A manager of the invitee's institution approves the time; they join.")
    def approve_allocation(self, invitation_id: Annotated[strawberry.ID, _INVITATION_ID]) -> Invitation:
        return answered_by_planner()

    @strawberry.mutation(description="A manager of the invitee's institution refuses the time.")
    def reject_allocation(
        self, invitation_id: Annotated[strawberry.ID, _INVITATION_ID], reason: Reason = None
    ) -> Invitation:
        return answered_by_planner()
