"""Project team type and membership, queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import decisions, formation, invitations, issues, people, posts, tasks, teams
from graph.driver import Record
from graph.teams import Role, TeamOrder, TeamStatus, Visibility
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request, to_model
from hub.api.context import Context
from hub.api.formation import CreateTeamPayload, OverlapWarning
from hub.api.text_limits import LONG_TEXT, NAME, ORDER_NUMBER, SEARCH, Cursor

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


@strawberry.type(description="A person's place on a team: role and share of working time.")
class Membership:
    role: Role
    allocation: int = strawberry.field(description="Percent of the person's working time.")
    since: date | None
    person_id: strawberry.Private[str]
    team_id: strawberry.Private[str]

    @classmethod
    def of(cls, record: Record) -> Membership:
        return from_record(cls, record)

    @strawberry.field
    async def person(self, info: GQLInfo) -> Annotated[Person, strawberry.lazy("hub.api.people")]:
        from hub.api.people import person

        return person(await info.context.loaders.one(people.by_ids).load(self.person_id) or {})

    @strawberry.field
    async def team(self, info: GQLInfo) -> ProjectTeam:
        return team(
            await info.context.loaders.one(teams.by_ids, info.context.viewer).load(self.team_id) or {}
        )


@strawberry.type
class LegalBasis:
    order_number: str
    order_date: date | None


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
    issue_id: strawberry.Private[str | None]
    legal_basis_number: strawberry.Private[str | None]
    legal_basis_date: strawberry.Private[date | None]

    @strawberry.field(description="The order that set the team up, e.g. a Cabinet order number and date.")
    def legal_basis(self) -> LegalBasis | None:
        if self.legal_basis_number is None:
            return None
        return LegalBasis(order_number=self.legal_basis_number, order_date=self.legal_basis_date)

    @strawberry.field
    async def issue(
        self, info: GQLInfo
    ) -> Annotated[HorizontalIssue, strawberry.lazy("hub.api.issues")] | None:
        from hub.api.issues import issue

        if self.issue_id is None:
            return None
        record = await info.context.loaders.one(issues.by_ids).load(self.issue_id)
        return issue(record) if record else None

    @strawberry.field(description="Members, the lead first.")
    async def members(self, info: GQLInfo) -> list[Membership]:
        return [
            Membership.of(r)
            for r in await info.context.loaders.many(teams.members_of, info.context.viewer).load(self.id)
        ]

    @strawberry.field(description="Invitations: pending first, then awaiting approval, then the rest.")
    async def invitations(
        self, info: GQLInfo
    ) -> list[Annotated[Invitation, strawberry.lazy("hub.api.invitations")]]:
        from hub.api.invitations import invitation

        rows = await info.context.loaders.many(invitations.of_teams, info.context.viewer).load(self.id)
        return [invitation(r) for r in rows]

    @strawberry.field(description="Which institutions the issue affects and who represents each on the team.")
    async def coverage(self, info: GQLInfo) -> Annotated[Coverage, strawberry.lazy("hub.api.formation")]:
        from hub.api.formation import coverage

        record = await info.context.loaders.one(formation.coverage_of, info.context.viewer).load(self.id)
        return coverage(record or {"institutions": [], "leadInstitutionMissing": False})

    @strawberry.field(description="Top-level posts, newest first; each carries its replies.")
    async def posts(
        self, info: GQLInfo, first: int | None = None, after: Cursor = None
    ) -> Connection[Annotated[Post, strawberry.lazy("hub.api.posts")]]:
        from hub.api.posts import post

        request = page_request(info, first, after)
        found = await info.context.loaders.one(posts.pages_of_teams, info.context.viewer, request).load(
            self.id
        )
        return Connection.of(posts.page_of(found, request), post)

    @strawberry.field(description="Decisions, latest decision date first.")
    async def decisions(
        self, info: GQLInfo
    ) -> list[Annotated[Decision, strawberry.lazy("hub.api.decisions")]]:
        from hub.api.decisions import decision

        rows = await info.context.loaders.many(decisions.of_teams, info.context.viewer).load(self.id)
        return [decision(r) for r in rows]

    @strawberry.field(description="Tasks: in progress, to do (soonest due first), done, cancelled.")
    async def tasks(self, info: GQLInfo) -> list[Annotated[Task, strawberry.lazy("hub.api.tasks")]]:
        from hub.api.tasks import task

        rows = await info.context.loaders.many(tasks.of_teams, info.context.viewer).load(self.id)
        return [task(r) for r in rows]


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


def team(record: Record) -> ProjectTeam:
    return from_record(
        ProjectTeam,
        {
            **record,
            "reportingDeadlines": record.get("reportingDeadlines") or [],
            "requiresManagerApproval": bool(record.get("requiresManagerApproval")),
        },
    )


@strawberry.type
class TeamQuery:
    @strawberry.field
    async def team(self, info: GQLInfo, id: strawberry.ID) -> ProjectTeam | None:
        record = await info.context.loaders.one(teams.by_ids, info.context.viewer).load(id)
        return team(record) if record else None

    @strawberry.field
    async def teams(
        self,
        info: GQLInfo,
        filter: TeamFilter | None = None,
        order_by: TeamOrder = TeamOrder.NAME,
        descending: bool = False,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[ProjectTeam]:
        f = filter or TeamFilter()
        page = await teams.list_page(
            info.context.graph,
            page_request(info, first, after),
            info.context.viewer,
            status=f.status,
            visibility=f.visibility,
            issue_id=f.issue_id,
            member_id=f.member_id,
            text=f.text,
            include_archived=f.include_archived,
            order=order_by,
            descending=descending,
        )
        return Connection.of(page, team)


# The resolver of a hot mutation, also called by hub/api/early_mutations.py.
async def update_team(ctx: Context, id: str, patch: TeamPatch) -> ProjectTeam:
    data = to_model(teams.TeamPatch, patch)
    return team(await teams.update(ctx.graph, id, data, ctx.actor_id, ctx.viewer))


@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Create a team for an issue, with its lead as the first member; `warnings` flag "
        "overlap with other active teams (the team is created anyway)."
    )
    async def create_team(self, info: GQLInfo, input: TeamInput) -> CreateTeamPayload:
        data = to_model(teams.TeamInput, input)
        ctx = info.context
        node, warnings = await formation.create_team(ctx.graph, data, ctx.actor_id, ctx.viewer)
        return CreateTeamPayload(
            team=team(node),
            warnings=[
                OverlapWarning(code=w["code"], message=w["message"], team_id=w["teamId"]) for w in warnings
            ],
        )

    @strawberry.mutation
    async def update_team(self, info: GQLInfo, id: strawberry.ID, patch: TeamPatch) -> ProjectTeam:
        return await update_team(info.context, id, patch)

    @strawberry.mutation
    async def archive_team(self, info: GQLInfo, id: strawberry.ID) -> ProjectTeam:
        return team(await teams.archive(info.context.graph, id, info.context.actor_id))
