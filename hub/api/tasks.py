"""Team tasks: title, assignee (a member), due date and status."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph import tasks
from graph.tasks import TaskStatus
from graph.validation import validate
from hub.api.base import Node, described_enum
from hub.api.context import Context
from hub.api.planning import Args, Returning, Write, answered_by_planner, maps, writes
from hub.api.text_limits import TITLE

if TYPE_CHECKING:
    from hub.api.people import Person

described_enum(
    TaskStatus,
    "Where a task stands.",
    TODO="Not started (the default).",
    IN_PROGRESS="Someone is working on it.",
    DONE="Finished.",
    CANCELLED="Dropped; no longer to be done.",
)


@maps(tasks.TASK)
@strawberry.type(description="A piece of a team's work, optionally assigned to a member and due on a date.")
class Task(Node):
    title: str = strawberry.field(description="What is to be done.")
    status: TaskStatus = strawberry.field(description="To do, in progress, done or cancelled.")
    due_date: date | None = strawberry.field(description="The day it is due; null when it has no deadline.")
    created_at: datetime | None = strawberry.field(description="When the task was created.")
    updated_at: datetime | None = strawberry.field(description="When it last changed; null if it never has.")
    assignee: Annotated[Person, strawberry.lazy("hub.api.people")] | None = strawberry.field(
        description="The member responsible; null when unassigned."
    )


@strawberry.input(description="A new task for a team (its members, or an administrator).")
class TaskInput:
    team_id: strawberry.ID = strawberry.field(description="The team the task belongs to.")
    title: str = TITLE.field("What is to be done.")
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Must be a member.")
    due_date: date | None = strawberry.field(default=None, description="The day it is due.")
    status: TaskStatus = strawberry.field(default=TaskStatus.TODO, description="Where it stands.")


@strawberry.input(description="Only the fields given are changed; null clears the assignee or due date.")
class TaskPatch:
    title: str | None = TITLE.field("What is to be done.", default=strawberry.UNSET)
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The member responsible; null unassigns."
    )
    due_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="The day it is due; null removes the deadline."
    )
    status: TaskStatus | None = strawberry.field(default=strawberry.UNSET, description="Where it stands.")


async def _create(ctx: Context, args: Args, _: Returning | None) -> object:
    return await tasks.create(ctx.graph, validate(tasks.TaskInput, args["input"]), ctx.actor_id, ctx.viewer)


async def _update(ctx: Context, args: Args, _: Returning | None) -> object:
    data = validate(tasks.TaskPatch, args["patch"])
    return await tasks.update(ctx.graph, args["id"], data, ctx.actor_id, ctx.viewer)


@writes(createTask=Write(_create), updateTask=Write(_update))
@strawberry.type
class TaskMutation:
    @strawberry.mutation(description="Add a task to a team (a member of the team, or an administrator).")
    def create_task(
        self,
        input: Annotated[
            TaskInput, strawberry.argument(description="The team, what is to be done, by whom and when.")
        ],
    ) -> Task:
        return answered_by_planner()

    @strawberry.mutation(
        description="Change a task's title, assignee, due date or status (a member of its team, or an "
        "administrator)."
    )
    def update_task(
        self,
        id: Annotated[strawberry.ID, strawberry.argument(description="The task's id.")],
        patch: Annotated[TaskPatch, strawberry.argument(description="The fields to change.")],
    ) -> Task:
        return answered_by_planner()
