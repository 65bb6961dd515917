"""Project team type and membership, queries and mutations."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import issues, people, teams
from graph.driver import Record
from graph.teams import Role, TeamOrder, TeamStatus, Visibility
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request, to_model

if TYPE_CHECKING:
    from hub.api.issues import HorizontalIssue
    from hub.api.people import Person

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


@strawberry.input
class TeamInput:
    name: str
    issue_id: strawberry.ID
    lead_person_id: strawberry.ID
    mandate: str = ""
    lead_allocation: int = 20
    visibility: Visibility = Visibility.INTERNAL
    legal_basis_number: str | None = None
    legal_basis_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None


@strawberry.input(description="Only the fields given are changed; null clears an optional field.")
class TeamPatch:
    name: str | None = strawberry.UNSET
    mandate: str | None = strawberry.UNSET
    visibility: Visibility | None = strawberry.UNSET
    legal_basis_number: str | None = strawberry.UNSET
    legal_basis_date: date | None = strawberry.UNSET
    start_date: date | None = strawberry.UNSET
    end_date: date | None = strawberry.UNSET


@strawberry.input
class TeamFilter:
    status: TeamStatus | None = None
    visibility: Visibility | None = None
    issue_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None
    text: str | None = None
    include_archived: bool = False


def team(record: Record) -> ProjectTeam:
    return from_record(ProjectTeam, record)


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
        after: str | None = None,
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


@strawberry.type
class TeamMutation:
    @strawberry.mutation(description="Create a team for an issue, with its lead as the first member.")
    async def create_team(self, info: GQLInfo, input: TeamInput) -> ProjectTeam:
        data = to_model(teams.TeamInput, input)
        return team(await teams.create(info.context.graph, data, info.context.actor_id))

    @strawberry.mutation
    async def update_team(self, info: GQLInfo, id: strawberry.ID, patch: TeamPatch) -> ProjectTeam:
        data = to_model(teams.TeamPatch, patch)
        return team(await teams.update(info.context.graph, id, data, info.context.actor_id))

    @strawberry.mutation
    async def archive_team(self, info: GQLInfo, id: strawberry.ID) -> ProjectTeam:
        return team(await teams.archive(info.context.graph, id, info.context.actor_id))
