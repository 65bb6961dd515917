"""Horizontal issue type (affected institutions, dependencies, teams), queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import issues
from graph.issues import IssueOrder, IssueStatus, Priority, Stake
from graph.validation import validate
from hub.api.base import Connection, Node
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import LONG_TEXT, SEARCH, TITLE, PageCursor

if TYPE_CHECKING:
    from hub.api.directions import PlanDirection
    from hub.api.institutions import Institution
    from hub.api.teams import ProjectTeam

strawberry.enum(IssueStatus)
strawberry.enum(Priority)
strawberry.enum(Stake, description="How an institution is affected: it leads, is involved, or is consulted.")
strawberry.enum(IssueOrder)


@maps(issues.IMPACT)
@strawberry.type(description="An institution's stake in a horizontal issue.")
class Impact:
    stake: Stake
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")]
    issue: HorizontalIssue


@maps(issues.ISSUE)
@strawberry.type
class HorizontalIssue(Node):
    title: str
    description: str
    status: IssueStatus
    priority: Priority
    created_at: datetime | None
    updated_at: datetime | None
    archived_at: datetime | None
    direction: Annotated[PlanDirection, strawberry.lazy("hub.api.directions")] | None
    affected: list[Impact] = strawberry.field(description="Affected institutions, lead stake first.")
    depends_on: list[HorizontalIssue] = strawberry.field(description="Issues this one depends on.")
    dependents: list[HorizontalIssue] = strawberry.field(description="Issues that depend on this one.")
    teams: list[Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]] = strawberry.field(
        description="Teams working on this issue."
    )


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


@roots(issue=issues.ISSUE_BY_ID, issues=issues.ISSUES)
@strawberry.type
class IssueQuery:
    @strawberry.field
    def issue(self, id: strawberry.ID) -> HorizontalIssue | None:
        return answered_by_planner()

    @strawberry.field
    def issues(
        self,
        filter: IssueFilter | None = None,
        order_by: IssueOrder = IssueOrder.UPDATED,
        descending: bool = True,
        first: int | None = None,
        after: PageCursor = None,
    ) -> Connection[HorizontalIssue]:
        return answered_by_planner()


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.create(ctx.graph, validate(issues.IssueInput, args["input"]), ctx.actor_id)


async def _update(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.update(
        ctx.graph, args["id"], validate(issues.IssuePatch, args["patch"]), ctx.actor_id
    )


async def _set_impact(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(issues.ImpactInput, args["input"])
    return await issues.set_impact(ctx.graph, args["issueId"], data, ctx.actor_id)


async def _remove_impact(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.remove_impact(ctx.graph, args["issueId"], args["institutionId"], ctx.actor_id)


async def _add_dependency(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.add_dependency(ctx.graph, args["issueId"], args["dependsOnId"], ctx.actor_id)


async def _remove_dependency(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.remove_dependency(ctx.graph, args["issueId"], args["dependsOnId"], ctx.actor_id)


async def _archive(ctx: Context, args: Args, _: Returning | None) -> object:
    return await issues.archive(ctx.graph, args["id"], ctx.actor_id)


@writes(
    createIssue=Write(_create),
    updateIssue=Write(_update),
    setIssueImpact=Write(_set_impact),
    removeIssueImpact=Write(_remove_impact),
    addIssueDependency=Write(_add_dependency),
    removeIssueDependency=Write(_remove_dependency),
    archiveIssue=Write(_archive),
)
@strawberry.type
class IssueMutation:
    @strawberry.mutation
    def create_issue(self, input: IssueInput) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation
    def update_issue(self, id: strawberry.ID, patch: IssuePatch) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(description="Mark an institution as affected by an issue, or change its stake.")
    def set_issue_impact(self, issue_id: strawberry.ID, input: ImpactInput) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation
    def remove_issue_impact(self, issue_id: strawberry.ID, institution_id: strawberry.ID) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(description="Record that one issue depends on another; cycles are refused.")
    def add_issue_dependency(self, issue_id: strawberry.ID, depends_on_id: strawberry.ID) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation
    def remove_issue_dependency(
        self, issue_id: strawberry.ID, depends_on_id: strawberry.ID
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation
    def archive_issue(self, id: strawberry.ID) -> HorizontalIssue:
        return answered_by_planner()
