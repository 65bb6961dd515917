"""Invitations to join a team: send, accept, decline, withdraw, and the manager's approval."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import invitations, people, teams
from graph.driver import Record
from graph.invitations import InvitationStatus
from graph.validation import validate
from hub.api.base import GQLInfo, Node, from_record, to_model
from hub.api.context import Context
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
    team_id: strawberry.Private[str]
    person_id: strawberry.Private[str]
    invited_by_id: strawberry.Private[str | None]

    @strawberry.field(description="Null for a restricted team the viewer is not a member of.")
    async def team(self, info: GQLInfo) -> Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")] | None:
        from hub.api.teams import team

        record = await info.context.loaders.one(teams.by_ids, info.context.viewer).load(self.team_id)
        return team(record) if record else None

    @strawberry.field(description="The invited person.")
    async def person(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        from hub.api.people import person

        return person(await info.context.loaders.one(people.by_ids).load(self.person_id) or {})

    @strawberry.field
    async def invited_by(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")] | None:
        from hub.api.people import person

        if self.invited_by_id is None:
            return None
        record = await info.context.loaders.one(people.by_ids).load(self.invited_by_id)
        return person(record) if record else None


def invitation(record: Record) -> Invitation:
    return from_record(Invitation, record)


Reason = Annotated[str | None, SHORT_TEXT.argument("Why, for the other side to read.")]


@strawberry.input
class InvitationInput:
    team_id: strawberry.ID
    person_id: strawberry.ID
    allocation: int
    role: Role = Role.MEMBER
    message: str = LONG_TEXT.field(default="")
    expires_at: datetime | None = strawberry.field(default=None, description="Default: in 14 days.")


def _reason(reason: str | None) -> invitations.Reason:
    return validate(invitations.Reason, {} if reason is None else {"reason": reason})


# The resolvers of the hot mutations, also called by hub/api/early_mutations.py.
async def invite_member(ctx: Context, input: InvitationInput) -> Invitation:
    data = to_model(invitations.InvitationInput, input)
    return invitation(await invitations.invite(ctx.graph, data, ctx.actor_id, ctx.viewer))


async def accept_invitation(ctx: Context, invitation_id: str) -> Invitation:
    return invitation(await invitations.accept(ctx.graph, invitation_id, ctx.actor_id, ctx.viewer))


@strawberry.type
class InvitationMutation:
    @strawberry.mutation(description="Invite a person to a team; they join only by accepting.")
    async def invite_member(self, info: GQLInfo, input: InvitationInput) -> Invitation:
        return await invite_member(info.context, input)

    @strawberry.mutation(
        description="The invitee accepts: the membership starts, or awaits the manager's approval."
    )
    async def accept_invitation(self, info: GQLInfo, invitation_id: strawberry.ID) -> Invitation:
        return await accept_invitation(info.context, invitation_id)

    @strawberry.mutation
    async def decline_invitation(
        self, info: GQLInfo, invitation_id: strawberry.ID, reason: Reason = None
    ) -> Invitation:
        ctx = info.context
        return invitation(
            await invitations.decline(ctx.graph, invitation_id, _reason(reason), ctx.actor_id, ctx.viewer)
        )

    @strawberry.mutation(description="The lead takes back an invitation not yet accepted.")
    async def withdraw_invitation(self, info: GQLInfo, invitation_id: strawberry.ID) -> Invitation:
        ctx = info.context
        return invitation(await invitations.withdraw(ctx.graph, invitation_id, ctx.actor_id, ctx.viewer))

    @strawberry.mutation(description="A manager of the invitee's institution approves the time; they join.")
    async def approve_allocation(self, info: GQLInfo, invitation_id: strawberry.ID) -> Invitation:
        ctx = info.context
        return invitation(
            await invitations.approve_allocation(ctx.graph, invitation_id, ctx.actor_id, ctx.viewer)
        )

    @strawberry.mutation(description="A manager of the invitee's institution refuses the time.")
    async def reject_allocation(
        self, info: GQLInfo, invitation_id: strawberry.ID, reason: Reason = None
    ) -> Invitation:
        ctx = info.context
        return invitation(
            await invitations.reject_allocation(
                ctx.graph, invitation_id, _reason(reason), ctx.actor_id, ctx.viewer
            )
        )
