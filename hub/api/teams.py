"""Project team type and membership, queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph import formation, teams
from graph.teams import Role, TeamOrder, TeamStatus, Visibility
from graph.validation import validate
from hub.api.base import Connection, Node
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

strawberry.enum(TeamStatus)
strawberry.enum(
    Visibility, description="PUBLIC: everyone; INTERNAL: signed-in civil servants; RESTRICTED: members."
)
strawberry.enum(Role)
strawberry.enum(TeamOrder)


@maps(teams.MEMBERSHIP)
@strawberry.type(description="A person's place on a team: role and share of working time.")
class Membership:
    role: Role
    allocation: int = strawberry.field(description="Percent of the person's working time.")
    since: date | None
    person: Annotated[Person, strawberry.lazy("hub.api.people")]
    team: ProjectTeam


@maps(teams.LEGAL_BASIS)
@strawberry.type
class LegalBasis:
    order_number: str
    order_date: date | None


def _posts_arguments(first: int | None = None, after: PageCursor = None) -> Any:
    return answered_by_planner()


@maps(teams.TEAM)
@strawberry.type
class ProjectTeam(Node):
    name: str
    mandate: str
    status: TeamStatus
    visibility: Visibility
    outcome: str | None
    start_date: date | None
    end_date: date | None = strawberry.field(description="When the mandate ends.")
    reporting_deadlines: list[date] = strawberry.field(description="When reports are due, earliest first.")
    requires_manager_approval: bool = strawberry.field(
        description="Whether an invitee's home-institution manager approves the time before they join."
    )
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    legal_basis: LegalBasis | None = strawberry.field(
        description="The order that set the team up, e.g. a Cabinet order number and date."
    )
    issue: Annotated[HorizontalIssue, strawberry.lazy("hub.api.issues")] | None
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


@strawberry.input
class TeamInput:
    name: str = NAME.field()
    issue_id: strawberry.ID
    lead_person_id: strawberry.ID
    mandate: str = LONG_TEXT.field(default="")
    lead_allocation: int = 20
    visibility: Visibility = Visibility.INTERNAL
    legal_basis_number: str | None = ORDER_NUMBER.field(default=None)
    legal_basis_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    reporting_deadlines: list[date] = strawberry.field(default_factory=list)
    requires_manager_approval: bool = False
    proposed_member_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="People the lead means to invite; only checked for overlap with other active teams.",
    )


@strawberry.input(description="Only the fields given are changed; null clears an optional field.")
class TeamPatch:
    name: str | None = NAME.field(default=strawberry.UNSET)
    mandate: str | None = LONG_TEXT.field(default=strawberry.UNSET)
    visibility: Visibility | None = strawberry.UNSET
    legal_basis_number: str | None = ORDER_NUMBER.field(default=strawberry.UNSET)
    legal_basis_date: date | None = strawberry.UNSET
    start_date: date | None = strawberry.UNSET
    end_date: date | None = strawberry.UNSET
    reporting_deadlines: list[date] | None = strawberry.UNSET
    requires_manager_approval: bool | None = strawberry.UNSET


@strawberry.input
class TeamFilter:
    status: TeamStatus | None = None
    visibility: Visibility | None = None
    issue_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None
    text: str | None = SEARCH.field("Part of the name or the mandate.", default=None)
    include_archived: bool = False


@roots(team=teams.TEAM_BY_ID, teams=teams.TEAMS)
@strawberry.type
class TeamQuery:
    @strawberry.field
    def team(self, id: strawberry.ID) -> ProjectTeam | None:
        return answered_by_planner()

    @strawberry.field
    def teams(
        self,
        filter: TeamFilter | None = None,
        order_by: TeamOrder = TeamOrder.NAME,
        descending: bool = False,
        first: int | None = None,
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
        "overlap with other active teams (the team is created anyway)."
    )
    def create_team(self, input: TeamInput) -> CreateTeamPayload:
        return answered_by_planner()

    @strawberry.mutation
    def update_team(self, id: strawberry.ID, patch: TeamPatch) -> ProjectTeam:
        return answered_by_planner()

    @strawberry.mutation
    def archive_team(self, id: strawberry.ID) -> ProjectTeam:
        return answered_by_planner()
