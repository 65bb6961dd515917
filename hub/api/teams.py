"""Project team type and membership, queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import formation, teams
from graph.teams import Role, TeamOrder, TeamStatus, Visibility
from graph.validation import validate
from hub.api.base import Connection, Node, PageSize, described_enum
from hub.api.context import Context
from hub.api.formation import CreateTeamPayload
from hub.api.planning import (
    Args,
    Ref,
    Returning,
    Write,
    answered_by_planner,
    maps,
    projection_of,
    roots,
    writes,
)
from hub.api.text_limits import LONG_TEXT, NAME, ORDER_NUMBER, SEARCH, PageCursor

if TYPE_CHECKING:
    from hub.api.decisions import Decision
    from hub.api.formation import Coverage
    from hub.api.invitations import Invitation
    from hub.api.issues import HorizontalIssue
    from hub.api.people import Person
    from hub.api.posts import Post
    from hub.api.tasks import Task

described_enum(
    TeamStatus,
    "Where a team is in its life: forming, at work, or closed with an outcome.",
    FORMING="Being put together: the lead invites members (the status of a new team).",
    ACTIVE="At work on its issue; counted in the analyses.",
    CLOSED="Finished, with its outcome recorded; the status cannot change again.",
)
described_enum(
    Visibility,
    "PUBLIC: everyone; INTERNAL: signed-in civil servants; RESTRICTED: members and administrators.",
    PUBLIC="Open to everyone the hub serves; the API itself answers only signed-in callers, so "
    "today this reads like INTERNAL.",
    INTERNAL="Every signed-in civil servant may see the team (the default).",
    RESTRICTED="Only the team's members and administrators see the team, its posts, decisions and "
    "tasks; to everyone else it does not exist.",
)
described_enum(
    Role,
    "A member's role on a team.",
    LEAD="Runs the team: invites, removes and changes members; at most one per team.",
    MEMBER="A full member who works on the team.",
    EXPERT="A member who contributes specialist knowledge; the same rights in the team as MEMBER.",
    OBSERVER="A member who follows the work (e.g. for their institution); the same rights as MEMBER.",
)
described_enum(
    TeamOrder,
    "How a list of teams is sorted (ties broken by id).",
    NAME="By name, alphabetically.",
    CREATED="By when the team was created.",
    END_DATE="By when the mandate ends; teams without an end date last.",
)
_TEAM_ID = strawberry.argument(description="The team's id.")


@maps(teams.MEMBERSHIP)
@strawberry.type(description="A person's place on a team: role and share of working time.")
class Membership:
    role: Role = strawberry.field(description="Lead, member, expert or observer.")
    allocation: int = strawberry.field(
        description="Percent of the person's working time given to the team (0–100; 100 is full time)."
    )
    since: date | None = strawberry.field(description="The day the person joined the team.")
    person: Annotated[Person, strawberry.lazy("hub.api.people")] = strawberry.field(description="The member.")
    team: ProjectTeam = strawberry.field(description="The team they are on.")


@maps(teams.LEGAL_BASIS)
@strawberry.type(description="The legal act that set a team up, e.g. a Cabinet or Prime Minister's order.")
class LegalBasis:
    order_number: str = strawberry.field(description="The order's number as published, e.g. `123`.")
    order_date: date | None = strawberry.field(description="The date the order was issued, if known.")


def _posts_arguments(first: PageSize = None, after: PageCursor = None) -> Any:
    return answered_by_planner()


@maps(teams.TEAM)
@strawberry.type(
    description="A cross-institution team working on one horizontal issue. Who sees it follows its "
    "`visibility`: a RESTRICTED team (and everything in it) only its members and administrators."
)
class ProjectTeam(Node):
    name: str = strawberry.field(description="The team's name, as shown to its members and in lists.")
    mandate: str = strawberry.field(description="What the team is charged to do; empty when not given.")
    status: TeamStatus = strawberry.field(description="Forming, active or closed.")
    visibility: Visibility = strawberry.field(
        description="Who may see the team: public, internal or restricted."
    )
    outcome: str | None = strawberry.field(
        description="What the team delivered, recorded when it closed; null until then."
    )
    start_date: date | None = strawberry.field(description="When the mandate starts; null when not set.")
    end_date: date | None = strawberry.field(description="When the mandate ends.")
    reporting_deadlines: list[date] = strawberry.field(description="When reports are due, earliest first.")
    requires_manager_approval: bool = strawberry.field(
        description="Whether an invitee's home-institution manager approves the time before they join."
    )
    created_at: datetime | None = strawberry.field(description="When the team was created.")
    updated_at: datetime | None = strawberry.field(
        description="When its details last changed; null if they never have."
    )
    archived_at: datetime | None = strawberry.field(
        description="When the team was archived; null while it is current."
    )
    legal_basis: LegalBasis | None = strawberry.field(
        description="The order that set the team up, e.g. a Cabinet order number and date."
    )
    issue: Annotated[HorizontalIssue, strawberry.lazy("hub.api.issues")] | None = strawberry.field(
        description="The horizontal issue the team works on."
    )
    members: list[Membership] = strawberry.field(description="Members, the lead first.")
    invitations: list[Annotated[Invitation, strawberry.lazy("hub.api.invitations")]] = strawberry.field(
        description="Invitations: pending first, then awaiting approval, then the rest."
    )
    coverage: Annotated[Coverage, strawberry.lazy("hub.api.formation")] = strawberry.field(
        description="Which institutions the issue affects and who represents each on the team."
    )
    posts: Connection[Annotated[Post, strawberry.lazy("hub.api.posts")]] = strawberry.field(
        resolver=_posts_arguments, description="Top-level posts, newest first; each carries its replies."
    )
    decisions: list[Annotated[Decision, strawberry.lazy("hub.api.decisions")]] = strawberry.field(
        description="Decisions, latest decision date first."
    )
    tasks: list[Annotated[Task, strawberry.lazy("hub.api.tasks")]] = strawberry.field(
        description="Tasks: in progress, to do (soonest due first), done, cancelled."
    )


@strawberry.input(description="A new team for a horizontal issue.")
class TeamInput:
    name: str = NAME.field("The team's name.")
    issue_id: strawberry.ID = strawberry.field(description="The horizontal issue the team works on.")
    lead_person_id: strawberry.ID = strawberry.field(
        description="Who leads the team (its first member); without a granted role, only yourself."
    )
    mandate: str = LONG_TEXT.field("What the team is charged to do.", default="")
    lead_allocation: int = strawberry.field(
        default=20, description="Percent of the lead's working time given to the team, 0 to 100."
    )
    visibility: Visibility = strawberry.field(
        default=Visibility.INTERNAL, description="Who may see the team."
    )
    legal_basis_number: str | None = ORDER_NUMBER.field(
        "The number of the order that set the team up.", default=None
    )
    legal_basis_date: date | None = strawberry.field(default=None, description="The date of that order.")
    start_date: date | None = strawberry.field(default=None, description="When the mandate starts.")
    end_date: date | None = strawberry.field(
        default=None, description="When the mandate ends; not before `startDate`."
    )
    reporting_deadlines: list[date] = strawberry.field(
        default_factory=list, description="When reports are due (at most 50 dates)."
    )
    requires_manager_approval: bool = strawberry.field(
        default=False,
        description="Whether an invitee's home-institution manager approves the time before they join.",
    )
    proposed_member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="People the lead means to invite; only checked for overlap with other active teams.",
    )


@strawberry.input(description="Only the fields given are changed; null clears an optional field.")
class TeamPatch:
    name: str | None = NAME.field("The team's name.", default=strawberry.UNSET)
    mandate: str | None = LONG_TEXT.field("What the team is charged to do.", default=strawberry.UNSET)
    visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET,
        description="Who may see the team; making it RESTRICTED hides it from non-members at once.",
    )
    legal_basis_number: str | None = ORDER_NUMBER.field(
        "The number of the order that set the team up.", default=strawberry.UNSET
    )
    legal_basis_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="The date of that order."
    )
    start_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="When the mandate starts."
    )
    end_date: date | None = strawberry.field(default=strawberry.UNSET, description="When the mandate ends.")
    reporting_deadlines: list[date] | None = strawberry.field(
        default=strawberry.UNSET, description="When reports are due; replaces the whole list."
    )
    requires_manager_approval: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an invitee's home-institution manager approves the time before they join.",
    )


@strawberry.input(
    description="Which teams to list; every field given narrows the list (to the teams the viewer may see)."
)
class TeamFilter:
    status: TeamStatus | None = strawberry.field(default=None, description="Only teams with this status.")
    visibility: Visibility | None = strawberry.field(
        default=None, description="Only teams with this visibility."
    )
    issue_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only teams working on this issue."
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only teams this person is a member of."
    )
    text: str | None = SEARCH.field(
        "Words of the name or the mandate, matched as `search` matches them: any inflected form, "
        "diacritics optional, the last word a prefix; text with no word matches nothing.",
        default=None,
    )
    include_archived: bool = strawberry.field(
        default=False, description="Also list archived teams (hidden by default)."
    )


@roots(team=teams.TEAM_BY_ID, teams=teams.TEAMS)
@strawberry.type
class TeamQuery:
    @strawberry.field(
        description="One team, or null when there is none with this id or the viewer may not see it."
    )
    def team(self, id: Annotated[strawberry.ID, _TEAM_ID]) -> ProjectTeam | None:
        return answered_by_planner()

    @strawberry.field(description="The teams the viewer may see, a page at a time.")
    def teams(
        self,
        filter: Annotated[
            TeamFilter | None, strawberry.argument(description="Which teams; all current ones when omitted.")
        ] = None,
        order_by: Annotated[TeamOrder, strawberry.argument(description="The sort key.")] = TeamOrder.NAME,
        descending: Annotated[
            bool, strawberry.argument(description="Reverse the order (Z to A, newest, latest end first).")
        ] = False,
        first: PageSize = None,
        after: PageCursor = None,
    ) -> Connection[ProjectTeam]:
        return answered_by_planner()


async def _create(ctx: Context, args: Args, _: Returning | None) -> dict[str, object]:
    data = validate(teams.TeamInput, args["input"])
    node, warnings = await formation.create_team(ctx.graph, data, ctx.actor_id, ctx.viewer)
    return {
        "team": Ref("ProjectTeam", node["id"], trusted=True),
        "warnings": [
            {"code": w["code"], "message": w["message"], "team": Ref("ProjectTeam", w["teamId"])}
            for w in warnings
        ],
    }


async def _update(ctx: Context, args: Args, returning: Returning | None) -> object:
    data = validate(teams.TeamPatch, args["patch"])
    return await teams.update(
        ctx.graph, args["id"], data, ctx.actor_id, ctx.viewer, returning=projection_of(returning)
    )


async def _archive(ctx: Context, args: Args, _: Returning | None) -> object:
    return await teams.archive(ctx.graph, args["id"], ctx.actor_id)


@writes(
    createTeam=Write(_create),
    updateTeam=Write(_update, projected=True, confirms_caller=True),
    archiveTeam=Write(_archive),
)
@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Create a team for an issue, with its lead as the first member; `warnings` flag "
        "overlap with other active teams (the team is created anyway). Any signed-in civil servant "
        "may start a team they lead; administrators and centre-of-government staff may name any lead."
    )
    def create_team(
        self, input: Annotated[TeamInput, strawberry.argument(description="The new team.")]
    ) -> CreateTeamPayload:
        return answered_by_planner()

    @strawberry.mutation(description="Change a team's details (its lead, or an administrator).")
    def update_team(
        self,
        id: Annotated[strawberry.ID, _TEAM_ID],
        patch: Annotated[TeamPatch, strawberry.argument(description="The fields to change.")],
    ) -> ProjectTeam:
        return answered_by_planner()

    @strawberry.mutation(
        description="Archive a team: hidden from lists, history kept (its lead, or an administrator)."
    )
    def archive_team(self, id: Annotated[strawberry.ID, _TEAM_ID]) -> ProjectTeam:
        return answered_by_planner()
