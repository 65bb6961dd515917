"""Horizontal issue type (affected institutions, dependencies, teams), queries and mutations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import issues
from graph.issues import IssueOrder, IssueStatus, Priority, Stake
from graph.validation import validate
from hub.api.base import Connection, Node, PageSize, described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, roots, writes
from hub.api.text_limits import LONG_TEXT, SEARCH, TITLE, PageCursor

if TYPE_CHECKING:
    from hub.api.directions import PlanDirection
    from hub.api.institutions import Institution
    from hub.api.teams import ProjectTeam

described_enum(
    IssueStatus,
    "Where a horizontal issue stands.",
    PROPOSED="Raised, not yet taken up (the default for a new issue).",
    ACTIVE="Being worked on; counted in hotspots and the direction matrix.",
    ON_HOLD="Paused; not counted as active.",
    RESOLVED="Done; kept for the record.",
)
described_enum(
    Priority,
    "How urgent an issue is for the centre of government.",
    LOW="Can wait.",
    MEDIUM="Normal priority (the default).",
    HIGH="To be dealt with before medium and low ones.",
    CRITICAL="Most urgent: needs attention now.",
)
described_enum(
    Stake,
    "How an institution is affected: it leads, is involved, or is consulted.",
    LEAD="Responsible for the issue; a team should have a member from it.",
    INVOLVED="Takes part in the work.",
    CONSULTED="Asked for its opinion.",
)
described_enum(
    IssueOrder,
    "How a list of issues is sorted (ties broken by id).",
    TITLE="By title, alphabetically.",
    PRIORITY="By priority, LOW to CRITICAL (descending for the most urgent first).",
    CREATED="By when the issue was created.",
    UPDATED="By when the issue last changed.",
)
_ISSUE_ID = strawberry.argument(description="The horizontal issue's id.")


@maps(issues.IMPACT)
@strawberry.type(description="An institution's stake in a horizontal issue.")
class Impact:
    stake: Stake = strawberry.field(description="Whether the institution leads, is involved or is consulted.")
    institution: Annotated[Institution, strawberry.lazy("hub.api.institutions")] = strawberry.field(
        description="The affected institution."
    )
    issue: HorizontalIssue = strawberry.field(description="The issue that affects it.")


@maps(issues.ISSUE)
@strawberry.type(
    description="A problem that cuts across institutions (e.g. a shared e-service) and needs a "
    "cross-institution team; mapped by centre-of-government staff."
)
class HorizontalIssue(Node):
    title: str = strawberry.field(description="Short name of the issue, as shown in lists and on the map.")
    description: str = strawberry.field(description="What the issue is about; empty when not given.")
    status: IssueStatus = strawberry.field(description="Proposed, active, on hold or resolved.")
    priority: Priority = strawberry.field(description="How urgent it is.")
    created_at: datetime | None = strawberry.field(description="When the issue was recorded.")
    updated_at: datetime | None = strawberry.field(description="When it last changed; null if it never has.")
    archived_at: datetime | None = strawberry.field(
        description="When it was archived; null while it is current."
    )
    direction: Annotated[PlanDirection, strawberry.lazy("hub.api.directions")] | None = strawberry.field(
        description="The Modernisation Plan direction it falls under; null when not assigned."
    )
    affected: list[Impact] = strawberry.field(description="Affected institutions, lead stake first.")
    depends_on: list[HorizontalIssue] = strawberry.field(description="Issues this one depends on.")
    dependents: list[HorizontalIssue] = strawberry.field(description="Issues that depend on this one.")
    teams: list[Annotated[ProjectTeam, strawberry.lazy("hub.api.teams")]] = strawberry.field(
        description="Teams working on this issue."
    )


@strawberry.input(description="An institution an issue affects, and how.")
class ImpactInput:
    institution_id: strawberry.ID = strawberry.field(description="The affected institution.")
    stake: Stake = strawberry.field(description="Whether it leads, is involved or is consulted.")


@strawberry.input(description="A new horizontal issue.")
class IssueInput:
    title: str = TITLE.field("Short name of the issue.")
    description: str = LONG_TEXT.field("What the issue is about.", default="")
    status: IssueStatus = strawberry.field(default=IssueStatus.PROPOSED, description="Where it stands.")
    priority: Priority = strawberry.field(default=Priority.MEDIUM, description="How urgent it is.")
    direction_id: strawberry.ID | None = strawberry.field(
        default=None, description="The Modernisation Plan direction it falls under."
    )
    affected: list[ImpactInput] = strawberry.field(
        default_factory=list, description="The institutions it affects, each with its stake."
    )
    depends_on_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Issues this one depends on; cycles are refused."
    )


@strawberry.input(description="Only the fields given are changed; `directionId: null` removes the direction.")
class IssuePatch:
    title: str | None = TITLE.field("Short name of the issue.", default=strawberry.UNSET)
    description: str | None = LONG_TEXT.field("What the issue is about.", default=strawberry.UNSET)
    status: IssueStatus | None = strawberry.field(default=strawberry.UNSET, description="Where it stands.")
    priority: Priority | None = strawberry.field(default=strawberry.UNSET, description="How urgent it is.")
    direction_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The Modernisation Plan direction; null for none."
    )


@strawberry.input(description="Which issues to list; every field given narrows the list.")
class IssueFilter:
    status: IssueStatus | None = strawberry.field(default=None, description="Only issues with this status.")
    priority: Priority | None = strawberry.field(default=None, description="Only issues of this priority.")
    direction_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues under this plan direction."
    )
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only issues affecting this institution."
    )
    text: str | None = SEARCH.field(
        "Words of the title or the description, matched as `search` matches them: any inflected form, "
        "diacritics optional, the last word a prefix; text with no word matches nothing.",
        default=None,
    )
    include_archived: bool = strawberry.field(
        default=False, description="Also list archived issues (hidden by default)."
    )


@roots(issue=issues.ISSUE_BY_ID, issues=issues.ISSUES)
@strawberry.type
class IssueQuery:
    @strawberry.field(description="One horizontal issue, or null when there is none with this id.")
    def issue(self, id: Annotated[strawberry.ID, _ISSUE_ID]) -> HorizontalIssue | None:
        return answered_by_planner()

    @strawberry.field(
        description="Horizontal issues, a page at a time; most recently changed first by default."
    )
    def issues(
        self,
        filter: Annotated[
            IssueFilter | None,
            strawberry.argument(description="Which issues; all current ones when omitted."),
        ] = None,
        order_by: Annotated[
            IssueOrder, strawberry.argument(description="The sort key.")
        ] = IssueOrder.UPDATED,
        descending: Annotated[
            bool,
            strawberry.argument(description="Largest first (newest, most urgent, Z to A); false reverses."),
        ] = True,
        first: PageSize = None,
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
    @strawberry.mutation(
        description="Record a horizontal issue (administrators and centre-of-government staff)."
    )
    def create_issue(
        self, input: Annotated[IssueInput, strawberry.argument(description="The new issue.")]
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Change an issue's title, description, status, priority or direction (administrators "
        "and centre-of-government staff)."
    )
    def update_issue(
        self,
        id: Annotated[strawberry.ID, _ISSUE_ID],
        patch: Annotated[IssuePatch, strawberry.argument(description="The fields to change.")],
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Mark an institution as affected by an issue, or change its stake (administrators "
        "and centre-of-government staff)."
    )
    def set_issue_impact(
        self,
        issue_id: Annotated[strawberry.ID, _ISSUE_ID],
        input: Annotated[ImpactInput, strawberry.argument(description="The institution and its stake.")],
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Record that an institution is no longer affected by an issue (administrators and "
        "centre-of-government staff)."
    )
    def remove_issue_impact(
        self,
        issue_id: Annotated[strawberry.ID, _ISSUE_ID],
        institution_id: Annotated[
            strawberry.ID, strawberry.argument(description="The institution no longer affected.")
        ],
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Record that one issue depends on another; cycles are refused (administrators and "
        "centre-of-government staff)."
    )
    def add_issue_dependency(
        self,
        issue_id: Annotated[strawberry.ID, strawberry.argument(description="The issue that depends.")],
        depends_on_id: Annotated[strawberry.ID, strawberry.argument(description="The issue it waits on.")],
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Record that one issue no longer depends on another (administrators and "
        "centre-of-government staff)."
    )
    def remove_issue_dependency(
        self,
        issue_id: Annotated[strawberry.ID, strawberry.argument(description="The issue that depended.")],
        depends_on_id: Annotated[
            strawberry.ID, strawberry.argument(description="The issue it no longer waits on.")
        ],
    ) -> HorizontalIssue:
        return answered_by_planner()

    @strawberry.mutation(
        description="Archive an issue: hidden from lists and the map, history kept (administrators "
        "and centre-of-government staff)."
    )
    def archive_issue(self, id: Annotated[strawberry.ID, _ISSUE_ID]) -> HorizontalIssue:
        return answered_by_planner()
