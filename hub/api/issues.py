"""Horizontal issue type (affected institutions, dependencies, teams), queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import directions, institutions, issues, teams
from graph.driver import Record
from graph.issues import IssueOrder, IssueStatus, Priority, Stake
from hub.api.base import Connection, GQLInfo, Node, from_record, page_request, to_model
from hub.api.text_limits import LONG_TEXT, SEARCH, TITLE, Cursor

if TYPE_CHECKING:
    from hub.api.directions import PlanDirection
    from hub.api.institutions import Institution
    from hub.api.teams import ProjectTeam

strawberry.enum(IssueStatus)
strawberry.enum(Priority)
strawberry.enum(Stake, description="How an institution is affected: it leads, is involved, or is consulted.")
strawberry.enum(IssueOrder)


@strawberry.type(description="An institution's stake in a horizontal issue.")
class Impact:
    stake: Stake
    issue_id: strawberry.Private[str]
    institution_id: strawberry.Private[str]

    @strawberry.field
    async def institution(
        self, info: GQLInfo
    ) -> Annotated[Institution, strawberry.lazy("hub.api.institutions")]:
        from hub.api.institutions import Institution

        return from_record(
            Institution, await info.context.loaders.one(institutions.by_ids).load(self.institution_id) or {}
        )

    @strawberry.field
    async def issue(self, info: GQLInfo) -> HorizontalIssue:
        return issue(await info.context.loaders.one(issues.by_ids).load(self.issue_id) or {})


@strawberry.type
class HorizontalIssue(Node):
    title: str
    description: str
    status: IssueStatus
    priority: Priority
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    direction_id: strawberry.Private[str | None]

    @strawberry.field
    async def direction(
        self, info: GQLInfo
    ) -> Annotated[PlanDirection, strawberry.lazy("hub.api.directions")] | None:
        from hub.api.directions import direction

        if self.direction_id is None:
            return None
        record = await info.context.loaders.one(directions.by_ids).load(self.direction_id)
        return direction(record) if record else None

    @strawberry.field(description="Affected institutions, lead stake first.")
    async def affected(self, info: GQLInfo) -> list[Impact]:
        rows = await info.context.loaders.many(issues.impacts_of).load(self.id)
        return [Impact(stake=r["stake"], issue_id=self.id, institution_id=r["institutionId"]) for r in rows]

    @strawberry.field(description="Issues this one depends on.")
    async def depends_on(self, info: GQLInfo) -> list[HorizontalIssue]:
        return [issue(r) for r in await info.context.loaders.many(issues.dependencies_of).load(self.id)]

    @strawberry.field(description="Issues that depend on this one.")
    async def dependents(self, info: GQLInfo) -> list[HorizontalIssue]:
        return [issue(r) for r in await info.context.loaders.many(issues.dependents_of).load(self.id)]

    @strawberry.field(description="Teams working on this issue.")
    async def teams(self, info: GQLInfo) -> list[Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]]:
        from hub.api.teams import team

        return [
            team(r)
            for r in await info.context.loaders.many(teams.addressing, info.context.viewer).load(self.id)
        ]


@strawberry.input
class ImpactInput:
    institution_id: strawberry.ID
    stake: Stake


@strawberry.input
class IssueInput:
    title: str = TITLE.field()
    description: str = LONG_TEXT.field(default="")
    status: IssueStatus = IssueStatus.PROPOSED
    priority: Priority = Priority.MEDIUM
    direction_id: strawberry.ID | None = None
    affected: list[ImpactInput] = strawberry.field(default_factory=list)
    depends_on_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed; `directionId: null` removes the direction.")
class IssuePatch:
    title: str | None = TITLE.field(default=strawberry.UNSET)
    description: str | None = LONG_TEXT.field(default=strawberry.UNSET)
    status: IssueStatus | None = strawberry.UNSET
    priority: Priority | None = strawberry.UNSET
    direction_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class IssueFilter:
    status: IssueStatus | None = None
    priority: Priority | None = None
    direction_id: strawberry.ID | None = None
    institution_id: strawberry.ID | None = None
    text: str | None = SEARCH.field("Part of the title or the description.", default=None)
    include_archived: bool = False


def issue(record: Record) -> HorizontalIssue:
    return from_record(HorizontalIssue, record)


@strawberry.type
class IssueQuery:
    @strawberry.field
    async def issue(self, info: GQLInfo, id: strawberry.ID) -> HorizontalIssue | None:
        record = await info.context.loaders.one(issues.by_ids).load(id)
        return issue(record) if record else None

    @strawberry.field
    async def issues(
        self,
        info: GQLInfo,
        filter: IssueFilter | None = None,
        order_by: IssueOrder = IssueOrder.UPDATED,
        descending: bool = True,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[HorizontalIssue]:
        f = filter or IssueFilter()
        page = await issues.list_page(
            info.context.graph,
            page_request(info, first, after),
            status=f.status,
            priority=f.priority,
            direction_id=f.direction_id,
            institution_id=f.institution_id,
            text=f.text,
            include_archived=f.include_archived,
            order=order_by,
            descending=descending,
        )
        return Connection.of(page, issue)


@strawberry.type
class IssueMutation:
    @strawberry.mutation
    async def create_issue(self, info: GQLInfo, input: IssueInput) -> HorizontalIssue:
        data = to_model(issues.IssueInput, input)
        return issue(await issues.create(info.context.graph, data, info.context.actor_id))

    @strawberry.mutation
    async def update_issue(self, info: GQLInfo, id: strawberry.ID, patch: IssuePatch) -> HorizontalIssue:
        data = to_model(issues.IssuePatch, patch)
        return issue(await issues.update(info.context.graph, id, data, info.context.actor_id))

    @strawberry.mutation(description="Mark an institution as affected by an issue, or change its stake.")
    async def set_issue_impact(
        self, info: GQLInfo, issue_id: strawberry.ID, input: ImpactInput
    ) -> HorizontalIssue:
        data = to_model(issues.ImpactInput, input)
        return issue(await issues.set_impact(info.context.graph, issue_id, data, info.context.actor_id))

    @strawberry.mutation
    async def remove_issue_impact(
        self, info: GQLInfo, issue_id: strawberry.ID, institution_id: strawberry.ID
    ) -> HorizontalIssue:
        return issue(
            await issues.remove_impact(info.context.graph, issue_id, institution_id, info.context.actor_id)
        )

    @strawberry.mutation(description="Record that one issue depends on another; cycles are refused.")
    async def add_issue_dependency(
        self, info: GQLInfo, issue_id: strawberry.ID, depends_on_id: strawberry.ID
    ) -> HorizontalIssue:
        return issue(
            await issues.add_dependency(info.context.graph, issue_id, depends_on_id, info.context.actor_id)
        )

    @strawberry.mutation
    async def remove_issue_dependency(
        self, info: GQLInfo, issue_id: strawberry.ID, depends_on_id: strawberry.ID
    ) -> HorizontalIssue:
        return issue(
            await issues.remove_dependency(info.context.graph, issue_id, depends_on_id, info.context.actor_id)
        )

    @strawberry.mutation
    async def archive_issue(self, info: GQLInfo, id: strawberry.ID) -> HorizontalIssue:
        return issue(await issues.archive(info.context.graph, id, info.context.actor_id))
